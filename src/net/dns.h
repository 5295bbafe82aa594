/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DNS, DHCPv4 and IPv6 router advertisements on a managed bridge: one
 * dnsmasq (Debian's dnsmasq-base, /usr/sbin/dnsmasq) per bridge, under a
 * small supervisor process of sysc's ("sysc-dns BRIDGE") that restarts it
 * when it dies. Everything lives in <run>/net/BRIDGE/ (run_dir: the sysc
 * runtime dir, /run/sysc by default): dnsmasq.conf, the pids, the log, one
 * hosts file per running container in hosts.d/ and dhcp.d/ (read by dnsmasq
 * through inotify), the DHCP leases.
 *
 * It answers NAME and NAME.<domain> (default "sysc") for every running
 * container added with net_dns_host_add(), forwards other names to the
 * resolvers the host's /etc/resolv.conf names when net_dns_ensure() runs,
 * gives each container's MAC its address by DHCPv4 (static: only known
 * containers get one) and sends router advertisements (SLAAC) in the
 * bridge's IPv6 prefix.
 */
#pragma once

struct net_dns_bridge {
	const char *name;
	const char *domain; /* NULL: "sysc" */
	const char *addr4;  /* "10.x.y.1/24" or NULL */
	const char *addr6;  /* "fdxx::1/64" or NULL */
};

struct net_dns_host {
	const char *name;
	const char *mac;  /* "02:..": DHCPv4 by MAC; NULL: none */
	const char *ipv4; /* "a.b.c.d" (a "/len" is ignored) or NULL */
	const char *ipv6; /* "x::y" (a "/len" is ignored) or NULL */
};

/* Start the bridge's dnsmasq, or keep it running (idempotent; a changed
 * bridge restarts it with its new configuration). Logs once; -errno;
 * -ENOENT (a warning): dnsmasq is not installed, the bridge works without. */
int net_dns_ensure(const char *run_dir, const struct net_dns_bridge *b);
/* A running container: answered by name, served by DHCP. A bridge without
 * DNS (never ensured, or stopped): 0, nothing done. A supervisor found dead
 * is started again from the bridge's saved configuration. */
int net_dns_host_add(const char *run_dir, const char *bridge, const struct net_dns_host *h);
/* The container stopped. Unknown name or bridge without DNS: 0. */
int net_dns_host_remove(const char *run_dir, const char *bridge, const char *name);
/* The bridge is deleted: stop dnsmasq and its supervisor, remove
 * <run>/net/BRIDGE. A bridge without DNS: 0. */
int net_dns_stop(const char *run_dir, const char *bridge);
