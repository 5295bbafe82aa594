/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/live-limits.h"
#include "lib/paths.h"

#include <stdio.h>

static const char usage[] =
	"Usage: %s NAME KEY [VALUE] [--save]\n"
	"\n"
	"Get or set a cgroup limit of the running container NAME, in cgroup v2\n"
	"vocabulary (on hybrid hosts translated to the v1 controllers): memory.max,\n"
	"memory.high, memory.swap.max, cpu.max, cpu.weight, cpuset.cpus, cpuset.mems,\n"
	"pids.max, io.max, io.weight (\"cgroup.\" in front is optional). Values are\n"
	"validated as in the config: \"512M\", \"max\", \"50000 100000\", \"50%%\", ...\n"
	"A change takes effect at once, without a restart.\n"
	"\n"
	"      --save     also write the value to the container's config (a stopped\n"
	"                 container: only the config)\n"
	"\n"
	"Exit status: 0 done, 1 failed (bad value, not running, host lacks it), 2 usage error.\n";

int cmd_cgroup(int argc, char **argv)
{
	enum { OPT_SAVE = 1000 };
	static const struct option longopts[] = {
		{"save", no_argument, NULL, OPT_SAVE},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	bool save = false;
	int c, r, nargs;

	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SAVE:
			save = true;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	nargs = argc - optind;
	if (nargs < 2)
		return cli_usage_error(nargs ? "missing KEY" : "missing NAME");
	if (nargs > 3)
		return cli_usage_error("too many arguments");
	if (save && nargs != 3)
		return cli_usage_error("--save needs a VALUE");
	r = cli_load_paths(&p);
	if (r == 0 && nargs == 2)
		r = limits_get(p, argv[optind], argv[optind + 1], stdout);
	else if (r == 0)
		r = limits_set(p, argv[optind], argv[optind + 1], argv[optind + 2], save);
	paths_free(p);
	return cli_exit(r);
}
