/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The netlink requests of src/net (nl.c wraps libnl-3; this header does not
 * include it). All return -errno. */
#pragma once

#include "net/net-internal.h"

#include <sys/types.h>

struct nl_sock;

struct net_link_info {
	char name[16];
	int ifindex;
	int master; /* ifindex of the bridge it is a port of, 0 */
	bool up;
	char kind[16]; /* "bridge", "veth", "" for a plain device */
	char alias[64];
};

struct net_nl_veth {
	const char *host_name, *name; /* host end, container end */
	pid_t pid;		      /* the container end is made in this pid's netns */
	int master;		      /* bridge ifindex, 0 none */
	const uint8_t *mac;	      /* container end */
	uint32_t mtu;
};

struct net_nl_macvlan {
	const char *name;
	int parent;
	int mode; /* MACVLAN_MODE_* */
	pid_t pid;
	const uint8_t *mac;
	uint32_t mtu;
};

struct net_nl_change {
	const char *name; /* rename, NULL keep */
	const uint8_t *mac;
	uint32_t mtu;
	int up;	      /* 1 up, 0 down, -1 keep */
	pid_t ns_pid; /* move to this pid's netns, 0 stay */
};

/* netns_fd < 0: the caller's namespace. */
int net_nl_open(int netns_fd, struct nl_sock **ret);
void net_nl_close(struct nl_sock *sk);
int net_nl_link_info(struct nl_sock *sk, const char *name, struct net_link_info *ret);
/* A non-blocking socket of the caller's namespace told of its link changes
 * (RTNLGRP_LINK), and its fd to poll. */
int net_nl_watch_links(struct nl_sock **ret);
int net_nl_fd(struct nl_sock *sk);
/* Read what the watch has: 1 when link ifindex is gone (deleted, or renamed
 * from name; looked up when the socket lost events), 0 when not, -errno. */
int net_nl_link_gone(struct nl_sock *sk, int ifindex, const char *name);
int net_nl_links(struct nl_sock *sk, int (*fn)(const struct net_link_info *, void *), void *data);
int net_nl_veth_add(struct nl_sock *sk, const struct net_nl_veth *v);
int net_nl_macvlan_add(struct nl_sock *sk, const struct net_nl_macvlan *m);
int net_nl_bridge_add(struct nl_sock *sk, const char *name, const char *alias, uint32_t mtu);
int net_nl_link_del(struct nl_sock *sk, const char *name);
int net_nl_link_del_owned(struct nl_sock *sk, const char *name, int ifindex);
int net_nl_link_set(struct nl_sock *sk, int ifindex, const struct net_nl_change *c);
int net_nl_addr_add(struct nl_sock *sk, int ifindex, const struct net_addr *a);
int net_nl_route_add(struct nl_sock *sk, int ifindex, const struct net_route *rt);
int net_nl_addrs(struct nl_sock *sk, int ifindex, char ***ret);
/* IFLA_BRPORT_ISOLATED of bridge port ifindex: isolated ports talk only to
 * ports that are not isolated (the bridge itself) */
int net_nl_brport_isolated(struct nl_sock *sk, int ifindex, bool on);
/* fn for the destination of every unicast route (not the local table, not
 * default routes); a non-zero return stops the walk and is returned */
int net_nl_routes(struct nl_sock *sk, int (*fn)(const struct net_addr *dst, void *data),
		  void *data);

/* bridge.c: number of ports of the bridge at ifindex */
int net_bridge_ports(struct nl_sock *sk, int ifindex);
/* bridge.c: remove bridge NAME if sysc made it for a container (alias
 * NET_ALIAS_AUTO) and nothing is attached to it any more */
void net_drop_auto_bridge(struct nl_sock *host, const char *name);
