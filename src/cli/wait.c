/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"Usage: %s NAME -s STATE[|STATE...] [-t SECS]\n"
	"\n"
	"Wait until container NAME is in one of the given states: STOPPED, STARTING,\n"
	"RUNNING, STOPPING, ABORTING, FROZEN.\n"
	"\n"
	"  -s, --state STATES  states separated by '|'\n"
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

int cmd_wait(int argc, char **argv)
{
	const char *name = NULL;
	static const struct option longopts[] = {
		{"state", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	struct sysc_conf *conf = NULL;
	unsigned mask = 0;
	double timeout = -1;
	struct timespec t0, t;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:t:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
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
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (timeout >= 0 &&
		    (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >=
			    timeout) {
			log_error("timed out waiting for %s (it is %s)", name,
				  state_name(st.state));
			r = -ETIMEDOUT;
			break;
		}
		usleep(10000);
	}
	paths_free(p);
	return cli_exit(r);
}
