/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/net without root: stable names and MACs, address and route parsing,
 * and the plan (what netlink will be asked) built from a config. */
#include "config/config.h"
#include "net/net-internal.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <stdlib.h>
#include <unistd.h>

static void host_names(void)
{
	char a[16], b[16], c[16];

	net_host_ifname("web1", 0, a);
	CHECK(!strcmp(a, "vs-web1-0"), "short names are readable: %s", a);
	net_host_ifname("a-very-long-container-name", 3, b);
	CHECK(strlen(b) <= 15 && strncmp(b, "vs", 2) == 0 && b[2] != '-', "long name hashed: %s",
	      b);
	CHECK(strcmp(b + strlen(b) - 2, "-3") == 0, "index kept at the end: %s", b);
	net_host_ifname("a-very-long-container-name", 3, c);
	CHECK(!strcmp(b, c), "stable across calls");
	net_host_ifname("a-very-long-container-namf", 3, c);
	CHECK(strcmp(b, c) != 0, "another long name, another host name: %s", c);
	net_host_ifname("abcdefghij", 12, c);
	CHECK(strlen(c) <= 15, "name at the limit: %s (%zu)", c, strlen(c));
	/* a container of another store: its key has a store id, always hashed */
	net_host_ifname("w@0123456789ab", 0, c);
	CHECK(strlen(c) <= 15 && !strchr(c, '@') && c[2] != '-', "key of another store: %s", c);
	net_host_ifname("w@0123456789ac", 0, b);
	CHECK(strcmp(b, c) != 0, "another store, another host name: %s %s", b, c);
}

static void macs(void)
{
	uint8_t m1[6], m2[6], m3[6];
	char s[18];

	net_default_hwaddr("web1", 0, m1);
	net_default_hwaddr("web1", 0, m2);
	net_default_hwaddr("web1", 1, m3);
	net_format_hwaddr(m1, s);
	CHECK(memcmp(m1, m2, 6) == 0, "MAC stable: %s", s);
	CHECK(memcmp(m1, m3, 6) != 0, "index changes the MAC");
	CHECK((m1[0] & 1) == 0 && (m1[0] & 2) == 2, "unicast, locally administered: %s", s);
	net_default_hwaddr("web2", 0, m3);
	CHECK(memcmp(m1, m3, 6) != 0, "name changes the MAC");
	net_default_hwaddr("web1@0123456789ab", 0, m3);
	CHECK(memcmp(m1, m3, 6) != 0, "the store changes the MAC");
	CHECK(strlen(s) == 17 && s[2] == ':', "formatted %s", s);
}

static void parsing(void)
{
	struct net_addr a;
	struct net_route r;

	CHECK(net_parse_addr("10.77.0.5/24", AF_INET, &a) == 0 && a.prefix == 24 &&
		      a.bytes[0] == 10 && a.bytes[3] == 5,
	      "IPv4 CIDR");
	CHECK(net_parse_addr("fd00::5/64", AF_INET6, &a) == 0 && a.prefix == 64 &&
		      a.bytes[0] == 0xfd && a.bytes[15] == 5,
	      "IPv6 CIDR");
	CHECK(net_parse_addr("10.0.0.1", AF_INET, &a) == 0 && a.prefix == 32, "no length: /32");
	CHECK(net_parse_addr("10.0.0.1/33", AF_INET, &a) == -EINVAL, "/33 refused");
	CHECK(net_parse_addr("10.0.0/8", AF_INET, &a) == -EINVAL, "short address refused");
	CHECK(net_parse_addr("10.0.0.1/", AF_INET, &a) == -EINVAL, "empty length refused");
	CHECK(net_parse_addr("fd00::1", AF_INET, &a) == -EINVAL, "family mismatch refused");
	CHECK(net_parse_route("192.168.5.0/24 via 10.77.0.254", &r) == 0 && !r.is_default &&
		      r.family == AF_INET && r.dst.prefix == 24 && r.gw[3] == 254,
	      "route");
	CHECK(net_parse_route("default via fd00::1", &r) == 0 && r.is_default &&
		      r.family == AF_INET6 && r.gw[15] == 1,
	      "default IPv6 route");
	CHECK(net_parse_route("10.0.0.0/8 via", &r) == -EINVAL, "route without gateway");
}

static struct sysc_conf *load(const char *text)
{
	char path[] = "/tmp/test-net-XXXXXX";
	int fd = mkstemp(path);
	struct sysc_conf *c = NULL;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return NULL;
	close(fd);
	if (conf_load(NULL, path, &c) < 0)
		c = NULL;
	unlink(path);
	return c;
}

static void plan(void)
{
	struct sysc_conf *c = load(
		"name = \"web1\";\n"
		"network = ( { type = \"veth\"; link = \"br0\"; ipv4 = [\"10.77.0.5/24\"];\n"
		"  ipv6 = [\"fd77::5/64\"]; gateway4 = \"10.77.0.1\"; gateway6 = \"fd77::1\";\n"
		"  routes = [\"192.168.5.0/24 via 10.77.0.254\"]; mtu = 1400; },\n"
		" { type = \"macvlan\"; link = \"dummy0\"; name = \"eth1\"; mode = \"private\";\n"
		"   hwaddr = \"02:00:00:00:00:01\"; up = false; },\n"
		" { type = \"phys\"; link = \"dummy1\"; name = \"eth2\"; },\n"
		" { type = \"empty\"; } );\n");
	struct net_plan p;

	CHECK(c != NULL, "config loads");
	if (!c)
		return;
	CHECK(net_plan_build(c, "web1", &p) == 0, "plan built");
	CHECK(p.private_netns && p.n_ifaces == 3, "3 interfaces, private netns (%zu)", p.n_ifaces);
	const struct net_iface *v = &p.ifaces[0], *m = &p.ifaces[1], *f = &p.ifaces[2];
	CHECK(v->kind == NET_VETH && !strcmp(v->name, "eth0") && !strcmp(v->link, "br0"),
	      "veth eth0 on br0");
	CHECK(!strcmp(v->host_name, "vs-web1-0"), "veth host end");
	CHECK(v->has_mac && v->mac[0] == 2 && v->mtu == 1400 && v->up, "veth MAC, MTU, up");
	CHECK(v->n_addrs == 2 && v->addrs[0].family == AF_INET && v->addrs[1].family == AF_INET6,
	      "IPv4 then IPv6 address");
	CHECK(v->n_routes == 3 && v->routes[0].is_default && v->routes[0].family == AF_INET &&
		      v->routes[1].is_default && v->routes[1].family == AF_INET6 &&
		      !v->routes[2].is_default && v->routes[2].dst.prefix == 24,
	      "gateways first, then the extra route");
	CHECK(m->kind == NET_MACVLAN && m->macvlan_mode == MACVLAN_MODE_PRIVATE && !m->up &&
		      m->index == 1,
	      "macvlan private, down");
	CHECK(m->has_mac && m->mac[5] == 1 && m->mac[0] == 2, "configured hwaddr");
	CHECK(f->kind == NET_PHYS && !f->has_mac && !strcmp(f->link, "dummy1"),
	      "phys keeps its own MAC");
	char **lines = NULL;
	CHECK(net_describe(c, "web1", NULL, &lines) == 0 && strv_length(lines) == 4, "described");
	CHECK(lines && strstr(lines[1], "eth0: veth, host end vs-web1-0 on bridge br0") &&
		      strstr(lines[1], "10.77.0.5/24") && strstr(lines[1], "fd77::5/64"),
	      "%s", lines ? lines[1] : "");
	strv_free(lines);
	net_plan_free(&p);
	conf_free(c);
	c = load("name = \"h\";\nnetwork = ( { type = \"none\"; } );\n");
	CHECK(c && !net_private_netns(c), "type none: the host's netns");
	conf_free(c);
	c = load("name = \"h\";\n");
	CHECK(c && net_private_netns(c), "no entry: a private netns");
	conf_free(c);
}

static void bad_configs(void)
{
	static const char *const bad[] = {
		"network = ( { type = \"veth\"; link = \"br0\"; ipv4 = [\"10.0.0.1/24\"]; },\n"
		"  { type = \"veth\"; link = \"br0\"; name = \"eth1\"; ipv4 = [\"10.0.0.1/16\"]; } "
		");",
		"network = ( { type = \"veth\"; link = \"br0\"; ipv6 = [\"fd00::1/64\", "
		"\"fd00:0::1/64\"]; } );",
		"network = ( { type = \"veth\"; link = \"br0\"; }, { type = \"veth\"; link = "
		"\"br0\"; "
		"} );",
		"network = ( { type = \"veth\"; link = \"br0\"; ipv4 = [\"10.0.0.300/24\"]; } );",
		"network = ( { type = \"veth\"; link = \"br0\"; hwaddr = \"02:00:00:00:00\"; } );",
		"network = ( { type = \"veth\"; link = \"a-name-over-15-chars\"; } );",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_free_ char *t = str_printf("name = \"x\";\n%s\n", bad[i]);
		struct sysc_conf *c = load(t);
		CHECK(c == NULL, "refused: %s", bad[i]);
		conf_free(c);
	}
}

/* managed network records and the pool's index -> address mapping */
static void managed_records(void)
{
	struct net_managed m;
	struct net_addr a;
	char s[64];
	char *f;

	CHECK(net_managed_parse("br0 ipv4=10.66.2.1/29 ipv6=fd12:3456:789a::1/64 nat isolated "
				"domain=lab",
				&m) == 0 &&
		      m.has4 && m.has6 && m.nat && m.isolated && !strcmp(m.domain, "lab") &&
		      m.a4.prefix == 29,
	      "record parsed");
	f = net_managed_format(&m);
	CHECK(f && !strcmp(f, "br0 ipv4=10.66.2.1/29 ipv6=fd12:3456:789a::1/64 nat isolated "
			      "domain=lab"),
	      "formatted back: %s", f);
	free(f);
	CHECK(net_managed_parse("br1 ipv4=none ipv6=none no-nat", &m) == 0 && !m.has4 && !m.has6 &&
		      !m.nat && !strcmp(m.domain, "sysc"),
	      "none, no-nat, default domain");
	f = net_managed_format(&m);
	CHECK(f && !strcmp(f, "br1 ipv4=none ipv6=none no-nat"), "default domain not written: %s",
	      f);
	free(f);
	CHECK(net_managed_parse("br2 ipv4=10.1.2.300/24", &m) < 0, "bad address refused");
	/* index 1 is .2 when the bridge is .1; the bridge's own is skipped */
	net_managed_parse("b ipv4=10.66.2.1/29 ipv6=fd00::1/64 nat", &m);
	net_pool_addr4(&m, 1, &a);
	net_format_addr(&a, true, s);
	CHECK(!strcmp(s, "10.66.2.2/29"), "first pool address %s", s);
	net_pool_addr4(&m, 5, &a);
	net_format_addr(&a, true, s);
	CHECK(!strcmp(s, "10.66.2.6/29"), "last pool address of a /29 %s", s);
	net_pool_addr6(&m, 1, &a);
	net_format_addr(&a, true, s);
	CHECK(!strcmp(s, "fd00::1:1/64"), "IPv6 pool address %s", s);
	net_managed_parse("b ipv4=10.66.2.5/24 nat", &m);
	net_pool_addr4(&m, 4, &a);
	net_format_addr(&a, false, s);
	CHECK(!strcmp(s, "10.66.2.4"), "below the bridge's address %s", s);
	net_pool_addr4(&m, 5, &a);
	net_format_addr(&a, false, s);
	CHECK(!strcmp(s, "10.66.2.6"), "the bridge's address skipped %s", s);
}

int main(void)
{
	host_names();
	macs();
	parsing();
	plan();
	bad_configs();
	managed_records();
	return tap_done();
}
