/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cross-key checks: rules between the items of a list (network, mount,
 * idmap) or between keys (sysctl and network), run once each key is valid
 * by itself. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/cross-checks.h"
#include "config/diag.h"
#include "util/cleanup.h"
#include "util/strv.h"

static const char *member_string(const config_setting_t *item, const char *name)
{
	config_setting_t *s = config_setting_get_member(item, name);
	return s ? config_setting_get_string(s) : NULL;
}

static void check_net_item(struct conf_ctx *ctx, const config_setting_t *item, const char *disp,
			   unsigned n_items)
{
	const char *type = member_string(item, "type");
	config_setting_t *mode = config_setting_get_member(item, "mode");

	if (!type)
		return;
	if ((!strcmp(type, "veth") || !strcmp(type, "macvlan") || !strcmp(type, "phys")) &&
	    !config_setting_get_member(item, "link"))
		conf_error(ctx, item, disp, "type \"%s\" needs \"link\"", type);
	if (mode && strcmp(type, "macvlan") != 0)
		conf_error(ctx, mode, disp, "\"mode\" is only valid for type \"macvlan\"");
	if (!strcmp(type, "none") && n_items > 1)
		conf_error(ctx, item, disp, "type \"none\" excludes other network entries");
}

/* The address part of "ADDR/LEN" in binary, for comparing spellings. */
static bool addr_key(const char *s, unsigned char key[17])
{
	char buf[64];
	const char *slash = strchr(s, '/');
	int n = slash ? (int)(slash - s) : (int)strlen(s);

	snprintf(buf, sizeof(buf), "%.*s", n, s);
	memset(key, 0, 17);
	key[16] = strchr(buf, ':') ? 6 : 4;
	return inet_pton(key[16] == 6 ? AF_INET6 : AF_INET, buf, key) == 1;
}

/* The same address twice, on one interface or two: refused. */
static void check_net_addrs(struct conf_ctx *ctx, const config_setting_t *list, const char *disp)
{
	unsigned n = (unsigned)config_setting_length(list), n_seen = 0;
	unsigned char seen[64][17], key[17];
	static const char *const fams[] = {"ipv4", "ipv6"};

	for (unsigned i = 0; i < n; i++)
		for (int f = 0; f < 2; f++) {
			config_setting_t *arr = config_setting_get_member(
				config_setting_get_elem(list, i), fams[f]);
			for (int k = 0; arr && k < config_setting_length(arr); k++) {
				const char *a = config_setting_get_string_elem(arr, k);
				if (!a || !addr_key(a, key))
					continue;
				for (unsigned j = 0; j < n_seen; j++)
					if (memcmp(seen[j], key, 17) == 0)
						conf_error(ctx, arr, disp,
							   "address \"%s\" is used twice", a);
				if (n_seen < 64)
					memcpy(seen[n_seen++], key, 17);
			}
		}
}

void conf_check_network(struct conf_ctx *ctx, const config_setting_t *list, const char *disp)
{
	check_net_addrs(ctx, list, disp);
	unsigned n = (unsigned)config_setting_length(list);
	char d[64];

	for (unsigned i = 0; i < n; i++) {
		config_setting_t *item = config_setting_get_elem(list, i);
		const char *type = member_string(item, "type"), *name = member_string(item, "name");
		snprintf(d, sizeof(d), "%s[%u]", disp, i);
		check_net_item(ctx, item, d, n);
		if (!type || !strcmp(type, "none") || !strcmp(type, "empty"))
			continue;
		name = name ? name : "eth0";
		for (unsigned j = 0; j < i; j++) {
			config_setting_t *o = config_setting_get_elem(list, j);
			const char *on = member_string(o, "name"), *ot = member_string(o, "type");
			if (ot && strcmp(ot, "none") && strcmp(ot, "empty") &&
			    !strcmp(on ? on : "eth0", name))
				conf_error(ctx, item, d, "interface name \"%s\" is used twice",
					   name);
		}
	}
}

static bool is_pseudo_fs(const char *type)
{
	static const char *const pseudo[] = {
		"tmpfs",    "proc",    "sysfs",	   "devpts",	  "mqueue",    "cgroup", "cgroup2",
		"devtmpfs", "debugfs", "tracefs",  "securityfs",  "hugetlbfs", "bpf",	 "fusectl",
		"configfs", "pstore",  "efivarfs", "binfmt_misc", "ramfs",     "overlay"};

	for (size_t i = 0; i < ARRAY_SIZE(pseudo); i++)
		if (strcmp(type, pseudo[i]) == 0)
			return true;
	return false;
}

static bool has_option(const char *options, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = options; p && *p;) {
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return false;
}

void conf_check_mounts(struct conf_ctx *ctx, const config_setting_t *list, const char *disp)
{
	unsigned n = (unsigned)config_setting_length(list);
	char d[64];

	for (unsigned i = 0; i < n; i++) {
		config_setting_t *item = config_setting_get_elem(list, i);
		config_setting_t *src = config_setting_get_member(item, "source");
		const char *type = member_string(item, "type"),
			   *opts = member_string(item, "options");
		const char *source = src ? config_setting_get_string(src) : NULL;
		bool bind;

		type = type ? type : "none";
		bind = !strcmp(type, "none") || has_option(opts, "bind") ||
		       has_option(opts, "rbind");
		snprintf(d, sizeof(d), "%s[%u]", disp, i);
		if (!src && (bind || !is_pseudo_fs(type)))
			conf_error(ctx, item, d, "\"source\" is required for type \"%s\"", type);
		else if (source && bind && source[0] != '/')
			conf_error(ctx, src, d, "bind mount source \"%s\" is not an absolute path",
				   source);
	}
}

static bool idmap_get(const config_setting_t *item, char *kind, long long v[3])
{
	static const char *const names[] = {"container", "host", "count"};
	const char *type = member_string(item, "type");

	for (int i = 0; i < 3; i++) {
		config_setting_t *s = config_setting_get_member(item, names[i]);
		if (!s || (config_setting_type(s) != CONFIG_TYPE_INT &&
			   config_setting_type(s) != CONFIG_TYPE_INT64))
			return false;
		v[i] = config_setting_get_int64(s);
	}
	*kind = type ? type[0] : 'b';
	return true;
}

static bool overlap(long long a, long long b, long long n, long long m)
{
	return a < b + m && b < a + n;
}

void conf_check_idmap(struct conf_ctx *ctx, const config_setting_t *list, const char *disp)
{
	unsigned n = (unsigned)config_setting_length(list);
	char d[64];

	for (unsigned i = 0; i < n; i++) {
		config_setting_t *item = config_setting_get_elem(list, i);
		long long v[3], w[3];
		char k, l;

		snprintf(d, sizeof(d), "%s[%u]", disp, i);
		if (!idmap_get(item, &k, v))
			continue;
		if (v[0] + v[2] > 4294967296LL || v[1] + v[2] > 4294967296LL) {
			conf_error(ctx, item, d, "range overflows 32-bit ids");
			continue;
		}
		/* the user namespace would map an id of the container to the
		 * host's root: no isolation left for it */
		if (v[1] == 0) {
			conf_error(ctx, item, d,
				   "maps container id %lld to host id 0 (root): use a range of "
				   "unused host ids (e.g. from /etc/subuid)",
				   v[0]);
			continue;
		}
		for (unsigned j = 0; j < i; j++) {
			if (!idmap_get(config_setting_get_elem(list, j), &l, w))
				continue;
			if (k != 'b' && l != 'b' && k != l)
				continue;
			if (overlap(v[0], w[0], v[2], w[2]) || overlap(v[1], w[1], v[2], w[2]))
				conf_error(ctx, item, d, "range overlaps %s[%u]", disp, j);
		}
	}
}

/* Is there a network entry of type "none" (the host's network namespace)? */
static bool host_network(const config_setting_t *net)
{
	unsigned n =
		net && config_setting_is_aggregate(net) ? (unsigned)config_setting_length(net) : 0;

	for (unsigned i = 0; i < n; i++) {
		config_setting_t *item = config_setting_get_elem(net, i);
		config_setting_t *type = config_setting_is_group(item)
						 ? config_setting_get_member(item, "type")
						 : NULL;
		if (type && config_setting_type(type) == CONFIG_TYPE_STRING &&
		    strcmp(config_setting_get_string(type), "none") == 0)
			return true;
	}
	return false;
}

/* net.* sysctls are written in the container's network namespace; with the
 * host's network (type "none") they would change the host. */
void conf_check_sysctl_netns(struct conf_ctx *ctx, const config_setting_t *list,
			     const config_setting_t *net)
{
	unsigned n = list && config_setting_is_aggregate(list)
			     ? (unsigned)config_setting_length(list)
			     : 0;
	char d[64];

	if (!n || !host_network(net))
		return;
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *item = config_setting_get_elem(list, i);
		config_setting_t *key = config_setting_is_group(item)
						? config_setting_get_member(item, "key")
						: NULL;
		const char *k = key && config_setting_type(key) == CONFIG_TYPE_STRING
					? config_setting_get_string(key)
					: NULL;
		snprintf(d, sizeof(d), "sysctl[%u].key", i);
		if (k && (str_startswith(k, "net.") || str_startswith(k, "net/")))
			conf_error(ctx, key, d,
				   "sysctl \"%s\" would change the host's network: the container "
				   "has no network namespace of its own (network type \"none\")",
				   k);
	}
}

static bool has_veth(const config_setting_t *net)
{
	unsigned n = net && config_setting_is_list(net) ? (unsigned)config_setting_length(net) : 0;

	for (unsigned i = 0; i < n; i++) {
		const char *type = member_string(config_setting_get_elem(net, i), "type");

		if (type && !strcmp(type, "veth"))
			return true;
	}
	return false;
}

void conf_check_ports(struct conf_ctx *ctx, const config_setting_t *ports,
		      const config_setting_t *net)
{
	unsigned n = ports && config_setting_is_aggregate(ports)
			     ? (unsigned)config_setting_length(ports)
			     : 0;
	struct conf_port p[64];
	char d[32], reason[160];

	if (n && !has_veth(net))
		conf_error(ctx, ports, "ports",
			   "port forwards need a network entry of type \"veth\" (the container's "
			   "first IPv4 address there is their target)");
	for (unsigned i = 0; i < n && i < ARRAY_SIZE(p); i++) {
		config_setting_t *item = config_setting_get_elem(ports, i);
		const char *s = config_setting_get_string(item);

		snprintf(d, sizeof(d), "ports[%u]", i);
		if (!s || conf_parse_port(s, &p[i], reason, sizeof(reason)) < 0)
			return; /* reported by the key's own check */
		for (unsigned j = 0; j < i; j++)
			if (p[j].proto == p[i].proto && p[j].host_port == p[i].host_port &&
			    (!p[j].host_addr[0] || !p[i].host_addr[0] ||
			     !strcmp(p[j].host_addr, p[i].host_addr)))
				conf_error(ctx, item, d,
					   "\"%s\": host port %u/%s is forwarded twice (ports[%u] "
					   "is \"%s\")",
					   s, p[i].host_port,
					   p[i].proto == IPPROTO_TCP ? "tcp" : "udp", j,
					   config_setting_get_string(
						   config_setting_get_elem(ports, j)));
	}
	if (n > ARRAY_SIZE(p))
		conf_error(ctx, ports, "ports", "more than %zu port forwards", ARRAY_SIZE(p));
}
