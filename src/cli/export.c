/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "archive/tar.h"
#include "cli/cli.h"
#include "lib/export.h"
#include "lib/paths.h"
#include "util/interrupt.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: %s NAME FILE [--snapshot SNAP] [--compression zstd|xz|gzip|none]\n"
	"\n"
	"Write stopped container NAME (or its snapshot SNAP, which may be exported\n"
	"while NAME runs) with its config to FILE, a tar archive (pax) that\n"
	"sysc-import turns into a new container. FILE \"-\" is stdout. Owners, modes,\n"
	"timestamps, xattrs, file capabilities, ACLs, hardlinks, device nodes and\n"
	"sparse files are kept. FILE is replaced only when the export succeeds.\n"
	"\n"
	"  -s, --snapshot SNAP      export snapshot SNAP of NAME\n"
	"  -c, --compression C      zstd, xz, gzip or none (default: from FILE's\n"
	"                           extension .tar.zst/.tar.xz/.tar.gz/.tar, else zstd)\n"
	"\n"
	"Exit status: 0 exported, 1 failed (FILE unchanged), 2 usage error.\n";

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"snapshot", required_argument, NULL, 's'},
		{"compression", required_argument, NULL, 'c'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct export_opts o = {.compression = TAR_COMPRESSION_AUTO};
	struct sysc_paths *p = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:c:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.snapshot = optarg;
			break;
		case 'c':
			o.compression = tar_compression_parse(optarg);
			if (o.compression < 0)
				return cli_usage_error("unknown compression \"%s\" (zstd, xz, "
						       "gzip or none)",
						       optarg);
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(argc - optind < 2 ? "missing NAME or FILE"
							 : "too many arguments");
	o.name = argv[optind];
	o.file = argv[optind + 1];
	if (!o.file[0])
		return cli_usage_error("empty FILE");
	r = cli_load_paths(&p);
	interrupt_install();
	if (r == 0)
		r = export_container(p, &o);
	paths_free(p);
	return cli_exit(r);
}
