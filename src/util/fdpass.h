/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One message plus at most one file descriptor over a unix socket. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* pass_fd < 0: no descriptor. Returns 0 or -errno. */
int fdpass_send(int sock, const void *buf, size_t len, int pass_fd);
/* Receives one message of exactly len bytes. A descriptor that came along is
 * returned in *ret_fd (O_CLOEXEC) if ret_fd is not NULL, else closed.
 * Returns 0, -ECONNRESET at EOF, -EBADMSG on a short message, or -errno. */
int fdpass_recv(int sock, void *buf, size_t len, int *ret_fd);
/* The same for a message of any size up to len (a longer one is cut to len):
 * returns its size, 0 at EOF, or -errno. */
ssize_t fdpass_recv_msg(int sock, void *buf, size_t len, int *ret_fd);
