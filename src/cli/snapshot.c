/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/paths.h"
#include "lib/snapshot.h"
#include "util/interrupt.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: %s NAME [-c COMMENT] [-n SNAP] | -L [--format json] | -r SNAP [-N NEWNAME]\n"
	"       | -d SNAP\n"
	"\n"
	"Point-in-time snapshots of stopped container NAME: a btrfs or lvm thin\n"
	"snapshot, or a copy of the overlay changes or of the dir rootfs. Snapshots\n"
	"live with the container and go when it is destroyed.\n"
	"\n"
	"  (no action)        make a snapshot (named snap0, snap1, ... unless -n) and\n"
	"                     print its name\n"
	"  -c, --comment TEXT  a comment kept with the new snapshot\n"
	"  -n, --name SNAP     name of the new snapshot\n"
	"  -L, --list         list the snapshots: name, time, comment\n"
	"      --format F     table (default) or json, with -L\n"
	"  -r, --restore SNAP  make NAME's rootfs and config what they were at SNAP\n"
	"  -N, --newname NEW  with -r: restore into a new container NEW instead\n"
	"  -d, --destroy SNAP  remove snapshot SNAP\n"
	"\n"
	"Exit status: 0 done, 1 failed (nothing changed), 2 usage error.\n";

struct snap_opts {
	const char *comment, *snap_name, *restore, *new_name, *destroy;
	bool list, json;
};

static int parse_options(int argc, char **argv, struct snap_opts *o)
{
	static const struct option longopts[] = {
		{"comment", required_argument, NULL, 'c'},
		{"name", required_argument, NULL, 'n'},
		{"list", no_argument, NULL, 'L'},
		{"format", required_argument, NULL, 'F'},
		{"restore", required_argument, NULL, 'r'},
		{"newname", required_argument, NULL, 'N'},
		{"destroy", required_argument, NULL, 'd'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:n:Lr:N:d:" CLI_COMMON_SHORTOPTS, longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->comment = optarg;
			break;
		case 'n':
			o->snap_name = optarg;
			break;
		case 'L':
			o->list = true;
			break;
			CLI_FORMAT_CASE(o->json)
		case 'r':
			o->restore = optarg;
			break;
		case 'N':
			o->new_name = optarg;
			break;
		case 'd':
			o->destroy = optarg;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if (o->list + !!o->restore + !!o->destroy > 1)
		return cli_usage_error("-L, -r and -d exclude each other");
	if (o->new_name && !o->restore)
		return cli_usage_error("-N needs -r SNAP");
	if ((o->comment || o->snap_name) && (o->list || o->restore || o->destroy))
		return cli_usage_error("-c and -n are for making a snapshot");
	return CLI_CONTINUE;
}

int cmd_snapshot(int argc, char **argv)
{
	struct snap_opts o = {0};
	struct sysc_paths *p = NULL;
	const char *name = NULL;
	int r = parse_options(argc, argv, &o);

	if (r != CLI_CONTINUE)
		return r;
	if ((r = cli_name_arg(argc, argv, &name)) != CLI_CONTINUE)
		return r;
	r = cli_load_paths(&p);
	interrupt_install();
	if (r == 0) {
		if (o.list)
			r = snapshot_list(p, name, o.json);
		else if (o.restore)
			r = snapshot_restore(p, name, o.restore, o.new_name);
		else if (o.destroy)
			r = snapshot_destroy(p, name, o.destroy);
		else
			r = snapshot_create(p, name, o.comment, o.snap_name);
	}
	paths_free(p);
	return cli_exit(r);
}
