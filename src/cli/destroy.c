/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/destroy.h"
#include "lib/paths.h"

#include <stdio.h>

static const char usage[] =
	"Usage: %s NAME [-f]\n"
	"\n"
	"Remove container NAME: its config and its root filesystem.\n"
	"A running container is refused unless -f is given, which kills it first.\n"
	"\n"
	"  -f, --force   kill the container first if it runs; destroy even if its\n"
	"                config no longer validates\n"
	"\n"
	"Exit status: 0 destroyed, 1 failed (nothing removed), 2 usage error.\n";

int cmd_destroy(int argc, char **argv)
{
	const char *name = NULL;
	static const struct option longopts[] = {
		{"force", no_argument, NULL, 'f'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	bool force = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "f" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if ((r = cli_name_and_paths(argc, argv, &name, &p)) != CLI_CONTINUE)
		return r;
	r = destroy_container(p, name, force);
	paths_free(p);
	return cli_exit(r);
}
