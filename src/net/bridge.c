/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Managed bridges: made by `sysc-net create` (alias "sysc:net", kept until
 * `sysc-net delete`) or for a container with `create = true` (alias
 * "sysc:auto", removed when its last port goes). The alias is the record:
 * bridges do not outlive the host's boot, and neither need their records. */
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

int net_bridge_delete(const char *name, bool force)
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
	b->exists = true;
	snprintf(b->domain, sizeof(b->domain), "-");
	ports = net_bridge_ports(c->sk, i->ifindex);
	b->n_ports = ports > 0 ? (unsigned)ports : 0;
	return c->err = net_nl_addrs(c->sk, i->ifindex, &b->addrs);
}

/* A recorded network: its record's settings over what the link shows, or
 * an entry of its own when the bridge is not made yet. */
static int list_record(struct list_ctx *c, const struct net_managed *m)
{
	struct net_bridge_info *b = NULL;
	char a[64];

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->b[i].name, m->name))
			b = &c->b[i];
	if (!b) {
		b = realloc(c->b, (c->n + 1) * sizeof(*b));
		if (!b)
			return -ENOMEM;
		c->b = b;
		b = &c->b[c->n++];
		memset(b, 0, sizeof(*b));
		snprintf(b->name, sizeof(b->name), "%s", m->name);
		if (m->has4) {
			net_format_addr(&m->a4, true, a);
			if (strv_push(&b->addrs, a) < 0)
				return -ENOMEM;
		}
		if (m->has6) {
			net_format_addr(&m->a6, true, a);
			if (strv_push(&b->addrs, a) < 0)
				return -ENOMEM;
		}
	}
	snprintf(b->kind, sizeof(b->kind), "net");
	b->nat = m->nat && m->has4;
	b->isolated = m->isolated;
	snprintf(b->domain, sizeof(b->domain), "%s", m->domain);
	return 0;
}

int net_bridge_list(const struct net_env *env, struct net_bridge_info **ret, size_t *ret_n)
{
	_cleanup_free_ struct net_managed *recs = NULL;
	struct list_ctx c = {0};
	size_t n_recs = 0;
	int r = net_nl_open(-1, &c.sk);

	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	r = net_nl_links(c.sk, list_one, &c);
	net_nl_close(c.sk);
	if (r == 0 && c.err == 0 && env)
		r = net_managed_load(env->conf_file, &recs, &n_recs);
	for (size_t i = 0; r == 0 && i < n_recs; i++)
		r = list_record(&c, &recs[i]);
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
