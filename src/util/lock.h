/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File locks (flock) on any path; lib/lock.h builds the per-container lock on them. */
#pragma once

/* Take an exclusive flock on path (created 0600 with its directory); wait when
 * another command holds it, saying once that it waits for what. Returns an fd
 * to close for release, or -errno (logged). */
int lock_path(const char *path, const char *what);
/* Try to take a flock on fd without waiting: 1 taken, 0 busy, -errno. */
int lock_try_fd(int fd);
