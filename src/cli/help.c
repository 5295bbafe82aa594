/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"
#include "config/schema.h"

#include <stdio.h>
#include <string.h>

/* A key of sysc.conf (global schema): its doc, and the keys of a group. */
static void global_key_help(const struct conf_key *k, FILE *out)
{
	size_t n = strlen(k->path);
	bool first = true;

	conf_schema_print_help(k, out);
	fprintf(out, "    Global: set in /etc/sysc/sysc.conf.\n");
	if (k->type != CT_GROUP)
		return;
	fprintf(out, "    Keys:");
	for (size_t i = 0; i < conf_schema_global.n_keys; i++) {
		const char *p = conf_schema_global.keys[i].path;
		if (strncmp(p, k->path, n) == 0 && p[n] == '.' && !strchr(p + n + 1, '.')) {
			fprintf(out, "%s %s", first ? "" : ",", p + n + 1);
			first = false;
		}
	}
	fprintf(out, "\n");
}

int cmd_help(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		/* sysc help KEY: a config key's documentation (container keys
		 * first; the keys of sysc.conf otherwise) */
		const struct conf_key *g = NULL;
		if (!conf_schema_find(&conf_schema_container, argv[1]))
			g = conf_schema_find(&conf_schema_global, argv[1]);
		if (g) {
			global_key_help(g, stdout);
			return 0;
		}
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
