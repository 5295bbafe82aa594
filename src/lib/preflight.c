/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/preflight.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <unistd.h>

/* suggested values leave room for this many more containers like this one */
#define PREFLIGHT_ROOM 100L

void preflight_need_of(const struct sysc_conf *c, struct preflight_need *ret)
{
	ret->name = c->name;
	ret->ptys = c->console.ttys + 1;
	ret->inotify = PREFLIGHT_INOTIFY_BASE + ret->ptys; /* an agetty each */
	ret->pids = PREFLIGHT_PIDS;
}

int preflight_inotify_free(unsigned n)
{
	int fds[PREFLIGHT_INOTIFY_MAX];
	unsigned got = 0;
	int r = 0;

	if (n > PREFLIGHT_INOTIFY_MAX)
		n = PREFLIGHT_INOTIFY_MAX;
	for (; got < n; got++) {
		fds[got] = inotify_init1(IN_CLOEXEC);
		if (fds[got] < 0) {
			r = -errno;
			break;
		}
	}
	while (got > 0)
		close(fds[--got]);
	return r;
}

/* a number from a file (a sysctl, or the first field of loadavg's 4th);
 * -1 when it cannot be read */
static long read_long(const char *root, const char *name)
{
	_cleanup_free_ char *path = NULL, *s = NULL;
	size_t len;
	long v;

	if (asprintf(&path, "%s/%s", root, name) < 0)
		return -1;
	if (fileio_read_at(AT_FDCWD, path, &s, &len) < 0)
		return -1;
	return sscanf(s, "%ld", &v) == 1 ? v : -1;
}

/* loadavg: "0.00 0.01 0.05 1/123 4567": the tasks on the host */
static long read_tasks(const char *loadavg)
{
	_cleanup_free_ char *s = NULL;
	size_t len;
	long run, total;

	if (fileio_read_at(AT_FDCWD, loadavg, &s, &len) < 0)
		return -1;
	return sscanf(s, "%*s %*s %*s %ld/%ld", &run, &total) == 2 ? total : -1;
}

static int check_inotify(const char *root, const struct preflight_need *n)
{
	long host = read_long(root, "fs/inotify/max_user_instances");
	long ns = read_long(root, "user/max_inotify_instances");
	int r = preflight_inotify_free(n->inotify);

	if (r == 0)
		return 0;
	if (r != -EMFILE)
		return log_error_errno(r, "cannot start %s: inotify_init1: %m", n->name);
	/* the lower of the two is what ran out: init's, or sysc's own user
	 * namespace's when sysc runs in one */
	if (ns >= 0 && host >= 0 && ns < host) {
		log_error(
			"cannot start %s: fewer than %u inotify instances are left in sysc's user "
			"namespace (user.max_inotify_instances = %ld, shared by all its "
			"containers), "
			"which the systemd inside needs; raise it there: sysctl -w "
			"user.max_inotify_instances=%ld",
			n->name, n->inotify, ns, ns + PREFLIGHT_ROOM * n->inotify);
		return -EMFILE;
	}
	log_error("cannot start %s: fewer than %u inotify instances are left for uid %u "
		  "(fs.inotify.max_user_instances = %ld, shared by all its containers), which the "
		  "systemd inside needs; raise it: sysctl -w fs.inotify.max_user_instances=%ld "
		  "(room for %ld more containers; keep it in /etc/sysctl.d/)",
		  n->name, n->inotify, (unsigned)geteuid(), host,
		  (host > 0 ? host : 0) + PREFLIGHT_ROOM * n->inotify, PREFLIGHT_ROOM);
	return -EMFILE;
}

/* the ptys of every devpts but the host's first come from max - reserve */
static int check_ptys(const char *root, const struct preflight_need *n)
{
	long max = read_long(root, "kernel/pty/max");
	long reserve = read_long(root, "kernel/pty/reserve");
	long nr = read_long(root, "kernel/pty/nr");

	if (max < 0 || reserve < 0 || nr < 0 || nr + (long)n->ptys <= max - reserve)
		return 0;
	log_error(
		"cannot start %s: %ld ptys are in use and kernel.pty.max = %ld "
		"(kernel.pty.reserve = %ld of them kept for the host's /dev/pts); its console and "
		"ttys need %u: raise it: sysctl -w kernel.pty.max=%ld",
		n->name, nr, max, reserve, n->ptys, nr + reserve + PREFLIGHT_ROOM * n->ptys);
	return -ENOSPC;
}

static int check_pids(const char *root, const char *loadavg, const struct preflight_need *n)
{
	static const char *const knob[] = {"kernel/pid_max", "kernel/threads-max"};
	static const char *const name[] = {"kernel.pid_max", "kernel.threads-max"};
	long tasks = read_tasks(loadavg);

	for (size_t i = 0; tasks >= 0 && i < 2; i++) {
		long max = read_long(root, knob[i]);
		if (max < 0 || tasks + (long)n->pids <= max)
			continue;
		log_error("cannot start %s: %ld tasks are running and %s = %ld; its boot needs "
			  "about %u more: raise it: sysctl -w %s=%ld",
			  n->name, tasks, name[i], max, n->pids, name[i],
			  tasks + PREFLIGHT_ROOM * n->pids);
		return -EAGAIN;
	}
	return 0;
}

int preflight_check(const char *sysctl_root, const char *loadavg, const struct preflight_need *need)
{
	int r = check_inotify(sysctl_root, need);

	if (r == 0)
		r = check_ptys(sysctl_root, need);
	if (r == 0)
		r = check_pids(sysctl_root, loadavg, need);
	return r;
}

int preflight_host(const struct sysc_conf *c)
{
	struct preflight_need n;

	preflight_need_of(c, &n);
	return preflight_check("/proc/sys", "/proc/loadavg", &n);
}
