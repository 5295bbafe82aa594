/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From the config to what netlink is asked to do: names, MACs, parsed
 * addresses and routes. No libnl here, so the unit tests cover it. */
#include "config/config.h"
#include "net/net-internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t hash_name_index(const char *container, unsigned index)
{
	uint64_t h = fnv1a(container, strlen(container) + 1, 0xcbf29ce484222325ULL);

	return fnv1a(&index, sizeof(index), h);
}

void net_host_ifname(const char *container, unsigned index, char ret[16])
{
	int n = snprintf(ret, 16, "vs-%s-%u", container, index);

	if (n < 0 || n > 15)
		snprintf(ret, 16, "vs%08x-%u",
			 (unsigned)(fnv1a(container, strlen(container), 0xcbf29ce484222325ULL) &
				    0xffffffffu),
			 index % 10000);
}

void net_default_hwaddr(const char *container, unsigned index, uint8_t ret[6])
{
	uint64_t h = hash_name_index(container, index);

	ret[0] = 0x02; /* locally administered, unicast */
	for (int i = 1; i < 6; i++)
		ret[i] = (uint8_t)(h >> (8 * (i - 1)));
}

void net_format_hwaddr(const uint8_t mac[6], char ret[18])
{
	snprintf(ret, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

int net_parse_addr(const char *s, int family, struct net_addr *ret)
{
	const char *slash = strchr(s, '/');
	unsigned max = family == AF_INET ? 32 : 128;
	char buf[64];
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	ret->prefix = max;
	if (inet_pton(family, buf, ret->bytes) != 1)
		return -EINVAL;
	if (slash) {
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || v > max)
			return -EINVAL;
		ret->prefix = (unsigned)v;
	}
	return 0;
}

int net_parse_route(const char *s, struct net_route *ret)
{
	char dest[64], gw[64], extra;

	memset(ret, 0, sizeof(*ret));
	if (sscanf(s, "%63s via %63s %c", dest, gw, &extra) != 2)
		return -EINVAL;
	ret->family = strchr(gw, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(ret->family, gw, ret->gw) != 1)
		return -EINVAL;
	if (strcmp(dest, "default") == 0) {
		ret->is_default = true;
		return 0;
	}
	return net_parse_addr(dest, ret->family, &ret->dst);
}

const char *net_kind_name(enum net_kind k)
{
	static const char *const names[] = {"veth", "macvlan", "phys", "empty", "none"};

	return names[k];
}

static int kind_of(const char *type, enum net_kind *ret)
{
	for (enum net_kind k = NET_VETH; k <= NET_NONE; k++)
		if (strcmp(type, net_kind_name(k)) == 0) {
			*ret = k;
			return 0;
		}
	return -EINVAL;
}

static int macvlan_mode(const char *mode)
{
	if (!mode || !strcmp(mode, "bridge"))
		return MACVLAN_MODE_BRIDGE;
	if (!strcmp(mode, "private"))
		return MACVLAN_MODE_PRIVATE;
	if (!strcmp(mode, "vepa"))
		return MACVLAN_MODE_VEPA;
	if (!strcmp(mode, "passthru"))
		return MACVLAN_MODE_PASSTHRU;
	return -EINVAL;
}

static int push_addrs(struct net_iface *f, char *const *list, int family, const char *conf_name)
{
	for (size_t i = 0; list && list[i]; i++) {
		struct net_addr *n = realloc(f->addrs, (f->n_addrs + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		f->addrs = n;
		if (net_parse_addr(list[i], family, &f->addrs[f->n_addrs]) < 0)
			return log_error_errno(-EINVAL, "%s: network[%u]: bad address \"%s\"",
					       conf_name, f->index, list[i]);
		f->n_addrs++;
	}
	return 0;
}

static int push_route(struct net_iface *f, const char *spec, const char *conf_name)
{
	struct net_route *n = realloc(f->routes, (f->n_routes + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->routes = n;
	if (net_parse_route(spec, &f->routes[f->n_routes]) < 0)
		return log_error_errno(-EINVAL, "%s: network[%u]: bad route \"%s\"", conf_name,
				       f->index, spec);
	f->n_routes++;
	return 0;
}

static int plan_routes(struct net_iface *f, const struct conf_net *c, const char *conf_name)
{
	char buf[96];
	int r = 0;

	if (c->gateway4) {
		snprintf(buf, sizeof(buf), "default via %s", c->gateway4);
		r = push_route(f, buf, conf_name);
	}
	if (r == 0 && c->gateway6) {
		snprintf(buf, sizeof(buf), "default via %s", c->gateway6);
		r = push_route(f, buf, conf_name);
	}
	for (size_t i = 0; r == 0 && c->routes && c->routes[i]; i++)
		r = push_route(f, c->routes[i], conf_name);
	return r;
}

static int plan_iface(const struct sysc_conf *conf, const char *key, const struct conf_net *c,
		      unsigned index, struct net_iface *f)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->index = index;
	if (kind_of(c->type, &f->kind) < 0)
		return log_error_errno(-EINVAL, "%s: network[%u]: unknown type \"%s\"", conf->name,
				       index, c->type);
	snprintf(f->name, sizeof(f->name), "%s", c->name ? c->name : "eth0");
	snprintf(f->link, sizeof(f->link), "%s", c->link ? c->link : "");
	if (c->host_name)
		snprintf(f->host_name, sizeof(f->host_name), "%s", c->host_name);
	else
		net_host_ifname(key, index, f->host_name);
	f->create_link = c->create_link;
	f->macvlan_mode = macvlan_mode(c->mode);
	if (f->macvlan_mode < 0)
		return log_error_errno(-EINVAL, "%s: network[%u]: unknown macvlan mode \"%s\"",
				       conf->name, index, c->mode);
	f->has_mac = c->hwaddr || f->kind != NET_PHYS;
	if (c->hwaddr) {
		if (parse_mac(c->hwaddr, f->mac) < 0)
			return log_error_errno(-EINVAL, "%s: network[%u]: bad hwaddr \"%s\"",
					       conf->name, index, c->hwaddr);
	} else {
		net_default_hwaddr(key, index, f->mac);
	}
	f->mtu = c->mtu;
	f->up = c->up;
	r = push_addrs(f, c->ipv4, AF_INET, conf->name);
	if (r == 0)
		r = push_addrs(f, c->ipv6, AF_INET6, conf->name);
	if (r == 0)
		r = plan_routes(f, c, conf->name);
	return r;
}

int net_plan_build(const struct sysc_conf *conf, const char *key, struct net_plan *ret)
{
	struct net_plan p = {.private_netns = net_private_netns(conf)};
	int r = 0;

	for (size_t i = 0; i < conf->n_network && r == 0; i++) {
		const struct conf_net *c = &conf->network[i];
		struct net_iface *n;
		if (!strcmp(c->type, "empty") || !strcmp(c->type, "none"))
			continue;
		n = realloc(p.ifaces, (p.n_ifaces + 1) * sizeof(*n));
		if (!n) {
			r = -ENOMEM;
			break;
		}
		p.ifaces = n;
		r = plan_iface(conf, key, c, (unsigned)i, &p.ifaces[p.n_ifaces]);
		p.n_ifaces++;
	}
	if (r < 0) {
		net_plan_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void net_plan_free(struct net_plan *p)
{
	for (size_t i = 0; i < p->n_ifaces; i++) {
		free(p->ifaces[i].addrs);
		free(p->ifaces[i].routes);
	}
	free(p->ifaces);
	memset(p, 0, sizeof(*p));
}

bool net_private_netns(const struct sysc_conf *conf)
{
	for (size_t i = 0; i < conf->n_network; i++)
		if (conf->network[i].type && strcmp(conf->network[i].type, "none") == 0)
			return false;
	return true;
}

static char *describe_iface(const struct net_iface *f)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *joined = NULL;
	char mac[18], buf[96], a[INET6_ADDRSTRLEN];

	if (f->kind == NET_VETH)
		snprintf(buf, sizeof(buf), "veth, host end %s on bridge %s", f->host_name, f->link);
	else if (f->kind == NET_MACVLAN)
		snprintf(buf, sizeof(buf), "macvlan on %s (%s)", f->link,
			 f->macvlan_mode == MACVLAN_MODE_PRIVATE    ? "private"
			 : f->macvlan_mode == MACVLAN_MODE_VEPA	    ? "vepa"
			 : f->macvlan_mode == MACVLAN_MODE_PASSTHRU ? "passthru"
								    : "bridge");
	else
		snprintf(buf, sizeof(buf), "phys, host interface %s", f->link);
	if (strv_push(&parts, buf) < 0)
		return NULL;
	if (f->has_mac) {
		net_format_hwaddr(f->mac, mac);
		if (strv_push(&parts, mac) < 0)
			return NULL;
	}
	for (size_t i = 0; i < f->n_addrs; i++) {
		inet_ntop(f->addrs[i].family, f->addrs[i].bytes, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, f->addrs[i].prefix);
		if (strv_push(&parts, buf) < 0)
			return NULL;
	}
	if (!f->up && strv_push(&parts, "down") < 0)
		return NULL;
	joined = strv_join(parts, ", ");
	return joined ? str_printf("%s: %s", f->name, joined) : NULL;
}

static int describe_dns(const struct sysc_conf *conf, const struct net_plan *p,
			const struct net_env *env, char ***lines)
{
	for (size_t i = 0; env && i < p->n_ifaces; i++) {
		struct net_managed m;
		_cleanup_free_ char *l = NULL;

		if (!p->ifaces[i].managed ||
		    net_managed_get(env->conf_file, p->ifaces[i].link, &m) <= 0)
			continue;
		l = str_printf("dns name: %s, %s.%s (on %s)", conf->name, conf->name, m.domain,
			       m.name);
		return l ? strv_push(lines, l) : -ENOMEM;
	}
	return 0;
}

int net_describe(const struct sysc_conf *conf, const char *key, const struct net_env *env,
		 char ***ret_lines)
{
	struct net_plan p;
	char **lines = NULL;
	int r;

	if (!net_private_netns(conf)) {
		if (strv_push(&lines, "host network namespace (type none): the container "
				      "shares and can change the host's network") < 0)
			return -ENOMEM;
		*ret_lines = lines;
		return 0;
	}
	r = net_plan_build(conf, key, &p);
	if (r < 0)
		return r;
	r = net_plan_managed(&p, env, NULL, conf->uuid, key, false, NULL);
	if (r == 0 && strv_push(&lines, "lo: up") < 0)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < p.n_ifaces; i++) {
		char *l = describe_iface(&p.ifaces[i]);
		if (!l || strv_push(&lines, l) < 0)
			r = -ENOMEM;
		free(l);
	}
	if (r == 0)
		r = describe_dns(conf, &p, env, &lines);
	net_plan_free(&p);
	if (r < 0) {
		strv_free(lines);
		return r;
	}
	*ret_lines = lines;
	return 0;
}

int net_first_address(const struct sysc_conf *conf, const char *key, const struct net_env *env,
		      char **ret)
{
	struct net_plan p;
	char a[64];
	int r;

	*ret = NULL;
	if (!net_private_netns(conf))
		return 0;
	r = net_plan_build(conf, key, &p);
	if (r == 0)
		r = net_plan_managed(&p, env, NULL, conf->uuid, key, false, NULL);
	for (size_t i = 0; r == 0 && !*ret && i < p.n_ifaces; i++)
		for (size_t k = 0; k < p.ifaces[i].n_addrs; k++)
			if (p.ifaces[i].addrs[k].family == AF_INET) {
				net_format_addr(&p.ifaces[i].addrs[k], false, a);
				*ret = strdup(a);
				if (!*ret)
					r = -ENOMEM;
				break;
			}
	net_plan_free(&p);
	return r;
}
