/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/paths.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *store_path;

void cli_print_help(const char *usage)
{
	printf(usage, log_get_program());
	printf("\nCommon options:\n" CLI_COMMON_HELP);
}

int cli_common_option(int c, const char *usage)
{
	switch (c) {
	case 'h':
		cli_print_help(usage);
		return EXIT_SUCCESS;
	case 'P':
		store_path = optarg;
		return CLI_CONTINUE;
	case 'q':
		log_set_level(LOG_LEVEL_ERROR);
		return CLI_CONTINUE;
	case 'v':
		log_set_level(LOG_LEVEL_DEBUG);
		return CLI_CONTINUE;
	default:
		fprintf(stderr, "Try '%s --help'.\n", log_get_program());
		return EXIT_USAGE;
	}
}

const char *cli_store_path(void)
{
	return store_path;
}

int cli_load_paths(struct sysc_paths **ret)
{
	return paths_load(store_path, ret);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", log_get_program());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", log_get_program());
	return EXIT_USAGE;
}

int cli_output_format(const char *arg, bool *ret_json)
{
	if (strcmp(arg, "table") == 0 || strcmp(arg, "text") == 0)
		*ret_json = false;
	else if (strcmp(arg, "json") == 0)
		*ret_json = true;
	else
		return cli_usage_error("unknown format \"%s\"", arg);
	return CLI_CONTINUE;
}

int cli_name_arg(int argc, char **argv, const char **ret_name)
{
	if (optind + 1 != argc)
		return cli_usage_error(optind < argc ? "too many arguments" : "missing NAME");
	*ret_name = argv[optind];
	return CLI_CONTINUE;
}

int cli_name_and_paths(int argc, char **argv, const char **ret_name, struct sysc_paths **ret_paths)
{
	int r = cli_name_arg(argc, argv, ret_name);

	if (r != CLI_CONTINUE)
		return r;
	r = cli_load_paths(ret_paths);
	return r < 0 ? cli_exit(r) : CLI_CONTINUE;
}

int cli_parse_timeout(const char *arg, int *ret)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 1 || v > 3600)
		return cli_usage_error("invalid timeout \"%s\" (1..3600 seconds)", arg);
	*ret = (int)v;
	return CLI_CONTINUE;
}
