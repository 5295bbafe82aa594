/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "archive/tar.h"
#include "cli/cli.h"
#include "lib/import-trust.h"
#include "lib/import.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/interrupt.h"
#include "util/strv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: %s FILE [NAME] [-B BACKEND] [--devices safe|all|none] [--allow KEY]...\n"
	"\n"
	"Create a container from FILE, an archive made by sysc-export (\"-\": stdin),\n"
	"named NAME or, by default, as the exported container was. It gets a new\n"
	"uuid, id range and the chosen storage backend; the rest of its config is the\n"
	"archive's. Hostile archives are refused: paths leaving the root filesystem,\n"
	"writes through symlinks, hardlinks outside it, device nodes the --devices\n"
	"policy does not allow, corrupt or truncated data, @include in the config,\n"
	"and config settings that weaken the container's isolation or act on the\n"
	"host (privileged, seccomp, capabilities, host network, sysctl, mounts,\n"
	"hooks, devices, ...) unless each is named with --allow. Nothing is left\n"
	"behind when an import fails or is interrupted.\n"
	"\n"
	"  -B, --backend B     storage backend (default from sysc.conf)\n"
	"  -D, --devices D     device nodes to create: safe (default: null, zero, full,\n"
	"                      random, urandom, tty, console, ptmx), all, or none\n"
	"  -a, --allow KEY     accept the archive's setting of config key KEY (or of\n"
	"                      every key in group KEY, e.g. hooks); repeatable\n"
	"\n"
	"Exit status: 0 imported, 1 failed (nothing created), 2 usage error.\n";

static int parse_devices(const char *s, int *ret)
{
	*ret = tar_devices_parse(s);
	if (*ret < 0)
		return cli_usage_error("unknown --devices \"%s\" (safe, all or none)", s);
	return CLI_CONTINUE;
}

int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"backend", required_argument, NULL, 'B'},
		{"devices", required_argument, NULL, 'D'},
		{"allow", required_argument, NULL, 'a'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct import_opts o = {.devices = TAR_DEVICES_SAFE};
	_cleanup_strv_ char **allow = NULL;
	struct sysc_paths *p = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "B:D:a:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'B':
			o.backend = optarg;
			break;
		case 'a':
			if (!import_trust_key_valid(optarg))
				return cli_usage_error(
					"unknown --allow \"%s\": a config key or group "
					"(see sysc help KEY)",
					optarg);
			if (strv_push(&allow, optarg) < 0)
				return cli_exit(-ENOMEM);
			break;
		case 'D':
			if ((r = parse_devices(optarg, &o.devices)) != CLI_CONTINUE)
				return r;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error(optind >= argc ? "missing FILE" : "too many arguments");
	o.file = argv[optind];
	o.allow = allow;
	o.name = argc - optind == 2 ? argv[optind + 1] : NULL;
	r = cli_load_paths(&p);
	interrupt_install();
	if (r == 0)
		r = import_container(p, &o);
	paths_free(p);
	return cli_exit(r);
}

static const char extract_usage[] =
	"Usage: %s --rootfs DIR FILE [--devices safe|all|none]\n"
	"\n"
	"Extract the rootfs tarball FILE (\"-\": stdin) into the empty directory DIR\n"
	"with sysc-import's protections (for the tarball template).\n";

/* hidden: `sysc archive-extract`, used by templates/sysc-tarball */
int cmd_archive_extract(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rootfs", required_argument, NULL, 'r'},
		{"devices", required_argument, NULL, 'D'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	const char *dir = NULL;
	int devices = TAR_DEVICES_SAFE, c, r;

	while ((c = getopt_long(argc, argv, "r:D:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			dir = optarg;
			break;
		case 'D':
			if ((r = parse_devices(optarg, &devices)) != CLI_CONTINUE)
				return r;
			break;
			CLI_COMMON_CASES(extract_usage)
		}
	}
	if (!dir)
		return cli_usage_error("missing --rootfs DIR");
	if (argc - optind != 1)
		return cli_usage_error(optind >= argc ? "missing FILE" : "too many arguments");
	interrupt_install();
	return cli_exit(import_rootfs_tarball(argv[optind], dir, devices));
}
