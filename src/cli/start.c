/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "console/client.h"
#include "lib/paths.h"
#include "lib/start.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: %s NAME [-F] [-- CMD [ARGS...]]\n"
	"\n"
	"Boot container NAME: its init (default /sbin/init) runs as PID 1 in new\n"
	"mount, PID, UTS, IPC, network and cgroup namespaces, supervised by a monitor.\n"
	"Returns once the container is RUNNING, or prints why it could not start\n"
	"(nothing is left behind then).\n"
	"\n"
	"  -F, --foreground   stay attached to the console (Ctrl-a q detaches; the\n"
	"                     container keeps running)\n"
	"  -- CMD ARGS        run CMD (an absolute path inside) instead of the init\n"
	"\n"
	"Exit status: 0 running, 1 failed, 2 usage error.\n";

/* -F and the common options (before or after NAME): CLI_CONTINUE, or the
 * exit status (--help, a usage error). */
static int parse_options(int argc, char **argv, bool *foreground)
{
	static const struct option longopts[] = {
		{"foreground", no_argument, NULL, 'F'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+F" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			*foreground = true;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	return CLI_CONTINUE;
}

int cmd_start(int argc, char **argv)
{
	struct start_opts o = {0};
	struct sysc_paths *p = NULL;
	bool foreground = false;
	const char *name;
	int r = parse_options(argc, argv, &foreground);

	if (r != CLI_CONTINUE)
		return r;
	if (optind >= argc)
		return cli_usage_error("missing NAME");
	name = argv[optind++];
	/* options may follow the name */
	r = parse_options(argc, argv, &foreground);
	if (r != CLI_CONTINUE)
		return r;
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return cli_usage_error("unexpected argument \"%s\" (use -- before a command)",
				       argv[optind]);
	o.cmd = argv + optind;
	r = cli_load_paths(&p);
	if (r == 0)
		r = start_container(p, name, &o);
	/* -F: the container runs on its own; this process is its console */
	if (r == 0 && foreground)
		r = console_client_attach(p, name, 0, CONSOLE_ESCAPE_DEFAULT, true);
	paths_free(p);
	return cli_exit(r);
}
