/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Putting a container on the network and taking it off again: host-side
 * links, the container's ends in its namespace, addresses and routes set from
 * the host through a netlink socket opened in that namespace; a record file
 * so a crashed monitor's links are found again by their stable names. */
#include "config/config.h"
#include "net/dns.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECORD_FILE "net"

struct net_state {
	char *name; /* container */
	char *key;  /* paths_container_key() */
	char *record;
	int netns_fd;
	struct nl_sock *host, *inner;
	struct net_plan plan;
	int *inner_ifindex; /* per plan iface, once it exists inside; 0 before */
	int *host_ifindex;  /* per plan iface: the veth host end this start made; 0 */
	char **bridges;	    /* bridges named with create = true */
	const struct net_env *env;
	uint32_t nameserver; /* IPv4 of the first managed bridge, network order; 0 */
	char *sysc_run;	     /* sysc's runtime dir (the parent of run_dir): DNS */
	bool *dns_added;     /* per plan iface: registered with its bridge's DNS */
};

static int record_add(struct net_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int record_add(struct net_state *st, const char *fmt, ...)
{
	_cleanup_close_ int fd = open(st->record, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	char line[128];
	va_list ap;
	int n;

	if (fd < 0)
		return log_error_errno(-errno, "cannot write %s: %m", st->record);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	return fileio_write_all(fd, line, (size_t)n);
}

static int check_bridge(struct net_state *st, const struct net_iface *f)
{
	struct net_link_info li;
	int r = net_nl_link_info(st->host, f->link, &li);

	if (r == -ENODEV && f->create_link) {
		r = record_add(st, "bridge %s", f->link);
		if (r == 0)
			r = strv_push(&st->bridges, f->link);
		if (r == 0)
			r = net_nl_bridge_add(st->host, f->link, NET_ALIAS_AUTO, 0);
		if (r == 0)
			r = net_nl_link_info(st->host, f->link, &li);
		if (r == 0)
			r = net_nl_link_set(st->host, li.ifindex, &(struct net_nl_change){.up = 1});
		if (r < 0 && r != -EEXIST)
			return log_error_errno(r, "cannot create bridge %s for %s: %m", f->link,
					       st->name);
		return r == -EEXIST ? check_bridge(st, f) : li.ifindex;
	}
	if (r == -ENODEV)
		return log_error_errno(r,
				       "bridge %s of %s (network[%u], %s) does not exist; create "
				       "it with sysc-net create, or set create = true",
				       f->link, st->name, f->index, f->name);
	if (r < 0)
		return log_error_errno(r, "cannot look up bridge %s: %m", f->link);
	if (strcmp(li.kind, "bridge") != 0)
		return log_error_errno(-EINVAL, "%s (network[%u] of %s) is not a bridge", f->link,
				       f->index, st->name);
	if (f->create_link)
		strv_push(&st->bridges, f->link);
	return li.ifindex;
}

/* Everything that must exist (or must not) before anything is made. */
static int preflight(struct net_state *st)
{
	for (size_t i = 0; i < st->plan.n_ifaces; i++) {
		const struct net_iface *f = &st->plan.ifaces[i];
		struct net_link_info li;
		int r;

		if (f->kind == NET_VETH && !f->create_link) {
			r = check_bridge(st, f);
			if (r < 0)
				return r;
		}
		if (f->kind == NET_VETH && net_nl_link_info(st->host, f->host_name, &li) == 0)
			return log_error_errno(-EEXIST,
					       "host interface %s (network[%u] of %s) already "
					       "exists",
					       f->host_name, f->index, st->name);
		if (f->kind == NET_MACVLAN || f->kind == NET_PHYS) {
			r = net_nl_link_info(st->host, f->link, &li);
			if (r < 0)
				return log_error_errno(
					r, "%s %s (network[%u] of %s) does not exist",
					f->kind == NET_PHYS ? "host interface" : "parent interface",
					f->link, f->index, st->name);
			if (f->kind == NET_PHYS && (li.ifindex == 1 || !strcmp(li.kind, "bridge")))
				return log_error_errno(-EINVAL,
						       "%s cannot be moved into %s (network[%u])",
						       f->link, st->name, f->index);
		}
	}
	return 0;
}

/* The host end is recorded with its ifindex once made, so only the link
 * this start made is ever removed (a link of that name made by someone
 * else, e.g. the one that refused the start, is left alone). Made but not
 * recorded (a crash in between) is no leak: the pair dies with the
 * container's network namespace. */
static int create_veth(struct net_state *st, size_t i, pid_t pid)
{
	const struct net_iface *f = &st->plan.ifaces[i];
	struct net_link_info li;
	int master = check_bridge(st, f);
	int r;

	if (master < 0)
		return master;
	r = net_nl_veth_add(st->host, &(struct net_nl_veth){.host_name = f->host_name,
							    .name = f->name,
							    .pid = pid,
							    .master = master,
							    .mac = f->mac,
							    .mtu = f->mtu});
	if (r == -EEXIST)
		return log_error_errno(r, "host interface %s (network[%u] of %s) already exists",
				       f->host_name, f->index, st->name);
	if (r < 0)
		return log_error_errno(r, "cannot create veth pair %s (host) / %s (in %s): %m",
				       f->host_name, f->name, st->name);
	r = net_nl_link_info(st->host, f->host_name, &li);
	if (r == 0) {
		st->host_ifindex[i] = li.ifindex;
		r = record_add(st, "veth %s %d", f->host_name, li.ifindex);
	}
	if (r == 0)
		r = net_nl_link_set(st->host, li.ifindex, &(struct net_nl_change){.up = 1});
	if (r < 0)
		return log_error_errno(r, "cannot bring up %s: %m", f->host_name);
	if (f->isolated) {
		r = net_nl_brport_isolated(st->host, li.ifindex, true);
		if (r < 0)
			return log_error_errno(r, "cannot isolate %s on bridge %s: %m",
					       f->host_name, f->link);
	}
	return 0;
}

static int create_macvlan(struct net_state *st, const struct net_iface *f, pid_t pid)
{
	struct net_link_info li;
	int r = net_nl_link_info(st->host, f->link, &li);

	if (r == 0)
		r = net_nl_macvlan_add(st->host, &(struct net_nl_macvlan){.name = f->name,
									  .parent = li.ifindex,
									  .mode = f->macvlan_mode,
									  .pid = pid,
									  .mac = f->mac,
									  .mtu = f->mtu});
	if (r < 0)
		return log_error_errno(r, "cannot create macvlan %s on %s for %s: %m", f->name,
				       f->link, st->name);
	return 0;
}

static int move_phys(struct net_state *st, const struct net_iface *f, pid_t pid)
{
	struct net_link_info li;
	int r = net_nl_link_info(st->host, f->link, &li);

	if (r == 0)
		r = record_add(st, "phys %s %d", f->link, li.ifindex);
	if (r == 0)
		r = net_nl_link_set(
			st->host, li.ifindex,
			&(struct net_nl_change){.name = f->name, .up = 0, .ns_pid = pid});
	if (r < 0)
		return log_error_errno(r, "cannot move %s into %s as %s: %m", f->link, st->name,
				       f->name);
	return 0;
}

/* MAC, MTU, up. A macvlan of the previous run may still hold the same MAC
 * on the parent while the kernel tears its namespace down (EEXIST from
 * EADDRINUSE): retry for a while. */
static int set_link(struct net_state *st, const struct net_iface *f, int ifindex)
{
	struct net_nl_change c = {
		.mac = f->kind == NET_PHYS && f->has_mac ? f->mac : NULL,
		.mtu = f->kind == NET_PHYS ? f->mtu : 0,
		.up = f->up ? 1 : -1,
	};
	int r;

	for (int tries = 0;; tries++) {
		r = net_nl_link_set(st->inner, ifindex, &c);
		if (r != -EEXIST || f->kind != NET_MACVLAN || tries >= 100)
			return r;
		usleep(20000);
	}
}

/* Inside: MAC, MTU, up, addresses, routes. */
static int configure_inside(struct net_state *st, size_t i)
{
	const struct net_iface *f = &st->plan.ifaces[i];
	struct net_link_info li;
	int r = net_nl_link_info(st->inner, f->name, &li);

	if (r < 0)
		return log_error_errno(r, "%s not found inside %s: %m", f->name, st->name);
	st->inner_ifindex[i] = li.ifindex;
	r = set_link(st, f, li.ifindex);
	if (r < 0)
		return log_error_errno(r, "cannot set up %s in %s: %m", f->name, st->name);
	for (size_t a = 0; a < f->n_addrs; a++) {
		r = net_nl_addr_add(st->inner, li.ifindex, &f->addrs[a]);
		if (r < 0)
			return log_error_errno(r, "cannot add address %zu of %s in %s: %m", a + 1,
					       f->name, st->name);
	}
	if (f->n_routes && !f->up)
		log_warn("%s of %s is down (up = false): its gateway and routes are not set",
			 f->name, st->name);
	for (size_t k = 0; f->up && k < f->n_routes; k++) {
		r = net_nl_route_add(st->inner, li.ifindex, &f->routes[k]);
		if (r < 0)
			return log_error_errno(
				r, "cannot add route %zu (gateways first) of %s in %s: %m", k + 1,
				f->name, st->name);
	}
	return 0;
}

static int lo_up(struct net_state *st)
{
	struct net_link_info li;
	int r = net_nl_link_info(st->inner, "lo", &li);

	if (r == 0)
		r = net_nl_link_set(st->inner, li.ifindex, &(struct net_nl_change){.up = 1});
	if (r < 0)
		return log_error_errno(r, "cannot bring up lo in %s: %m", st->name);
	return 0;
}

/* Managed networks whose bridge is missing (the first start on the
 * default bridge, after a reboot) are made from their record. */
static int managed_up(struct net_state *st)
{
	for (size_t i = 0; i < st->plan.n_ifaces; i++) {
		const struct net_iface *f = &st->plan.ifaces[i];
		struct net_link_info li;
		struct net_managed m;
		int r;

		if (!f->managed || net_nl_link_info(st->host, f->link, &li) == 0)
			continue;
		_cleanup_close_ int lock = net_managed_lock(st->env);
		if (lock < 0)
			return lock;
		r = net_managed_get(st->env->conf_file, f->link, &m);
		if (r > 0)
			r = net_managed_up(st->env, &m, st->host);
		if (r < 0)
			return r;
	}
	return 0;
}

static int state_new(const struct sysc_conf *conf, const char *key, const struct net_env *env,
		     pid_t pid, const char *run_dir, struct net_state **ret)
{
	_cleanup_free_ char *nspath = str_printf("/proc/%d/ns/net", (int)pid);
	struct net_state *st = calloc(1, sizeof(*st));
	int r;

	if (!st || !nspath)
		return free(st), -ENOMEM;
	st->netns_fd = -EBADF;
	st->env = env;
	*ret = st;
	st->name = strdup(conf->name);
	st->key = strdup(key);
	st->record = str_printf("%s/%s", run_dir, RECORD_FILE);
	if (!st->name || !st->key || !st->record)
		return -ENOMEM;
	r = net_plan_build(conf, key, &st->plan);
	if (r < 0)
		return r;
	st->inner_ifindex = calloc(st->plan.n_ifaces + 1, sizeof(int));
	st->host_ifindex = calloc(st->plan.n_ifaces + 1, sizeof(int));
	st->dns_added = calloc(st->plan.n_ifaces + 1, sizeof(bool));
	st->sysc_run = strdup(run_dir);
	if (!st->inner_ifindex || !st->host_ifindex || !st->dns_added || !st->sysc_run)
		return -ENOMEM;
	dirname(st->sysc_run);
	st->netns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (st->netns_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", nspath);
	r = net_nl_open(-1, &st->host);
	if (r == 0)
		r = net_nl_open(st->netns_fd, &st->inner);
	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket for %s: %m", conf->name);
	r = net_plan_managed(&st->plan, env, st->host, conf->uuid, key, true, &st->nameserver);
	if (r == 0 && env)
		r = managed_up(st);
	return r;
}

/* Anti-spoofing on every veth port of a bridge sysc made. */
static int add_guards(struct net_state *st)
{
	for (size_t i = 0; i < st->plan.n_ifaces; i++) {
		const struct net_iface *f = &st->plan.ifaces[i];
		struct net_link_info li;
		int r;

		if (f->kind != NET_VETH || net_nl_link_info(st->host, f->link, &li) < 0 ||
		    strncmp(li.alias, "sysc:", 5) != 0)
			continue;
		r = net_guard_add(f, st->key, st->record);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Port forwards to the first IPv4 address of a veth interface. */
static int add_ports(struct net_state *st, const struct sysc_conf *conf)
{
	char addr4[INET_ADDRSTRLEN];

	if (!conf->ports || !conf->ports[0])
		return 0;
	for (size_t i = 0; i < st->plan.n_ifaces; i++) {
		const struct net_iface *f = &st->plan.ifaces[i];

		for (size_t a = 0; f->kind == NET_VETH && a < f->n_addrs; a++)
			if (f->addrs[a].family == AF_INET &&
			    inet_ntop(AF_INET, f->addrs[a].bytes, addr4, sizeof(addr4)))
				return net_ports_add(conf, st->key, addr4, f->link, st->record);
	}
	return net_ports_add(conf, st->key, NULL, NULL, st->record);
}

uint32_t net_state_nameserver(const struct net_state *st)
{
	return st ? st->nameserver : 0;
}

static void addr_first(const struct net_iface *f, int family, char *ret, size_t size)
{
	*ret = '\0';
	for (size_t a = 0; a < f->n_addrs; a++)
		if (f->addrs[a].family == family) {
			inet_ntop(family, f->addrs[a].bytes, ret, (socklen_t)size);
			return;
		}
}

/* A veth on a bridge with DNS (net/dns.h): the container's name answers
 * with its addresses and DHCP gives its MAC the same IPv4. Recorded first,
 * so net_cleanup_stale() removes it after a monitor crash. Not fatal (the
 * container works without being found by name): net_dns_host_add() logs. */
static void dns_add(struct net_state *st, size_t i)
{
	const struct net_iface *f = &st->plan.ifaces[i];
	char mac[18], a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

	for (size_t k = 0; k < i; k++)
		if (st->dns_added[k] && !strcmp(st->plan.ifaces[k].link, f->link))
			return; /* one name per bridge: its first interface there */
	net_format_hwaddr(f->mac, mac);
	addr_first(f, AF_INET, a4, sizeof(a4));
	addr_first(f, AF_INET6, a6, sizeof(a6));
	if (record_add(st, "dns %s %s", f->link, st->name) == 0)
		net_dns_host_add(st->sysc_run, f->link,
				 &(struct net_dns_host){.name = st->name,
							.mac = mac,
							.ipv4 = *a4 ? a4 : NULL,
							.ipv6 = *a6 ? a6 : NULL});
	st->dns_added[i] = true;
}

int net_attach(const struct sysc_conf *conf, const char *key, const struct net_env *env, pid_t pid,
	       const char *run_dir, struct net_state **ret)
{
	struct net_state *st = NULL;
	int r;

	*ret = NULL;
	if (!net_private_netns(conf))
		return 0;
	r = state_new(conf, key, env, pid, run_dir, &st);
	if (r == 0)
		r = preflight(st);
	if (r == 0)
		r = lo_up(st);
	for (size_t i = 0; r == 0 && i < st->plan.n_ifaces; i++) {
		const struct net_iface *f = &st->plan.ifaces[i];
		r = f->kind == NET_VETH	     ? create_veth(st, i, pid)
		    : f->kind == NET_MACVLAN ? create_macvlan(st, f, pid)
					     : move_phys(st, f, pid);
		if (r == 0)
			r = configure_inside(st, i);
	}
	for (size_t i = 0; r == 0 && i < st->plan.n_ifaces; i++)
		if (st->plan.ifaces[i].kind == NET_VETH)
			dns_add(st, i);
	if (r == 0)
		r = add_guards(st);
	if (r == 0)
		r = add_ports(st, conf);
	if (r < 0) {
		net_detach(st);
		return r;
	}
	*ret = st;
	return 0;
}

static void give_back_phys(struct net_state *st)
{
	for (size_t i = 0; i < st->plan.n_ifaces; i++) {
		const struct net_iface *f = &st->plan.ifaces[i];
		struct net_link_info li;
		int idx = st->inner_ifindex[i], r;

		if (f->kind != NET_PHYS)
			continue;
		if (!idx && net_nl_link_info(st->inner, f->name, &li) == 0)
			idx = li.ifindex; /* moved, not configured */
		if (!idx)
			continue;
		r = net_nl_link_set(
			st->inner, idx,
			&(struct net_nl_change){.name = f->link, .up = 0, .ns_pid = getpid()});
		if (r < 0)
			log_warn_errno(r, "cannot give %s (%s in %s) back to the host: %m", f->link,
				       f->name, st->name);
	}
}

void net_detach(struct net_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; st->dns_added && i < st->plan.n_ifaces; i++)
		if (st->dns_added[i])
			net_dns_host_remove(st->sysc_run, st->plan.ifaces[i].link, st->name);
	if (st->inner && st->inner_ifindex)
		give_back_phys(st);
	for (size_t i = 0; st->host && i < st->plan.n_ifaces; i++) {
		const struct net_iface *f = &st->plan.ifaces[i];
		int r;
		/* now, not when the kernel gets to the namespace: a restart may
		 * want the same names and MACs at once */
		if (f->kind == NET_MACVLAN && st->inner)
			net_nl_link_del(st->inner, f->name);
		if (f->kind != NET_VETH || !st->host_ifindex || !st->host_ifindex[i])
			continue;
		r = net_nl_link_del_owned(st->host, f->host_name, st->host_ifindex[i]);
		if (r < 0 && r != -ENODEV && r != -ESTALE)
			log_warn_errno(r, "cannot remove %s: %m", f->host_name);
	}
	for (char **b = st->bridges; st->host && b && *b; b++)
		net_drop_auto_bridge(st->host, *b);
	if (st->record) {
		net_ports_remove(st->record);
		net_guard_remove(st->record);
		unlink(st->record);
	}
	net_nl_close(st->inner);
	net_nl_close(st->host);
	if (st->netns_fd >= 0)
		close(st->netns_fd);
	net_plan_free(&st->plan);
	strv_free(st->bridges);
	free(st->inner_ifindex);
	free(st->host_ifindex);
	free(st->dns_added);
	free(st->sysc_run);
	free(st->record);
	free(st->key);
	free(st->name);
	free(st);
}
