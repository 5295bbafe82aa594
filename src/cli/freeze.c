/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/freeze.h"
#include "lib/paths.h"

#include <stdio.h>

static const char usage_freeze[] =
	"Usage: %s NAME\n"
	"\n"
	"Freeze every process of the running container NAME (cgroup freezer): it\n"
	"stops using CPU and shows as FROZEN; its memory stays. sysc-attach and\n"
	"sysc-console refuse a frozen container; sysc-stop thaws it first.\n"
	"\n"
	"Exit status: 0 frozen, 1 failed (e.g. not running), 2 usage error.\n";

static const char usage_unfreeze[] =
	"Usage: %s NAME\n"
	"\n"
	"Thaw the frozen container NAME: its processes run on where they stopped.\n"
	"\n"
	"Exit status: 0 running, 1 failed (e.g. not running), 2 usage error.\n";

static int run(int argc, char **argv, const char *usage, bool frozen)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	const char *name;
	int c, r;

	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
			CLI_COMMON_CASES(usage)
		}
	}
	if ((r = cli_name_and_paths(argc, argv, &name, &p)) != CLI_CONTINUE)
		return r;
	r = freeze_container(p, name, frozen);
	paths_free(p);
	return cli_exit(r);
}

int cmd_freeze(int argc, char **argv)
{
	return run(argc, argv, usage_freeze, true);
}

int cmd_unfreeze(int argc, char **argv)
{
	return run(argc, argv, usage_unfreeze, false);
}
