/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inside src/net: the plan built from the config (no libnl, unit-tested) and
 * the netlink helpers (nl.c) the attach/bridge code uses. */
#pragma once

#include "net/net.h"

#include <netinet/in.h>
#include <stddef.h>

/* Alias set on bridges sysc makes: kept with "net", removed when left
 * without ports with "auto". */
#define NET_ALIAS_MANAGED "sysc:net"
#define NET_ALIAS_AUTO	  "sysc:auto"

enum net_kind { NET_VETH, NET_MACVLAN, NET_PHYS, NET_EMPTY, NET_NONE };

struct net_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
	unsigned prefix;
};

struct net_route {
	int family;
	bool is_default;
	struct net_addr dst; /* when !is_default */
	uint8_t gw[16];
};

struct net_iface {
	enum net_kind kind;
	unsigned index;	    /* position in the config's network list */
	char name[16];	    /* inside */
	char host_name[16]; /* veth host end */
	char link[16];	    /* bridge / parent / phys host name */
	bool create_link;
	int macvlan_mode; /* MACVLAN_MODE_* */
	bool has_mac;	  /* phys keeps its own MAC unless hwaddr is set */
	uint8_t mac[6];
	uint32_t mtu;
	bool up;
	bool managed;  /* link is a managed network */
	bool isolated; /* ... with isolated ports */
	struct net_addr *addrs;
	size_t n_addrs;
	struct net_route *routes; /* gateways first, then the extra routes */
	size_t n_routes;
};

struct net_plan {
	struct net_iface *ifaces; /* veth, macvlan, phys only */
	size_t n_ifaces;
	bool private_netns;
};

/* Build the plan from a validated config; key (paths_container_key()) names
 * the container in generated host names and MACs. -EINVAL (logged, naming the key) on
 * what validation cannot see, e.g. the same address on two interfaces. */
int net_plan_build(const struct sysc_conf *conf, const char *key, struct net_plan *ret);
void net_plan_free(struct net_plan *p);
int net_parse_addr(const char *s, int family, struct net_addr *ret); /* "ADDR[/LEN]" */
int net_parse_route(const char *s, struct net_route *ret);	     /* "DEST via GW" */
void net_format_addr(const struct net_addr *a, bool with_len, char ret[64]);

/* managed.c: a network as sysc.conf records it */
struct net_managed {
	char name[16];
	bool has4, has6;
	struct net_addr a4, a6; /* the bridge's addresses; their prefixes are the subnets */
	bool nat, isolated;
	char domain[64];
};
struct nl_sock;
int net_managed_parse(const char *rec, struct net_managed *ret);
char *net_managed_format(const struct net_managed *m);
int net_managed_load(const char *conf_file, struct net_managed **ret, size_t *ret_n);
/* 1 found, 0 not recorded */
int net_managed_get(const char *conf_file, const char *name, struct net_managed *ret);
int net_managed_lock(const struct net_env *env); /* an fd to close */
int net_managed_for_link(const struct net_env *env, struct nl_sock *sk, const char *link,
			 struct net_managed *ret);
int net_managed_up(const struct net_env *env, const struct net_managed *m, struct nl_sock *sk);
int net_nat_sync(const char *conf_file, struct nl_sock *sk);

/* pool.c: the address leases, <state>/net-leases: "BRIDGE INDEX UUID KEY" */
/* The lease of uuid on m (made when alloc): 1 and *ret_index, 0 none
 * (!alloc), -EADDRNOTAVAIL (logged) the pool is exhausted. Takes the lock. */
int net_pool_lease(const struct net_env *env, const struct net_managed *m, const char *uuid,
		   const char *key, bool alloc, unsigned *ret_index);
/* The addresses of lease index on m */
void net_pool_addr4(const struct net_managed *m, unsigned index, struct net_addr *ret);
void net_pool_addr6(const struct net_managed *m, unsigned index, struct net_addr *ret);
int net_pool_release_bridge(const struct net_env *env, const char *bridge); /* lock held */
/* Pool addresses, default routes and the managed flags into the plan: for
 * each veth on a managed network without an address of a family the network
 * has. alloc: lease (start) or only look up (info, ls). */
int net_plan_managed(struct net_plan *p, const struct net_env *env, struct nl_sock *sk,
		     const char *uuid, const char *key, bool alloc, uint32_t *ret_ns4);
const char *net_kind_name(enum net_kind k);

/* ports.c: the container's port forwards (conf->ports) to addr4 ("a.b.c.d",
 * its first IPv4 address) on bridge; the undo lines go to record first.
 * Logs; a host port another container forwards: -EADDRINUSE naming it. */
int net_ports_add(const struct sysc_conf *conf, const char *key, const char *addr4,
		  const char *bridge, const char *record);
/* Undo the port lines of record (only what the record's container owns);
 * the last forward takes the chains and sets with it. */
void net_ports_remove(const char *record);
/* The lock of sysc's nftables changes, <run>/.locks/.net-ports, from a
 * container's record <run>/<key>/net: an fd to close, or -errno (logged). */
int net_fw_lock(const char *record);

/* guard.c: anti-spoofing for the veth f on a sysc bridge (its MAC and
 * addresses only); the undo line goes to record first. */
int net_guard_add(const struct net_iface *f, const char *key, const char *record);
/* Undo the guard lines of record. */
void net_guard_remove(const char *record);
