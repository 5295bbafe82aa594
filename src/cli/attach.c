/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attach/attach.h"
#include "cli/cli.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: %s NAME [OPTIONS] [-- CMD [ARGS...]]\n"
	"\n"
	"Run CMD inside the running container NAME (exec'd directly, no shell), or\n"
	"without CMD the user's login shell. The process enters all of the\n"
	"container's namespaces and a leaf of its cgroup. With a terminal on stdin it\n"
	"gets a pty of the container; otherwise stdin, stdout and stderr are passed\n"
	"through as they are (binary-safe, EOF propagates).\n"
	"\n"
	"  -u, --user USER     run as USER (name or uid, resolved inside); default root\n"
	"  -e, --env VAR=VAL   set an environment variable (repeatable)\n"
	"      --keep-env      start from this environment instead of a clean one\n"
	"                      (PATH, TERM, HOME, USER, LOGNAME, LANG, container)\n"
	"  -c, --cwd DIR       working directory inside (default: the user's home)\n"
	"\n"
	"Exit status: the command's (128+N if killed by signal N); 126 not\n"
	"executable, 127 not found, 125 sysc-attach failed, 2 usage error.\n";

int cmd_attach(int argc, char **argv)
{
	enum { OPT_KEEP_ENV = 1000 };
	static const struct option longopts[] = {
		{"user", required_argument, NULL, 'u'},
		{"env", required_argument, NULL, 'e'},
		{"keep-env", no_argument, NULL, OPT_KEEP_ENV},
		{"cwd", required_argument, NULL, 'c'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct attach_opts o = {0};
	_cleanup_strv_ char **env = NULL;
	struct sysc_paths *p = NULL;
	const char *name = NULL;
	int c, r;

	for (int pass = 0; pass < 2; pass++) {
		while ((c = getopt_long(argc, argv, "+u:e:c:" CLI_COMMON_SHORTOPTS, longopts,
					NULL)) != -1) {
			switch (c) {
			case 'u':
				o.user = optarg;
				break;
			case 'e':
				if (!strchr(optarg, '=') || optarg[0] == '=')
					return cli_usage_error("-e needs VAR=VALUE, got \"%s\"",
							       optarg);
				if (strv_push(&env, optarg) < 0)
					return ATTACH_EXIT_FAILURE;
				break;
			case OPT_KEEP_ENV:
				o.keep_env = true;
				break;
			case 'c':
				o.cwd = optarg;
				break;
				CLI_COMMON_CASES(usage)
			}
		}
		/* NAME, then possibly more options */
		if (pass == 0 && optind < argc && strcmp(argv[optind - 1], "--") != 0)
			name = argv[optind++];
		else
			break;
	}
	if (!name)
		return cli_usage_error("missing NAME");
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return cli_usage_error("unexpected argument \"%s\" (use -- before a command)",
				       argv[optind]);
	o.cmd = argv + optind;
	o.setenv = env;
	r = cli_load_paths(&p);
	if (r == 0)
		r = attach_run(p, name, &o);
	paths_free(p);
	return r < 0 ? ATTACH_EXIT_FAILURE : r;
}
