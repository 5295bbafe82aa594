/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"
#include "lib/info.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "util/cleanup.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"Usage: %s NAME [--format table|json]\n"
	"\n"
	"Show container NAME: state, init PID, storage, network, cgroup and usage.\n"
	"\n"
	"  -F, --format FMT   table (default) or json\n"
	"\n"
	"Exit status: 0 shown, 1 failed (e.g. no such container), 2 usage error.\n";

static void print_kv(const struct info_item *it)
{
	printf("%-14s %s\n", it->label, it->value ? it->value : "-");
}

static void json_kv(struct json *j, const struct info_item *it)
{
	json_key(j, it->key);
	if (!it->value)
		json_null(j);
	else if (it->is_number)
		json_uint(j, it->number);
	else
		json_string(j, it->value);
}

int cmd_info(int argc, char **argv)
{
	const char *name = NULL;
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	struct info *info = NULL;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "F:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
			CLI_FORMAT_CASE(json)
			CLI_COMMON_CASES(usage)
		}
	}
	if ((r = cli_name_and_paths(argc, argv, &name, &p)) != CLI_CONTINUE)
		return r;
	r = info_collect(p, name, &info);
	if (r == 0 && json) {
		struct json j = {.f = stdout};
		json_begin_object(&j);
		for (size_t i = 0; i < info->n_items; i++)
			json_kv(&j, &info->items[i]);
		json_end_object(&j);
	} else if (r == 0) {
		for (size_t i = 0; i < info->n_items; i++)
			print_kv(&info->items[i]);
	}
	info_free(info);
	paths_free(p);
	return cli_exit(r);
}
