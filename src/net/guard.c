/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Anti-spoofing on sysc's bridges (alias "sysc:..."): what a container sends
 * into the bridge through its veth must carry its own MAC and addresses.
 * Table bridge sysc (it sees bridged frames): base chain guard-pre
 * (prerouting) jumps, through the verdict map guard-ports keyed by the
 * port (the veth host end), to the port's own chain guard-HOSTIF:
 *   Ethernet and ARP sender MAC: the interface's MAC
 *   ARP sender IP, IPv4 source: its IPv4 addresses, and 0.0.0.0 (ARP
 *       probes, DHCP discovery); not checked when it has none
 *   IPv6 source: its IPv6 addresses, link-local, :: (DAD), and any prefix
 *       with the EUI-64 interface id of its MAC (SLAAC)
 * The record line "guard HOSTIF KEY" undoes it (stop, net_cleanup_stale());
 * the last port takes the chain, the map and the empty table with it.
 */
#include "net/net-internal.h"
#include "net/nft.h"
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

#define BT "bridge " NFT_TABLE

/* "{ a, b }" of the interface's addresses of family (with extra first) */
static int addr_set(const struct net_iface *f, int family, const char *extra, char **ret)
{
	char buf[INET6_ADDRSTRLEN];
	int r = nft_append(ret, "{ %s", extra);

	for (size_t i = 0; r == 0 && i < f->n_addrs; i++)
		if (f->addrs[i].family == family &&
		    inet_ntop(family, f->addrs[i].bytes, buf, sizeof(buf)))
			r = nft_append(ret, ", %s", buf);
	return r ?: nft_append(ret, " }");
}

static bool has_family(const struct net_iface *f, int family)
{
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].family == family)
			return true;
	return false;
}

static int guard_script(const struct net_iface *f, const char *key, char **ret)
{
	_cleanup_free_ char *v4 = NULL, *v6 = NULL;
	const char *h = f->host_name;
	const uint8_t *m = f->mac;
	char mac[18];
	int r;

	net_format_hwaddr(m, mac);
	r = addr_set(f, AF_INET6, "::, fe80::/10", &v6);
	/* 0.0.0.0: ARP probes, DHCP discovery */
	if (r == 0 && has_family(f, AF_INET))
		r = addr_set(f, AF_INET, "0.0.0.0", &v4);
	if (r < 0)
		return r;
	r = nft_append(ret,
		       "add table " BT "\n"
		       "add chain " BT " guard-pre { type filter hook prerouting priority -200; }\n"
		       "add map " BT " guard-ports { type ifname : verdict; }\n"
		       "flush chain " BT " guard-pre\n"
		       "add rule " BT " guard-pre iifname vmap @guard-ports\n"
		       "add chain " BT " guard-%s\n"
		       "flush chain " BT " guard-%s\n"
		       "add rule " BT " guard-%s ether saddr != %s drop\n"
		       "add rule " BT " guard-%s arp saddr ether != %s drop\n",
		       h, h, h, mac, h, mac);
	if (r == 0 && v4)
		r = nft_append(ret,
			       "add rule " BT " guard-%s arp saddr ip != %s drop\n"
			       "add rule " BT " guard-%s ip saddr != %s drop\n",
			       h, v4, h, v4);
	if (r == 0)
		r = nft_append(ret,
			       "add rule " BT " guard-%s ip6 saddr %s return\n"
			       "add rule " BT " guard-%s ip6 saddr & ::ffff:ffff:ffff:ffff == "
			       "::%02x%02x:%02xff:fe%02x:%02x%02x return\n"
			       "add rule " BT " guard-%s ether type ip6 drop\n"
			       "add element " BT " guard-ports { \"%s\" comment \"sysc:%s\" : jump "
			       "guard-%s }\n",
			       h, v6, h, m[0] ^ 2, m[1], m[2], m[3], m[4], m[5], h, h, key, h);
	return r;
}

int net_guard_add(const struct net_iface *f, const char *key, const char *record)
{
	_cleanup_free_ char *script = NULL, *line = NULL;
	_cleanup_close_ int fd = -EBADF, lock = -EBADF;
	char what[96];
	int r;

	snprintf(what, sizeof(what), "anti-spoofing rules of %s", f->host_name);
	line = str_printf("guard %s %s\n", f->host_name, key);
	r = line ? guard_script(f, key, &script) : -ENOMEM;
	if (r < 0)
		return log_error_errno(r, "%s: %m", what);
	/* recorded first: a crash after the rules leaves a record to undo them */
	lock = net_fw_lock(record);
	if (lock < 0)
		return lock;
	fd = open(record, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "cannot write %s: %m", record);
	r = fileio_write_all(fd, line, strlen(line));
	if (r < 0)
		return log_error_errno(r, "cannot write %s: %m", record);
	return nft_run(what, script);
}

/* Only the port of key: the element's comment names its owner. */
static void remove_port(const char *key, const char *hostif)
{
	_cleanup_free_ char *cmd = NULL, *out = NULL, *mine = NULL;

	cmd = str_printf("get element " BT " guard-ports { \"%s\" }", hostif);
	mine = str_printf("comment \"sysc:%s\"", key);
	if (!cmd || !mine || nft_query(cmd, &out) < 0)
		return;
	if (!strstr(out, mine))
		return;
	free(TAKE_PTR(out));
	free(cmd);
	/* the element is there and jumps to the chain: one transaction */
	cmd = str_printf("delete element " BT " guard-ports { \"%s\" }\n"
			 "flush chain " BT " guard-%s\ndelete chain " BT " guard-%s",
			 hostif, hostif, hostif);
	if (cmd)
		nft_run("removing sysc's anti-spoofing rules", cmd);
}

void net_guard_remove(const char *record)
{
	_cleanup_free_ char *data = NULL, *out = NULL;
	_cleanup_close_ int lock = -EBADF;
	char *save = NULL;
	bool any = false;

	if (fileio_read_at(AT_FDCWD, record, &data, NULL) < 0 || !strstr(data, "guard "))
		return;
	lock = net_fw_lock(record);
	if (lock < 0)
		return;
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char hostif[32], key[256];

		if (sscanf(l, "guard %31s %255s", hostif, key) == 2) {
			remove_port(key, hostif);
			any = true;
		}
	}
	if (!any || nft_query("list map " BT " guard-ports", &out) < 0)
		return;
	if (!strstr(out, "elements = {") &&
	    nft_run("removing sysc's anti-spoofing rules",
		    "delete chain " BT " guard-pre\ndelete map " BT " guard-ports") == 0)
		nft_table_drop_if_unused("bridge");
}
