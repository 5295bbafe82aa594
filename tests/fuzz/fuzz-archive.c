/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Archive extraction (src/archive/extract.c over the system's libarchive).
 * The first input byte chooses how the rest, an archive, is read: bit 0
 * set, as sysc-import reads a container archive (the sysc-archive and
 * config members, the rootfs/ tree up to sysc-checksum, then that member);
 * clear, as a rootfs tarball of the tarball template. Bits 1-2 choose the
 * device policy (none, safe, all). Unless bit 3 is set, the checksums of
 * the chain of tar headers are corrected first: a mutated header would
 * otherwise rarely get past libarchive to the code under test.
 *
 * Each input is extracted into a new directory under $TMPDIR, removed
 * afterwards; file sizes are bounded by RLIMIT_FSIZE (a compressed archive
 * may expand a lot: run with -handle_xfsz=0, so that a write past it fails
 * with EFBIG as SIGXFSZ is ignored), and a descriptor left open is reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/tar.h"
#include "tests/fuzz/fuzz.h"
#include "util/cleanup.h"

#define FILE_SIZE_MAX (16 << 20)

static char work[PATH_MAX];

/* Directories extracted with mode 0 are opened up first (for a non-root run). */
static int open_dir(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D || flag == FTW_DNR)
		(void)chmod(path, 0700);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) < 0)
		abort(); /* nothing extracted may resist removal */
	return 0;
}

static void remove_tree(const char *path)
{
	if (nftw(path, open_dir, 16, FTW_PHYS) < 0 && errno != ENOENT)
		abort();
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		abort();
}

static void remove_work(void)
{
	remove_tree(work);
}

/* The size field of a tar header (octal, or base-256 when the top bit is set). */
static uint64_t header_size(const uint8_t *h)
{
	uint64_t v = 0;

	if (h[124] & 0x80) {
		for (int i = 125; i < 136; i++)
			v = v << 8 | h[i];
		return v;
	}
	for (int i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(h[i] - '0');
	return v;
}

static void fix_checksums(uint8_t *t, size_t n)
{
	for (size_t off = 0; off + 512 <= n;) {
		uint8_t *h = t + off;
		unsigned sum = 0;
		uint64_t size = header_size(h);
		char field[8];

		memset(h + 148, ' ', 8);
		for (int i = 0; i < 512; i++)
			sum += h[i];
		snprintf(field, sizeof(field), "%06o", sum);
		memcpy(h + 148, field, 7); /* six digits, NUL, space */
		if (size > n)
			break;
		off += 512 + (size_t)(size + 511) / 512 * 512;
	}
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct rlimit rl = {FILE_SIZE_MAX, FILE_SIZE_MAX};

	fuzz_quiet();
	/* a write past the limit fails with EFBIG instead of killing us */
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		abort();
	snprintf(work, sizeof(work), "%s/sysc-fuzz-archive.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work))
		abort();
	atexit(remove_work);
	return 0;
}

static int read_member(struct tar_reader *r, const char *name, size_t max)
{
	_cleanup_free_ char *data = NULL;
	size_t len;

	return tar_reader_read_data(r, name, max, &data, &len);
}

static void extract(int in, int mode, const char *target)
{
	struct tar_extract_opts o = {.devices = (enum tar_devices)((mode >> 1) % 3)};
	struct tar_reader *r = NULL;
	_cleanup_close_ int root = -EBADF;

	if (mkdir(target, 0755) < 0)
		abort();
	root = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		abort();
	if (tar_reader_open(in, "fuzz.tar", &r) < 0)
		return;
	if (mode & 1) {
		/* in the order and with the limits of src/lib/import.c */
		o.prefix = "rootfs";
		o.stop_at = "sysc-checksum";
		if (read_member(r, "sysc-archive", 4096) == 0 &&
		    read_member(r, "config", 1024 * 1024) == 0 &&
		    tar_reader_extract(r, root, &o) == 0)
			(void)read_member(r, "sysc-checksum", 256);
	} else {
		(void)tar_reader_extract(r, root, &o);
	}
	tar_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char target[PATH_MAX + 8];
	_cleanup_close_ int in = -EBADF;
	_cleanup_free_ uint8_t *tar = NULL;
	int fd = lowest_free_fd();

	if (size == 0)
		return 0;
	tar = malloc(size);
	if (!tar)
		abort();
	memcpy(tar, data + 1, size - 1);
	if (!(data[0] & 8))
		fix_checksums(tar, size - 1);
	in = memfd_create("fuzz.tar", MFD_CLOEXEC);
	if (in < 0 || write(in, tar, size - 1) != (ssize_t)(size - 1) || lseek(in, 0, SEEK_SET) < 0)
		abort();
	snprintf(target, sizeof(target), "%s/x", work);
	extract(in, data[0], target);
	remove_tree(target);
	CLOSE_FD(in);
	if (lowest_free_fd() != fd)
		abort(); /* a descriptor leaked */
	return 0;
}
