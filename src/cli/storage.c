/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-storage: set up a storage backend for the host. */
#include "cli/cli.h"
#include "lib/paths.h"
#include "lib/storage-setup.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: %s init lvm --vg VG [--device DEVICE] [--thinpool POOL]\n"
	"\n"
	"Set up the lvm backend: create volume group VG on DEVICE (when VG does\n"
	"not exist; DEVICE must be unused and empty: no filesystem, partition\n"
	"table or other signature), create thin pool POOL in it from most of its\n"
	"free space (when missing), then record lvm.vg and lvm.thinpool in\n"
	"sysc.conf. An existing volume group and thin pool are used as they are.\n"
	"\n"
	"  --vg VG          volume group\n"
	"  --device DEVICE  block device for a new volume group\n"
	"  --thinpool POOL  thin pool (default " STORAGE_LVM_DEFAULT_POOL ")\n" CLI_COMMON_HELP "\n"
	"Exit status: 0 done, 1 failed (nothing made), 2 usage error.\n";

int cmd_storage(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"vg", required_argument, NULL, 'g'},
		{"device", required_argument, NULL, 'd'},
		{"thinpool", required_argument, NULL, 't'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	const char *vg = NULL, *device = NULL, *pool = NULL;
	struct sysc_paths *p = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			vg = optarg;
			break;
		case 'd':
			device = optarg;
			break;
		case 't':
			pool = optarg;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if (optind >= argc)
		return cli_usage_error("missing command (init)");
	if (strcmp(argv[optind], "init") != 0)
		return cli_usage_error("unknown command \"%s\" (init)", argv[optind]);
	if (optind + 1 >= argc)
		return cli_usage_error("missing backend (lvm)");
	if (strcmp(argv[optind + 1], "lvm") != 0)
		return cli_usage_error("backend \"%s\" needs no setup (only lvm does)",
				       argv[optind + 1]);
	if (optind + 2 < argc)
		return cli_usage_error("unexpected argument \"%s\"", argv[optind + 2]);
	if (!vg)
		return cli_usage_error("missing --vg VG");
	r = cli_load_paths(&p);
	if (r == 0)
		r = storage_setup_lvm(p, vg, device, pool);
	paths_free(p);
	return cli_exit(r);
}
