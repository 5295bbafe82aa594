/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed calls to a container's monitor over its control socket (protocol.h):
 * the one place where clients build requests, with the protocol version and
 * how long each answer may take. Each call sends one request on fd (from
 * control_open()) and returns 0 when the monitor answered: its answer is in
 * *resp (resp->ret 0 or -errno, resp->message for a person, resp->state,
 * resp->init_pid). It returns -errno when the monitor could not be reached,
 * did not answer in time (-ETIMEDOUT) or speaks another protocol version
 * (-EPROTONOSUPPORT). Nothing is logged.
 */
#pragma once

#include "monitor/protocol.h"

#include <stdbool.h>

struct sysc_paths;
struct sysc_conf;

#define CONTROL_TIMEOUT_MS	  5000 /* a request the monitor answers at once */
#define CONTROL_RESIZE_TIMEOUT_MS 2000 /* a window size change (console client) */

/* Connect to the monitor of container name: an fd, or -errno (e.g. -ENOENT,
 * -ECONNREFUSED: no monitor runs). */
int control_open(const struct sysc_paths *p, const char *name);

/* State and init pid (resp->state, resp->init_pid). */
int control_state(int fd, struct control_response *resp);
/* Stop: halt init, SIGKILL after timeout seconds (<= 0: conf's
 * init.stop_timeout) or at once with kill. Answered once the container is
 * stopped and cleaned up, its stop and post_stop hooks run: the wait allows
 * for all of it (conf's timeouts and hooks). */
int control_stop(int fd, const struct sysc_conf *conf, int timeout, bool kill,
		 struct control_response *resp);
/* Send the reboot signal to init (answered at once, not once rebooted). */
int control_reboot(int fd, struct control_response *resp);
/* A stream socket connected to tty (0 = console) through the monitor, in
 * *ret_sock (-EBADF when none came); resp->ret -EBUSY when someone has it. */
int control_console(int fd, int tty, int *ret_sock, struct control_response *resp);
/* Pass the window size of a console client on to tty. */
int control_resize(int fd, int tty, unsigned short rows, unsigned short cols,
		   struct control_response *resp);
/* A memfd holding the console ring buffer, in *ret_memfd (-EBADF when none came). */
int control_log(int fd, int *ret_memfd, struct control_response *resp);
