/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The multi-call binary: one thin file per command. Commands parse their
 * options, call src/lib, and return the process exit status:
 *   0 success, 1 failure, 2 usage error (attach: the command's own status). */
#pragma once

#include <getopt.h>
#include <stdbool.h>

struct sysc_paths;

#define EXIT_USAGE 2

struct cli_command {
	const char *name;
	const char *summary; /* NULL: hidden from `sysc help` */
	int (*run)(int argc, char **argv);
};

extern const struct cli_command cli_commands[];

/* Options every command takes; handled by cli_common_option(). */
#define CLI_COMMON_LONGOPTS                                                                        \
	{"help", no_argument, NULL, 'h'}, {"path", required_argument, NULL, 'P'},                  \
		{"quiet", no_argument, NULL, 'q'},                                                 \
	{                                                                                          \
		"verbose", no_argument, NULL, 'v'                                                  \
	}
#define CLI_COMMON_SHORTOPTS "hP:qv"
#define CLI_COMMON_HELP                                                                            \
	"  -P, --path DIR   container store (default $SYSC_PATH or /var/lib/sysc)\n"               \
	"  -q, --quiet      only errors\n"                                                         \
	"  -v, --verbose    debug output\n"                                                        \
	"  -h, --help       this help\n"

#define CLI_CONTINUE (-1)
/* Handle a common (or unknown) option: CLI_CONTINUE to go on parsing, or the
 * exit status to return at once (0 after --help, EXIT_USAGE for bad options). */
int cli_common_option(int c, const char *usage);
#define CLI_COMMON_CASES(usage)                                                                    \
	default: {                                                                                 \
		int _q = cli_common_option(c, usage);                                              \
		if (_q != CLI_CONTINUE)                                                            \
			return _q;                                                                 \
		break;                                                                             \
	}
/* The --path given, or NULL. */
const char *cli_store_path(void);
/* Load paths (logs errors). */
int cli_load_paths(struct sysc_paths **ret);
/* "sysc-create: missing NAME\nTry 'sysc-create --help'." and EXIT_USAGE */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print usage text with the program name substituted for %s. */
void cli_print_help(const char *usage);
/* Exit status for a lib return code. */
static inline int cli_exit(int r)
{
	return r < 0 ? 1 : 0;
}
/* --format table|json: CLI_CONTINUE with *ret_json set, or the usage
 * error's exit. */
int cli_output_format(const char *arg, bool *ret_json);
#define CLI_FORMAT_CASE(json)                                                                      \
	case 'F': {                                                                                \
		int _f = cli_output_format(optarg, &(json));                                       \
		if (_f != CLI_CONTINUE)                                                            \
			return _f;                                                                 \
		break;                                                                             \
	}
/* A --timeout in seconds, 1..3600: CLI_CONTINUE, or the usage error's exit. */
int cli_parse_timeout(const char *arg, int *ret);
/* After the options, exactly one NAME: CLI_CONTINUE with *ret_name set, or
 * EXIT_USAGE (reported). */
int cli_name_arg(int argc, char **argv, const char **ret_name);
/* cli_name_arg(), then the paths: CLI_CONTINUE with both set (free *ret_paths
 * with paths_free()), or the exit status to return (the error reported). */
int cli_name_and_paths(int argc, char **argv, const char **ret_name, struct sysc_paths **ret_paths);

int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_copy(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_cgroup(int argc, char **argv);
int cmd_freeze(int argc, char **argv);
int cmd_unfreeze(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_net(int argc, char **argv);
int cmd_autostart(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_archive_extract(int argc, char **argv);
int cmd_storage(int argc, char **argv);
int cmd_oci(int argc, char **argv);
