/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pool addresses of the managed networks: a container (its uuid, so a copy
 * or an import, which get a new uuid, get their own) leases an index on a
 * network at its first start and keeps it until destroy. The index maps to
 * one IPv4 host address (the bridge's own skipped) and one IPv6 address, so
 * a network given new subnets keeps every container's position. The leases
 * are host-wide, like the id range registry: <state>/net-leases, one line
 * "BRIDGE INDEX UUID KEY" each, changed under <state>/net.lock. */
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEASES	      "net-leases"
#define V6_MAX_INDEX  65535u
#define V6_HOST_FIRST 0x10000u /* ::1:0 upwards, clear of the bridge's ::1 */

struct lease {
	char bridge[16];
	unsigned index;
	char uuid[40];
	char key[128];
};

struct net_snapshot {
	struct net_managed *nets;
	size_t n_nets;
	struct lease *leases;
	size_t n_leases;
};

static int leases_read(const struct net_env *env, struct lease **ret, size_t *ret_n)
{
	_cleanup_free_ char *path = str_printf("%s/" LEASES, env->state_dir);
	_cleanup_free_ char *data = NULL;
	struct lease *list = NULL;
	size_t len, n = 0;
	char *save = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, path, &data, &len);
	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "cannot read %s: %m", path);
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct lease x = {0}, *nl;
		if (sscanf(l, "%15s %u %39s %127s", x.bridge, &x.index, x.uuid, x.key) != 4)
			continue;
		nl = realloc(list, (n + 1) * sizeof(*nl));
		if (!nl) {
			free(list);
			return -ENOMEM;
		}
		list = nl;
		list[n++] = x;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int net_snapshot_load(const struct net_env *env, struct net_snapshot **ret)
{
	struct net_snapshot *s = calloc(1, sizeof(*s));
	int r = s ? 0 : log_error_errno(-ENOMEM, "out of memory");

	if (r == 0)
		r = net_managed_load(env->conf_file, &s->nets, &s->n_nets);
	if (r == 0)
		r = leases_read(env, &s->leases, &s->n_leases);
	if (r < 0) {
		net_snapshot_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void net_snapshot_free(struct net_snapshot *s)
{
	if (!s)
		return;
	free(s->nets);
	free(s->leases);
	free(s);
}

/* the snapshot's copy of the leases, as leases_read() would return them */
static int snapshot_leases(const struct net_snapshot *s, struct lease **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = s->n_leases;
	if (s->n_leases == 0)
		return 0;
	*ret = malloc(s->n_leases * sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	memcpy(*ret, s->leases, s->n_leases * sizeof(**ret));
	return 0;
}

/* net_managed_get() from the snapshot when there is one */
static int managed_get(const struct net_env *env, const char *name, struct net_managed *ret)
{
	if (!env->snap)
		return net_managed_get(env->conf_file, name, ret);
	for (size_t i = 0; i < env->snap->n_nets; i++)
		if (!strcmp(env->snap->nets[i].name, name)) {
			*ret = env->snap->nets[i];
			return 1;
		}
	return 0;
}

static int leases_write(const struct net_env *env, const struct lease *list, size_t n)
{
	_cleanup_free_ char *path = str_printf("%s/" LEASES, env->state_dir);
	_cleanup_free_ char *text = strdup("");
	int r;

	for (size_t i = 0; text && i < n; i++) {
		char *t = str_printf("%s%s %u %s %s\n", text, list[i].bridge, list[i].index,
				     list[i].uuid, list[i].key);
		free(text);
		text = t;
	}
	if (!path || !text)
		return -ENOMEM;
	r = fileio_mkdir_p(env->state_dir, 0700);
	if (r == 0)
		r = fileio_write_atomic_at(AT_FDCWD, path, text, strlen(text), 0600);
	if (r < 0)
		return log_error_errno(r, "cannot write %s: %m", path);
	return 0;
}

/* How many indexes m's pool has: the IPv4 hosts of the subnet but the
 * network, broadcast and bridge addresses; IPv6 only: V6_MAX_INDEX. */
static unsigned pool_size(const struct net_managed *m)
{
	if (!m->has4)
		return V6_MAX_INDEX;
	unsigned bits = 32 - m->a4.prefix;
	return bits >= 31 ? 0 : (1u << bits) - 3;
}

void net_pool_addr4(const struct net_managed *m, unsigned index, struct net_addr *ret)
{
	uint32_t a, mask, host, own;

	memcpy(&a, m->a4.bytes, 4);
	a = ntohl(a);
	mask = m->a4.prefix ? ~0u << (32 - m->a4.prefix) : 0;
	own = a & ~mask;
	host = index >= own ? index + 1 : index; /* index 1 is host 1 unless that is the bridge */
	a = htonl((a & mask) | host);
	memset(ret, 0, sizeof(*ret));
	ret->family = AF_INET;
	memcpy(ret->bytes, &a, 4);
	ret->prefix = m->a4.prefix;
}

void net_pool_addr6(const struct net_managed *m, unsigned index, struct net_addr *ret)
{
	uint32_t host = htonl(V6_HOST_FIRST + index);

	*ret = m->a6;
	for (unsigned i = m->a6.prefix; i < 128; i++)
		ret->bytes[i / 8] &= (uint8_t) ~(1u << (7 - i % 8));
	memcpy(ret->bytes + 12, &host, 4);
}

int net_pool_lease(const struct net_env *env, const struct net_managed *m, const char *uuid,
		   const char *key, bool alloc, unsigned *ret_index)
{
	_cleanup_free_ struct lease *list = NULL;
	_cleanup_close_ int lock = -EBADF;
	unsigned size = pool_size(m);
	struct lease *nl;
	size_t n = 0;
	int r;

	if (alloc) {
		lock = net_managed_lock(env);
		if (lock < 0)
			return lock;
	}
	/* a snapshot only for lookups: an allocation reads under the lock */
	r = !alloc && env->snap ? snapshot_leases(env->snap, &list, &n)
				: leases_read(env, &list, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].bridge, m->name) && !strcmp(list[i].uuid, uuid) &&
		    list[i].index <= size) {
			*ret_index = list[i].index;
			return 1;
		}
	if (!alloc)
		return 0;
	for (unsigned idx = 1; idx <= size; idx++) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = !strcmp(list[i].bridge, m->name) && list[i].index == idx;
		if (used)
			continue;
		nl = realloc(list, (n + 1) * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		list = nl;
		memset(&list[n], 0, sizeof(*list));
		snprintf(list[n].bridge, sizeof(list[n].bridge), "%s", m->name);
		snprintf(list[n].uuid, sizeof(list[n].uuid), "%s", uuid);
		snprintf(list[n].key, sizeof(list[n].key), "%s", key);
		list[n++].index = idx;
		r = leases_write(env, list, n);
		if (r < 0)
			return r;
		*ret_index = idx;
		return 1;
	}
	return log_error_errno(-EADDRNOTAVAIL,
			       "the address pool of network %s is exhausted (%u addresses, all "
			       "leased: sysc-destroy releases them, or give the network a larger "
			       "subnet with sysc-net set)",
			       m->name, size);
}

static int release_if(const struct net_env *env, const char *bridge, const char *uuid)
{
	_cleanup_free_ struct lease *list = NULL;
	size_t n = 0, k = 0;
	int r = leases_read(env, &list, &n);

	if (r < 0 || n == 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!((bridge && !strcmp(list[i].bridge, bridge)) ||
		      (uuid && !strcmp(list[i].uuid, uuid))))
			list[k++] = list[i];
	return k == n ? 0 : leases_write(env, list, k);
}

int net_pool_release_bridge(const struct net_env *env, const char *bridge)
{
	return release_if(env, bridge, NULL);
}

int net_pool_release(const struct net_env *env, const char *uuid)
{
	_cleanup_close_ int lock = -EBADF;

	_cleanup_free_ char *path = str_printf("%s/" LEASES, env->state_dir);

	if (!uuid || !path || access(path, F_OK) < 0)
		return 0; /* no leases at all (nor a state dir to make for the lock) */
	lock = net_managed_lock(env);
	if (lock < 0)
		return lock;
	return release_if(env, NULL, uuid);
}

static bool has_family(const struct net_iface *f, int family)
{
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].family == family)
			return true;
	return false;
}

static bool has_default(const struct net_iface *f, int family)
{
	for (size_t i = 0; i < f->n_routes; i++)
		if (f->routes[i].family == family && f->routes[i].is_default)
			return true;
	return false;
}

static int push_addr(struct net_iface *f, const struct net_addr *a)
{
	struct net_addr *n = realloc(f->addrs, (f->n_addrs + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->addrs = n;
	f->addrs[f->n_addrs++] = *a;
	return 0;
}

/* a default route via gw, first (gateways come first in the plan) */
static int push_default(struct net_iface *f, const struct net_addr *gw)
{
	struct net_route *n = realloc(f->routes, (f->n_routes + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->routes = n;
	memmove(&f->routes[1], &f->routes[0], f->n_routes * sizeof(*n));
	memset(&f->routes[0], 0, sizeof(*n));
	f->routes[0].family = gw->family;
	f->routes[0].is_default = true;
	memcpy(f->routes[0].gw, gw->bytes, sizeof(gw->bytes));
	f->n_routes++;
	return 0;
}

static int plan_one(struct net_iface *f, const struct net_managed *m, const struct net_env *env,
		    const char *uuid, const char *key, bool alloc)
{
	bool want4 = m->has4 && !has_family(f, AF_INET);
	bool want6 = m->has6 && !has_family(f, AF_INET6);
	struct net_addr a;
	unsigned idx;
	int r;

	f->managed = true;
	f->isolated = m->isolated;
	if (!want4 && !want6)
		return 0;
	r = net_pool_lease(env, m, uuid, key, alloc, &idx);
	if (r <= 0)
		return r;
	if (want4) {
		net_pool_addr4(m, idx, &a);
		r = push_addr(f, &a);
		if (r == 0 && !has_default(f, AF_INET))
			r = push_default(f, &m->a4);
	}
	/* no IPv6 default route: the host does not forward IPv6 (managed.c),
	 * and a route into nowhere would make clients wait on every AAAA
	 * answer instead of failing over to IPv4 at once */
	if (r == 0 && want6) {
		net_pool_addr6(m, idx, &a);
		r = push_addr(f, &a);
	}
	return r;
}

int net_plan_managed(struct net_plan *p, const struct net_env *env, struct nl_sock *sk,
		     const char *uuid, const char *key, bool alloc, uint32_t *ret_ns4)
{
	uint32_t ns4 = 0;

	for (size_t i = 0; env && i < p->n_ifaces; i++) {
		struct net_iface *f = &p->ifaces[i];
		struct net_managed m;
		int r;

		if (f->kind != NET_VETH)
			continue;
		r = alloc ? net_managed_for_link(env, sk, f->link, &m)
			  : managed_get(env, f->link, &m);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (alloc && !uuid)
			return log_error_errno(-EINVAL, "%s has no uuid: no pool address on %s",
					       key, f->link);
		r = uuid ? plan_one(f, &m, env, uuid, key, alloc) : 0;
		if (r < 0)
			return r;
		if (!ns4 && m.has4)
			memcpy(&ns4, m.a4.bytes, 4);
	}
	if (ret_ns4)
		*ret_ns4 = ns4;
	return 0;
}
