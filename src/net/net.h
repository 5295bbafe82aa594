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
int net_attach(const struct sysc_conf *conf, const char *key, pid_t pid, const char *run_dir,
	       struct net_state **ret);
/* Give back phys interfaces (original name), remove host-side links and
 * auto-created bridges left without ports, the record, and free st. NULL ok. */
void net_detach(struct net_state *st);
/* After a monitor crash, once the container's processes are gone: remove what
 * the record in run_dir names. No record: nothing to do. */
int net_cleanup_stale(const char *run_dir, const char *name);

/* One line per interface for sysc-info: name, type, host side, MAC, addresses. */
int net_describe(const struct sysc_conf *conf, const char *key, char ***ret_lines);

/* Managed bridges (sysc-net). */
struct net_bridge_opts {
	char *const *ipv4; /* "a.b.c.d/len" */
	char *const *ipv6;
	uint32_t mtu; /* 0: default */
	/* sysc's runtime dir: a bridge with an IPv4 address gets DNS, DHCPv4
	 * and RA there (net/dns.h); NULL: none */
	const char *run_dir;
};
int net_bridge_create(const char *name, const struct net_bridge_opts *o);
/* run_dir: where the bridge's DNS lives (stopped with it) */
int net_bridge_delete(const char *name, bool force, const char *run_dir);
struct net_bridge_info {
	char name[16];
	char kind[8]; /* "net" (sysc-net create) or "auto" (a container's create = true) */
	bool up;
	unsigned n_ports;
	char **addrs; /* "a.b.c.d/len", "x::y/len" */
};
int net_bridge_list(struct net_bridge_info **ret, size_t *ret_n);
void net_bridge_list_free(struct net_bridge_info *b, size_t n);
