/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-oci: the OCI runtime command line (runc's), over src/oci. */
#include "cli/cli.h"
#include "oci/oci.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS] ID ...\n"
	"An OCI runtime with runc's command line; sysc system containers for containerd,\n"
	"podman and Kubernetes (doc/oci.md).\n"
	"\n"
	"Commands:\n"
	"  create --bundle DIR [--pid-file F] [--console-socket S] [--no-pivot]\n"
	"         [--no-new-keyring] [--preserve-fds N] ID\n"
	"  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID\n"
	"  exec [--process F] [--detach] [--pid-file F] [--tty --console-socket S]\n"
	"       [-e VAR=VALUE] [-u UID[:GID]] [--cwd DIR] ID [CMD...]\n"
	"  pause ID | resume ID | ps [--format table|json] ID [PS ARGS]\n"
	"  list [--format table|json] [--quiet] | update --resources FILE|- ID | features\n"
	"\n"
	"Global options:\n"
	"  --root DIR            state directory (default " OCI_DEFAULT_ROOT ")\n"
	"  --log FILE            also log to FILE\n"
	"  --log-format FORMAT   text or json\n"
	"  --systemd-cgroup      cgroups through systemd (refused where not honoured)\n"
	"  --debug               debug output\n"
	"  --version             print the version\n"
	"  -h, --help            this help\n";

static struct oci_opts gopts = {.root = OCI_DEFAULT_ROOT};

static int bad_usage(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	log_error("%s", msg);
	fprintf(stderr, "Try '%s --help'.\n", log_get_program());
	return EXIT_USAGE;
}

static int one_id(int argc, char **argv, const char *cmd)
{
	if (optind != argc - 1)
		return bad_usage(optind >= argc ? "%s: missing container ID"
						: "%s: too many arguments",
				 cmd);
	return 0;
}

static int parse_uint(const char *s, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v > 1024 * 1024)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int cmd_create_(int argc, char **argv)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"pid-file", required_argument, NULL, 'p'},
		{"console-socket", required_argument, NULL, 'c'},
		{"no-pivot", no_argument, NULL, 'P'},
		{"no-new-keyring", no_argument, NULL, 'K'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{},
	};
	struct oci_create_opts c = {0};
	int o;

	while ((o = getopt_long(argc, argv, "+b:", opts, NULL)) >= 0) {
		switch (o) {
		case 'b':
			c.bundle = optarg;
			break;
		case 'p':
			c.pid_file = optarg;
			break;
		case 'c':
			c.console_socket = optarg;
			break;
		case 'P':
			c.no_pivot = true;
			break;
		case 'K':
			c.no_new_keyring = true;
			break;
		case 'f':
			if (parse_uint(optarg, &c.preserve_fds) < 0)
				return bad_usage("--preserve-fds %s: not a number", optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (one_id(argc, argv, "create"))
		return EXIT_USAGE;
	return cli_exit(oci_create(&gopts, argv[optind], &c));
}

static int simple(int argc, char **argv, const char *cmd,
		  int (*fn)(const struct oci_opts *, const char *))
{
	static const struct option opts[] = {{}};

	if (getopt_long(argc, argv, "+", opts, NULL) >= 0)
		return EXIT_USAGE;
	if (one_id(argc, argv, cmd))
		return EXIT_USAGE;
	return cli_exit(fn(&gopts, argv[optind]));
}

static int do_pause(const struct oci_opts *o, const char *id)
{
	return oci_pause(o, id, true);
}

static int do_resume(const struct oci_opts *o, const char *id)
{
	return oci_pause(o, id, false);
}

static int cmd_kill_(int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {}};
	bool all = false;
	int o, sig = 15;

	while ((o = getopt_long(argc, argv, "+a", opts, NULL)) >= 0) {
		if (o != 'a')
			return EXIT_USAGE;
		all = true;
	}
	if (optind >= argc || argc - optind > 2)
		return bad_usage("%s: usage: kill [--all] ID [SIGNAL]", "kill");
	if (argc - optind == 2 && (sig = oci_signal_parse(argv[optind + 1])) < 0)
		return bad_usage("unknown signal \"%s\"", argv[optind + 1]);
	return cli_exit(oci_kill(&gopts, argv[optind], sig, all));
}

static int cmd_delete_(int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {}};
	bool force = false;
	int o;

	while ((o = getopt_long(argc, argv, "+f", opts, NULL)) >= 0) {
		if (o != 'f')
			return EXIT_USAGE;
		force = true;
	}
	if (one_id(argc, argv, "delete"))
		return EXIT_USAGE;
	return cli_exit(oci_delete(&gopts, argv[optind], force));
}

static int parse_format(const char *s, bool *json)
{
	if (!strcmp(s, "json"))
		*json = true;
	else if (!strcmp(s, "table"))
		*json = false;
	else
		return bad_usage("--format %s: must be table or json", s);
	return 0;
}

static int cmd_ps_(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {}};
	bool json = false;
	int o;

	while ((o = getopt_long(argc, argv, "+f:", opts, NULL)) >= 0) {
		if (o != 'f' || parse_format(optarg, &json))
			return EXIT_USAGE;
	}
	if (optind >= argc)
		return bad_usage("%s: missing container ID", "ps");
	return cli_exit(oci_ps(&gopts, argv[optind], json, argv + optind + 1));
}

static int cmd_list_(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{},
	};
	bool json = false, quiet = false;
	int o;

	while ((o = getopt_long(argc, argv, "+f:q", opts, NULL)) >= 0) {
		if (o == 'q')
			quiet = true;
		else if (o != 'f' || parse_format(optarg, &json))
			return EXIT_USAGE;
	}
	if (optind != argc)
		return bad_usage("%s: takes no arguments", "list");
	return cli_exit(oci_list(&gopts, json, quiet));
}

static int cmd_update_(int argc, char **argv)
{
	static const struct option opts[] = {{"resources", required_argument, NULL, 'r'}, {}};
	const char *file = NULL;
	int o;

	while ((o = getopt_long(argc, argv, "+r:", opts, NULL)) >= 0) {
		if (o != 'r')
			return EXIT_USAGE;
		file = optarg;
	}
	if (!file)
		return bad_usage("%s: --resources FILE|- is required", "update");
	if (one_id(argc, argv, "update"))
		return EXIT_USAGE;
	return cli_exit(oci_update(&gopts, argv[optind], file));
}

static int cmd_exec_(int argc, char **argv)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, 'P'},
		{"tty", no_argument, NULL, 't'},
		{"console-socket", required_argument, NULL, 'c'},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"cwd", required_argument, NULL, 'w'},
		{"cap", required_argument, NULL, 'C'},
		{"no-new-privs", no_argument, NULL, 'n'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{},
	};
	_cleanup_strv_ char **env = NULL, **caps = NULL;
	struct oci_exec_opts e = {0};
	int o;

	while ((o = getopt_long(argc, argv, "+p:dte:u:", opts, NULL)) >= 0) {
		switch (o) {
		case 'p':
			e.process_file = optarg;
			break;
		case 'd':
			e.detach = true;
			break;
		case 'P':
			e.pid_file = optarg;
			break;
		case 't':
			e.tty = true;
			break;
		case 'c':
			e.console_socket = optarg;
			break;
		case 'e':
			if (strv_push(&env, optarg) < 0)
				return 1;
			break;
		case 'u':
			e.user = optarg;
			break;
		case 'w':
			e.cwd = optarg;
			break;
		case 'C':
			if (strv_push(&caps, optarg) < 0)
				return 1;
			break;
		case 'n':
			e.no_new_privs = true;
			break;
		case 'f':
			if (parse_uint(optarg, &e.preserve_fds) < 0)
				return bad_usage("--preserve-fds %s: not a number", optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return bad_usage("%s: missing container ID", "exec");
	if (!e.process_file && optind + 1 >= argc)
		return bad_usage("%s: missing the command (or --process FILE)", "exec");
	e.env = env;
	e.caps = caps;
	e.args = argv + optind + 1;
	return oci_exec(&gopts, argv[optind], &e);
}

static int cmd_features_(int argc, char **argv)
{
	return cli_exit(oci_features());
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	int (*simple)(const struct oci_opts *o, const char *id);
} commands[] = {
	{"create", cmd_create_, NULL},
	{"start", NULL, oci_start},
	{"state", NULL, oci_print_state},
	{"kill", cmd_kill_, NULL},
	{"delete", cmd_delete_, NULL},
	{"exec", cmd_exec_, NULL},
	{"pause", NULL, do_pause},
	{"resume", NULL, do_resume},
	{"ps", cmd_ps_, NULL},
	{"list", cmd_list_, NULL},
	{"update", cmd_update_, NULL},
	{"features", cmd_features_, NULL},
};

static int open_log(const char *path, bool json)
{
	int fd = -1;

	if (path) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0) {
			log_error("--log %s: %s", path, strerror(errno));
			return -1;
		}
	} else if (json) {
		/* errors as JSON lines on stderr */
		fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		log_set_stderr(0);
	}
	if (fd >= 0)
		log_set_fd(fd);
	log_set_json(json);
	return 0;
}

int cmd_oci(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'F'},
		{"systemd-cgroup", no_argument, NULL, 's'},
		{"debug", no_argument, NULL, 'D'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		/* runc's, accepted: */
		{"criu", required_argument, NULL, 'C'},
		{"rootless", required_argument, NULL, 'R'},
		{},
	};
	const char *log_file = NULL;
	bool json = false;
	int o;

	while ((o = getopt_long(argc, argv, "+hv", opts, NULL)) >= 0) {
		switch (o) {
		case 'r':
			gopts.root = optarg;
			break;
		case 'l':
			log_file = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return bad_usage("--log-format %s: must be text or json", optarg);
			json = !strcmp(optarg, "json");
			break;
		case 's':
			gopts.systemd_cgroup = true;
			break;
		case 'D':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'v':
		case 'V':
			printf("sysc-oci version %s\nspec: %s\n", PACKAGE_VERSION, OCI_VERSION);
			return 0;
		case 'h':
			cli_print_help(usage);
			return 0;
		case 'C':
		case 'R':
			break;
		default:
			fprintf(stderr, "Try '%s --help'.\n", log_get_program());
			return EXIT_USAGE;
		}
	}
	if (open_log(log_file, json) < 0)
		return 1;
	if (optind >= argc)
		return bad_usage("%s: missing command", "sysc-oci");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		char **sub = argv + optind;
		int n = argc - optind;

		if (strcmp(sub[0], commands[i].name))
			continue;
		optind = 0; /* getopt starts over on the command's arguments */
		if (commands[i].run)
			return commands[i].run(n, sub);
		return simple(n, sub, commands[i].name, commands[i].simple);
	}
	return bad_usage("unknown command \"%s\"", argv[optind]);
}
