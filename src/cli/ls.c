/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "net/net.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"
#include "userns/userns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "Usage: %s [--format table|json]\n"
			    "\n"
			    "List containers: NAME, STATE, BACKEND, IDMAP, AUTOSTART, IPV4.\n"
			    "\n"
			    "  -F, --format FMT   table (default) or json\n"
			    "\n"
			    "Exit status: 0 listed, 1 failed, 2 usage error.\n";

struct row {
	const char *name;
	struct sysc_conf *conf; /* NULL when its config does not load */
	struct state_info st;
	char *ipv4;
};

/* the configured addresses, else the pool address leased on a managed network */
static char *ipv4_list(const struct sysc_paths *p, const struct net_env *env,
		       const struct sysc_conf *c)
{
	_cleanup_strv_ char **all = NULL;
	_cleanup_free_ char *key = NULL;
	char *leased = NULL;

	for (size_t i = 0; c && i < c->n_network; i++)
		for (size_t k = 0; c->network[i].ipv4 && c->network[i].ipv4[k]; k++)
			if (strv_push(&all, c->network[i].ipv4[k]) < 0)
				return NULL;
	if (all || !c)
		return all ? strv_join(all, ",") : strdup("-");
	key = paths_container_key(p, c->name);
	if (key && net_first_address(c, key, env, &leased) == 0 && leased)
		return leased;
	return strdup("-");
}

/* "-" for a privileged container, else its uid mapping (0:HOST:COUNT,...) */
static char *idmap_column(const struct sysc_conf *c)
{
	return c && userns_enabled(c) ? userns_describe(c, 'u') : strdup("-");
}

static void print_table(struct row *rows, size_t n)
{
	int w = 4;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(rows[i].name) > w)
			w = (int)strlen(rows[i].name);
	printf("%-*s  %-8s  %-7s  %-18s  %-9s  %s\n", w, "NAME", "STATE", "BACKEND", "IDMAP",
	       "AUTOSTART", "IPV4");
	for (size_t i = 0; i < n; i++) {
		const struct sysc_conf *c = rows[i].conf;
		_cleanup_free_ char *idmap = idmap_column(c);
		printf("%-*s  %-8s  %-7s  %-18s  %-9s  %s\n", w, rows[i].name,
		       c ? state_name(rows[i].st.state) : "BROKEN", c ? c->rootfs.backend : "-",
		       idmap ? idmap : "-", c ? (c->autostart.enabled ? "yes" : "no") : "-",
		       rows[i].ipv4 ? rows[i].ipv4 : "-");
	}
}

static void print_json(struct row *rows, size_t n)
{
	struct json j = {.f = stdout};

	json_begin_array(&j);
	for (size_t i = 0; i < n; i++) {
		const struct sysc_conf *c = rows[i].conf;
		json_begin_object(&j);
		json_key(&j, "name");
		json_string(&j, rows[i].name);
		json_key(&j, "state");
		json_string(&j, c ? state_name(rows[i].st.state) : "BROKEN");
		json_key(&j, "backend");
		json_string(&j, c ? c->rootfs.backend : NULL);
		json_key(&j, "idmap");
		if (c && userns_enabled(c)) {
			_cleanup_free_ char *u = userns_describe(c, 'u');
			json_string(&j, u);
		} else {
			json_null(&j);
		}
		json_key(&j, "autostart");
		json_bool(&j, c && c->autostart.enabled);
		json_key(&j, "pid");
		json_int(&j, rows[i].st.init_pid);
		json_key(&j, "ipv4");
		json_begin_array(&j);
		for (size_t k = 0; c && k < c->n_network; k++)
			for (size_t a = 0; c->network[k].ipv4 && c->network[k].ipv4[a]; a++)
				json_string(&j, c->network[k].ipv4[a]);
		if (rows[i].ipv4 && !strchr(rows[i].ipv4, '/') && strcmp(rows[i].ipv4, "-"))
			json_string(&j, rows[i].ipv4); /* leased */
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
}

int cmd_ls(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	_cleanup_strv_ char **names = NULL;
	struct sysc_paths *p = NULL;
	struct row *rows = NULL;
	struct net_env env = {0};
	bool json = false;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "F:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
			CLI_FORMAT_CASE(json)
			CLI_COMMON_CASES(usage)
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument \"%s\"", argv[optind]);
	r = cli_load_paths(&p);
	if (r == 0)
		r = store_list(p, &names);
	if (r == 0) {
		/* the network records and leases once for all rows (a broken
		 * sysc.conf: each row reads them, and says so, as before) */
		paths_net_env(p, &env);
		if (net_snapshot_load(&env, &env.snap) < 0)
			env.snap = NULL;
		n = strv_length(names);
		rows = calloc(n + 1, sizeof(*rows));
		r = rows ? 0 : -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *cfg = paths_container_config(p, names[i]);
		rows[i].name = names[i];
		/* a broken config is shown as BROKEN, its error logged, and ls goes on */
		if (cfg && facts_load_conf(p, cfg, &rows[i].conf) < 0)
			rows[i].conf = NULL;
		state_read(p, names[i], &rows[i].st);
		rows[i].ipv4 = ipv4_list(p, &env, rows[i].conf);
	}
	if (r == 0)
		json ? print_json(rows, n) : print_table(rows, n);
	for (size_t i = 0; rows && i < n; i++) {
		conf_free(rows[i].conf);
		free(rows[i].ipv4);
	}
	free(rows);
	net_snapshot_free(env.snap);
	paths_free(p);
	return cli_exit(r);
}
