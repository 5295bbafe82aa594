/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Thin wrappers over libnl-3 route: every netlink request sysc makes. They
 * return -errno and log nothing; the callers know which interface and key. */
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

static int nle_to_errno(int e)
{
	switch (e < 0 ? -e : e) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOACCESS:
		return -EACCES;
	default:
		return -EIO;
	}
}

DEFINE_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
#define _cleanup_link_ _cleanup_(rtnl_link_putp)
DEFINE_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)
#define _cleanup_cache_ _cleanup_(nl_cache_freep)
DEFINE_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
#define _cleanup_nladdr_ _cleanup_(nl_addr_putp)

static int connect_here(struct nl_sock **ret)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return nle_to_errno(r);
	}
	fcntl(nl_socket_get_fd(sk), F_SETFD, FD_CLOEXEC);
	*ret = sk;
	return 0;
}

/* A socket lives in the namespace it was made in: enter, make it, come back.
 * The callers are single-threaded (monitor, CLI). */
int net_nl_open(int netns_fd, struct nl_sock **ret)
{
	_cleanup_close_ int self = -EBADF;
	int r;

	if (netns_fd < 0)
		return connect_here(ret);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	r = connect_here(ret);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* cannot stay in the container's network namespace */
	return r;
}

void net_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

int net_nl_watch_links(struct nl_sock **ret)
{
	struct nl_sock *sk;
	int r = connect_here(&sk);

	if (r < 0)
		return r;
	nl_socket_disable_seq_check(sk); /* notifications, not answers */
	r = nl_socket_add_membership(sk, RTNLGRP_LINK);
	if (r == 0)
		r = nl_socket_set_nonblocking(sk);
	if (r < 0) {
		nl_socket_free(sk);
		return nle_to_errno(r);
	}
	*ret = sk;
	return 0;
}

int net_nl_fd(struct nl_sock *sk)
{
	return nl_socket_get_fd(sk);
}

struct gone_ctx {
	int ifindex;
	const char *name;
	bool gone;
};

static int gone_one(struct nl_msg *msg, void *arg)
{
	struct gone_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *a;

	if ((h->nlmsg_type != RTM_DELLINK && h->nlmsg_type != RTM_NEWLINK) ||
	    nlmsg_datalen(h) < (int)sizeof(struct ifinfomsg) ||
	    ((struct ifinfomsg *)nlmsg_data(h))->ifi_index != c->ifindex)
		return NL_OK;
	a = nlmsg_find_attr(h, sizeof(struct ifinfomsg), IFLA_IFNAME);
	if (h->nlmsg_type == RTM_DELLINK || (a && strcmp(nla_get_string(a), c->name) != 0))
		c->gone = true;
	return NL_OK;
}

int net_nl_link_gone(struct nl_sock *sk, int ifindex, const char *name)
{
	struct gone_ctx c = {.ifindex = ifindex, .name = name};
	_cleanup_link_ struct rtnl_link *l = NULL;
	struct nl_sock *ask;
	int r;

	r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, gone_one, &c);
	while (r >= 0 && !c.gone)
		r = nl_recvmsgs_default(sk);
	if (c.gone)
		return 1;
	if (r == -NLE_AGAIN)
		return 0;
	/* lost events (ENOBUFS) or a broken message: ask for the link itself */
	r = connect_here(&ask);
	if (r < 0)
		return r;
	r = nle_to_errno(rtnl_link_get_kernel(ask, ifindex, NULL, &l));
	nl_socket_free(ask);
	if (r == -ENODEV)
		return 1;
	return r < 0 ? r : strcmp(rtnl_link_get_name(l), name) != 0;
}

int net_nl_link_info(struct nl_sock *sk, const char *name, struct net_link_info *ret)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	const char *s;
	int r = rtnl_link_get_kernel(sk, 0, name, &l);

	if (r < 0)
		return nle_to_errno(r);
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = rtnl_link_get_ifindex(l);
	ret->master = rtnl_link_get_master(l);
	ret->up = rtnl_link_get_flags(l) & IFF_UP;
	s = rtnl_link_get_type(l);
	snprintf(ret->kind, sizeof(ret->kind), "%s", s ? s : "");
	s = rtnl_link_get_ifalias(l);
	snprintf(ret->alias, sizeof(ret->alias), "%s", s ? s : "");
	snprintf(ret->name, sizeof(ret->name), "%s", rtnl_link_get_name(l));
	return 0;
}

static int set_hw(struct rtnl_link *l, const uint8_t *mac, uint32_t mtu)
{
	if (mac) {
		_cleanup_nladdr_ struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
		if (!a)
			return -ENOMEM;
		rtnl_link_set_addr(l, a);
	}
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	return 0;
}

int net_nl_veth_add(struct nl_sock *sk, const struct net_nl_veth *v)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_veth_alloc();
	struct rtnl_link *peer;
	int r;

	if (!l)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(l, v->host_name);
	if (v->master > 0)
		rtnl_link_set_master(l, v->master);
	if (v->mtu)
		rtnl_link_set_mtu(l, v->mtu);
	rtnl_link_set_name(peer, v->name);
	rtnl_link_set_ns_pid(peer, v->pid);
	r = set_hw(peer, v->mac, v->mtu);
	rtnl_link_put(peer);
	if (r < 0)
		return r;
	return nle_to_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

int net_nl_macvlan_add(struct nl_sock *sk, const struct net_nl_macvlan *m)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_macvlan_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, m->name);
	rtnl_link_set_link(l, m->parent);
	rtnl_link_set_ns_pid(l, m->pid);
	r = rtnl_link_macvlan_set_mode(l, (uint32_t)m->mode);
	if (r < 0)
		return nle_to_errno(r);
	r = set_hw(l, m->mac, m->mtu);
	if (r < 0)
		return r;
	return nle_to_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

int net_nl_bridge_add(struct nl_sock *sk, const char *name, const char *alias, uint32_t mtu)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	r = rtnl_link_set_type(l, "bridge");
	if (r < 0)
		return nle_to_errno(r);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return nle_to_errno(r);
	if (!alias)
		return 0;
	/* the kernel takes IFLA_IFALIAS on a change only */
	_cleanup_link_ struct rtnl_link *cur = NULL, *chg = rtnl_link_alloc();
	r = rtnl_link_get_kernel(sk, 0, name, &cur);
	if (r < 0 || !chg)
		return r < 0 ? nle_to_errno(r) : -ENOMEM;
	rtnl_link_set_ifalias(chg, alias);
	return nle_to_errno(rtnl_link_change(sk, cur, chg, 0));
}

int net_nl_link_del(struct nl_sock *sk, const char *name)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	return nle_to_errno(rtnl_link_delete(sk, l));
}

/* Delete link name only if it is still the one with ifindex (the one
 * sysc made): -ENODEV when it is gone, -ESTALE when another has its name. */
int net_nl_link_del_owned(struct nl_sock *sk, const char *name, int ifindex)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();
	struct net_link_info li;
	int r = net_nl_link_info(sk, name, &li);

	if (r < 0)
		return r;
	if (li.ifindex != ifindex)
		return -ESTALE;
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	return nle_to_errno(rtnl_link_delete(sk, l));
}

/* Change the link at ifindex: new name, MAC, MTU, up (1) / down (0) / keep
 * (-1), and move to the network namespace of ns_pid (0: stay). */
int net_nl_link_set(struct nl_sock *sk, int ifindex, const struct net_nl_change *c)
{
	_cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc();
	_cleanup_link_ struct rtnl_link *chg = rtnl_link_alloc();
	int r;

	if (!orig || !chg)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	if (c->name)
		rtnl_link_set_name(chg, c->name);
	r = set_hw(chg, c->mac, c->mtu);
	if (r < 0)
		return r;
	if (c->up > 0)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (c->up == 0)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (c->ns_pid > 0)
		rtnl_link_set_ns_pid(chg, c->ns_pid);
	return nle_to_errno(rtnl_link_change(sk, orig, chg, 0));
}

static struct nl_addr *build_addr(int family, const uint8_t *bytes, unsigned prefix)
{
	struct nl_addr *a = nl_addr_build(family, bytes, family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, (int)prefix);
	return a;
}

int net_nl_addr_add(struct nl_sock *sk, int ifindex, const struct net_addr *a)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	_cleanup_nladdr_ struct nl_addr *local = build_addr(a->family, a->bytes, a->prefix);
	int r;

	if (!ra || !local) {
		if (ra)
			rtnl_addr_put(ra);
		return -ENOMEM;
	}
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->family);
	r = rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, (int)a->prefix);
	/* the address is ours: no duplicate detection delaying its use */
	if (a->family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	if (r == 0)
		r = rtnl_addr_add(sk, ra, NLM_F_EXCL);
	rtnl_addr_put(ra);
	return nle_to_errno(r);
}

int net_nl_route_add(struct nl_sock *sk, int ifindex, const struct net_route *rt)
{
	static const uint8_t zero[16];
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	_cleanup_nladdr_ struct nl_addr *dst =
		rt->is_default ? build_addr(rt->family, zero, 0)
			       : build_addr(rt->family, rt->dst.bytes, rt->dst.prefix);
	_cleanup_nladdr_ struct nl_addr *gw =
		build_addr(rt->family, rt->gw, rt->family == AF_INET ? 32 : 128);
	int r = -ENOMEM;

	if (route && nh && dst && gw) {
		rtnl_route_set_family(route, (uint8_t)rt->family);
		rtnl_route_set_table(route, RT_TABLE_MAIN);
		rtnl_route_set_protocol(route, RTPROT_STATIC);
		rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
		rtnl_route_set_type(route, RTN_UNICAST);
		rtnl_route_set_dst(route, dst);
		rtnl_route_nh_set_ifindex(nh, ifindex);
		rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_add_nexthop(route, nh);
		nh = NULL;
		r = nle_to_errno(rtnl_route_add(sk, route, NLM_F_EXCL));
	}
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	return r;
}

/* Addresses of ifindex as "ADDR/LEN", IPv4 first; link-local IPv6 left out. */
int net_nl_addrs(struct nl_sock *sk, int ifindex, char ***ret)
{
	_cleanup_cache_ struct nl_cache *cache = NULL;
	char **list = NULL;
	int r = rtnl_addr_alloc_cache(sk, &cache);

	if (r < 0)
		return nle_to_errno(r);
	for (int fam = AF_INET; fam != -1; fam = fam == AF_INET ? AF_INET6 : -1)
		for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
			struct rtnl_addr *a = (struct rtnl_addr *)o;
			char buf[INET6_ADDRSTRLEN + 8];
			if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != fam ||
			    rtnl_addr_get_scope(a) == RT_SCOPE_LINK)
				continue;
			nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf));
			if (!strchr(buf, '/'))
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d",
					 rtnl_addr_get_prefixlen(a));
			if (strv_push(&list, buf) < 0) {
				strv_free(list);
				return -ENOMEM;
			}
		}
	*ret = list;
	return 0;
}

/* Every link: fn(info) for each; a non-zero return stops. */
int net_nl_links(struct nl_sock *sk, int (*fn)(const struct net_link_info *, void *), void *data)
{
	_cleanup_cache_ struct nl_cache *cache = NULL;
	int r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);

	if (r < 0)
		return nle_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct net_link_info i = {
			.ifindex = rtnl_link_get_ifindex(l),
			.master = rtnl_link_get_master(l),
			.up = rtnl_link_get_flags(l) & IFF_UP,
		};
		const char *s = rtnl_link_get_type(l);
		snprintf(i.kind, sizeof(i.kind), "%s", s ? s : "");
		s = rtnl_link_get_ifalias(l);
		snprintf(i.alias, sizeof(i.alias), "%s", s ? s : "");
		snprintf(i.name, sizeof(i.name), "%s", rtnl_link_get_name(l));
		r = fn(&i, data);
		if (r != 0)
			return r;
	}
	return 0;
}

int net_nl_brport_isolated(struct nl_sock *sk, int ifindex, bool on)
{
	struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, 0);
	struct nlattr *proto;
	int r = -ENOMEM;

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto out;
	proto = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
	if (!proto || nla_put_u8(msg, IFLA_BRPORT_ISOLATED, on ? 1 : 0) < 0)
		goto out;
	nla_nest_end(msg, proto);
	r = nle_to_errno(nl_send_sync(sk, msg));
	msg = NULL; /* nl_send_sync frees it */
out:
	nlmsg_free(msg);
	return r;
}

struct route_walk {
	int (*fn)(const struct net_addr *dst, void *data);
	void *data;
	int r;
};

static void route_one(struct nl_object *o, void *arg)
{
	struct route_walk *w = arg;
	struct rtnl_route *rt = (struct rtnl_route *)o;
	struct nl_addr *d = rtnl_route_get_dst(rt);
	struct net_addr a = {0};

	if (w->r || !d || rtnl_route_get_table(rt) == RT_TABLE_LOCAL ||
	    rtnl_route_get_type(rt) != RTN_UNICAST)
		return;
	a.family = nl_addr_get_family(d);
	if (a.family != AF_INET && a.family != AF_INET6)
		return;
	a.prefix = nl_addr_get_prefixlen(d);
	if (a.prefix == 0)
		return; /* default routes overlap everything */
	memcpy(a.bytes, nl_addr_get_binary_addr(d), a.family == AF_INET ? 4 : 16);
	w->r = w->fn(&a, w->data);
}

int net_nl_routes(struct nl_sock *sk, int (*fn)(const struct net_addr *dst, void *data), void *data)
{
	_cleanup_cache_ struct nl_cache *cache = NULL;
	struct route_walk w = {.fn = fn, .data = data};
	int r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache);

	if (r < 0)
		return nle_to_errno(r);
	nl_cache_foreach(cache, route_one, &w);
	return w.r;
}
