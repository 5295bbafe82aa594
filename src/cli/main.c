/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc: multi-call entry point. argv[0] "sysc-<cmd>" or "sysc <cmd> ...". */
#include "attach/rexec.h"
#include "cli/cli.h"
#include "monitor/monitor.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct cli_command cli_commands[] = {
	{"create", "create a container from a template", cmd_create},
	{"destroy", "remove a stopped container and its rootfs", cmd_destroy},
	{"copy", "clone a stopped container", cmd_copy},
	{"snapshot", "make, list, restore and remove snapshots", cmd_snapshot},
	{"cache", "list and remove template caches", cmd_cache},
	{"ls", "list containers", cmd_ls},
	{"info", "show a container's details", cmd_info},
	{"config", "print, get or set a container's config keys", cmd_config},
	{"start", "boot a container", cmd_start},
	{"stop", "stop (or reboot) a container cleanly", cmd_stop},
	{"wait", "wait for a container to reach a state", cmd_wait},
	{"console", "attach to a container's console or ttys", cmd_console},
	{"attach", "run a command or shell inside a container", cmd_attach},
	{"cgroup", "get or set a running container's cgroup limits", cmd_cgroup},
	{"freeze", "freeze every process of a container", cmd_freeze},
	{"unfreeze", "thaw a frozen container", cmd_unfreeze},
	{"top", "live resource usage of containers", cmd_top},
	{"net", "create, delete and list managed bridges", cmd_net},
	{"autostart", "start (or stop) the containers marked for autostart", cmd_autostart},
	{"export", "write a stopped container to a tar archive", cmd_export},
	{"import", "create a container from an exported archive", cmd_import},
	{"storage", "set up a storage backend (lvm volume group and thin pool)", cmd_storage},
	{"oci", "the OCI runtime (runc's command line) for containerd, podman, Kubernetes",
	 cmd_oci},
	/* hidden (no summary): for templates/sysc-tarball */
	{"archive-extract", NULL, cmd_archive_extract},
	/* hidden: a running container's monitor, back from its static supervisor */
	{"monitor-resume", NULL, monitor_resume},
	{"help", "list commands, or describe a config key", cmd_help},
	{NULL, NULL, NULL},
};

static const struct cli_command *find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	static char progname[64];
	const char *base = strrchr(argv[0], '/');
	const struct cli_command *cmd;
	char **orig_argv = argv;

	base = base ? base + 1 : argv[0];
	if (strncmp(base, "sysc-", 5) == 0) {
		cmd = find_command(base + 5);
		if (!cmd) {
			fprintf(stderr, "%s: unknown command \"%s\"\n", base, base + 5);
			return EXIT_USAGE;
		}
	} else {
		if (argc < 2 || argv[1][0] == '-') {
			if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
				return cmd_help(1, argv);
			fprintf(stderr, "Usage: sysc COMMAND [OPTIONS...]\nTry 'sysc help'.\n");
			return EXIT_USAGE;
		}
		cmd = find_command(argv[1]);
		if (!cmd) {
			fprintf(stderr, "sysc: unknown command \"%s\"\nTry 'sysc help'.\n",
				argv[1]);
			return EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	/* attach runs host code inside the container's PID namespace: do it
	 * from a sealed copy of ourselves (see attach/rexec.h) */
	if (cmd->run == cmd_attach && attach_rexec_sealed(orig_argv) < 0)
		return 125;
	snprintf(progname, sizeof(progname), "sysc-%s", cmd->name);
	log_set_program(progname);
	argv[0] = progname;
	return cmd->run(argc, argv);
}
