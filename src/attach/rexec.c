/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attach/rexec.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEMFD_NAME "sysc-attach"

extern char **environ;

static int running_sealed(void)
{
	char exe[128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	return strncmp(exe, "/memfd:" MEMFD_NAME, strlen("/memfd:" MEMFD_NAME)) == 0;
}

int attach_rexec_sealed(char **argv)
{
	_cleanup_close_ int self = -EBADF, mfd = -EBADF;
	struct stat st;
	off_t off = 0;
	int r = running_sealed();

	if (r != 0)
		return r > 0 ? 0 : r;
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
