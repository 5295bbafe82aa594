/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start preflight (issue 20): each host limit checked against a faked
 * sysctl tree, and the inotify probe against a user namespace of the test's
 * own whose user.max_inotify_instances is lowered (the host's limit is never
 * changed). Each failure must name the sysctl to raise and a value. */
#include "tap.h"
#include "lib/preflight.h"
#include "util/fileio.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[] = "/tmp/test-preflight.XXXXXX";
static char logpath[sizeof(root) + 8];
static char loadavg[sizeof(root) + 16];

static void put(const char *name, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	fileio_mkdir_p(path, 0755);
	*slash = '/';
	FILE *f = fopen(path, "we");
	fputs(value, f);
	fclose(f);
}

/* the messages logged since the last call */
static char *logged(void)
{
	char *s = NULL;
	size_t len;

	if (fileio_read_at(AT_FDCWD, logpath, &s, &len) < 0)
		return strdup("");
	if (truncate(logpath, 0) < 0)
		printf("# truncate: %s\n", strerror(errno));
	return s;
}

static const struct preflight_need need = {.name = "c1", .inotify = 13, .ptys = 5, .pids = 64};

/* the host as it is here: Debian's defaults, a few hundred tasks */
static void defaults(void)
{
	put("fs/inotify/max_user_instances", "1000000\n");
	put("user/max_inotify_instances", "1000000\n");
	put("kernel/pty/max", "4096\n");
	put("kernel/pty/reserve", "1024\n");
	put("kernel/pty/nr", "20\n");
	put("kernel/pid_max", "32768\n");
	put("kernel/threads-max", "192735\n");
	put("loadavg", "0.50 0.40 0.30 1/300 12345\n");
}

static void ptys(void)
{
	char *m;

	defaults();
	CHECK(preflight_check(root, loadavg, &need) == 0, "defaults pass");
	free(logged());
	put("kernel/pty/nr", "3068\n"); /* 3068 + 5 > 4096 - 1024 */
	CHECK(preflight_check(root, loadavg, &need) == -ENOSPC, "ptys used up: -ENOSPC");
	m = logged();
	CHECK(strstr(m, "c1") && strstr(m, "sysctl -w kernel.pty.max=") &&
		      strstr(m, "kernel.pty.reserve = 1024"),
	      "names kernel.pty.max and a value: %s", m);
	free(m);
	put("kernel/pty/nr", "3067\n"); /* exactly fits */
	CHECK(preflight_check(root, loadavg, &need) == 0, "the last pty fits");
}

static void pids(void)
{
	char *m;

	defaults();
	put("loadavg", "0.50 0.40 0.30 1/32705 12345\n"); /* 32705 + 64 > 32768 */
	CHECK(preflight_check(root, loadavg, &need) == -EAGAIN, "pid_max reached: -EAGAIN");
	m = logged();
	CHECK(strstr(m, "sysctl -w kernel.pid_max=") && strstr(m, "32705 tasks"),
	      "names kernel.pid_max and a value: %s", m);
	free(m);
	put("loadavg", "0.50 0.40 0.30 1/32704 12345\n");
	CHECK(preflight_check(root, loadavg, &need) == 0, "just below pid_max passes");
	put("kernel/threads-max", "32000\n");
	CHECK(preflight_check(root, loadavg, &need) == -EAGAIN, "threads-max reached: -EAGAIN");
	m = logged();
	CHECK(strstr(m, "sysctl -w kernel.threads-max="), "names kernel.threads-max: %s", m);
	free(m);
}

/* in a child: a user namespace of its own with 20 inotify instances */
static int inotify_child(void)
{
	char map[64];
	int held[12], fails = 0;
	unsigned euid = (unsigned)geteuid();
	char *m;

	if (unshare(CLONE_NEWUSER) < 0) {
		printf("# unshare(CLONE_NEWUSER): %s\n", strerror(errno));
		fflush(stdout);
		return 100;
	}
	snprintf(map, sizeof(map), "0 %u 1", euid);
	int r = fileio_write_string_at(AT_FDCWD, "/proc/self/uid_map", map);
	if (r == 0)
		r = fileio_write_string_at(AT_FDCWD, "/proc/sys/user/max_inotify_instances", "20");
	if (r < 0) {
		printf("# cannot set up the user namespace (%s): %s\n", map, strerror(-r));
		fflush(stdout);
		return 100;
	}
	defaults();
	for (int i = 0; i < 12; i++)
		held[i] = inotify_init1(IN_CLOEXEC);
	/* 8 left, 13 wanted */
	if (preflight_check(root, loadavg, &need) != -EMFILE)
		fails |= 1;
	m = logged();
	if (!strstr(m, "c1") || !strstr(m, "fewer than 13 inotify instances") ||
	    !strstr(m, "sysctl -w fs.inotify.max_user_instances=1001300"))
		fails |= 2;
	printf("# %s", m);
	free(m);
	/* the lower limit is the one named */
	put("user/max_inotify_instances", "20\n");
	preflight_check(root, loadavg, &need);
	m = logged();
	if (!strstr(m, "sysctl -w user.max_inotify_instances=1320"))
		fails |= 4;
	printf("# %s", m);
	free(m);
	/* the probe gave back what it took: still 8 to open */
	if (preflight_inotify_free(8) != 0 || preflight_inotify_free(9) != -EMFILE)
		fails |= 8;
	close(held[0]);
	close(held[1]);
	close(held[2]);
	close(held[3]);
	close(held[4]);
	/* 13 left: enough */
	if (preflight_check(root, loadavg, &need) != 0)
		fails |= 16;
	return fails;
}

static void inotify(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int f = inotify_child();
		fflush(stdout);
		_exit(f);
	}
	waitpid(pid, &status, 0);
	int f = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	CHECK(f != 100, "a user namespace with 20 inotify instances");
	CHECK(f != 100 && !(f & 1), "8 instances left, 13 needed: -EMFILE");
	CHECK(f != 100 && !(f & 2), "names fs.inotify.max_user_instances and a value");
	CHECK(f != 100 && !(f & 4), "names user.max_inotify_instances when that is the lower");
	CHECK(f != 100 && !(f & 8), "the probe closes what it opened");
	CHECK(f != 100 && !(f & 16), "13 left: passes");
}

int main(void)
{
	int fd;

	if (!mkdtemp(root))
		return 1;
	snprintf(logpath, sizeof(logpath), "%s/log", root);
	snprintf(loadavg, sizeof(loadavg), "%s/loadavg", root);
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	log_set_fd(fd);
	log_set_stderr(0);
	ptys();
	pids();
	inotify();
	close(fd);
	fileio_rm_rf_at(AT_FDCWD, root);
	return tap_done();
}
