/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Managed bridges: made by `sysc-net create` (alias "sysc:net", kept until
 * `sysc-net delete`) or for a container with `create = true` (alias
 * "sysc:auto", removed when its last port goes). The alias is the record:
 * bridges do not outlive the host's boot, and neither need their records. */
#include "net/dns.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct port_count {
	int bridge;
	int n;
};

static int count_port(const struct net_link_info *i, void *data)
{
	struct port_count *c = data;

	if (i->master == c->bridge)
		c->n++;
	return 0;
}

int net_bridge_ports(struct nl_sock *sk, int ifindex)
{
	struct port_count c = {.bridge = ifindex};
	int r = net_nl_links(sk, count_port, &c);

	return r < 0 ? r : c.n;
}

void net_drop_auto_bridge(struct nl_sock *host, const char *name)
{
	struct net_link_info bi;
	int r;

	if (net_nl_link_info(host, name, &bi) < 0 || strcmp(bi.alias, NET_ALIAS_AUTO) != 0)
		return;
	if (net_bridge_ports(host, bi.ifindex) != 0)
		return;
	r = net_nl_link_del(host, name);
	if (r < 0 && r != -ENODEV)
		log_warn_errno(r, "cannot remove bridge %s: %m", name);
	else
		log_debug("removed bridge %s (no ports left)", name);
}

static int parse_all(char *const *list, int family, struct net_addr **ret, size_t *n)
{
	for (size_t i = 0; list && list[i]; i++) {
		struct net_addr *a = realloc(*ret, (*n + 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		*ret = a;
		if (net_parse_addr(list[i], family, &a[*n]) < 0 || !strchr(list[i], '/'))
			return log_error_errno(-EINVAL, "invalid %s address \"%s\" (expected %s)",
					       family == AF_INET ? "IPv4" : "IPv6", list[i],
					       family == AF_INET ? "a.b.c.d/len" : "x::y/len");
		(*n)++;
	}
	return 0;
}

static int bridge_configure(struct nl_sock *sk, const char *name, const struct net_addr *addrs,
			    size_t n)
{
	struct net_link_info li;
	int r = net_nl_link_info(sk, name, &li);

	for (size_t i = 0; r == 0 && i < n; i++) {
		r = net_nl_addr_add(sk, li.ifindex, &addrs[i]);
		if (r < 0)
			return log_error_errno(r, "cannot add address %zu to bridge %s: %m", i + 1,
					       name);
	}
	if (r == 0)
		r = net_nl_link_set(sk, li.ifindex, &(struct net_nl_change){.up = 1});
	if (r < 0)
		return log_error_errno(r, "cannot bring up bridge %s: %m", name);
	return 0;
}

/* A bridge with an IPv4 address gets DNS, DHCPv4 and RA (its first
 * address of each family). */
static int bridge_dns(const char *name, const struct net_bridge_opts *o)
{
	int r;

	if (!o->run_dir || !o->ipv4 || !o->ipv4[0])
		return 0;
	r = net_dns_ensure(o->run_dir,
			   &(struct net_dns_bridge){.name = name,
						    .addr4 = o->ipv4[0],
						    .addr6 = o->ipv6 ? o->ipv6[0] : NULL});
	if (r == -ENOENT) /* no dnsmasq (warned): a bridge without DNS */
		return 0;
	if (r < 0)
		net_dns_stop(o->run_dir, name);
	return r;
}

int net_bridge_create(const char *name, const struct net_bridge_opts *o)
{
	_cleanup_free_ struct net_addr *addrs = NULL;
	struct nl_sock *sk = NULL;
	struct net_link_info li;
	size_t n = 0;
	int r;

	if (strlen(name) == 0 || strlen(name) > 15 || strpbrk(name, "/: \t\n"))
		return log_error_errno(-EINVAL, "invalid bridge name \"%s\" (1 to 15 characters)",
				       name);
	r = parse_all(o->ipv4, AF_INET, &addrs, &n);
	if (r == 0)
		r = parse_all(o->ipv6, AF_INET6, &addrs, &n);
	if (r < 0)
		return r;
	r = net_nl_open(-1, &sk);
	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	if (net_nl_link_info(sk, name, &li) == 0) {
		net_nl_close(sk);
		return log_error_errno(-EEXIST, "interface %s already exists", name);
	}
	r = net_nl_bridge_add(sk, name, NET_ALIAS_MANAGED, o->mtu);
	if (r < 0)
		log_error_errno(r, "cannot create bridge %s: %m", name);
	else if ((r = bridge_configure(sk, name, addrs, n)) < 0 || (r = bridge_dns(name, o)) < 0)
		net_nl_link_del(sk, name);
	net_nl_close(sk);
	return r;
}

int net_bridge_delete(const char *name, bool force, const char *run_dir)
{
	struct nl_sock *sk = NULL;
	struct net_link_info li;
	int r = net_nl_open(-1, &sk), ports;

	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	r = net_nl_link_info(sk, name, &li);
	if (r < 0) {
		log_error("bridge %s does not exist", name);
	} else if (strcmp(li.alias, NET_ALIAS_MANAGED) != 0 &&
		   strcmp(li.alias, NET_ALIAS_AUTO) != 0) {
		r = log_error_errno(-EPERM, "%s was not made by sysc; not removing it", name);
	} else if ((ports = net_bridge_ports(sk, li.ifindex)) > 0 && !force) {
		r = log_error_errno(-EBUSY,
				    "bridge %s still has %d port(s) (running containers); stop "
				    "them first or use --force",
				    name, ports);
	} else {
		r = net_nl_link_del(sk, name);
		if (r < 0)
			log_error_errno(r, "cannot remove bridge %s: %m", name);
		else if (run_dir)
			r = net_dns_stop(run_dir, name);
	}
	net_nl_close(sk);
	return r;
}

struct list_ctx {
	struct nl_sock *sk;
	struct net_bridge_info *b;
	size_t n;
	int err;
};

static int list_one(const struct net_link_info *i, void *data)
{
	struct list_ctx *c = data;
	struct net_bridge_info *b;
	bool managed = !strcmp(i->alias, NET_ALIAS_MANAGED);
	int ports;

	if (strcmp(i->kind, "bridge") != 0 || (!managed && strcmp(i->alias, NET_ALIAS_AUTO)))
		return 0;
	b = realloc(c->b, (c->n + 1) * sizeof(*b));
	if (!b)
		return c->err = -ENOMEM;
	c->b = b;
	b = &c->b[c->n++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", i->name);
	snprintf(b->kind, sizeof(b->kind), "%s", managed ? "net" : "auto");
	b->up = i->up;
	ports = net_bridge_ports(c->sk, i->ifindex);
	b->n_ports = ports > 0 ? (unsigned)ports : 0;
	return c->err = net_nl_addrs(c->sk, i->ifindex, &b->addrs);
}

int net_bridge_list(struct net_bridge_info **ret, size_t *ret_n)
{
	struct list_ctx c = {0};
	int r = net_nl_open(-1, &c.sk);

	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	r = net_nl_links(c.sk, list_one, &c);
	net_nl_close(c.sk);
	if (r < 0 || c.err < 0) {
		net_bridge_list_free(c.b, c.n);
		r = r < 0 ? r : c.err;
		return log_error_errno(r, "cannot list bridges: %m");
	}
	*ret = c.b;
	*ret_n = c.n;
	return 0;
}

void net_bridge_list_free(struct net_bridge_info *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strv_free(b[i].addrs);
	free(b);
}
