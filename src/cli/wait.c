/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/wait.h"
#include "util/cleanup.h"
#include "util/proc.h"
#include "util/strv.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	"                      only for running; else names the failed units\n"
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

/* `systemctl ARGS...` inside NAME, through sysc-attach (which runs from a
 * sealed copy of this program); its exit status, stdout in *ret_out */
static int systemctl_in(const struct sysc_paths *p, const char *name, const char *a1,
			const char *a2, const char *a3, char **ret_out)
{
	char *const argv[] = {"/proc/self/exe", "attach",   "-P",	 p->store,
			      (char *)name,	"--",	    "systemctl", (char *)a1,
			      (char *)a2,	(char *)a3, NULL};

	return proc_run_capture(argv, ret_out, NULL);
}

/* A systemd guest whose manager listens: ask it until it has finished
 * booting, print its verdict, and when that is not "running" say why: the
 * failed units (a degraded guest is not left to pass as booted) */
static int ask_systemd(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *verdict = NULL, *failed = NULL, *tail = NULL;
	int r = systemctl_in(p, name, "is-system-running", "--wait", NULL, &verdict);

	if (r < 0)
		return log_error_errno(r, "cannot run sysc-attach: %m");
	fputs(verdict ? verdict : "", stdout);
	fflush(stdout);
	if (r == 0)
		return 0;
	if (verdict)
		verdict[strcspn(verdict, "\n")] = '\0';
	if (systemctl_in(p, name, "--failed", "--plain", "--no-legend", &failed) >= 0 && failed &&
	    *failed) {
		/* "UNIT LOAD ACTIVE SUB DESCRIPTION" a line: the units */
		for (char *l = failed; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			size_t k = strcspn(l, " \n");
			char *joined = str_printf("%s%s%.*s", tail ? tail : "", tail ? ", " : "",
						  (int)k, l);
			if (!joined)
				break;
			free(tail);
			tail = joined;
		}
		log_error("%s: systemd inside is %s, not running; failed units: %s (see "
			  "sysc-attach %s -- systemctl status UNIT)",
			  name, verdict ? verdict : "?", tail ? tail : "?", name);
	} else {
		log_error("%s: systemd inside is %s, not running", name, verdict ? verdict : "?");
	}
	return -EPROTO;
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
	unsigned mask = 0;
	double timeout = -1;
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
	if (r == 0) {
		struct wait_opts o = {.states = mask, .timeout = timeout, .booted = booted};
		bool systemd = false;
		r = wait_container(p, name, &o, &systemd);
		if (r == 0 && systemd)
			r = ask_systemd(p, name);
	}
	paths_free(p);
	return cli_exit(r);
}
