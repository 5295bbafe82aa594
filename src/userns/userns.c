/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "userns/userns.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool userns_self_initial(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long long in, out, count;

	/* no /proc: nothing tells otherwise, as before */
	if (!f || fscanf(f, "%llu %llu %llu", &in, &out, &count) != 3)
		return true;
	return in == 0 && out == 0 && count == 4294967295ull;
}

bool userns_enabled(const struct sysc_conf *conf)
{
	return !conf->security.privileged && conf->n_idmap > 0;
}

static bool kind_matches(char entry, char want)
{
	return entry == 'b' || entry == want;
}

uid_t userns_to_host(const struct sysc_conf *conf, char kind, uid_t id)
{
	for (size_t i = 0; i < conf->n_idmap; i++) {
		const struct conf_idmap *m = &conf->idmap[i];
		if (kind_matches(m->kind, kind) && id >= m->container &&
		    (uint64_t)id < (uint64_t)m->container + m->count)
			return m->host + (id - m->container);
	}
	return (uid_t)-1;
}

int userns_root(const struct sysc_conf *conf, uid_t *ret_uid, gid_t *ret_gid)
{
	uid_t u = userns_to_host(conf, 'u', 0);
	gid_t g = userns_to_host(conf, 'g', 0);

	if (u == (uid_t)-1 || g == (gid_t)-1) {
		log_error("%s: idmap maps no %s 0: the container's root needs a host id",
			  conf->name, u == (uid_t)-1 ? "uid" : "gid");
		return -EINVAL;
	}
	*ret_uid = u;
	*ret_gid = g;
	return 0;
}

char *userns_describe(const struct sysc_conf *conf, char kind)
{
	_cleanup_free_ char *text = strdup("");

	for (size_t i = 0; text && i < conf->n_idmap; i++) {
		const struct conf_idmap *m = &conf->idmap[i];
		char *t;
		if (!kind_matches(m->kind, kind))
			continue;
		t = str_printf("%s%s%u:%u:%u", text, *text ? "," : "", m->container, m->host,
			       m->count);
		free(text);
		text = t;
	}
	return TAKE_PTR(text);
}

static int write_map(const struct sysc_conf *conf, pid_t pid, char kind)
{
	char path[64], buf[1024] = "";
	size_t len = 0;
	int r;

	for (size_t i = 0; i < conf->n_idmap; i++) {
		const struct conf_idmap *m = &conf->idmap[i];
		if (kind_matches(m->kind, kind))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
						m->container, m->host, m->count);
		if (len >= sizeof(buf))
			return log_error_errno(-E2BIG, "%s: too many idmap entries", conf->name);
	}
	snprintf(path, sizeof(path), "/proc/%d/%s_map", (int)pid, kind == 'u' ? "uid" : "gid");
	r = fileio_write_string_at(AT_FDCWD, path, buf);
	if (r < 0)
		return log_error_errno(r, "%s: cannot write the %s mapping (%s): %m", conf->name,
				       kind == 'u' ? "uid" : "gid", path);
	return 0;
}

int userns_write_maps(const struct sysc_conf *conf, pid_t pid)
{
	int r = write_map(conf, pid, 'u');

	return r < 0 ? r : write_map(conf, pid, 'g');
}
