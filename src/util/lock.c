/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/lock.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int lock_try_fd(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	return errno == EWOULDBLOCK ? 0 : -errno;
}

int lock_path(const char *path, const char *what)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!dir)
		return -ENOMEM;
	r = fileio_mkdir_p(dirname(dir), 0755);
	if (r < 0)
		return log_error_errno(r, "cannot create lock directory for %s: %m", path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open lock %s: %m", path);
	r = lock_try_fd(fd);
	if (r < 0)
		return log_error_errno(r, "cannot lock %s: %m", path);
	if (r == 0) {
		log_info("waiting for another sysc command working on %s...", what);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return log_error_errno(-errno, "cannot lock %s: %m", path);
	}
	return TAKE_FD(fd);
}
