/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* copy_tree_at(): build a tree with every kind of inode and metadata, copy it,
 * compare. The parts that need root run (and are checked) when run as root. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "storage/copy-tree.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#define SPARSE_SIZE (64ll << 20)
#define BIG_SIZE    (3 * 1024 * 1024 + 17)

static bool is_root, mounted;
static int base_fd = -EBADF;
static char base[] = "/var/tmp/test-copy.XXXXXX";

/* Every path created below src, parents before children. */
static const char *const paths[] = {
	".",	      "a",	  "a/b",     "a/b/c",	 "a/b/c/file", "file",	 "empty",
	"small64k",   "big",	  "sparse",  "hl1",	 "a/hl2",      "rel",	 "dangling",
	"abs",	      "fifo",	  "sock",    "suid",	 "sgid",       "sticky", "sticky/in",
	"ro",	      "ro/inner", "acl",     "acldir",	 "acldir/f",   "owned",	 "owned-link",
	"suid-other", "capfile",  "chardev", "blockdev", "mnt",
};
static struct stat src_st[ARRAY_SIZE(paths)];
static bool present[ARRAY_SIZE(paths)];

static char *sub(const char *top, const char *p, char *buf)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", top, p) >= PATH_MAX)
		abort();
	return buf;
}

/* base/top/p */
static char *full(const char *top, const char *p, char *buf)
{
	if (snprintf(buf, PATH_MAX, "%s/%s/%s", base, top, p) >= PATH_MAX)
		abort();
	return buf;
}

static int write_file(const char *p, const void *data, size_t len, off_t off, mode_t mode)
{
	char b[PATH_MAX];
	_cleanup_close_ int fd =
		openat(base_fd, sub("src", p, b), O_WRONLY | O_CREAT | O_CLOEXEC, mode);

	if (fd < 0 || pwrite(fd, data, len, off) != (ssize_t)len)
		return -1;
	return fchmod(fd, mode);
}

static void fill(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (char)(seed >> 16);
	}
}

static int make_data_files(void)
{
	_cleanup_free_ char *big = malloc(BIG_SIZE);
	char b[PATH_MAX];
	_cleanup_close_ int fd = -EBADF;

	if (!big)
		return -1;
	fill(big, BIG_SIZE, 42);
	if (write_file("a/b/c/file", "nested\n", 7, 0, 0640) < 0 ||
	    write_file("file", "hello world\n", 12, 0, 0644) < 0 ||
	    write_file("empty", "", 0, 0, 0600) < 0 ||
	    write_file("small64k", big, 65536, 0, 0444) < 0 ||
	    write_file("big", big, BIG_SIZE, 0, 0644) < 0 ||
	    write_file("sparse", big, 4096, 0, 0644) < 0 ||
	    write_file("sparse", big + 4096, 4096, 32 << 20, 0644) < 0)
		return -1;
	fd = openat(base_fd, sub("src", "sparse", b), O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, SPARSE_SIZE) < 0)
		return -1;
	return 0;
}

static int make_special(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char b[PATH_MAX];

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/src/sock", base);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	if (linkat(base_fd, "src/hl1", base_fd, "src/a/hl2", 0) < 0 ||
	    symlinkat("a/b/c/file", base_fd, "src/rel") < 0 ||
	    symlinkat("does/not/exist", base_fd, "src/dangling") < 0 ||
	    symlinkat("/etc/passwd", base_fd, "src/abs") < 0 ||
	    mkfifoat(base_fd, "src/fifo", 0620) < 0)
		return -1;
	if (write_file("suid", "#!/bin/sh\n", 10, 0, 04755) < 0 ||
	    write_file("sgid", "#!/bin/sh\n", 10, 0, 02755) < 0 ||
	    write_file("sticky/in", "x", 1, 0, 0600) < 0 ||
	    write_file("ro/inner", "y", 1, 0, 0600) < 0)
		return -1;
	return fchmodat(base_fd, sub("src", "sticky", b), 01777, 0) < 0 ||
			       fchmodat(base_fd, sub("src", "ro", b), 0555, 0) < 0
		       ? -1
		       : 0;
}

/* A POSIX ACL as the kernel stores it: version 2, then (tag, perm, id) entries. */
static size_t acl_blob(uint8_t *buf, uint32_t named_uid)
{
	const struct {
		uint16_t tag, perm;
		uint32_t id;
	} e[] = {
		{0x01, 6, UINT32_MAX}, {0x02, 4, named_uid},  {0x04, 4, UINT32_MAX},
		{0x10, 4, UINT32_MAX}, {0x20, 4, UINT32_MAX},
	};
	uint32_t version = 2;

	memcpy(buf, &version, 4);
	memcpy(buf + 4, e, sizeof(e));
	return 4 + sizeof(e);
}

/* Returns 1 if the filesystem has no ACL support (the checks are then skipped). */
static int make_xattrs(void)
{
	uint8_t acl[64];
	size_t n = acl_blob(acl, 1234);
	char b[PATH_MAX];

	if (setxattr(sub(base, "src/file", b), "user.test", "value", 5, 0) < 0 ||
	    setxattr(sub(base, "src/a", b), "user.dir", "d", 1, 0) < 0 ||
	    setxattr(sub(base, "src/ro/inner", b), "user.ro", "", 0, 0) < 0 ||
	    chmod(b, 0400) < 0) /* the copy must set xattrs before the mode too */
		return -1;
	if (write_file("acl", "acl\n", 4, 0, 0640) < 0 ||
	    write_file("acldir/f", "f\n", 2, 0, 0640) < 0)
		return -1;
	if (setxattr(sub(base, "src/acl", b), "system.posix_acl_access", acl, n, 0) < 0)
		return errno == EOPNOTSUPP ? 1 : -1;
	/* set after acldir/f exists: the copy of f must not inherit it either */
	if (setxattr(sub(base, "src/acldir", b), "system.posix_acl_default", acl, n, 0) < 0)
		return -1;
	return 0;
}

/* The copy's root must not inherit this (nor pass it on to its children). */
static int set_parent_default_acl(void)
{
	uint8_t acl[64];
	size_t n = acl_blob(acl, 4242);

	return setxattr(base, "system.posix_acl_default", acl, n, 0);
}

/* v2 file capability: cap_net_raw (13) permitted + effective. */
static int set_cap_net_raw(const char *path)
{
	uint32_t cap[5] = {0x02000000u | 0x1u, 1u << 13, 0, 0, 0};

	return setxattr(path, "security.capability", cap, sizeof(cap), 0);
}

static int make_root_only(void)
{
	char b[PATH_MAX];

	if (write_file("owned", "o", 1, 0, 0640) < 0 ||
	    fchownat(base_fd, "src/owned", 1234, 5678, 0) < 0 ||
	    symlinkat("owned", base_fd, "src/owned-link") < 0 ||
	    fchownat(base_fd, "src/owned-link", 4321, 8765, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (write_file("suid-other", "s", 1, 0, 0755) < 0 ||
	    fchownat(base_fd, "src/suid-other", 1234, 5678, 0) < 0 ||
	    fchmodat(base_fd, "src/suid-other", 06755, 0) < 0)
		return -1;
	if (write_file("capfile", "c", 1, 0, 0755) < 0 ||
	    fchownat(base_fd, "src/capfile", 1234, 5678, 0) < 0 ||
	    fchmodat(base_fd, "src/capfile", 0750, 0) < 0 ||
	    set_cap_net_raw(sub(base, "src/capfile", b)) < 0)
		return -1;
	if (mknodat(base_fd, "src/chardev", S_IFCHR | 0666, makedev(1, 3)) < 0 ||
	    mknodat(base_fd, "src/blockdev", S_IFBLK | 0660, makedev(7, 200)) < 0 ||
	    fchownat(base_fd, "src/blockdev", 0, 6, 0) < 0)
		return -1;
	return 0;
}

/* A tmpfs mounted inside src (root only, in the private mount namespace). */
static int make_mount(void)
{
	char b[PATH_MAX];

	if (mount("tmpfs", sub(base, "src/mnt", b), "tmpfs", 0, "mode=0751") < 0)
		return -1;
	return write_file("mnt/inside", "not copied", 10, 0, 0644);
}

static int make_dirs(void)
{
	static const char *const dirs[] = {"src",	 "src/a",  "src/a/b",	 "src/a/b/c",
					   "src/sticky", "src/ro", "src/acldir", "src/mnt"};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(base_fd, dirs[i], 0755) < 0)
			return -1;
	return 0;
}

/* ns timestamps on everything, children before parents; then remember the stats. */
static int set_times_and_stat(void)
{
	char b[PATH_MAX];

	for (size_t i = ARRAY_SIZE(paths); i-- > 0;) {
		struct timespec ts[2] = {{1400000000 + (time_t)i, 987654321 - (long)i},
					 {1500000000 + (time_t)i, 123456789 + (long)i}};

		if (fstatat(base_fd, sub("src", paths[i], b), &src_st[i], AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* a root-only entry */
		if (strcmp(paths[i], "mnt") != 0 &&
		    utimensat(base_fd, b, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		present[i] = fstatat(base_fd, sub("src", paths[i], b), &src_st[i],
				     AT_SYMLINK_NOFOLLOW) == 0;
	return 0;
}

static bool same_xattrs(const char *a, const char *b)
{
	char la[4096], lb[4096], va[4096], vb[4096];
	ssize_t na = llistxattr(a, la, sizeof(la)), nb = llistxattr(b, lb, sizeof(lb));

	if (na < 0 || nb < 0 || na != nb)
		return false;
	for (char *k = la; k < la + na; k += strlen(k) + 1) {
		ssize_t sa = lgetxattr(a, k, va, sizeof(va)), sb = lgetxattr(b, k, vb, sizeof(vb));

		if (sa < 0 || sa != sb || memcmp(va, vb, (size_t)sa) != 0)
			return false;
	}
	return true;
}

static void check_entry(size_t i)
{
	const struct stat *s = &src_st[i];
	char pa[PATH_MAX], pb[PATH_MAX];
	struct stat d;
	const char *p = paths[i];

	if (lstat(full("dst", p, pb), &d) < 0) {
		CHECK(false, "%s exists in the copy", p);
		return;
	}
	CHECK(d.st_mode == s->st_mode, "%s: mode %o == %o", p, d.st_mode, s->st_mode);
	CHECK(d.st_uid == s->st_uid && d.st_gid == s->st_gid, "%s: owner %u:%u", p, d.st_uid,
	      d.st_gid);
	CHECK(d.st_mtim.tv_sec == s->st_mtim.tv_sec && d.st_mtim.tv_nsec == s->st_mtim.tv_nsec,
	      "%s: mtime", p);
	CHECK(d.st_atim.tv_sec == s->st_atim.tv_sec && d.st_atim.tv_nsec == s->st_atim.tv_nsec,
	      "%s: atime", p);
	if (!S_ISDIR(s->st_mode))
		CHECK(d.st_size == s->st_size, "%s: size", p);
	if (S_ISCHR(s->st_mode) || S_ISBLK(s->st_mode))
		CHECK(d.st_rdev == s->st_rdev, "%s: rdev", p);
	CHECK(d.st_ino != s->st_ino, "%s: a new inode", p);
	CHECK(same_xattrs(full("src", p, pa), full("dst", p, pb)), "%s: xattrs", p);
}

static bool same_content(const char *p)
{
	char a[PATH_MAX], b[PATH_MAX];
	_cleanup_close_ int fa = openat(base_fd, sub("src", p, a), O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int fb = openat(base_fd, sub("dst", p, b), O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *ba = malloc(1 << 20), *bb = malloc(1 << 20);

	if (fa < 0 || fb < 0 || !ba || !bb)
		return false;
	for (;;) {
		ssize_t na = fileio_read_all(fa, ba, 1 << 20),
			nb = fileio_read_all(fb, bb, 1 << 20);

		if (na != nb || na < 0 || memcmp(ba, bb, (size_t)na) != 0)
			return false;
		if (na == 0)
			return true;
	}
}

static size_t count_entries(int at, const char *p)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = openat(at, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	size_t n = 0;

	if (fd < 0 || !(d = fdopendir(fd)))
		return fd >= 0 ? (close(fd), 0) : 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (de->d_type == DT_DIR)
			n += count_entries(dirfd(d), de->d_name);
	}
	return n;
}

static void check_links_and_data(void)
{
	struct stat a, b, s;
	char p[PATH_MAX];

	CHECK(fstatat(base_fd, "dst/hl1", &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		      fstatat(base_fd, "dst/a/hl2", &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		      a.st_ino == b.st_ino && a.st_nlink == 2,
	      "hardlink pair shares one inode in the copy");
	CHECK(fstatat(base_fd, "dst/sparse", &s, 0) == 0 && s.st_blocks * 512 <= 256 * 1024,
	      "sparse file stays sparse (%lld bytes allocated)", (long long)s.st_blocks * 512);
	for (const char *const *f = (const char *const[]){"a/b/c/file", "file", "empty", "small64k",
							  "big", "sparse", "hl1", NULL};
	     *f; f++)
		CHECK(same_content(*f), "%s: same content", *f);
	CHECK(readlinkat(base_fd, "dst/rel", p, sizeof(p)) == 10 && !memcmp(p, "a/b/c/file", 10),
	      "relative symlink target");
	CHECK(readlinkat(base_fd, "dst/dangling", p, sizeof(p)) == 14, "dangling symlink target");
	CHECK(count_entries(base_fd, "dst") == count_entries(base_fd, "src") - (mounted ? 1 : 0),
	      "same number of entries (minus the mount's contents)");
}

static void check_acls(bool have_acl)
{
	char p[PATH_MAX];

	if (!have_acl) {
		printf("# skipped: no ACL support\n");
		return;
	}
	CHECK(getxattr(sub(base, "dst/acl", p), "system.posix_acl_access", NULL, 0) > 0,
	      "access ACL copied");
	CHECK(getxattr(sub(base, "dst/acldir", p), "system.posix_acl_default", NULL, 0) > 0,
	      "default ACL copied");
	CHECK(getxattr(sub(base, "dst/acldir/f", p), "system.posix_acl_access", NULL, 0) < 0 &&
		      errno == ENODATA,
	      "no inherited ACL on a file that had none");
}

static void check_root_only(void)
{
	char p[PATH_MAX];
	uint32_t cap[5] = {0};

	if (!is_root) {
		printf("# skipped: needs root (chown, mknod, security.capability, mounts)\n");
		return;
	}
	CHECK(getxattr(sub(base, "dst/capfile", p), "security.capability", cap, sizeof(cap)) ==
			      20 &&
		      cap[1] == 1u << 13,
	      "security.capability survives (set after chown)");
	CHECK(mounted && count_entries(base_fd, "dst/mnt") == 0, "mount point not crossed");
}

/* From an overlayfs whose layers are two filesystems, a file's st_dev is its
 * layer's, not the overlay's: still no mount point, so its data is copied. */
static void check_overlay(void)
{
	static const char *const dirs[] = {"ovl", "ovl/l", "ovl/u", "ovl/o"};
	char p[PATH_MAX], q[PATH_MAX], opts[3 * PATH_MAX + 64];
	_cleanup_free_ char *lower = NULL, *upper = NULL;

	if (!is_root)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(base_fd, dirs[i], 0755) < 0) {
			CHECK(false, "mkdir %s: %s", dirs[i], strerror(errno));
			return;
		}
	if (mount("tmpfs", sub(base, "ovl/l", p), "tmpfs", 0, NULL) < 0 ||
	    mount("tmpfs", sub(base, "ovl/u", q), "tmpfs", 0, NULL) < 0 ||
	    mkdirat(base_fd, "ovl/u/up", 0755) < 0 || mkdirat(base_fd, "ovl/u/work", 0755) < 0 ||
	    write_file("../ovl/l/lower", "from the lower layer", 20, 0, 0644) < 0 ||
	    write_file("../ovl/u/up/upper", "from the upper layer", 20, 0, 0644) < 0) {
		CHECK(false, "overlay layers: %s", strerror(errno));
		return;
	}
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/up,workdir=%s/work", p, q, q);
	if (mount("overlay", sub(base, "ovl/o", p), "overlay", 0, opts) < 0) {
		printf("# skipped: no overlayfs: %s\n", strerror(errno));
		return;
	}
	CHECK(copy_tree_at(base_fd, "ovl/o", base_fd, "ovl-dst") == 0, "copy from an overlay");
	CHECK(fileio_read_at(base_fd, "ovl-dst/lower", &lower, NULL) == 0 && lower &&
		      strcmp(lower, "from the lower layer") == 0,
	      "data of a lower-layer file copied from an overlay");
	CHECK(fileio_read_at(base_fd, "ovl-dst/upper", &upper, NULL) == 0 && upper &&
		      strcmp(upper, "from the upper layer") == 0,
	      "data of an upper-layer file copied from an overlay");
}

/* A file we cannot read (only testable without root): the error comes back. */
static void check_unreadable(void)
{
	_cleanup_close_ int fd = -EBADF;

	if (is_root)
		return;
	if (mkdirat(base_fd, "src3", 0755) < 0 ||
	    (fd = openat(base_fd, "src3/secret", O_WRONLY | O_CREAT | O_CLOEXEC, 0)) < 0) {
		CHECK(false, "create src3/secret: %s", strerror(errno));
		return;
	}
	CHECK(copy_tree_at(base_fd, "src3", base_fd, "dst3") == -EACCES,
	      "unreadable file: -EACCES");
}

static int build_tree(bool *have_acl)
{
	int r;

	if (make_dirs() < 0 || make_data_files() < 0 || write_file("hl1", "link", 4, 0, 0644) < 0 ||
	    make_special() < 0)
		return -1;
	r = make_xattrs();
	if (r < 0)
		return -1;
	*have_acl = r == 0;
	if (is_root) {
		if (make_root_only() < 0)
			return -1;
		mounted = make_mount() == 0;
	}
	return set_times_and_stat();
}

static void cleanup(void)
{
	char p[PATH_MAX];

	if (base_fd < 0)
		return;
	umount2(sub(base, "src/mnt", p), MNT_DETACH);
	umount2(sub(base, "ovl/o", p), MNT_DETACH);
	umount2(sub(base, "ovl/u", p), MNT_DETACH);
	umount2(sub(base, "ovl/l", p), MNT_DETACH);
	fileio_rm_rf_at(base_fd, "ovl");
	fileio_rm_rf_at(base_fd, "ovl-dst");
	fchmodat(base_fd, "src/ro", 0755, 0);
	fchmodat(base_fd, "dst/ro", 0755, 0);
	fileio_rm_rf_at(base_fd, "src");
	fileio_rm_rf_at(base_fd, "dst");
	fileio_rm_rf_at(base_fd, "src3");
	fileio_rm_rf_at(base_fd, "dst3");
	close(base_fd);
	rmdir(base);
}

int main(void)
{
	bool have_acl = false;

	log_set_program("test-copy");
	is_root = geteuid() == 0;
	/* before any fd is opened: fds keep pointing into the old namespace */
	if (is_root &&
	    (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0))
		printf("# no private mount namespace: %s\n", strerror(errno));
	if (!mkdtemp(base) || (base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		CHECK(false, "create %s: %s", base, strerror(errno));
		return tap_done();
	}
	umask(022);
	if (build_tree(&have_acl) < 0) {
		CHECK(false, "build the source tree: %s", strerror(errno));
		cleanup();
		return tap_done();
	}
	check_unreadable(); /* before base gets its default ACL */
	if (have_acl && set_parent_default_acl() < 0)
		CHECK(false, "default ACL on %s: %s", base, strerror(errno));
	CHECK(copy_tree_at(base_fd, "src", base_fd, "dst") == 0, "copy_tree_at");
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (present[i])
			check_entry(i);
	check_links_and_data();
	check_acls(have_acl);
	check_root_only();
	check_overlay();
	CHECK(copy_tree_at(base_fd, "src", base_fd, "dst") == -EEXIST, "existing dst: -EEXIST");
	CHECK(copy_tree_at(base_fd, "missing", base_fd, "dst2") == -ENOENT, "missing src: -ENOENT");
	CHECK(faccessat(base_fd, "dst2", F_OK, AT_SYMLINK_NOFOLLOW) < 0, "no dst for missing src");
	cleanup();
	return tap_done();
}
