/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attach/rexec.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MEMFD_NAME "sysc-attach"

extern char **environ;

/* Already protected: a sealed memfd copy, or a file on a read-only mount
 * (the detached overlay below), which /proc/PID/exe cannot open for
 * writing (EROFS). */
static int running_sealed(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	struct statvfs sv;
	char exe[128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0 || fd < 0 || fstatvfs(fd, &sv) < 0)
		return -errno;
	exe[n] = '\0';
	if (sv.f_flag & ST_RDONLY)
		return 1;
	return strncmp(exe, "/memfd:" MEMFD_NAME, strlen("/memfd:" MEMFD_NAME)) == 0;
}

/* A detached, read-only mount of a new filesystem of type (FSCONFIG strings
 * key=value, NULL-terminated pairs). */
static int detached_mount(const char *type, const char *const *kv)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);

	if (fs < 0)
		return -errno;
	for (size_t i = 0; kv && kv[i]; i += 2)
		if (fsconfig(fs, FSCONFIG_SET_STRING, kv[i], kv[i + 1], 0) < 0)
			return -errno;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
			  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	return mnt < 0 ? -errno : mnt;
}

/* Execute this binary from a detached read-only overlay whose lower layers
 * are its own directory and an empty tmpfs (an overlay without an upper
 * layer needs two): no copy (the pages are the host file's page cache), and
 * /proc/PID/exe then names a file on a read-only mount that no path leads
 * to, which cannot be opened for writing or reach the host's file (runc
 * 1.2 does the same). Returns only on failure. */
static int exec_from_overlay(char **argv)
{
	_cleanup_close_ int tmp = -EBADF, ovl = -EBADF, exe = -EBADF;
	char path[PATH_MAX], tmp_path[64], *base;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	path[n] = '\0';
	base = strrchr(path, '/');
	if (path[0] != '/' || !base || base == path || strstr(path, " (deleted)"))
		return -ENOENT;
	*base++ = '\0';
	tmp = detached_mount("tmpfs", NULL);
	if (tmp < 0)
		return tmp;
	snprintf(tmp_path, sizeof(tmp_path), "/proc/self/fd/%d", tmp);
	ovl = detached_mount("overlay",
			     (const char *const[]){"lowerdir+", path, "lowerdir+", tmp_path, NULL});
	if (ovl < 0)
		return ovl;
	exe = openat(ovl, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (exe < 0)
		return -errno;
	syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
	return -errno;
}

int attach_rexec_sealed(char **argv)
{
	_cleanup_close_ int self = -EBADF, mfd = -EBADF;
	struct stat st;
	off_t off = 0;
	int r = running_sealed();

	if (r != 0)
		return r > 0 ? 0 : r;
	r = exec_from_overlay(argv);
	log_debug("cannot execute from a read-only overlay (%s); copying into a sealed memfd",
		  strerror(-r));
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0 || fstat(self, &st) < 0)
		return log_error_errno(-errno, "cannot read my own executable: %m");
	mfd = memfd_create(MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return log_error_errno(-errno, "memfd_create: %m");
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
		if (n <= 0)
			return log_error_errno(n < 0 ? -errno : -EIO,
					       "cannot copy my executable: %m");
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return log_error_errno(-errno, "cannot seal the executable copy: %m");
	fexecve(mfd, argv, environ);
	return log_error_errno(-errno, "cannot execute the sealed copy: %m");
}
