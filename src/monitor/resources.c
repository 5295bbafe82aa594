/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/resources.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},	  {"memlock", RLIMIT_MEMLOCK},
	{"core", RLIMIT_CORE},	   {"stack", RLIMIT_STACK},	  {"as", RLIMIT_AS},
	{"fsize", RLIMIT_FSIZE},   {"data", RLIMIT_DATA},	  {"cpu", RLIMIT_CPU},
	{"locks", RLIMIT_LOCKS},   {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
	{"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME},	  {"sigpending", RLIMIT_SIGPENDING},
};

static rlim_t to_rlim(uint64_t v)
{
	return v == CONF_UNLIMITED ? RLIM_INFINITY : (rlim_t)v;
}

static int apply_limits(const struct sysc_conf *conf, pid_t pid)
{
	for (size_t i = 0; i < conf->n_limits; i++) {
		const struct conf_limit *l = &conf->limits[i];
		struct rlimit rl = {.rlim_cur = to_rlim(l->soft), .rlim_max = to_rlim(l->hard)};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(rlimits) && strcmp(rlimits[k].name, l->name); k++)
			;
		if (k == ARRAY_SIZE(rlimits))
			return log_error_errno(-EINVAL, "limits.%s: unknown resource limit",
					       l->name);
		if (prlimit(pid, rlimits[k].resource, &rl, NULL) < 0)
			return log_error_errno(-errno, "limits.%s: cannot set it: %m", l->name);
	}
	return 0;
}

/* "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward"; a key with '/'
 * is taken as a path already (dots in interface names, as sysctl(8) does). */
static char *sysctl_path(const char *key)
{
	char *p = str_printf("/proc/sys/%s", key);

	if (p && !strchr(key, '/'))
		for (char *c = p + strlen("/proc/sys/"); *c; c++)
			if (*c == '.')
				*c = '/';
	return p;
}

static int apply_sysctls(const struct sysc_conf *conf)
{
	for (size_t i = 0; i < conf->n_sysctls; i++) {
		const struct conf_sysctl *s = &conf->sysctls[i];
		_cleanup_free_ char *path = sysctl_path(s->key);
		int r;

		if (!path)
			return -ENOMEM;
		r = fileio_write_string_at(AT_FDCWD, path, s->value);
		if (r < 0)
			return log_error_errno(r, "sysctl %s: cannot write \"%s\" to %s: %m",
					       s->key, s->value, path);
	}
	return 0;
}

int resources_apply_process(const struct sysc_conf *conf, pid_t pid)
{
	char buf[16], path[64];
	int r;

	if (conf->oom_score_adj_set) {
		snprintf(buf, sizeof(buf), "%d", conf->oom_score_adj);
		/* ourselves by "self": in a new PID namespace getpid() is 1, and
		 * /proc is still the host's here */
		if (pid)
			snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
		else
			snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
		r = fileio_write_string_at(AT_FDCWD, path, buf);
		if (r < 0)
			return log_error_errno(r, "oom_score_adj: cannot set %s: %m", buf);
	}
	return apply_limits(conf, pid);
}

int resources_apply_child(const struct sysc_conf *conf, bool sysctls_only)
{
	int r = apply_sysctls(conf);

	if (r < 0 || sysctls_only)
		return r;
	return resources_apply_process(conf, 0);
}
