/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Console output kept by the monitor: a ring buffer of the most recent bytes
 * (console.buffer) and a log file rotated at console.log_size (one old
 * generation, FILE.1), so it never grows without bound. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct console_ring {
	char *buf;
	size_t cap, start, len;
	int log_fd;
	char *log_path;
	uint64_t log_size, log_max;
};

int console_ring_init(struct console_ring *r, size_t cap, const char *log_path, uint64_t log_max);
void console_ring_done(struct console_ring *r);
/* Append output (to the ring and the log). */
void console_ring_write(struct console_ring *r, const char *data, size_t len);
/* Set the ring's content (its last cap bytes) without logging it: a monitor
 * taking over the ring of the one it replaced by exec. */
void console_ring_load(struct console_ring *r, const char *data, size_t len);
/* Copy the ring's content, oldest first, into a new buffer. */
int console_ring_snapshot(const struct console_ring *r, char **ret, size_t *ret_len);
/* The ring's content in a new memfd (named name) read from its start; -errno. */
int console_ring_memfd(const struct console_ring *r, const char *name);
