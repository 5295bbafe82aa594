/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Managed networks: a bridge with a subnet and an address pool, NAT and DNS,
 * recorded in sysc.conf's `networks` (one string per network) and made from
 * that record when missing, so they come back after a reboot at the next
 * start of a container on them. The default bridge (sysc.conf `bridge`,
 * "sysc0") is recorded with picked subnets by the first start that uses it.
 * Records and leases change under one host-wide lock, <state>/net.lock. */
#include "config/config.h"
#include "net/nft.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/strv.h"

#include "net/dns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define AUTO_TRIES 256

int net_managed_parse(const char *rec, struct net_managed *m)
{
	_cleanup_free_ char *copy = strdup(rec);
	char *save = NULL, *t;

	memset(m, 0, sizeof(*m));
	snprintf(m->domain, sizeof(m->domain), "%s", NET_DEFAULT_DOMAIN);
	if (!copy)
		return -ENOMEM;
	t = strtok_r(copy, " ", &save);
	if (!t || strlen(t) > 15)
		return -EINVAL;
	snprintf(m->name, sizeof(m->name), "%s", t);
	while ((t = strtok_r(NULL, " ", &save))) {
		if (!strncmp(t, "ipv4=", 5) && strcmp(t + 5, "none")) {
			if (net_parse_addr(t + 5, AF_INET, &m->a4) < 0)
				return -EINVAL;
			m->has4 = true;
		} else if (!strncmp(t, "ipv6=", 5) && strcmp(t + 5, "none")) {
			if (net_parse_addr(t + 5, AF_INET6, &m->a6) < 0)
				return -EINVAL;
			m->has6 = true;
		} else if (!strcmp(t, "nat")) {
			m->nat = true;
		} else if (!strcmp(t, "no-nat")) {
			m->nat = false;
		} else if (!strcmp(t, "isolated")) {
			m->isolated = true;
		} else if (!strncmp(t, "domain=", 7)) {
			snprintf(m->domain, sizeof(m->domain), "%s", t + 7);
		}
	}
	return 0;
}

void net_format_addr(const struct net_addr *a, bool with_len, char ret[64])
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->bytes, s, sizeof(s));
	if (with_len)
		snprintf(ret, 64, "%s/%u", s, a->prefix);
	else
		snprintf(ret, 64, "%s", s);
}

char *net_managed_format(const struct net_managed *m)
{
	char a4[64] = "none", a6[64] = "none";

	if (m->has4)
		net_format_addr(&m->a4, true, a4);
	if (m->has6)
		net_format_addr(&m->a6, true, a6);
	return str_printf("%s ipv4=%s ipv6=%s %s%s%s%s", m->name, a4, a6, m->nat ? "nat" : "no-nat",
			  m->isolated ? " isolated" : "",
			  strcmp(m->domain, NET_DEFAULT_DOMAIN) ? " domain=" : "",
			  strcmp(m->domain, NET_DEFAULT_DOMAIN) ? m->domain : "");
}

/* The records of sysc.conf, parsed; a file that does not exist has none. */
int net_managed_load(const char *conf_file, struct net_managed **ret, size_t *ret_n)
{
	struct sysc_global *g = NULL;
	struct net_managed *list = NULL;
	size_t n = 0;
	int r = conf_global_load(conf_file, &g);

	if (r < 0)
		return r;
	for (char **rec = g->networks; rec && *rec; rec++) {
		struct net_managed *l = realloc(list, (n + 1) * sizeof(*l));
		if (!l) {
			r = -ENOMEM;
			break;
		}
		list = l;
		if (net_managed_parse(*rec, &list[n]) < 0) {
			r = log_error_errno(-EINVAL, "%s: networks: invalid record \"%s\"",
					    conf_file, *rec);
			break;
		}
		n++;
	}
	conf_global_free(g);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int net_managed_get(const char *conf_file, const char *name, struct net_managed *ret)
{
	_cleanup_free_ struct net_managed *list = NULL;
	size_t n = 0;
	int r = net_managed_load(conf_file, &list, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name)) {
			*ret = list[i];
			return 1;
		}
	return 0;
}

/* Write the records back (n == 0: networks = []). */
static int managed_save(const char *conf_file, const struct net_managed *list, size_t n)
{
	_cleanup_strv_ char **quoted = NULL;
	_cleanup_free_ char *joined = NULL, *value = NULL;
	struct conf_edit *ed = NULL;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *rec = net_managed_format(&list[i]);
		_cleanup_free_ char *q = rec ? str_printf("\"%s\"", rec) : NULL;
		r = q ? strv_push(&quoted, q) : -ENOMEM;
	}
	joined = r == 0 ? strv_join(quoted ?: (char *[]){NULL}, ", ") : NULL;
	value = joined ? str_printf("[ %s ]", joined) : NULL;
	if (!value)
		return log_error_errno(-ENOMEM, "out of memory");
	r = conf_global_edit_open(conf_file, &ed);
	if (r == 0)
		r = conf_edit_set(ed, "networks", value);
	if (r == 0)
		r = conf_edit_write(ed, NULL, conf_file);
	conf_edit_free(ed);
	if (r < 0)
		log_error_errno(r, "cannot record the networks in %s: %m", conf_file);
	return r;
}

int net_managed_lock(const struct net_env *env)
{
	_cleanup_free_ char *p = str_printf("%s/net.lock", env->state_dir);

	return p ? lock_path(p, "the managed networks") : -ENOMEM;
}

/* The records, read under the lock (*ret_lock, an fd to close); *ret_i: the
 * index of name's record, *ret_n when it has none. */
static int managed_load_locked(const struct net_env *env, const char *name, int *ret_lock,
			       struct net_managed **ret_list, size_t *ret_n, size_t *ret_i)
{
	_cleanup_close_ int lock = net_managed_lock(env);
	size_t i;
	int r;

	if (lock < 0)
		return lock;
	r = net_managed_load(env->conf_file, ret_list, ret_n);
	if (r < 0)
		return r;
	for (i = 0; i < *ret_n && strcmp((*ret_list)[i].name, name); i++)
		;
	*ret_i = i;
	*ret_lock = TAKE_FD(lock);
	return 0;
}

/* m added at the end of the records (not written yet) */
static int managed_push(struct net_managed **list, size_t *n, const struct net_managed *m)
{
	struct net_managed *l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	*list = l;
	l[(*n)++] = *m;
	return 0;
}

/* ---- subnets ---------------------------------------------------------- */

static bool addr_overlap(const struct net_addr *a, const struct net_addr *b)
{
	unsigned len = a->prefix < b->prefix ? a->prefix : b->prefix;

	if (a->family != b->family)
		return false;
	for (unsigned i = 0; i < len; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;
		if (((a->bytes[byte] >> bit) & 1) != ((b->bytes[byte] >> bit) & 1))
			return false;
	}
	return true;
}

struct overlap_ctx {
	struct nl_sock *sk;
	const struct net_addr *want;
	const char *skip_link; /* the network's own bridge (sysc-net set) */
	char what[96];
};

static int route_check(const struct net_addr *dst, void *data)
{
	struct overlap_ctx *c = data;
	char s[64];

	if (!addr_overlap(dst, c->want))
		return 0;
	net_format_addr(dst, true, s);
	snprintf(c->what, sizeof(c->what), "the host route %s", s);
	return 1;
}

static int link_check(const struct net_link_info *i, void *data)
{
	struct overlap_ctx *c = data;
	_cleanup_strv_ char **addrs = NULL;

	if ((c->skip_link && !strcmp(i->name, c->skip_link)) ||
	    net_nl_addrs(c->sk, i->ifindex, &addrs) < 0)
		return 0;
	for (char **a = addrs; a && *a; a++) {
		struct net_addr x;
		if (net_parse_addr(*a, c->want->family, &x) < 0 || !addr_overlap(&x, c->want))
			continue;
		snprintf(c->what, sizeof(c->what), "address %s of %s", *a, i->name);
		return 1;
	}
	return 0;
}

/* What on the host (routes, addresses of other links) or another managed
 * network overlaps subnet a: 1 with *what filled, 0 none. */
static int subnet_taken(struct nl_sock *sk, const struct net_addr *a, const char *self,
			const struct net_managed *list, size_t n, char what[96])
{
	struct overlap_ctx c = {.sk = sk, .want = a, .skip_link = self};
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct net_addr *o = a->family == AF_INET ? &list[i].a4 : &list[i].a6;
		bool has = a->family == AF_INET ? list[i].has4 : list[i].has6;
		if (has && strcmp(list[i].name, self) && addr_overlap(o, a)) {
			snprintf(what, 96, "the network %s", list[i].name);
			return 1;
		}
	}
	r = net_nl_routes(sk, route_check, &c);
	if (r == 0)
		r = net_nl_links(sk, link_check, &c);
	if (r > 0)
		snprintf(what, 96, "%s", c.what);
	return r;
}

static int pick_auto(struct nl_sock *sk, int family, const char *self,
		     const struct net_managed *list, size_t n, struct net_addr *ret)
{
	char what[96];

	for (int tries = 0; tries < AUTO_TRIES; tries++) {
		uint8_t rnd[8];
		struct net_addr a = {.family = family};

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -errno;
		if (family == AF_INET) {
			/* 10.R.R.1/24 */
			a.bytes[0] = 10, a.bytes[1] = rnd[0], a.bytes[2] = rnd[1], a.bytes[3] = 1;
			a.prefix = 24;
		} else {
			/* fdRR:RRRR:RRRR::1/64, a random ULA (RFC 4193) */
			a.bytes[0] = 0xfd;
			memcpy(a.bytes + 1, rnd, 5);
			a.bytes[15] = 1;
			a.prefix = 64;
		}
		int r = subnet_taken(sk, &a, self, list, n, what);
		if (r < 0)
			return r;
		if (r == 0) {
			*ret = a;
			return 0;
		}
	}
	return log_error_errno(-EADDRNOTAVAIL, "no free %s subnet found for %s",
			       family == AF_INET ? "IPv4 10.x.y.0/24" : "IPv6 ULA /64", self);
}

/* spec: "auto", "none" or a CIDR whose address is the bridge's. */
static int resolve_subnet(struct nl_sock *sk, const char *spec, int family, const char *self,
			  const struct net_managed *list, size_t n, bool *has, struct net_addr *a)
{
	char what[96], s[64];
	int r;

	if (!strcmp(spec, "none")) {
		*has = false;
		return 0;
	}
	*has = true;
	if (!strcmp(spec, "auto"))
		return pick_auto(sk, family, self, list, n, a);
	if (!strchr(spec, '/') || net_parse_addr(spec, family, a) < 0 ||
	    a->prefix > (family == AF_INET ? 30u : 126u) || a->prefix < 8)
		return log_error_errno(
			-EINVAL, "invalid %s address \"%s\" (expected %s, auto or none)",
			family == AF_INET ? "IPv4" : "IPv6", spec,
			family == AF_INET ? "a.b.c.d/len, len 8 to 30" : "x::y/len, len 8 to 126");
	r = subnet_taken(sk, a, self, list, n, what);
	if (r < 0)
		return log_error_errno(r, "cannot read the host's routes: %m");
	net_format_addr(a, true, s);
	if (r > 0)
		return log_error_errno(-EADDRINUSE, "subnet %s of %s overlaps %s", s, self, what);
	return 0;
}

/* ---- making it ---------------------------------------------------------- */

static int sysctl_set(const char *path, const char *value)
{
	_cleanup_free_ char *cur = NULL;
	size_t len;

	if (fileio_read_at(AT_FDCWD, path, &cur, &len) == 0 && !strncmp(cur, value, strlen(value)))
		return 0;
	int r = fileio_write_string_at(AT_FDCWD, path, value);
	if (r < 0)
		return log_error_errno(r, "cannot write %s: %m", path);
	return 0;
}

struct nat_ctx {
	struct nl_sock *sk;
	char *script;
	bool any_bridge;
};

static int nat_add(struct nat_ctx *c, const struct net_managed *m)
{
	struct net_addr net = m->a4;
	char s[64];
	char *n;

	for (unsigned i = m->a4.prefix; i < 32; i++)
		net.bytes[i / 8] &= (uint8_t) ~(1u << (7 - i % 8));
	net_format_addr(&net, true, s);
	n = str_printf("%sadd rule inet " NFT_TABLE " nat-post ip saddr %s ip daddr != %s "
		       "masquerade comment \"sysc-net:%s\"\n"
		       "add rule inet " NFT_TABLE " forward iifname \"%s\" accept comment "
		       "\"sysc-net:%s\"\n"
		       "add rule inet " NFT_TABLE " forward oifname \"%s\" ct state "
		       "established,related accept comment \"sysc-net:%s\"\n",
		       c->script, s, s, m->name, m->name, m->name, m->name, m->name);
	if (!n)
		return -ENOMEM;
	free(c->script);
	c->script = n;
	return 0;
}

/* The chains nat-post and forward of table inet sysc, made again from the
 * records of every managed bridge that exists with nat; none left: the
 * chains go, and the table with them when nothing else is in it. */
int net_nat_sync(const char *conf_file, struct nl_sock *sk)
{
	_cleanup_free_ struct net_managed *list = NULL;
	struct nat_ctx c = {.sk = sk};
	size_t n = 0;
	int r = net_managed_load(conf_file, &list, &n);

	if (r < 0)
		return r;
	c.script = strdup("");
	if (!c.script)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct net_link_info li;
		if (!list[i].nat || !list[i].has4 || net_nl_link_info(sk, list[i].name, &li) < 0)
			continue;
		c.any_bridge = true;
		r = nat_add(&c, &list[i]);
	}
	if (r == 0 && c.any_bridge) {
		r = sysctl_set("/proc/sys/net/ipv4/ip_forward", "1");
		if (r == 0)
			r = nft_runf("NAT of the managed networks",
				     "add table inet " NFT_TABLE "\n"
				     "add chain inet " NFT_TABLE " nat-post { type nat hook "
				     "postrouting priority srcnat; policy accept; }\n"
				     "add chain inet " NFT_TABLE " forward { type filter hook "
				     "forward priority filter; policy accept; }\n"
				     "flush chain inet " NFT_TABLE " nat-post\n"
				     "flush chain inet " NFT_TABLE " forward\n%s",
				     c.script);
	} else if (r == 0) {
		_cleanup_free_ char *out = NULL;
		r = nft_query("list table inet " NFT_TABLE, &out);
		if (r == 0) {
			bool post = strstr(out, "chain nat-post {"),
			     fwd = strstr(out, "chain forward {");
			if (post || fwd)
				r = nft_runf(
					"removing the NAT of the managed networks", "%s%s",
					post ? "delete chain inet " NFT_TABLE " nat-post\n" : "",
					fwd ? "delete chain inet " NFT_TABLE " forward\n" : "");
			if (r == 0)
				r = nft_table_drop_if_unused("inet");
		} else if (r == -ENOENT) {
			r = 0;
		}
	}
	free(c.script);
	return r;
}

static void dns_ensure(const struct net_env *env, const struct net_managed *m)
{
	char a4[64], a6[64];
	struct net_dns_bridge b = {.name = m->name, .domain = m->domain};
	int r;

	if (!m->has4 && !m->has6)
		return; /* nothing for dnsmasq to listen on */
	if (m->has4) {
		net_format_addr(&m->a4, true, a4);
		b.addr4 = a4;
	}
	if (m->has6) {
		net_format_addr(&m->a6, true, a6);
		b.addr6 = a6;
	}
	r = net_dns_ensure(env->run_dir, &b);
	if (r < 0)
		log_warn_errno(r, "no DNS on %s: %m", m->name);
}

static void dns_stop(const struct net_env *env, const char *name)
{
	net_dns_stop(env->run_dir, name);
}

/* The bridge of m as its record says: made if missing (addresses, up),
 * then NAT and DNS. */
int net_managed_up(const struct net_env *env, const struct net_managed *m, struct nl_sock *sk)
{
	struct net_link_info li;
	int r = net_nl_link_info(sk, m->name, &li);

	if (r == -ENODEV) {
		r = net_nl_bridge_add(sk, m->name, NET_ALIAS_MANAGED, 0);
		if (r == 0 || r == -EEXIST)
			r = net_nl_link_info(sk, m->name, &li);
		if (r < 0)
			return log_error_errno(r, "cannot create bridge %s: %m", m->name);
		if (m->has4)
			r = net_nl_addr_add(sk, li.ifindex, &m->a4);
		if (r == 0 && m->has6)
			r = net_nl_addr_add(sk, li.ifindex, &m->a6);
		if (r == 0)
			r = net_nl_link_set(sk, li.ifindex, &(struct net_nl_change){.up = 1});
		if (r < 0) {
			log_error_errno(r, "cannot set up bridge %s: %m", m->name);
			net_nl_link_del(sk, m->name);
			return r;
		}
		log_debug("made bridge %s from its record", m->name);
	} else if (r < 0) {
		return log_error_errno(r, "cannot look up bridge %s: %m", m->name);
	} else if (strcmp(li.kind, "bridge") != 0) {
		return log_error_errno(-EINVAL, "%s (a managed network) exists and is not a bridge",
				       m->name);
	}
	r = net_nat_sync(env->conf_file, sk);
	if (r < 0)
		return r;
	dns_ensure(env, m);
	return 0;
}

/* For a container's veth on link: its record (1) when link is a managed
 * network, recording the default bridge on first use; 0 when it is not. */
int net_managed_for_link(const struct net_env *env, struct nl_sock *sk, const char *link,
			 struct net_managed *ret)
{
	_cleanup_free_ struct net_managed *list = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct net_managed m = {0};
	size_t n = 0, i;
	int r = net_managed_get(env->conf_file, link, ret);

	if (r != 0 || !env->default_bridge || strcmp(link, env->default_bridge) != 0)
		return r;
	r = managed_load_locked(env, link, &lock, &list, &n, &i);
	if (r < 0)
		return r;
	if (i < n) {
		*ret = list[i];
		return 1;
	}
	snprintf(m.name, sizeof(m.name), "%s", link);
	snprintf(m.domain, sizeof(m.domain), "%s", NET_DEFAULT_DOMAIN);
	m.nat = m.has4 = m.has6 = true;
	r = pick_auto(sk, AF_INET, link, list, n, &m.a4);
	if (r == 0)
		r = pick_auto(sk, AF_INET6, link, list, n, &m.a6);
	if (r == 0)
		r = managed_push(&list, &n, &m);
	if (r == 0)
		r = managed_save(env->conf_file, list, n);
	if (r < 0)
		return r;
	log_info("recorded the default network %s in %s", link, env->conf_file);
	*ret = m;
	return 1;
}

/* ---- sysc-net ------------------------------------------------------------ */

static int check_name(const char *name)
{
	if (strlen(name) == 0 || strlen(name) > 15 || strpbrk(name, "/: \t\n"))
		return log_error_errno(-EINVAL, "invalid bridge name \"%s\" (1 to 15 characters)",
				       name);
	return 0;
}

static int check_domain(const char *d)
{
	if (!*d || *d == '.' || strlen(d) >= 64 ||
	    d[strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789-.")])
		return log_error_errno(-EINVAL,
				       "invalid domain \"%s\" (lower-case letters, digits, '-' and "
				       "'.')",
				       d);
	return 0;
}

static int apply_opts(struct nl_sock *sk, struct net_managed *m, const struct net_create_opts *o,
		      const struct net_managed *list, size_t n)
{
	int r = 0;

	if (o->ipv4)
		r = resolve_subnet(sk, o->ipv4, AF_INET, m->name, list, n, &m->has4, &m->a4);
	if (r == 0 && o->ipv6)
		r = resolve_subnet(sk, o->ipv6, AF_INET6, m->name, list, n, &m->has6, &m->a6);
	if (r < 0)
		return r;
	if (o->nat >= 0)
		m->nat = o->nat;
	if (o->isolated >= 0)
		m->isolated = o->isolated;
	if (o->domain) {
		r = check_domain(o->domain);
		if (r < 0)
			return r;
		snprintf(m->domain, sizeof(m->domain), "%s", o->domain);
	}
	return 0;
}

int net_managed_create(const struct net_env *env, const char *name, const struct net_create_opts *o)
{
	_cleanup_free_ struct net_managed *list = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct net_managed m = {0};
	struct nl_sock *sk = NULL;
	struct net_link_info li;
	size_t n = 0, i;
	int r = check_name(name);

	if (r < 0)
		return r;
	r = managed_load_locked(env, name, &lock, &list, &n, &i);
	if (r < 0)
		return r;
	if (i < n)
		return log_error_errno(-EEXIST, "network %s already exists", name);
	r = net_nl_open(-1, &sk);
	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	if (net_nl_link_info(sk, name, &li) == 0) {
		r = log_error_errno(-EEXIST, "interface %s already exists", name);
		goto out;
	}
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.domain, sizeof(m.domain), "%s", NET_DEFAULT_DOMAIN);
	m.nat = true;
	r = apply_opts(sk, &m,
		       &(struct net_create_opts){.ipv4 = o->ipv4 ?: "auto",
						 .ipv6 = o->ipv6 ?: "auto",
						 .nat = o->nat,
						 .isolated = o->isolated,
						 .domain = o->domain},
		       list, n);
	if (r == 0)
		r = managed_push(&list, &n, &m);
	if (r < 0)
		goto out;
	r = managed_save(env->conf_file, list, n);
	if (r == 0)
		r = net_managed_up(env, &m, sk);
	if (r < 0) {
		/* nothing left behind: the record and the bridge go again */
		net_nl_link_del(sk, name);
		if (managed_save(env->conf_file, list, n - 1) == 0)
			net_nat_sync(env->conf_file, sk);
	}
out:
	net_nl_close(sk);
	return r;
}

/* Bridge ports -> container keys, from the records <run>/<key>/net of the
 * running containers ("veth HOSTNAME IFINDEX"); a port no container
 * recorded is named as it is. */
struct users_ctx {
	const char *run_dir;
	int bridge;
	char **names;
	int r;
};

static char *port_owner(const char *run_dir, const char *ifname)
{
	_cleanup_closedir_ DIR *d = opendir(run_dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *p = NULL, *data = NULL;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		p = str_printf("%s/%s/net", run_dir, e->d_name);
		if (!p || fileio_read_at(AT_FDCWD, p, &data, &len) < 0)
			continue;
		for (char *l = data; l && *l;) {
			char kind[16], name[32];
			char *nl = strchr(l, '\n');
			if (sscanf(l, "%15s %31s", kind, name) == 2 && !strcmp(kind, "veth") &&
			    !strcmp(name, ifname))
				return strdup(e->d_name);
			l = nl ? nl + 1 : NULL;
		}
	}
	return strdup(ifname);
}

static int user_one(const struct net_link_info *i, void *data)
{
	struct users_ctx *c = data;
	_cleanup_free_ char *who = NULL;

	if (i->master != c->bridge)
		return 0;
	who = port_owner(c->run_dir, i->name);
	if (!who || (!strv_contains(c->names, who) && strv_push(&c->names, who) < 0))
		c->r = -ENOMEM;
	return 0;
}

int net_managed_delete(const struct net_env *env, const char *name, bool force)
{
	_cleanup_free_ struct net_managed *list = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct nl_sock *sk = NULL;
	struct net_link_info li;
	size_t n = 0, i;
	int r;

	r = managed_load_locked(env, name, &lock, &list, &n, &i);
	if (r < 0)
		return r;
	if (i == n)
		return 0; /* not a managed network: the caller tries the bridges */
	r = net_nl_open(-1, &sk);
	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	if (net_nl_link_info(sk, name, &li) == 0) {
		struct users_ctx c = {.run_dir = env->run_dir, .bridge = li.ifindex};
		r = net_nl_links(sk, user_one, &c);
		if (r == 0)
			r = c.r;
		if (r == 0 && c.names && !force) {
			_cleanup_free_ char *who = strv_join(c.names, ", ");
			r = log_error_errno(-EBUSY,
					    "network %s is in use by %s; stop %s first or use "
					    "--force",
					    name, who ?: "containers",
					    strv_length(c.names) > 1 ? "them" : "it");
		}
		strv_free(c.names);
		if (r == 0) {
			dns_stop(env, name);
			r = net_nl_link_del(sk, name);
			if (r < 0 && r != -ENODEV)
				log_error_errno(r, "cannot remove bridge %s: %m", name);
			else
				r = 0;
		}
	} else {
		dns_stop(env, name);
	}
	if (r == 0) {
		memmove(&list[i], &list[i + 1], (n - i - 1) * sizeof(*list));
		r = managed_save(env->conf_file, list, n - 1);
	}
	if (r == 0)
		r = net_pool_release_bridge(env, name);
	if (r == 0)
		r = net_nat_sync(env->conf_file, sk);
	net_nl_close(sk);
	return r < 0 ? r : 1;
}

struct isolate_ctx {
	struct nl_sock *sk;
	int bridge;
	bool on;
	int r;
};

static int isolate_port(const struct net_link_info *i, void *data)
{
	struct isolate_ctx *c = data;

	if (i->master == c->bridge && c->r == 0)
		c->r = net_nl_brport_isolated(c->sk, i->ifindex, c->on);
	return 0;
}

/* Every port of the bridge at ifindex isolated (or not). */
static int isolate_ports(struct nl_sock *sk, int bridge, bool on)
{
	struct isolate_ctx c = {.sk = sk, .bridge = bridge, .on = on};
	int r = net_nl_links(sk, isolate_port, &c);

	r = r < 0 ? r : c.r;
	if (r < 0)
		log_error_errno(r, "cannot set the isolation of the ports of bridge %d: %m",
				bridge);
	return r;
}

int net_managed_set(const struct net_env *env, const char *name, const struct net_create_opts *o)
{
	_cleanup_free_ struct net_managed *list = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct net_managed old;
	struct nl_sock *sk = NULL;
	struct net_link_info li;
	bool exists;
	size_t n = 0, i;
	int r;

	r = managed_load_locked(env, name, &lock, &list, &n, &i);
	if (r < 0)
		return r;
	if (i == n)
		return log_error_errno(-ENOENT, "network %s does not exist (sysc-net ls)", name);
	r = net_nl_open(-1, &sk);
	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	exists = net_nl_link_info(sk, name, &li) == 0;
	old = list[i];
	r = apply_opts(sk, &list[i], o, list, n);
	if (r == 0 && exists && (o->ipv4 || o->ipv6) && net_bridge_ports(sk, li.ifindex) > 0)
		r = log_error_errno(-EBUSY,
				    "network %s has containers on it: stop them before changing "
				    "its subnets",
				    name);
	if (r == 0)
		r = managed_save(env->conf_file, list, n);
	if (r == 0 && exists && (o->ipv4 || o->ipv6)) {
		/* made again with the new addresses */
		net_nl_link_del(sk, name);
		r = net_managed_up(env, &list[i], sk);
	} else if (r == 0 && exists) {
		r = net_nat_sync(env->conf_file, sk);
		if (r == 0)
			r = isolate_ports(sk, li.ifindex, list[i].isolated);
		if (r == 0 && strcmp(old.domain, list[i].domain)) {
			dns_stop(env, name); /* started again with the new domain */
			dns_ensure(env, &list[i]);
		}
	}
	net_nl_close(sk);
	return r;
}
