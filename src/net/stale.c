/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* After a monitor crash: the record <run>/<key>/net names what was made on
 * the host; remove it by those stable names once the container is gone. */
#include "net/dns.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PHYS_WAIT_MS 5000

struct find_index {
	int ifindex;
	struct net_link_info found;
	bool ok;
};

static int find_by_index(const struct net_link_info *i, void *data)
{
	struct find_index *f = data;

	if (i->ifindex != f->ifindex)
		return 0;
	f->found = *i;
	f->ok = true;
	return 1;
}

/* The kernel gives a physical device back to the host when the container's
 * network namespace dies (asynchronously), under its name inside, or "devN"
 * when that is taken. Wait for it and restore its name. */
static void restore_phys(struct nl_sock *host, const char *orig, int ifindex)
{
	struct find_index f = {.ifindex = ifindex};
	int r;

	for (int waited = 0; waited < PHYS_WAIT_MS; waited += 20) {
		if (net_nl_links(host, find_by_index, &f) >= 0 && f.ok)
			break;
		usleep(20000);
	}
	if (!f.ok) {
		log_warn("%s (ifindex %d) did not come back to the host", orig, ifindex);
		return;
	}
	if (strcmp(f.found.name, orig) == 0)
		return;
	r = net_nl_link_set(host, ifindex, &(struct net_nl_change){.name = orig, .up = 0});
	if (r < 0)
		log_warn_errno(r, "cannot rename %s back to %s: %m", f.found.name, orig);
}

static void cleanup_line(struct nl_sock *host, const char *sysc_run, char *line, char ***bridges)
{
	char kind[16], name[32], container[128];
	int ifindex = 0, r;

	if (sscanf(line, "dns %31s %127s", name, container) == 2) {
		net_dns_host_remove(sysc_run, name, container);
		return;
	}
	if (sscanf(line, "%15s %31s %d", kind, name, &ifindex) < 2)
		return;
	if (!strcmp(kind, "veth") && ifindex > 0) {
		/* only the link it made: same name and ifindex */
		r = net_nl_link_del_owned(host, name, ifindex);
		if (r < 0 && r != -ENODEV && r != -ESTALE)
			log_warn_errno(r, "cannot remove %s: %m", name);
	} else if (!strcmp(kind, "phys") && ifindex > 0) {
		restore_phys(host, name, ifindex);
	} else if (!strcmp(kind, "bridge")) {
		strv_push(bridges, name);
	}
}

int net_cleanup_stale(const char *run_dir, const char *name)
{
	_cleanup_free_ char *path = str_printf("%s/net", run_dir);
	_cleanup_free_ char *data = NULL, *sysc_run = strdup(run_dir);
	_cleanup_strv_ char **bridges = NULL;
	struct nl_sock *host = NULL;
	char *save = NULL;
	size_t len;
	int r;

	if (!path || !sysc_run)
		return -ENOMEM;
	dirname(sysc_run); /* run_dir is <run>/<key> */
	r = fileio_read_at(AT_FDCWD, path, &data, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "cannot read %s: %m", path);
	r = net_nl_open(-1, &host);
	if (r < 0)
		return log_error_errno(r, "cannot open a netlink socket: %m");
	log_debug("removing the network links left by %s", name);
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		cleanup_line(host, sysc_run, l, &bridges);
	/* bridges last: the ports above are gone by now */
	for (char **b = bridges; b && *b; b++)
		net_drop_auto_bridge(host, *b);
	net_nl_close(host);
	net_ports_remove(path);
	net_guard_remove(path);
	unlink(path);
	return 0;
}
