/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/create.h"
#include "lib/paths.h"
#include "lib/template.h"
#include "util/strv.h"
#include "util/interrupt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: %s NAME -t TEMPLATE [-B BACKEND] [-f CONFIG] [-- TEMPLATE-OPTIONS...]\n"
	"\n"
	"Create container NAME from TEMPLATE (debian, busybox, or a path to a template\n"
	"executable). The first create from a template builds its cache; later ones\n"
	"copy or snapshot the cache and take seconds. Nothing is left behind when a\n"
	"create fails or is interrupted.\n"
	"\n"
	"  -t, --template T   template name or path (required)\n"
	"  -B, --backend B    storage backend: dir, btrfs, overlay, lvm or best (btrfs\n"
	"                     when the store is on btrfs, else dir; default from sysc.conf)\n"
	"  -f, --config FILE  config file merged into the container's config\n"
	"\n"
	"Template options after \"--\", e.g. for debian: --release bookworm --arch amd64\n"
	"--mirror URL --packages a,b --root-password-file FILE (see the template's --help:\n"
	"sysc-create NAME -t debian -- --help).\n"
	"\n"
	"Exit status: 0 created, 1 failed (nothing created), 2 usage error.\n";

static int parse_options(int argc, char **argv, struct create_opts *o)
{
	static const struct option longopts[] = {
		{"template", required_argument, NULL, 't'},
		{"backend", required_argument, NULL, 'B'},
		{"config", required_argument, NULL, 'f'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+t:B:f:" CLI_COMMON_SHORTOPTS, longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			o->template = optarg;
			break;
		case 'B':
			o->backend = optarg;
			break;
		case 'f':
			o->config_file = optarg;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	return CLI_CONTINUE;
}

int cmd_create(int argc, char **argv)
{
	struct create_opts o = {0};
	struct sysc_paths *p = NULL;
	int r;

	/* NAME may come before or after the options: "sysc-create d1 -t debian" */
	r = parse_options(argc, argv, &o);
	if (r == CLI_CONTINUE && optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		o.name = argv[optind++];
		r = parse_options(argc, argv, &o);
	}
	if (r != CLI_CONTINUE)
		return r;
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return cli_usage_error("unexpected argument \"%s\"", argv[optind]);
	if (!o.name)
		return cli_usage_error("missing container NAME");
	if (!o.template)
		return cli_usage_error("missing -t TEMPLATE");
	o.template_args = argv + optind;
	r = cli_load_paths(&p);
	if (r == 0 && strv_contains(o.template_args, "--help")) {
		/* "sysc-create NAME -t debian -- --help": the template's own options */
		r = template_show_help(p, o.template);
		paths_free(p);
		return cli_exit(r);
	}
	interrupt_install();
	if (r == 0)
		r = create_container(p, &o);
	paths_free(p);
	return cli_exit(r);
}
