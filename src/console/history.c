/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "console/history.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/paths.h"
#include "monitor/control-client.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_fd(int in, off_t from)
{
	char buf[65536];
	ssize_t n;

	if (from > 0 && lseek(in, from, SEEK_SET) < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (fileio_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			return -EPIPE;
	return n < 0 ? -errno : 0;
}

static int from_monitor(const struct sysc_paths *p, const char *name)
{
	_cleanup_close_ int ctl = control_open(p, name), mfd = -EBADF;
	struct control_response resp;
	int r;

	if (ctl < 0)
		return ctl;
	r = control_log(ctl, &mfd, &resp);
	if (r < 0)
		return r;
	if (resp.ret < 0 || mfd < 0)
		return resp.ret < 0 ? resp.ret : -EBADMSG;
	return copy_fd(mfd, 0);
}

/* The last `want` bytes of the log (and of its rotated generation). */
static int from_file(const char *store, const char *name, off_t want)
{
	_cleanup_free_ char *path = str_printf("%s/%s/console.log", store, name);
	_cleanup_free_ char *old = path ? str_printf("%s.1", path) : NULL;
	_cleanup_close_ int fd = -EBADF, ofd = -EBADF;
	struct stat st = {0}, ost = {0};

	if (!path || !old)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return log_error_errno(-errno, "cannot read %s: %m", path);
	if (fd >= 0)
		fstat(fd, &st);
	if (st.st_size < want && (ofd = open(old, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    fstat(ofd, &ost) == 0) {
		off_t need = want - st.st_size;
		copy_fd(ofd, ost.st_size > need ? ost.st_size - need : 0);
	}
	if (fd < 0)
		return 0;
	return copy_fd(fd, st.st_size > want ? st.st_size - want : 0);
}

int console_print_log(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *cfg = paths_container_config(p, name);
	struct sysc_conf *conf = NULL;
	off_t want = 128 * 1024;
	int r;

	if (!cfg)
		return -ENOMEM;
	r = from_monitor(p, name);
	if (r == 0 || r == -EPIPE)
		return 0;
	if (facts_load_conf(p, cfg, &conf) == 0)
		want = (off_t)conf->console.buffer;
	conf_free(conf);
	return from_file(p->store, name, want);
}
