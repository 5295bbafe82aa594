/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/autostart.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: %s [-a] [-g GROUP[,GROUP...]]... [-s [-t SECS] | -k] [-L]\n"
	"\n"
	"Start the containers whose config has autostart.enabled = true, in\n"
	"ascending autostart.order (then by name), waiting autostart.delay seconds\n"
	"after starting each; with -s or -k, stop them in the reverse order.\n"
	"Running containers are not started again, stopped ones not stopped.\n"
	"A container that fails is reported and the others go on.\n"
	"By default only containers without autostart.group are chosen.\n"
	"\n"
	"  -a, --all           every enabled container, whatever its group\n"
	"  -g, --groups LIST   the containers of these groups (repeatable, comma\n"
	"                      separated; an empty entry, as in \",web\", means no group)\n"
	"  -s, --shutdown      stop them cleanly (reverse order)\n"
	"  -t, --timeout SECS  with -s: seconds before SIGKILL (default: init.stop_timeout)\n"
	"  -k, --kill          kill them (reverse order)\n"
	"  -L, --list          print what would be done, in order, and do nothing\n" CLI_COMMON_HELP
	"\n"
	"Exit status: 0 all done, 1 a container failed, 2 usage error.\n";

/* "a,b" -> push "a", "b" (an empty entry is the empty group) */
static int add_groups(char ***groups, const char *arg)
{
	const char *s = arg;

	for (;;) {
		size_t n = strcspn(s, ",");
		_cleanup_free_ char *g = strndup(s, n);

		if (!g || strv_push(groups, g) < 0)
			return -ENOMEM;
		if (!s[n])
			return 0;
		s += n + 1;
	}
}

int cmd_autostart(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"all", no_argument, NULL, 'a'},
		{"groups", required_argument, NULL, 'g'},
		{"shutdown", no_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"kill", no_argument, NULL, 'k'},
		{"list", no_argument, NULL, 'L'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct autostart_opts o = {.action = AUTOSTART_START};
	_cleanup_strv_ char **groups = NULL;
	struct sysc_paths *p = NULL;
	bool stop = false, kill = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "ag:st:kL" CLI_COMMON_SHORTOPTS, longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'a':
			o.all = true;
			break;
		case 'g':
			if (add_groups(&groups, optarg) < 0)
				return 1;
			break;
		case 's':
			stop = true;
			break;
		case 't':
			if (cli_parse_timeout(optarg, &o.timeout) != CLI_CONTINUE)
				return EXIT_USAGE;
			break;
		case 'k':
			kill = true;
			break;
		case 'L':
			o.list = true;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument \"%s\"", argv[optind]);
	if (stop && kill)
		return cli_usage_error("--shutdown and --kill exclude each other");
	if (o.timeout && !stop)
		return cli_usage_error("--timeout goes with --shutdown");
	if (o.all && groups)
		return cli_usage_error("--all and --groups exclude each other");
	o.action = stop ? AUTOSTART_STOP : kill ? AUTOSTART_KILL : AUTOSTART_START;
	o.groups = groups;
	r = cli_load_paths(&p);
	if (r == 0)
		r = autostart_run(p, &o);
	paths_free(p);
	return cli_exit(r);
}
