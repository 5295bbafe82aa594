/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"Usage: %s NAME -s STATE[|STATE...] [-t SECS]\n"
	"       %1$s NAME --booted [-t SECS]\n"
	"\n"
	"Wait until container NAME is in one of the given states: STOPPED, STARTING,\n"
	"RUNNING, STOPPING, ABORTING, FROZEN.\n"
	"\n"
	"  -s, --state STATES  states separated by '|'\n"
	"  -b, --booted        wait until the container RUNS and, when its init is\n"
	"                      systemd, until systemd has finished booting; prints\n"
	"                      systemd's verdict (running, degraded, ...), exit 0\n"
	"                      only for running\n"
	"  -t, --timeout SECS  give up after SECS (default: wait forever)\n"
	"\n"
	"Exit status: 0 reached, 1 timeout or error, 2 usage error.\n";

static int parse_states(const char *arg, unsigned *ret_mask)
{
	char buf[256], *save = NULL;
	unsigned mask = 0;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *t = strtok_r(buf, "|,", &save); t; t = strtok_r(NULL, "|,", &save)) {
		enum sysc_state s;
		if (state_parse(t, &s) < 0)
			return cli_usage_error("unknown state \"%s\"", t);
		mask |= 1u << s;
	}
	if (!mask)
		return cli_usage_error("no state given");
	*ret_mask = mask;
	return 0;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* After RUNNING: a systemd guest has booted once its private socket exists
 * and `systemctl is-system-running --wait` returns; ask it through
 * sysc-attach (which runs from a sealed copy of this program). */
static int wait_booted(const struct sysc_paths *p, const char *name, double timeout,
		       const struct timespec *t0)
{
	_cleanup_free_ char *exe = NULL, *sock = NULL, *pid = NULL;
	struct state_info st;
	char target[PATH_MAX];
	ssize_t n;
	int r = state_read(p, name, &st);

	if (r < 0 || st.state != STATE_RUNNING)
		return r < 0 ? r : -ESRCH;
	exe = str_printf("/proc/%d/exe", (int)st.init_pid);
	sock = str_printf("/proc/%d/root/run/systemd/private", (int)st.init_pid);
	if (!exe || !sock)
		return -ENOMEM;
	n = readlink(exe, target, sizeof(target) - 1);
	if (n < 0)
		return log_error_errno(-errno, "cannot inspect the init of %s: %m", name);
	target[n] = '\0';
	if (!str_endswith(target, "/systemd"))
		return 0; /* another init: RUNNING is all there is to know */
	for (;;) {
		struct stat stt;
		if (stat(sock, &stt) == 0 && S_ISSOCK(stt.st_mode))
			break;
		if (timeout >= 0 && elapsed(t0) >= timeout) {
			log_error("timed out waiting for systemd in %s to start", name);
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
	fflush(stdout);
	execl("/proc/self/exe", "sysc-attach", "-P", p->store, name, "--", "systemctl",
	      "is-system-running", "--wait", (char *)NULL);
	return log_error_errno(-errno, "cannot run sysc-attach: %m");
}

int cmd_wait(int argc, char **argv)
{
	const char *name = NULL;
	static const struct option longopts[] = {
		{"state", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"booted", no_argument, NULL, 'b'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	struct sysc_conf *conf = NULL;
	unsigned mask = 0;
	double timeout = -1;
	struct timespec t0;
	bool booted = false;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:t:b" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			booted = true;
			break;
		case 's':
			if (parse_states(optarg, &mask) != 0)
				return EXIT_USAGE;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || timeout < 0)
				return cli_usage_error("invalid timeout \"%s\"", optarg);
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if ((r = cli_name_arg(argc, argv, &name)) != CLI_CONTINUE)
		return r;
	if (booted && mask && mask != 1u << STATE_RUNNING)
		return cli_usage_error("--booted waits for RUNNING; it takes no other -s");
	if (booted)
		mask = 1u << STATE_RUNNING;
	if (!mask)
		return cli_usage_error("missing -s STATE");
	r = cli_load_paths(&p);
	if (r == 0)
		r = store_load_conf(p, name, &conf);
	conf_free(conf);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r == 0) {
		struct state_info st;
		r = state_read(p, name, &st);
		if (r < 0 || (mask & (1u << st.state)))
			break;
		if (timeout >= 0 && elapsed(&t0) >= timeout) {
			log_error("timed out waiting for %s (it is %s)", name,
				  state_name(st.state));
			r = -ETIMEDOUT;
			break;
		}
		usleep(10000);
	}
	if (r == 0 && booted)
		r = wait_booted(p, name, timeout, &t0);
	paths_free(p);
	return cli_exit(r);
}
