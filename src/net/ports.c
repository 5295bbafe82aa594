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

/* The listing of one of our sets; NULL when it (or the table) does not exist. */
static char *list_set(const char *set)
{
	_cleanup_free_ char *cmd = str_printf("list set " T " %s", set);
	char *out = NULL;

	if (!cmd || nft_query(cmd, &out) < 0)
		return NULL;
	return out;
}

/* The owner KEY of host port p in the listing of ports-taken: "?" for an
 * element without our comment, NULL when the port is free. */
static char *owner_in(const char *taken, const struct conf_port *p)
{
	static const char *const ends[] = {",", " }", "\n"};
	const char *pr = proto_name(p->proto), *c, *e;
	char pat[64];

	if (!taken)
		return NULL;
	/* "tcp . 80 comment" is no part of "tcp . 8080 comment" */
	snprintf(pat, sizeof(pat), "%s . %u comment \"sysc:", pr, p->host_port);
	c = strstr(taken, pat);
	if (c) {
		c += strlen(pat);
		e = strchr(c, '"');
		return e ? strndup(c, (size_t)(e - c)) : strdup("?");
	}
	for (size_t k = 0; k < ARRAY_SIZE(ends); k++) {
		snprintf(pat, sizeof(pat), "%s . %u%s", pr, p->host_port, ends[k]);
		if (strstr(taken, pat))
			return strdup("?");
	}
	return NULL;
}

static int append_add(char **script, const char *key, const struct conf_port *p, const char *addr4)
{
	const char *pr = proto_name(p->proto);

	if (p->host_addr[0])
		return nft_append(
			script,
			"create element " T " ports-taken { %s . %u comment \"sysc:%s\" }\n"
			"add element " T " ports-addr { %s . %s . %u comment \"sysc:%s\" : "
			"%s . %u }\n"
			"add element " T " ports-dst { %s . %s . %u comment \"sysc:%s\" }\n",
			pr, p->host_port, key, p->host_addr, pr, p->host_port, key, addr4, p->port,
			addr4, pr, p->port, key);
	return nft_append(script,
			  "create element " T " ports-taken { %s . %u comment \"sysc:%s\" }\n"
			  "add element " T " ports-any { %s . %u comment \"sysc:%s\" : %s . %u }\n"
			  "add element " T " ports-dst { %s . %s . %u comment \"sysc:%s\" }\n",
			  pr, p->host_port, key, pr, p->host_port, key, addr4, p->port, addr4, pr,
			  p->port, key);
}

/* The deletions undoing one "port KEY SPEC ADDR BRIDGE" record line: the
 * port's elements only when KEY owns it (taken), its ports-dst element
 * (keyed by the container's own address) always. */
static int undo_port(char ***cmds, const char *taken, const char *key, const char *spec,
		     const char *addr4)
{
	_cleanup_free_ char *owner = NULL;
	struct conf_port p;
	char why[160], cmd[256];
	const char *pr;
	int r = 0;

	if (conf_parse_port(spec, &p, why, sizeof(why)) < 0)
		return 0;
	pr = proto_name(p.proto);
	owner = owner_in(taken, &p);
	if (owner && !strcmp(owner, key)) {
		if (p.host_addr[0])
			snprintf(cmd, sizeof(cmd),
				 "delete element " T " ports-addr { %s . %s . %u }", p.host_addr,
				 pr, p.host_port);
		else
			snprintf(cmd, sizeof(cmd), "delete element " T " ports-any { %s . %u }", pr,
				 p.host_port);
		r = strv_push(cmds, cmd);
		snprintf(cmd, sizeof(cmd), "delete element " T " ports-taken { %s . %u }", pr,
			 p.host_port);
		r = r ?: strv_push(cmds, cmd);
	}
	snprintf(cmd, sizeof(cmd), "delete element " T " ports-dst { %s . %s . %u }", addr4, pr,
		 p.port);
	if (r == 0 && !strv_contains(*cmds, cmd))
		r = strv_push(cmds, cmd);
	return r;
}

/* All deletions in one transaction; when one element is gone already (a
 * failed start, a crash half-way), each on its own. */
static void run_deletions(char **cmds)
{
	_cleanup_free_ char *batch = cmds ? strv_join(cmds, "\n") : NULL;
	char *out = NULL;

	if (!batch)
		return;
	if (nft_query(batch, &out) == 0) {
		free(out);
		return;
	}
	for (char **c = cmds; *c; c++)
		if (nft_query(*c, &out) == 0)
			free(out);
}

/* route_localnet off and the hairpin element gone for a bridge no forward
 * leads to any more. */
static void localnet_release(const char *bridge, const char *localnet)
{
	_cleanup_free_ char *needle = NULL, *path = NULL, *cmd = NULL, *out = NULL;

	needle = str_printf("\"%s\" . ", bridge);
	path = str_printf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	if (!needle || !path || (localnet && strstr(localnet, needle)))
		return;
	sysctl_write(path, "0");
	cmd = str_printf("delete element " T " ports-hairpin { \"%s\" . \"%s\" }", bridge, bridge);
	if (cmd && nft_query(cmd, &out) == 0)
		free(TAKE_PTR(out));
}

/* The last forward gone: chains and sets go, and the table when it is empty. */
static void teardown_if_unused(void)
{
	_cleanup_free_ char *taken = list_set("ports-taken"), *localnet = NULL;

	if (!taken || strstr(taken, "elements = {"))
		return;
	localnet = list_set("ports-localnet");
	if (localnet && strstr(localnet, "elements = {"))
		return;
	if (nft_run("removing sysc's port forward rules", teardown_script) == 0)
		nft_table_drop_if_unused("inet");
}

static int undo_lines(const char *text)
{
	_cleanup_free_ char *copy = strdup(text), *taken = list_set("ports-taken"),
			    *localnet = NULL;
	_cleanup_strv_ char **cmds = NULL, **bridges = NULL;
	char *save = NULL;
	int n = 0, r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *l = strtok_r(copy, "\n", &save); l && r == 0; l = strtok_r(NULL, "\n", &save)) {
		char key[256], spec[64], addr[32], bridge[32], cmd[160];

		if (sscanf(l, "port %255s %63s %31s %31s", key, spec, addr, bridge) == 4) {
			r = undo_port(&cmds, taken, key, spec, addr);
			n++;
		} else if (sscanf(l, "localnet %31s %31s", bridge, addr) == 2) {
			snprintf(cmd, sizeof(cmd),
				 "delete element " T " ports-localnet { \"%s\" . %s }", bridge,
				 addr);
			r = strv_push(&cmds, cmd);
			if (r == 0 && !strv_contains(bridges, bridge))
				r = strv_push(&bridges, bridge);
			n++;
		}
	}
	run_deletions(cmds);
	localnet = bridges ? list_set("ports-localnet") : NULL;
	for (char **b = bridges; b && *b; b++)
		localnet_release(*b, localnet);
	return r < 0 ? r : n;
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

/* Under the lock: a port another container has refuses the start, naming
 * it; a leftover of this container's own (a record lost with a crash) goes,
 * so a restart never sees itself as the owner of a port. */
static int check_taken(const char *name, const char *key, const char *addr4, const char *bridge,
		       char *const *specs)
{
	_cleanup_free_ char *taken = list_set("ports-taken"), *own = NULL;

	for (char *const *s = specs; taken && *s; s++) {
		_cleanup_free_ char *owner = NULL;
		struct conf_port p;
		char why[160];

		if (conf_parse_port(*s, &p, why, sizeof(why)) < 0)
			continue;
		owner = owner_in(taken, &p);
		if (owner && strcmp(owner, key) != 0)
			return log_error_errno(-EADDRINUSE,
					       "port forward %s of %s: host port %u/%s is taken by "
					       "container %s",
					       *s, name, p.host_port, proto_name(p.proto), owner);
		if (owner) {
			char *l = str_printf("%sport %s %s %s %s\n", own ?: "", key, *s, addr4,
					     bridge);
			if (!l)
				return -ENOMEM;
			free(own);
			own = l;
		}
	}
	if (own)
		undo_lines(own);
	return 0;
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
	/* under the lock: no other start adds a port in between */
	r = check_taken(conf->name, key, addr4, bridge, conf->ports);
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
