/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/paths.h"
#include "lib/stop.h"

#include <stdio.h>
#include <stdlib.h>

static const char usage[] =
	"Usage: %s NAME [-t SECS] [-k] [-r]\n"
	"\n"
	"Stop container NAME cleanly: its init gets the halt signal (init.halt_signal,\n"
	"SIGRTMIN+3 for systemd), and whatever is left after the timeout is killed.\n"
	"Returns when the container is stopped and everything it used is removed.\n"
	"\n"
	"  -t, --timeout SECS  seconds before SIGKILL (default: init.stop_timeout)\n"
	"  -k, --kill          kill at once (SIGKILL to every process)\n"
	"  -r, --reboot        reboot instead; returns when it runs again\n"
	"\n"
	"Exit status: 0 stopped (or rebooted), 1 failed or not running, 2 usage error.\n";

int cmd_stop(int argc, char **argv)
{
	const char *name = NULL;
	static const struct option longopts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"kill", no_argument, NULL, 'k'},
		{"reboot", no_argument, NULL, 'r'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct stop_opts o = {0};
	struct sysc_paths *p = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "t:kr" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (cli_parse_timeout(optarg, &o.timeout) != CLI_CONTINUE)
				return EXIT_USAGE;
			break;
		case 'k':
			o.kill = true;
			break;
		case 'r':
			o.reboot = true;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if ((r = cli_name_arg(argc, argv, &name)) != CLI_CONTINUE)
		return r;
	if (o.kill && o.reboot)
		return cli_usage_error("--kill and --reboot exclude each other");
	r = cli_load_paths(&p);
	if (r == 0)
		r = stop_container(p, name, &o);
	paths_free(p);
	return cli_exit(r);
}
