/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Port forwards (config key "ports"): host port -> the container's first
 * IPv4 address, in table inet sysc. The rules are fixed; what differs per
 * container are elements of maps and sets, each with the comment
 * "sysc:KEY" naming its owner:
 *   ports-taken     proto . port: one owner per host port; `create element`
 *                   fails when taken, so two starts cannot both get it
 *   ports-any       proto . port : addr . port, every local address
 *                   (fib daddr type local, 127.0.0.1 included)
 *   ports-addr      hostaddr . proto . port : addr . port
 *   ports-dst       addr . proto . port: what a forward leads to, for the
 *                   masquerade of connections from 127.0.0.0/8 (the
 *                   container's reply must come back to the host)
 *   ports-localnet  bridge . addr: bridges whose route_localnet sysc set
 *                   (a packet from 127.0.0.1 may leave through them)
 *   ports-hairpin   bridge . bridge of the same bridges: a container reaching
 *                   a forward to its own bridge through a host address is
 *                   masqueraded too (or the reply would bypass the host)
 * Chains ports-pre (prerouting), ports-out (output), ports-post
 * (postrouting: masquerade from 127.0.0.0/8, and hairpin) and ports-guard
 * (raw prerouting: nothing from outside with a 127.0.0.0/8 address gets
 * in, what route_localnet would let through). The undo data is a line per
 * forward in the container's net record, so a SIGKILLed monitor's forwards
 * are removed by net_cleanup_stale(); the last forward going takes the
 * chains and sets with it. A lock file in the runtime dir orders that
 * against a concurrent start.
 */
#include "config/config.h"
#include "net/net-internal.h"
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define T "inet " NFT_TABLE

static const char setup_script[] =
	"add table " T "\n"
	"add chain " T " ports-pre { type nat hook prerouting priority dstnat; }\n"
	"add chain " T " ports-out { type nat hook output priority -100; }\n"
	"add chain " T " ports-post { type nat hook postrouting priority srcnat; }\n"
	"add chain " T " ports-guard { type filter hook prerouting priority raw; }\n"
	"add set " T " ports-taken { type inet_proto . inet_service; }\n"
	"add map " T " ports-any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"add map " T " ports-addr { type ipv4_addr . inet_proto . inet_service : "
	"ipv4_addr . inet_service; }\n"
	"add set " T " ports-dst { type ipv4_addr . inet_proto . inet_service; }\n"
	"add set " T " ports-localnet { type ifname . ipv4_addr; }\n"
	"add set " T " ports-hairpin { type ifname . ifname; }\n"
	"flush chain " T " ports-pre\n"
	"flush chain " T " ports-out\n"
	"flush chain " T " ports-post\n"
	"flush chain " T " ports-guard\n"
	"add rule " T " ports-pre meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport "
	"map @ports-addr\n"
	"add rule " T " ports-pre meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . "
	"th dport map @ports-any\n"
	"add rule " T " ports-out meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport "
	"map @ports-addr\n"
	"add rule " T " ports-out meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . "
	"th dport map @ports-any\n"
	"add rule " T " ports-post ip saddr 127.0.0.0/8 ip daddr . meta l4proto . th dport "
	"@ports-dst masquerade\n"
	"add rule " T " ports-post ct status dnat iifname . oifname @ports-hairpin ip daddr . "
	"meta l4proto . th dport @ports-dst masquerade\n"
	"add rule " T " ports-guard iif != lo ip daddr 127.0.0.0/8 drop\n"
	"add rule " T " ports-guard iif != lo ip saddr 127.0.0.0/8 drop\n";

static const char teardown_script[] = "delete chain " T " ports-pre\n"
				      "delete chain " T " ports-out\n"
				      "delete chain " T " ports-post\n"
				      "delete chain " T " ports-guard\n"
				      "delete set " T " ports-taken\n"
				      "delete map " T " ports-any\n"
				      "delete map " T " ports-addr\n"
				      "delete set " T " ports-dst\n"
				      "delete set " T " ports-localnet\n"
				      "delete set " T " ports-hairpin\n";

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

/* <run>/.locks/.net-ports (beside the per-container locks; no container
 * name starts with a dot), from the record <run>/<key>/net */
int net_fw_lock(const char *record)
{
	_cleanup_free_ char *copy = strdup(record), *path = NULL;

	if (!copy)
		return -ENOMEM;
	path = str_printf("%s/.locks/.net-ports", dirname(dirname(copy)));
	if (!path)
		return -ENOMEM;
	return lock_path(path, "the firewall rules of another container");
}

static int sysctl_write(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return fileio_write_all(fd, value, strlen(value));
}

/* The owner KEY of host port p, from its ports-taken element; NULL when free. */
static char *port_owner(const struct conf_port *p)
{
	_cleanup_free_ char *out = NULL, *cmd = NULL;
	const char *c, *e;

	cmd = str_printf("get element " T " ports-taken { %s . %u }", proto_name(p->proto),
			 p->host_port);
	if (!cmd || nft_query(cmd, &out) < 0)
		return NULL;
	c = strstr(out, "comment \"sysc:");
	if (!c)
		return strdup("?");
	c += strlen("comment \"sysc:");
	e = strchr(c, '"');
	return e ? strndup(c, (size_t)(e - c)) : NULL;
}

static int append_add(char **script, const char *key, const struct conf_port *p, const char *addr4)
{
	const char *pr = proto_name(p->proto);
	char *s;

	if (p->host_addr[0])
		s = str_printf("%screate element " T
			       " ports-taken { %s . %u comment \"sysc:%s\" }\n"
			       "add element " T " ports-addr { %s . %s . %u comment \"sysc:%s\" : "
			       "%s . %u }\n"
			       "add element " T " ports-dst { %s . %s . %u comment \"sysc:%s\" }\n",
			       *script ?: "", pr, p->host_port, key, p->host_addr, pr, p->host_port,
			       key, addr4, p->port, addr4, pr, p->port, key);
	else
		s = str_printf("%screate element " T
			       " ports-taken { %s . %u comment \"sysc:%s\" }\n"
			       "add element " T " ports-any { %s . %u comment \"sysc:%s\" : "
			       "%s . %u }\n"
			       "add element " T " ports-dst { %s . %s . %u comment \"sysc:%s\" }\n",
			       *script ?: "", pr, p->host_port, key, pr, p->host_port, key, addr4,
			       p->port, addr4, pr, p->port, key);
	if (!s)
		return -ENOMEM;
	free(*script);
	*script = s;
	return 0;
}

/* Undo one "port KEY SPEC ADDR BRIDGE" record line: only what KEY owns. */
static void remove_one(const char *key, const char *spec, const char *addr4)
{
	_cleanup_free_ char *owner = NULL;
	struct conf_port p;
	char why[160], cmd[256], *out = NULL;

	if (conf_parse_port(spec, &p, why, sizeof(why)) < 0)
		return;
	owner = port_owner(&p);
	if (owner && !strcmp(owner, key)) {
		const char *pr = proto_name(p.proto);

		if (p.host_addr[0])
			snprintf(cmd, sizeof(cmd),
				 "delete element " T " ports-addr { %s . %s . %u }", p.host_addr,
				 pr, p.host_port);
		else
			snprintf(cmd, sizeof(cmd), "delete element " T " ports-any { %s . %u }", pr,
				 p.host_port);
		if (nft_query(cmd, &out) == 0)
			free(out);
		snprintf(cmd, sizeof(cmd), "delete element " T " ports-taken { %s . %u }", pr,
			 p.host_port);
		if (nft_query(cmd, &out) == 0)
			free(out);
	}
	/* keyed by the container's own address: its own */
	snprintf(cmd, sizeof(cmd), "delete element " T " ports-dst { %s . %s . %u }", addr4,
		 proto_name(p.proto), p.port);
	if (nft_query(cmd, &out) == 0)
		free(out);
}

/* ret: whether set holds an element at all (or, with needle, one containing it) */
static bool set_has(const char *set, const char *needle)
{
	_cleanup_free_ char *out = NULL, *cmd = str_printf("list set " T " %s", set);

	if (!cmd || nft_query(cmd, &out) < 0)
		return false;
	if (!strstr(out, "elements = {"))
		return false;
	return !needle || strstr(out, needle);
}

static void localnet_release(const char *bridge, const char *addr4)
{
	_cleanup_free_ char *cmd = NULL, *out = NULL, *needle = NULL, *path = NULL;

	cmd = str_printf("delete element " T " ports-localnet { \"%s\" . %s }", bridge, addr4);
	if (cmd && nft_query(cmd, &out) == 0)
		free(TAKE_PTR(out));
	needle = str_printf("\"%s\" . ", bridge);
	path = str_printf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	if (!needle || !path || set_has("ports-localnet", needle))
		return;
	sysctl_write(path, "0");
	free(cmd);
	cmd = str_printf("delete element " T " ports-hairpin { \"%s\" . \"%s\" }", bridge, bridge);
	if (cmd && nft_query(cmd, &out) == 0)
		free(TAKE_PTR(out));
}

/* The last forward gone: chains and sets go, and the table when it is empty. */
static void teardown_if_unused(void)
{
	_cleanup_free_ char *out = NULL;

	if (set_has("ports-taken", NULL) || set_has("ports-localnet", NULL))
		return;
	if (nft_query("list chain " T " ports-pre", &out) < 0)
		return;
	if (nft_run("removing sysc's port forward rules", teardown_script) == 0)
		nft_table_drop_if_unused("inet");
}

static int undo_lines(const char *text)
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;
	int n = 0;

	if (!copy)
		return -ENOMEM;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char key[256], spec[64], addr[32], bridge[32];

		if (sscanf(l, "port %255s %63s %31s %31s", key, spec, addr, bridge) == 4) {
			remove_one(key, spec, addr);
			n++;
		} else if (sscanf(l, "localnet %31s %31s", bridge, addr) == 2) {
			localnet_release(bridge, addr);
			n++;
		}
	}
	return n;
}

void net_ports_remove(const char *record)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int lock = -EBADF;

	if (fileio_read_at(AT_FDCWD, record, &data, NULL) < 0 ||
	    (!strstr(data, "\nport ") && strncmp(data, "port ", 5)))
		return;
	lock = net_fw_lock(record);
	if (lock < 0)
		return;
	if (undo_lines(data) > 0)
		teardown_if_unused();
}

static bool host_has_addr(struct in_addr a)
{
	struct ifaddrs *list = NULL;
	bool found = false;

	if (getifaddrs(&list) < 0)
		return true; /* cannot tell: the bind below still checks */
	for (struct ifaddrs *i = list; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == a.s_addr;
	freeifaddrs(list);
	return found;
}

/* A socket of the host's on the port: the forward would take its traffic
 * from outside. A bind (TCP: SO_REUSEADDR, so only a listener counts, not
 * connections in TIME_WAIT) to the forward's host address, or to every
 * address, fails with EADDRINUSE then. */
static int host_port_free(const char *name, const char *spec, const struct conf_port *p)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(p->host_port)};
	_cleanup_close_ int fd = socket(
		AF_INET, (p->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return log_error_errno(-errno, "port forward %s of %s: socket: %m", spec, name);
	if (p->host_addr[0])
		inet_pton(AF_INET, p->host_addr, &sa.sin_addr);
	if (p->proto == IPPROTO_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (p->host_addr[0] && !host_has_addr(sa.sin_addr))
		return log_error_errno(-EADDRNOTAVAIL,
				       "port forward %s of %s: %s is not an address of the host",
				       spec, name, p->host_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	if (errno == EADDRINUSE)
		return log_error_errno(-EADDRINUSE,
				       "port forward %s of %s: host port %u/%s is in use on the "
				       "host (a program there has it: ss -lnp sport = %u)",
				       spec, name, p->host_port, proto_name(p->proto),
				       p->host_port);
	return log_error_errno(-errno, "port forward %s of %s: cannot check host port %u/%s: %m",
			       spec, name, p->host_port, proto_name(p->proto));
}

/* After a failed create: a message naming the owner of each taken port. */
static int report_taken(const char *name, const char *key, char *const *specs)
{
	for (char *const *s = specs; *s; s++) {
		_cleanup_free_ char *owner = NULL;
		struct conf_port p;
		char why[160];

		if (conf_parse_port(*s, &p, why, sizeof(why)) < 0)
			continue;
		owner = port_owner(&p);
		if (owner && strcmp(owner, key) != 0)
			return log_error_errno(-EADDRINUSE,
					       "port forward %s of %s: host port %u/%s is taken by "
					       "container %s",
					       *s, name, p.host_port, proto_name(p.proto), owner);
	}
	return 0;
}

/* A leftover of this container's own (a record lost with a crash): away with
 * it, so a restart never sees itself as the owner of a port. */
static void drop_own_leftovers(const char *key, const char *addr4, char *const *specs)
{
	for (char *const *s = specs; *s; s++)
		remove_one(key, *s, addr4);
}

static int record_line(const char *record, const char *line)
{
	_cleanup_close_ int fd = open(record, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return log_error_errno(-errno, "cannot write %s: %m", record);
	return fileio_write_all(fd, line, strlen(line));
}

int net_ports_add(const struct sysc_conf *conf, const char *key, const char *addr4,
		  const char *bridge, const char *record)
{
	_cleanup_free_ char *script = NULL, *lines = NULL, *path = NULL;
	_cleanup_close_ int lock = -EBADF;
	char what[128];
	int r;

	if (!conf->ports || !conf->ports[0])
		return 0;
	if (!addr4)
		return log_error_errno(-EINVAL,
				       "the port forwards of %s need an IPv4 address on its veth "
				       "interface (network ipv4)",
				       conf->name);
	snprintf(what, sizeof(what), "port forwards of %s", conf->name);
	lock = net_fw_lock(record);
	if (lock < 0)
		return lock;
	for (char **s = conf->ports; *s; s++) {
		struct conf_port p;
		char why[160];
		char *l;

		r = conf_parse_port(*s, &p, why, sizeof(why));
		if (r < 0)
			return log_error_errno(r, "%s: %s", what, why);
		r = host_port_free(conf->name, *s, &p);
		if (r < 0)
			return r;
		r = append_add(&script, key, &p, addr4);
		if (r < 0)
			return r;
		l = str_printf("%sport %s %s %s %s\n", lines ?: "", key, *s, addr4, bridge);
		if (!l)
			return -ENOMEM;
		free(lines);
		lines = l;
	}
	/* recorded first: a crash after the rules leaves a record to undo them */
	r = record_line(record, lines);
	if (r == 0)
		r = nft_run(what, setup_script);
	if (r < 0)
		return r;
	drop_own_leftovers(key, addr4, conf->ports);
	/* under the lock: no other start adds a port in between */
	r = report_taken(conf->name, key, conf->ports);
	if (r == 0)
		r = nft_run(what, script);
	if (r < 0)
		return r;
	/* a connection from 127.0.0.1 to a forward leaves through the bridge */
	path = str_printf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	free(lines);
	lines = str_printf("localnet %s %s\n", bridge, addr4);
	if (!path || !lines)
		return -ENOMEM;
	r = record_line(record, lines);
	if (r == 0)
		r = nft_runf(what,
			     "add element " T
			     " ports-localnet { \"%s\" . %s comment \"sysc:%s\" }\n"
			     "add element " T " ports-hairpin { \"%s\" . \"%s\" }",
			     bridge, addr4, key, bridge, bridge);
	if (r == 0) {
		r = sysctl_write(path, "1");
		if (r < 0)
			log_error_errno(r, "%s: cannot write %s: %m", what, path);
	}
	/* forwarded traffic: the host must route (as NAT needs it too) */
	if (r == 0) {
		r = sysctl_write("/proc/sys/net/ipv4/ip_forward", "1");
		if (r < 0)
			log_error_errno(r, "%s: cannot enable net.ipv4.ip_forward: %m", what);
	}
	return r;
}
