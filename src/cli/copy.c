/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/copy-container.h"
#include "lib/paths.h"
#include "util/interrupt.h"

#include <stdio.h>

static const char usage[] =
	"Usage: %s SRC DST [-s] [-B BACKEND]\n"
	"\n"
	"Copy stopped container SRC to a new container DST. On the same backend the\n"
	"copy is the backend's clone: a snapshot on btrfs and lvm (instant, shares\n"
	"unchanged blocks), the changes layer on overlay (the template cache stays\n"
	"shared), a full copy on dir. With -B, the rootfs is copied file by file onto\n"
	"BACKEND. DST gets its own uuid, host name (when SRC's was its name), MAC\n"
	"addresses and machine-id. Nothing is left behind when a copy fails.\n"
	"\n"
	"  -s, --snapshot     insist on a copy-on-write clone (fails on dir)\n"
	"  -B, --backend B    storage backend of DST (default: SRC's)\n"
	"\n"
	"Exit status: 0 copied, 1 failed (nothing created), 2 usage error.\n";

int cmd_copy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"snapshot", no_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'B'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct copy_opts o = {0};
	struct sysc_paths *p = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "sB:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.snapshot = true;
			break;
		case 'B':
			o.backend = optarg;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(argc - optind < 2 ? "missing SRC or DST"
							 : "unexpected argument \"%s\"",
				       argv[argc - 1]);
	o.src = argv[optind];
	o.dst = argv[optind + 1];
	r = cli_load_paths(&p);
	interrupt_install();
	if (r == 0)
		r = copy_container(p, &o);
	paths_free(p);
	return cli_exit(r);
}
