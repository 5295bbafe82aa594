/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup module on the real host (root only; exits 77 = SKIP otherwise):
 * create, clone3(CLONE_INTO_CGROUP) + v1 attach, attach, nesting like a
 * guest's systemd, stats, freeze, kill of a forking process, destroy, stale
 * replacement, -EBUSY and -ENOENT. Whatever fails, nothing named
 * sysc-test-<pid> is left in any hierarchy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 8

static char parent[64];
static pid_t children[MAX_CHILDREN];
static size_t n_children;

static void child_loop(void)
{
	for (;;)
		pause();
}

/* A linear fork "bomb": keeps forking sleepers (bounded, should the kill fail). */
static void forker_loop(void)
{
	for (int i = 0; i < 2000; i++) {
		pid_t p = fork();
		if (p == 0)
			child_loop();
		usleep(500);
	}
	child_loop();
}

/* Fork a child that runs fn once released (after it was moved into the
 * cgroups, so nothing it forks stays outside). *ret_go releases it. */
static pid_t spawn(void (*fn)(void), int *ret_go)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		fn();
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -errno;
	}
	if (n_children < MAX_CHILDREN)
		children[n_children++] = pid;
	*ret_go = p[1];
	return pid;
}

static void release(int go)
{
	if (go >= 0) {
		(void)!write(go, "x", 1);
		close(go);
	}
}

static pid_t spawn_into(int cgroup_fd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgroup_fd,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid == 0) {
		child_loop();
		_exit(0);
	}
	if (pid > 0 && n_children < MAX_CHILDREN)
		children[n_children++] = (pid_t)pid;
	return pid < 0 ? -errno : (pid_t)pid;
}

/* Every place a directory named `parent` could be: each hierarchy under
 * /sys/fs/cgroup (v1 and unified), and /sys/fs/cgroup itself (pure v2). */
static int for_each_hierarchy(int (*fn)(int dirfd, void *ud), void *ud)
{
	_cleanup_closedir_ DIR *d = opendir(CGROUP_FS_ROOT);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	found += fn(dirfd(d), ud);
	while ((de = readdir(d))) {
		_cleanup_close_ int fd = -EBADF;

		if (de->d_name[0] == '.' || de->d_type == DT_REG)
			continue;
		fd = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			found += fn(fd, ud);
	}
	return found;
}

static int leftover(int dirfd, void *ud)
{
	struct stat st;

	if (fstatat(dirfd, parent, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		printf("# left over: %s in a hierarchy\n", parent);
		return 1;
	}
	return 0;
}

static int remove_leftover(int dirfd, void *ud)
{
	(void)cgroup_rmdir_tree(dirfd, parent);
	return 0;
}

static void cleanup(void)
{
	for (size_t i = 0; i < n_children; i++)
		kill(children[i], SIGKILL);
	/* the forker's children are in the cgroups: kill them through it */
	struct cgroup_set *cg = NULL;
	if (cgroup_open(parent, "c1", &cg) == 0) {
		(void)cgroup_freeze(cg, false);
		(void)cgroup_kill_all(cg, 5000);
		(void)cgroup_destroy(cg);
		cgroup_set_free(cg);
	}
	for (size_t i = 0; i < n_children; i++)
		waitpid(children[i], NULL, 0);
	n_children = 0;
	/* the forkers' orphans were reparented to us (subreaper) */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for_each_hierarchy(remove_leftover, NULL);
}

static void reap_all(void)
{
	for (size_t i = 0; i < n_children; i++) {
		int status = 0;
		pid_t r = waitpid(children[i], &status, 0);

		CHECK(r == children[i] && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "child %d was SIGKILLed", (int)children[i]);
	}
	n_children = 0;
	/* everything in the cgroups is dead: reap the orphans of the forkers */
	while (waitpid(-1, NULL, 0) > 0)
		;
}

static void test_lifecycle(void)
{
	struct cgroup_set *cg = NULL, *cg2 = NULL;
	struct cgroup_stats st;
	pid_t a, b, c;
	int go_b = -EBADF, go_c = -EBADF;
	int r;

	r = cgroup_create(parent, "c1", &cg);
	CHECK(r == 0, "cgroup_create %s/c1: %d", parent, r);
	if (r < 0)
		return;
	CHECK(cgroup_v2_fd(cg) >= 0, "v2 fd");
	CHECK(strcmp(cgroup_v2_relpath(cg), "/") > 0 && str_endswith(cgroup_v2_relpath(cg), "/c1"),
	      "relpath %s", cgroup_v2_relpath(cg));
	CHECK(access(cgroup_v2_path(cg), F_OK) == 0, "v2 dir %s exists", cgroup_v2_path(cg));
	CHECK(!cgroup_populated(cg), "new cgroup is empty");

	/* the monitor's way: clone3 into the v2 cgroup, then the v1 hierarchies */
	a = spawn_into(cgroup_v2_fd(cg));
	CHECK(a > 0, "clone3(CLONE_INTO_CGROUP): %d", (int)a);
	if (a > 0)
		CHECK(cgroup_attach_v1(cg, a) == 0, "cgroup_attach_v1");
	CHECK(cgroup_populated(cg), "populated after clone3");
	CHECK(cgroup_stats(cg, &st) == 0, "cgroup_stats");
	if (st.pids_current != UINT64_MAX)
		CHECK(st.pids_current == 1, "pids_current == 1: %llu",
		      (unsigned long long)st.pids_current);
	else
		printf("# no pids accounting on this host\n");
	CHECK(st.cpu_usec != UINT64_MAX, "cpu usage known");
	CHECK(st.memory_current != UINT64_MAX, "memory usage known");
	printf("# mem %llu peak %llu cpu %llu pids %llu/%llu\n",
	       (unsigned long long)st.memory_current, (unsigned long long)st.memory_peak,
	       (unsigned long long)st.cpu_usec, (unsigned long long)st.pids_current,
	       (unsigned long long)st.pids_max);

	r = cgroup_create(parent, "c1", &cg2);
	CHECK(r == -EBUSY, "create over a live cgroup: -EBUSY (%d)", r);
	if (r == 0)
		cgroup_set_free(cg2);
	cg2 = NULL;
	r = cgroup_open(parent, "c1", &cg2);
	CHECK(r == 0 && cgroup_populated(cg2), "cgroup_open of the live one");
	cgroup_set_free(cg2);

	/* a forking process, moved into a nested cgroup as a guest's systemd would */
	b = spawn(forker_loop, &go_b);
	CHECK(b > 0 && cgroup_attach(cg, b) == 0, "cgroup_attach of a forking process");
	release(go_b);
	{
		_cleanup_free_ char *nested = str_printf("%s/init.scope", cgroup_v2_path(cg));
		_cleanup_free_ char *procs = str_printf("%s/cgroup.procs", nested);
		char buf[32];
		int fd;

		CHECK(mkdir(nested, 0755) == 0, "mkdir %s", nested);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		snprintf(buf, sizeof(buf), "%d", (int)a);
		CHECK(fd >= 0 && write(fd, buf, strlen(buf)) > 0, "move child into init.scope");
		if (fd >= 0)
			close(fd);
		free(nested);
		nested = str_printf("%s/system.slice", cgroup_v2_path(cg));
		CHECK(mkdir(nested, 0755) == 0, "mkdir %s", nested);
	}
	/* v1 hierarchies normally have no children; kill and destroy cope anyway.
	 * c is only in the v1 hierarchies: cgroup.kill of v2 cannot reach it. */
	c = cg->n_v1 > 0 ? spawn(forker_loop, &go_c) : 0;
	CHECK(c >= 0 && (c == 0 || cgroup_attach_v1(cg, c) == 0), "forker in v1 only");
	for (size_t i = 0; i < cg->n_v1; i++) {
		_cleanup_free_ char *sub = str_printf("%s/sub", cg->v1[i].path);
		_cleanup_free_ char *procs = str_printf("%s/sub/cgroup.procs", cg->v1[i].path);
		char buf[32];
		int fd;

		CHECK(mkdir(sub, 0755) == 0, "mkdir %s", sub);
		if (cg->v1[i].mask & CGROUP_V1_CPUSET)
			continue; /* an empty cpuset cannot take tasks */
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		snprintf(buf, sizeof(buf), "%d", (int)c);
		CHECK(fd >= 0 && write(fd, buf, strlen(buf)) > 0, "move forker into %s", sub);
		if (fd >= 0)
			close(fd);
	}
	release(go_c);
	usleep(50000);
	CHECK(cgroup_populated(cg), "populated with nesting");
	CHECK(cgroup_stats(cg, &st) == 0 && (st.pids_current == UINT64_MAX || st.pids_current > 3),
	      "forkers forked: pids_current %llu", (unsigned long long)st.pids_current);

	CHECK(cgroup_freeze(cg, true) == 0, "freeze");
	CHECK(cgroup_freeze(cg, false) == 0, "thaw");

	r = cgroup_kill_all(cg, 5000);
	CHECK(r == 0, "cgroup_kill_all: %d", r);
	CHECK(!cgroup_populated(cg), "empty after kill");
	reap_all();

	r = cgroup_destroy(cg);
	CHECK(r == 0, "cgroup_destroy: %d", r);
	CHECK(for_each_hierarchy(leftover, NULL) == 0, "nothing named %s is left", parent);
	cgroup_set_free(cg);

	cg = NULL;
	r = cgroup_open(parent, "c1", &cg);
	CHECK(r == -ENOENT, "cgroup_open after destroy: -ENOENT (%d)", r);
	if (r == 0)
		cgroup_set_free(cg);
}

static void test_stale(void)
{
	struct cgroup_set *cg = NULL;
	_cleanup_free_ char *nested = NULL;
	int r;

	r = cgroup_open(parent, "c1", &cg);
	CHECK(r == -ENOENT, "cgroup_open of a missing one: -ENOENT (%d)", r);
	/* a "crash": the cgroups stay, with a nested child */
	r = cgroup_create(parent, "c1", &cg);
	CHECK(r == 0, "create");
	if (r < 0)
		return;
	nested = str_printf("%s/init.scope", cgroup_v2_path(cg));
	CHECK(mkdir(nested, 0755) == 0, "nested child of the stale cgroup");
	cgroup_set_free(cg);
	cg = NULL;

	r = cgroup_create(parent, "c1", &cg);
	CHECK(r == 0, "stale empty cgroup replaced: %d", r);
	if (r < 0)
		return;
	CHECK(access(nested, F_OK) < 0 && errno == ENOENT, "stale child gone");
	r = cgroup_destroy(cg);
	CHECK(r == 0, "destroy: %d", r);
	cgroup_set_free(cg);
	CHECK(for_each_hierarchy(leftover, NULL) == 0, "nothing named %s is left", parent);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("# skipped: needs root\n");
		return 77;
	}
	snprintf(parent, sizeof(parent), "sysc-test-%d", (int)getpid());
	/* orphans of the forking test processes come back to us, not to PID 1 */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	printf("# host: %s, v2 root %s\n", cgroup_host_is_hybrid() ? "hybrid" : "pure v2",
	       cgroup_host_v2_root() ? cgroup_host_v2_root() : "(none)");
	if (!cgroup_host_v2_root()) {
		printf("# skipped: no cgroup v2 hierarchy\n");
		return 77;
	}
	test_stale();
	cleanup();
	test_lifecycle();
	cleanup();
	CHECK(for_each_hierarchy(leftover, NULL) == 0, "final: nothing named %s is left", parent);
	return tap_done();
}
