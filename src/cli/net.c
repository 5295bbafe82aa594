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
	"Usage: %s create BRIDGE [--ipv4 CIDR]... [--ipv6 CIDR]... [--mtu N]\n"
	"       sysc-net delete BRIDGE [--force]\n"
	"       sysc-net ls [--format table|json]\n"
	"\n"
	"Managed bridges for containers: a veth entry with link = \"BRIDGE\" puts a\n"
	"container on it. The bridge's addresses make the host reachable from the\n"
	"containers. Bridges last until deleted or the host reboots. A bridge with\n"
	"an IPv4 address gets a DNS server (dnsmasq: the names of its running\n"
	"containers, NAME and NAME.sysc; DHCPv4 with their addresses; IPv6 RA).\n"
	"\n"
	"  --ipv4 CIDR     host address on the bridge, e.g. 10.77.0.1/24 (repeatable)\n"
	"  --ipv6 CIDR     the same for IPv6, e.g. fd77::1/64\n"
	"  --mtu N         MTU of the bridge\n"
	"  -f, --force     delete even while containers are attached\n"
	"  -F, --format F  ls output: table (default) or json\n"
	"\n"
	"Exit status: 0 done, 1 failed, 2 usage error.\n";

static void print_table(const struct net_bridge_info *b, size_t n)
{
	printf("%-15s  %-4s  %-5s  %-5s  %s\n", "BRIDGE", "KIND", "STATE", "PORTS", "ADDRESSES");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *a = b[i].addrs ? strv_join(b[i].addrs, ", ") : NULL;
		printf("%-15s  %-4s  %-5s  %-5u  %s\n", b[i].name, b[i].kind,
		       b[i].up ? "up" : "down", b[i].n_ports, a ? a : "-");
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
		json_key(&j, "ports");
		json_uint(&j, b[i].n_ports);
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

static int net_ls(bool json)
{
	struct net_bridge_info *b = NULL;
	size_t n = 0;
	int r = net_bridge_list(&b, &n);

	if (r < 0)
		return r;
	json ? print_json(b, n) : print_table(b, n);
	net_bridge_list_free(b, n);
	return 0;
}

int cmd_net(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"ipv4", required_argument, NULL, '4'},
		{"ipv6", required_argument, NULL, '6'},
		{"mtu", required_argument, NULL, 'm'},
		{"force", no_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'F'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	_cleanup_strv_ char **v4 = NULL, **v6 = NULL;
	struct net_bridge_opts o = {0};
	struct sysc_paths *p = NULL;
	bool force = false, json = false;
	const char *verb;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "fF:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case '4':
		case '6':
			if (strv_push(c == '4' ? &v4 : &v6, optarg) < 0)
				return 1;
			break;
		case 'm':
			o.mtu = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || o.mtu < 68 || o.mtu > 65535)
				return cli_usage_error("invalid MTU \"%s\" (68 to 65535)", optarg);
			break;
		case 'f':
			force = true;
			break;
			CLI_FORMAT_CASE(json)
			CLI_COMMON_CASES(usage)
		}
	}
	if (optind >= argc)
		return cli_usage_error("missing command (create, delete or ls)");
	verb = argv[optind++];
	if (!strcmp(verb, "ls"))
		return optind == argc ? cli_exit(net_ls(json))
				      : cli_usage_error("unexpected argument \"%s\"", argv[optind]);
	if (strcmp(verb, "create") != 0 && strcmp(verb, "delete") != 0)
		return cli_usage_error("unknown command \"%s\" (create, delete or ls)", verb);
	if (optind + 1 != argc)
		return cli_usage_error(optind < argc ? "too many arguments" : "missing BRIDGE");
	if (cli_load_paths(&p) < 0)
		return 1;
	if (!strcmp(verb, "delete")) {
		r = net_bridge_delete(argv[optind], force, p->run);
	} else {
		o.ipv4 = v4;
		o.ipv6 = v6;
		o.run_dir = p->run;
		r = net_bridge_create(argv[optind], &o);
	}
	paths_free(p);
	return cli_exit(r);
}
