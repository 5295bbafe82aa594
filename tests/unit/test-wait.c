/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wait_container() (src/lib/wait.c), what sysc-wait calls: states reached,
 * timeouts, a missing container, --booted with an init that is not systemd.
 * The running container is faked by a state file whose monitor and init are
 * this process. No root needed: a private store, run and conf dir. */
#include "tap.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/wait.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/test-wait.XXXXXX";

static char *tpath(const char *name)
{
	return str_printf("%s/%s", root, name);
}

/* setenv copies the value: the path is ours to free */
static void setenv_path(const char *var, const char *name)
{
	_cleanup_free_ char *path = tpath(name);

	setenv(var, path, 1);
}

static void setup(void)
{
	const char *dirs[] = {"etc", "run", "state", "store", "store/c1", NULL};
	_cleanup_free_ char *cgroup = str_printf("sysc-test-wait-%d", (int)getpid());
	_cleanup_free_ char *cfg = NULL;
	FILE *f;

	if (!mkdtemp(root))
		exit(99);
	cfg = tpath("store/c1/config");
	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *d = tpath(dirs[i]);
		mkdir(d, 0755);
	}
	f = fopen(cfg, "we");
	if (!f)
		exit(99);
	fputs("name = \"c1\";\n", f);
	fclose(f);
	setenv_path("SYSC_CONF_DIR", "etc");
	setenv_path("SYSC_RUN_DIR", "run");
	setenv_path("SYSC_STATE_DIR", "state");
	setenv_path("SYSC_PATH", "store");
	/* no such cgroup: the fake container is never frozen */
	setenv("SYSC_CGROUP_PARENT", cgroup, 1);
}

static void check_stopped(const struct sysc_paths *p)
{
	struct wait_opts stopped = {.states = 1u << STATE_STOPPED, .timeout = 0};
	struct wait_opts running = {.states = 1u << STATE_RUNNING | 1u << STATE_FROZEN,
				    .timeout = 0};
	struct wait_opts booted = {.booted = true, .timeout = 0};
	struct wait_opts none = {.timeout = 0};
	bool systemd = true;

	CHECK(wait_container(p, "c1", &stopped, NULL) == 0, "a stopped container is STOPPED");
	CHECK(wait_container(p, "c1", &running, NULL) == -ETIMEDOUT,
	      "waiting for RUNNING|FROZEN of a stopped one times out");
	CHECK(wait_container(p, "c1", &booted, &systemd) == -ETIMEDOUT && !systemd,
	      "--booted of a stopped one times out");
	CHECK(wait_container(p, "c1", &none, NULL) == -EINVAL, "no state: -EINVAL");
	CHECK(wait_container(p, "nosuch", &stopped, NULL) == -ENOENT,
	      "a missing container: -ENOENT");
}

static void check_running(const struct sysc_paths *p)
{
	_cleanup_free_ char *run = paths_container_run(p, "c1");
	struct state_info st = {
		.state = STATE_RUNNING,
		.init_pid = getpid(),
		.init_start = state_proc_starttime(getpid()),
		.monitor_pid = getpid(),
		.monitor_start = state_proc_starttime(getpid()),
	};
	struct wait_opts running = {.states = 1u << STATE_RUNNING, .timeout = 0};
	struct wait_opts stopped = {.states = 1u << STATE_STOPPED, .timeout = 0};
	struct wait_opts booted = {.booted = true, .timeout = 0};
	bool systemd = true;

	mkdir(run, 0755);
	CHECK(state_write(run, p->store_real, &st) == 0, "fake a running container");
	CHECK(wait_container(p, "c1", &running, NULL) == 0, "a running container is RUNNING");
	CHECK(wait_container(p, "c1", &stopped, NULL) == -ETIMEDOUT,
	      "waiting for STOPPED of a running one times out");
	CHECK(wait_container(p, "c1", &booted, &systemd) == 0 && !systemd,
	      "--booted with an init that is not systemd: RUNNING is enough");
}

int main(void)
{
	struct sysc_paths *p = NULL;

	setup();
	if (paths_load(NULL, &p) < 0)
		return 99;
	check_stopped(p);
	check_running(p);
	paths_free(p);
	fileio_rm_rf_at(AT_FDCWD, root);
	return tap_done();
}
