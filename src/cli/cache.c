/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/cache.h"
#include "lib/paths.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: %s ls [--format table|json]\n"
	"       sysc-cache rm KEY...\n"
	"\n"
	"Template caches: the root filesystems templates made once, which every\n"
	"create copies or snapshots (and, per backend, a btrfs subvolume or lvm thin\n"
	"volume made from them). ls shows which containers use a cache: the lower\n"
	"layer of overlay containers, which keeps the cache from being removed.\n"
	"rm removes a cache and its backend forms; the next create rebuilds it.\n"
	"\n"
	"  -F, --format F  ls output: table (default) or json\n"
	"\n"
	"Exit status: 0 done, 1 failed, 2 usage error.\n";

int cmd_cache(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "F:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
			CLI_FORMAT_CASE(json)
			CLI_COMMON_CASES(usage)
		}
	}
	if (optind >= argc)
		return cli_usage_error("missing action (ls or rm)");
	if (strcmp(argv[optind], "ls") == 0) {
		if (optind + 1 < argc)
			return cli_usage_error("unexpected argument \"%s\"", argv[optind + 1]);
	} else if (strcmp(argv[optind], "rm") == 0) {
		if (optind + 1 >= argc)
			return cli_usage_error("missing cache KEY (see sysc-cache ls)");
	} else {
		return cli_usage_error("unknown action \"%s\" (ls or rm)", argv[optind]);
	}
	r = cli_load_paths(&p);
	if (r == 0 && strcmp(argv[optind], "ls") == 0)
		r = cache_list(p, json);
	for (int i = optind + 1; r == 0 && strcmp(argv[optind], "rm") == 0 && i < argc; i++)
		r = cache_remove(p, argv[i]);
	paths_free(p);
	return cli_exit(r);
}
