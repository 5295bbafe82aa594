/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void handoff_init(struct handoff *h)
{
	memset(h, 0, sizeof(*h));
	h->exe = h->listen = h->pidfd = h->console = h->ring = h->monitor = h->stop_fd = -1;
	for (int i = 0; i < HANDOFF_MAX_TTYS; i++)
		h->ttys[i] = -1;
	for (int i = 0; i <= HANDOFF_MAX_TTYS; i++)
		h->tty_clients[i] = -1;
	for (int i = 0; i < HANDOFF_MAX_CLIENTS; i++)
		h->clients[i] = -1;
}

/* "k=v" appended to argv[*n]; false when out of memory. */
static bool add(char **argv, size_t *n, const char *key, const char *val)
{
	size_t len = strlen(key) + strlen(val) + 2;
	char *s = malloc(len);

	if (!s)
		return false;
	snprintf(s, len, "%s=%s", key, val);
	argv[(*n)++] = s;
	return true;
}

static bool add_num(char **argv, size_t *n, const char *key, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	return add(argv, n, key, buf);
}

/* the fds of a list that are set, "3,-1,7" */
static bool add_list(char **argv, size_t *n, const char *key, const int *fds, size_t count)
{
	char buf[(HANDOFF_MAX_TTYS + 1) * 12 + 1] = "";
	size_t len = 0;

	for (size_t i = 0; i < count; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? "," : "", fds[i]);
	return add(argv, n, key, buf);
}

void handoff_argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

char **handoff_argv(const struct handoff *h, const char *argv0, const char *verb)
{
	char **argv = calloc(32, sizeof(char *));
	size_t n = 0;
	bool ok;

	if (!argv)
		return NULL;
	argv[n] = strdup(argv0);
	ok = argv[n++] != NULL;
	if (ok && verb) {
		argv[n] = strdup(verb);
		ok = argv[n++] != NULL;
	}
	ok = ok && add_num(argv, &n, "exe", h->exe) && add_num(argv, &n, "listen", h->listen) &&
	     add_num(argv, &n, "pidfd", h->pidfd) && add_num(argv, &n, "pid", h->pid) &&
	     add_num(argv, &n, "console", h->console) && add_num(argv, &n, "ring", h->ring) &&
	     add_num(argv, &n, "monitor", h->monitor) &&
	     add_num(argv, &n, "ring_cap", (long long)h->ring_cap) &&
	     add_num(argv, &n, "log_max", (long long)h->log_max) &&
	     add(argv, &n, "log", h->log ? h->log : "") &&
	     add(argv, &n, "name", h->name ? h->name : "") &&
	     add_num(argv, &n, "reboot_sig", h->reboot_sig) &&
	     add_list(argv, &n, "ttys", h->ttys, h->n_ttys) &&
	     add_list(argv, &n, "tty_clients", h->tty_clients, h->n_ttys + 1) &&
	     add_list(argv, &n, "clients", h->clients, HANDOFF_MAX_CLIENTS) &&
	     add_num(argv, &n, "event", h->event) && add_num(argv, &n, "stop_fd", h->stop_fd) &&
	     add_num(argv, &n, "stop_timeout", h->stop_timeout) &&
	     add_num(argv, &n, "stop_kill", h->stop_kill);
	if (!ok) {
		handoff_argv_free(argv);
		return NULL;
	}
	return argv;
}

static int parse_num(const char *s, long long min, long long max, long long *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "3,-1,7" into fds (at most max); the count in *n */
static int parse_list(const char *s, int *fds, size_t max, size_t *n)
{
	*n = 0;
	while (*s) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (end == s || errno || v < -1 || v > INT_MAX || *n >= max ||
		    (*end && *end != ','))
			return -EINVAL;
		fds[(*n)++] = (int)v;
		s = *end ? end + 1 : end;
	}
	return 0;
}

int handoff_parse(char **argv, struct handoff *h)
{
	handoff_init(h);
	for (char **a = argv; *a; a++) {
		const char *eq = strchr(*a, '='), *v;
		size_t klen, n = 0;
		long long num = 0;
		int r = 0;

		if (!eq)
			return -EINVAL;
		klen = (size_t)(eq - *a);
		v = eq + 1;
#define KEY(k) (klen == strlen(k) && strncmp(*a, k, klen) == 0)
		if (KEY("log")) {
			h->log = v;
			continue;
		}
		if (KEY("name")) {
			h->name = v;
			continue;
		}
		if (KEY("ttys")) {
			r = parse_list(v, h->ttys, HANDOFF_MAX_TTYS, &n);
			h->n_ttys = (unsigned)n;
			if (r < 0)
				return r;
			continue;
		}
		if (KEY("tty_clients")) {
			r = parse_list(v, h->tty_clients, HANDOFF_MAX_TTYS + 1, &n);
			if (r < 0)
				return r;
			continue;
		}
		if (KEY("clients")) {
			r = parse_list(v, h->clients, HANDOFF_MAX_CLIENTS, &n);
			if (r < 0)
				return r;
			continue;
		}
		if (KEY("ring_cap") || KEY("log_max"))
			r = parse_num(v, 0, LLONG_MAX, &num);
		else
			r = parse_num(v, -1, INT_MAX, &num);
		if (r < 0)
			return r;
		if (KEY("exe"))
			h->exe = (int)num;
		else if (KEY("listen"))
			h->listen = (int)num;
		else if (KEY("pidfd"))
			h->pidfd = (int)num;
		else if (KEY("pid"))
			h->pid = (pid_t)num;
		else if (KEY("console"))
			h->console = (int)num;
		else if (KEY("ring"))
			h->ring = (int)num;
		else if (KEY("monitor"))
			h->monitor = (int)num;
		else if (KEY("ring_cap"))
			h->ring_cap = (uint64_t)num;
		else if (KEY("log_max"))
			h->log_max = (uint64_t)num;
		else if (KEY("reboot_sig"))
			h->reboot_sig = (int)num;
		else if (KEY("event") && num >= HANDOFF_NONE && num <= HANDOFF_STOP)
			h->event = (enum handoff_event)num;
		else if (KEY("stop_fd"))
			h->stop_fd = (int)num;
		else if (KEY("stop_timeout"))
			h->stop_timeout = (int)num;
		else if (KEY("stop_kill"))
			h->stop_kill = num != 0;
		else
			return -EINVAL;
#undef KEY
	}
	if (h->exe < 0 || h->listen < 0 || h->pidfd < 0 || h->console < 0 || h->monitor < 0 ||
	    h->pid <= 0)
		return -EINVAL;
	return 0;
}

static int keep(int fd)
{
	if (fd >= 0 && fcntl(fd, F_SETFD, 0) < 0)
		return -errno;
	return 0;
}

int handoff_keep_fds(const struct handoff *h)
{
	int r = 0;

	r = r ?: keep(h->exe);
	r = r ?: keep(h->listen);
	r = r ?: keep(h->pidfd);
	r = r ?: keep(h->console);
	r = r ?: keep(h->ring);
	r = r ?: keep(h->monitor);
	r = r ?: keep(h->stop_fd);
	for (unsigned i = 0; r == 0 && i < h->n_ttys; i++)
		r = keep(h->ttys[i]);
	for (unsigned i = 0; r == 0 && i <= h->n_ttys; i++)
		r = keep(h->tty_clients[i]);
	for (int i = 0; r == 0 && i < HANDOFF_MAX_CLIENTS; i++)
		r = keep(h->clients[i]);
	return r;
}

int handoff_find_supervisor(void)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	int fd;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, SUPERVISOR_EXE);
			fd = open(path, O_PATH | O_CLOEXEC);
			if (fd >= 0)
				return fd;
		}
	}
	fd = open(SYSC_LIBEXECDIR "/" SUPERVISOR_EXE, O_PATH | O_CLOEXEC);
	return fd >= 0 ? fd : -ENOENT;
}
