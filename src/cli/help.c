/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"

#include <stdio.h>
#include <string.h>

int cmd_help(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		/* sysc help KEY: a config key's documentation */
		return conf_key_help(argv[1], stdout) < 0 ? 1 : 0;
	}
	printf("Usage: sysc COMMAND [OPTIONS...]   (or sysc-COMMAND [OPTIONS...])\n"
	       "       sysc help CONFIG-KEY        describe a config key\n\n"
	       "Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (c->summary)
			printf("  %-10s %s\n", c->name, c->summary);
	printf("\nEvery command takes --help. Manual: sysc(1), sysc.conf(5).\n");
	return 0;
}
