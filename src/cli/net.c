/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-net: managed bridges for containers. */
#include "cli/cli.h"
#include "lib/json.h"
#include "lib/paths.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: %s create NETWORK [--ipv4 CIDR|auto|none] [--ipv6 CIDR|auto|none]\n"
	"                 [--nat|--no-nat] [--isolated] [--domain DOMAIN]\n"
	"       sysc-net set NETWORK [--ipv4 ...] [--ipv6 ...] [--nat|--no-nat]\n"
	"                 [--isolated|--no-isolated] [--domain DOMAIN]\n"
	"       sysc-net delete NETWORK [--force]\n"
	"       sysc-net ls [--format table|json]\n"
	"\n"
	"Managed networks: a bridge of that name with the host's address on it, an\n"
	"address pool (a container on it with no ipv4/ipv6 of its own gets one, the\n"
	"same at every start), NAT to the host's uplinks and DNS. A veth entry with\n"
	"link = \"NETWORK\" puts a container on it; the default bridge (sysc.conf\n"
	"bridge, sysc0) is made by the first start that uses it. Recorded in\n"
	"sysc.conf (networks): a missing bridge is made again at the next start.\n"
	"\n"
	"  --ipv4 CIDR     the bridge's IPv4 address and subnet, e.g. 10.77.0.1/24;\n"
	"                  auto (default): a free 10.x.y.0/24; none\n"
	"  --ipv6 CIDR     the same for IPv6; auto (default): a random ULA /64\n"
	"  --nat           masquerade the IPv4 subnet to the uplinks (default)\n"
	"  --no-nat        no NAT: the host is reachable, nothing beyond it\n"
	"  --isolated      containers on it cannot reach each other, only the host\n"
	"  --no-isolated   (set) undo --isolated\n"
	"  --domain D      DNS names NAME.D (default sysc)\n"
	"  -f, --force     delete even while containers are attached\n"
	"  -F, --format F  ls output: table (default) or json\n"
	"\n"
	"Exit status: 0 done, 1 failed, 2 usage error.\n";

static void print_table(const struct net_bridge_info *b, size_t n)
{
	printf("%-15s  %-4s  %-6s  %-5s  %s\n", "BRIDGE", "KIND", "STATE", "PORTS",
	       "ADDRESSES  OPTIONS");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *a = b[i].addrs ? strv_join(b[i].addrs, ", ") : NULL;
		printf("%-15s  %-4s  %-6s  %-5u  %s", b[i].name, b[i].kind,
		       !b[i].exists ? "absent"
		       : b[i].up    ? "up"
				    : "down",
		       b[i].n_ports, a ? a : "-");
		if (!strcmp(b[i].kind, "net"))
			printf("  %s%s, domain %s", b[i].nat ? "nat" : "no-nat",
			       b[i].isolated ? ", isolated" : "", b[i].domain);
		putchar('\n');
	}
}

static void print_json(const struct net_bridge_info *b, size_t n)
{
	struct json j = {.f = stdout};

	json_begin_array(&j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j);
		json_key(&j, "name");
		json_string(&j, b[i].name);
		json_key(&j, "kind");
		json_string(&j, b[i].kind);
		json_key(&j, "up");
		json_bool(&j, b[i].up);
		json_key(&j, "exists");
		json_bool(&j, b[i].exists);
		json_key(&j, "ports");
		json_uint(&j, b[i].n_ports);
		json_key(&j, "nat");
		json_bool(&j, b[i].nat);
		json_key(&j, "isolated");
		json_bool(&j, b[i].isolated);
		json_key(&j, "addresses");
		json_begin_array(&j);
		for (char **a = b[i].addrs; a && *a; a++)
			json_string(&j, *a);
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	putchar('\n');
}

static int net_ls(const struct net_env *env, bool json)
{
	struct net_bridge_info *b = NULL;
	size_t n = 0;
	int r = net_bridge_list(env, &b, &n);

	if (r < 0)
		return r;
	json ? print_json(b, n) : print_table(b, n);
	net_bridge_list_free(b, n);
	return 0;
}

static int net_delete(const struct net_env *env, const char *name, bool force)
{
	int r = net_managed_delete(env, name, force);

	return r != 0 ? (r < 0 ? r : 0) : net_bridge_delete(name, force);
}

static int run_verb(const char *verb, const char *name, const struct net_create_opts *o, bool force,
		    bool json)
{
	struct sysc_paths *p = NULL;
	struct net_env env;
	int r = cli_load_paths(&p);

	if (r < 0)
		return r;
	paths_net_env(p, &env);
	if (!strcmp(verb, "ls"))
		r = net_ls(&env, json);
	else if (!strcmp(verb, "delete"))
		r = net_delete(&env, name, force);
	else if (!strcmp(verb, "create"))
		r = net_managed_create(&env, name, o);
	else
		r = net_managed_set(&env, name, o);
	paths_free(p);
	return r;
}

int cmd_net(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"ipv4", required_argument, NULL, '4'},
		{"ipv6", required_argument, NULL, '6'},
		{"nat", no_argument, NULL, 'n'},
		{"no-nat", no_argument, NULL, 'N'},
		{"isolated", no_argument, NULL, 'i'},
		{"no-isolated", no_argument, NULL, 'I'},
		{"domain", required_argument, NULL, 'd'},
		{"force", no_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'F'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct net_create_opts o = {.nat = -1, .isolated = -1};
	bool force = false, json = false;
	const char *verb;
	int c;

	while ((c = getopt_long(argc, argv, "fF:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case '4':
			o.ipv4 = optarg;
			break;
		case '6':
			o.ipv6 = optarg;
			break;
		case 'n':
		case 'N':
			o.nat = c == 'n';
			break;
		case 'i':
		case 'I':
			o.isolated = c == 'i';
			break;
		case 'd':
			o.domain = optarg;
			break;
		case 'f':
			force = true;
			break;
			CLI_FORMAT_CASE(json)
			CLI_COMMON_CASES(usage)
		}
	}
	if (optind >= argc)
		return cli_usage_error("missing command (create, set, delete or ls)");
	verb = argv[optind++];
	if (!strcmp(verb, "ls"))
		return optind == argc ? cli_exit(run_verb(verb, NULL, &o, force, json))
				      : cli_usage_error("unexpected argument \"%s\"", argv[optind]);
	if (strcmp(verb, "create") && strcmp(verb, "delete") && strcmp(verb, "set"))
		return cli_usage_error("unknown command \"%s\" (create, set, delete or ls)", verb);
	if (optind + 1 != argc)
		return cli_usage_error(optind < argc ? "too many arguments" : "missing NETWORK");
	return cli_exit(run_verb(verb, argv[optind], &o, force, json));
}
