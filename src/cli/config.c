/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"
#include "lib/config-set.h"
#include "lib/facts.h"
#include "lib/paths.h"
#include "lib/store.h"
#include "util/cleanup.h"

#include <stdio.h>
#include <unistd.h>

static const char usage[] =
	"Usage: %s NAME                 print the effective config (defaults merged)\n"
	"       %1$s NAME KEY             print one key, e.g. cgroup.memory.max\n"
	"       %1$s NAME KEY VALUE       set one key (validated; written atomically)\n"
	"       %1$s NAME --unset KEY     remove a key (back to its default)\n"
	"       %1$s NAME --edit          edit the config file in $VISUAL, $EDITOR or vi\n"
	"\n"
	"Values are parsed by the key's type: sizes \"512M\", booleans true/false,\n"
	"string arrays '[\"a\", \"b\"]', lists of groups in libconfig syntax. Keys are\n"
	"described by `sysc help KEY` and in sysc.conf(5). A change to a running\n"
	"container takes effect at its next start.\n"
	"\n"
	"  -u, --unset   remove KEY\n"
	"  -e, --edit    edit a copy of the file; saved only when valid (an invalid\n"
	"                edit is shown, and on a terminal you can edit again)\n"
	"\n"
	"Exit status: 0 ok, 1 failed (nothing changed), 2 usage error.\n";

int cmd_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"unset", required_argument, NULL, 'u'},
		{"edit", no_argument, NULL, 'e'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	const char *unset = NULL, *name;
	_cleanup_free_ char *file = NULL, *facts = NULL;
	bool edit = false;
	int c, r, nargs;

	while ((c = getopt_long(argc, argv, "u:e" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			unset = optarg;
			break;
		case 'e':
			edit = true;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	nargs = argc - optind;
	if (nargs < 1)
		return cli_usage_error("missing NAME");
	if (nargs > 3 || ((unset || edit) && nargs > 1) || (unset && edit))
		return cli_usage_error("too many arguments");
	name = argv[optind];
	r = cli_load_paths(&p);
	if (r == 0)
		r = store_check_name(name);
	if (r == 0 && !(file = paths_container_config(p, name)))
		r = -ENOMEM;
	if (r == 0 && !(facts = facts_file_of(file)))
		r = -ENOMEM;
	if (r == 0 && edit) {
		r = config_edit(p, name);
	} else if (r == 0 && (unset || nargs == 3)) {
		r = config_set_key(p, name, unset ? unset : argv[optind + 1],
				   unset ? NULL : argv[optind + 2]);
	} else if (r == 0) {
		struct sysc_conf *conf = NULL;
		/* validates the whole config and reports a missing container */
		r = store_load_conf(p, name, &conf);
		conf_free(conf);
		if (r == 0)
			r = nargs == 2 ? conf_get(p->default_conf, file, facts, argv[optind + 1],
						  stdout)
				       : conf_dump(p->default_conf, file, facts, stdout);
	}
	paths_free(p);
	return cli_exit(r);
}
