/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "console/ring.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void log_open(struct console_ring *r)
{
	struct stat st;

	r->log_fd = open(r->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	r->log_size = r->log_fd >= 0 && fstat(r->log_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int console_ring_init(struct console_ring *r, size_t cap, const char *log_path, uint64_t log_max)
{
	memset(r, 0, sizeof(*r));
	r->log_fd = -EBADF;
	r->cap = cap ? cap : 4096;
	r->buf = malloc(r->cap);
	if (!r->buf)
		return -ENOMEM;
	r->log_max = log_max;
	if (log_path) {
		r->log_path = strdup(log_path);
		if (!r->log_path)
			return -ENOMEM;
		log_open(r);
	}
	return 0;
}

void console_ring_done(struct console_ring *r)
{
	free(r->buf);
	free(r->log_path);
	CLOSE_FD(r->log_fd);
	memset(r, 0, sizeof(*r));
	r->log_fd = -EBADF;
}

static void log_append(struct console_ring *r, const char *data, size_t len)
{
	if (r->log_fd < 0)
		return;
	if (r->log_max && r->log_size + len > r->log_max) {
		_cleanup_free_ char *old = str_printf("%s.1", r->log_path);
		CLOSE_FD(r->log_fd);
		if (old)
			rename(r->log_path, old);
		log_open(r);
		if (r->log_fd < 0)
			return;
	}
	if (fileio_write_all(r->log_fd, data, len) == 0)
		r->log_size += len;
}

void console_ring_write(struct console_ring *r, const char *data, size_t len)
{
	log_append(r, data, len);
	if (len >= r->cap) {
		memcpy(r->buf, data + len - r->cap, r->cap);
		r->start = 0;
		r->len = r->cap;
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t end = (r->start + r->len) % r->cap;
		size_t room = r->cap - end;
		size_t n = len - i < room ? len - i : room;
		memcpy(r->buf + end, data + i, n);
		i += n;
		r->len += n;
		if (r->len > r->cap) {
			r->start = (r->start + (r->len - r->cap)) % r->cap;
			r->len = r->cap;
		}
	}
}

void console_ring_load(struct console_ring *r, const char *data, size_t len)
{
	size_t n = len < r->cap ? len : r->cap;

	memcpy(r->buf, data + len - n, n);
	r->start = 0;
	r->len = n;
}

int console_ring_snapshot(const struct console_ring *r, char **ret, size_t *ret_len)
{
	char *out = malloc(r->len + 1);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < r->len; i++)
		out[i] = r->buf[(r->start + i) % r->cap];
	out[r->len] = '\0';
	*ret = out;
	*ret_len = r->len;
	return 0;
}

int console_ring_memfd(const struct console_ring *r, const char *name)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int ret = console_ring_snapshot(r, &data, &len);

	return ret < 0 ? ret : fileio_memfd(name, data, len);
}
