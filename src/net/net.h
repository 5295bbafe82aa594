/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container networking. src/net is the ONLY place that includes libnl; the
 * rest of sysc sees these functions and plain types.
 *
 * The monitor calls net_attach() between clone3() and the "go" to the child:
 * host-side links are made (veth pairs, macvlans, bridges with `create`),
 * the container's ends are created in or moved into its network namespace,
 * and addresses, routes and link state are set there from the host side
 * through a netlink socket opened inside that namespace. net_detach() undoes
 * it after init is gone; net_cleanup_stale() does the same from the record
 * file <run>/<key>/net when the monitor died.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sysc_conf;
struct net_state;
struct net_snapshot;

/* Where the managed networks are kept (filled by the caller from sysc_paths). */
struct net_env {
	const char *conf_file;	    /* sysc.conf: the records (`networks`) */
	const char *state_dir;	    /* host-wide: the lock and the address leases */
	const char *run_dir;	    /* sysc's runtime dir: container records, DNS */
	const char *default_bridge; /* recorded and made on first use ("sysc0") */
	/* NULL, or the records and leases read once (net_snapshot_load), which
	 * read-only lookups (net_first_address) then use instead of the files */
	struct net_snapshot *snap;
};

/* sysc-ls of many containers: sysc.conf's network records and the leases
 * read and parsed once, not once per container. 0 or -errno (logged). */
int net_snapshot_load(const struct net_env *env, struct net_snapshot **ret);
void net_snapshot_free(struct net_snapshot *s);

#define NET_DEFAULT_DOMAIN "sysc"

/* false when the container shares the host's network namespace (type "none") */
bool net_private_netns(const struct sysc_conf *conf);

/* The stable host-side name of veth INDEX of CONTAINER (its key, see
 * paths_container_key()): "vs-KEY-INDEX" when it fits in 15 characters,
 * else "vs" + 8 hex digits of a hash + "-INDEX" (always for a key with a
 * store id, which does not fit). */
void net_host_ifname(const char *container, unsigned index, char ret[16]);
/* The stable default MAC of interface INDEX: 02:xx:xx:xx:xx:xx, a hash of the
 * container name and index (locally administered, unicast). */
void net_default_hwaddr(const char *container, unsigned index, uint8_t ret[6]);
void net_format_hwaddr(const uint8_t mac[6], char ret[18]);

/* Create everything for conf in the network namespace of pid. Logs once,
 * naming the interface; on failure nothing it made is left, and nothing it
 * did not make is touched. run_dir holds the record used by
 * net_cleanup_stale(); key: paths_container_key(). */
int net_attach(const struct sysc_conf *conf, const char *key, const struct net_env *env, pid_t pid,
	       const char *run_dir, struct net_state **ret);
/* The DNS server the guest's /etc/resolv.conf names after net_attach: the
 * IPv4 address (network byte order) of the first managed bridge it is on;
 * 0: leave the guest's resolv.conf alone. */
uint32_t net_state_nameserver(const struct net_state *st);
/* Give back phys interfaces (original name), remove host-side links and
 * auto-created bridges left without ports, the record, and free st. NULL ok. */
void net_detach(struct net_state *st);
/* After a monitor crash, once the container's processes are gone: remove what
 * the record in run_dir names. No record: nothing to do. */
int net_cleanup_stale(const char *run_dir, const char *name);

/* One line per interface for sysc-info: name, type, host side, MAC, addresses
 * (pool addresses too, as leased; env may be NULL), and the DNS name. */
int net_describe(const struct sysc_conf *conf, const char *key, const struct net_env *env,
		 char ***ret_lines);
/* The first IPv4 address of the container (configured or leased), without
 * its length, or NULL (*ret) when it has none yet. */
int net_first_address(const struct sysc_conf *conf, const char *key, const struct net_env *env,
		      char **ret);

/* Managed networks (sysc-net create/set/delete, the default bridge). */
struct net_create_opts {
	const char *ipv4; /* CIDR (the bridge's address), "auto", "none"; NULL: keep/auto */
	const char *ipv6;
	int nat;      /* 1, 0, -1 keep/default (on) */
	int isolated; /* 1, 0, -1 keep/default (off) */
	const char *domain;
};
int net_managed_create(const struct net_env *env, const char *name,
		       const struct net_create_opts *o);
int net_managed_set(const struct net_env *env, const char *name, const struct net_create_opts *o);
/* 1 deleted, 0 NAME is not a managed network, -errno (logged; in use: the
 * error names the containers) */
int net_managed_delete(const struct net_env *env, const char *name, bool force);
/* Release the pool addresses of a container (its uuid) on every network:
 * at destroy. */
int net_pool_release(const struct net_env *env, const char *uuid);

/* Bridges (sysc-net delete of a bridge that is no managed network, ls). */
int net_bridge_delete(const char *name, bool force);
struct net_bridge_info {
	char name[16];
	char kind[8]; /* "net" (sysc-net create) or "auto" (a container's create = true) */
	bool up;
	bool exists; /* a recorded network whose bridge is not made yet: false */
	bool nat, isolated;
	char domain[64];
	unsigned n_ports;
	char **addrs; /* "a.b.c.d/len", "x::y/len" */
};
int net_bridge_list(const struct net_env *env, struct net_bridge_info **ret, size_t *ret_n);
void net_bridge_list_free(struct net_bridge_info *b, size_t n);
