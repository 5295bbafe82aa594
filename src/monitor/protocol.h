/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's control socket: <run>/<key>/control, AF_UNIX SOCK_SEQPACKET,
 * one request and one response per message. Every message starts with the
 * protocol version; a monitor answers a request of another version with
 * -EPROTONOSUPPORT. The monitor checks SO_PEERCRED: only root and the uid the
 * monitor runs as may talk to it. File descriptors travel with SCM_RIGHTS.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console_ring;

#define CONTROL_VERSION 1
#define CONTROL_SOCKET	"control"

enum control_cmd {
	CONTROL_STATE = 1,   /* -> state, init pid */
	CONTROL_STOP = 2,    /* arg: timeout seconds (0 = config), flags: CONTROL_F_KILL;
				replied to when the container is stopped and cleaned */
	CONTROL_REBOOT = 3,  /* send the reboot signal to init */
	CONTROL_CONSOLE = 4, /* arg: tty number (0 = console) -> a stream socket
				connected to the tty through the monitor; -EBUSY if taken */
	CONTROL_PIDFD = 5,   /* -> pidfd of init */
	CONTROL_RESIZE = 6,  /* arg: tty, flags: rows << 16 | cols */
	CONTROL_LOG = 7,     /* -> memfd holding the console ring buffer */
};

#define CONTROL_F_KILL 0x1

struct control_request {
	uint32_t version;
	uint32_t cmd;
	int32_t arg;
	uint32_t flags;
};

struct control_response {
	uint32_t version;
	int32_t ret;	   /* 0 or -errno */
	uint32_t state;	   /* enum sysc_state */
	int32_t init_pid;  /* host pid of init */
	char message[256]; /* for errors: what went wrong, for a person */
};

/* Client side: the transport under the typed calls of control-client.h,
 * which every client uses. Connect to the monitor of a container (run dir given). */
int control_connect(const char *run_dir);
/* Send a request and wait (timeout_ms, -1 forever) for the response; a fd
 * sent along is returned in *ret_fd when ret_fd is not NULL (else closed). */
int control_call(int fd, const struct control_request *req, struct control_response *resp,
		 int timeout_ms, int *ret_fd);

/* Server side. */
int control_listen(const char *run_dir);
/* Decode one request message of len bytes as received (no I/O): 0, or
 * -EBADMSG (not the size of a request), -EPROTONOSUPPORT (another version),
 * -EOPNOTSUPP (unknown command). */
int control_request_parse(const void *buf, size_t len, struct control_request *ret);
/* Receive one request from a connected client; checks credentials, then
 * control_request_parse(). Returns 0, -EPERM, its errors, or -ECONNRESET on
 * EOF. */
int control_recv(int fd, struct control_request *req);
int control_send(int fd, const struct control_response *resp, int pass_fd);

/*
 * The requests both the full monitor (monitor.c) and the static supervisor
 * (supervisor.c) serve, served by one control_dispatch(), from what the server
 * tells it in control_ops (made afresh for each use: the fds change with a
 * reboot). STOP stays the server's own.
 */
struct control_ops {
	const char *name; /* the container's, for messages */
	int console;	  /* the console's pty master */
	const int *ttys;  /* the pty masters of ttys 1..n_ttys */
	unsigned n_ttys;
	int *tty_clients;	   /* [0..n_ttys]: the attached console client's socket, or -1 */
	struct console_ring *ring; /* the console's output (LOG) */
	int pidfd;		   /* init's (PIDFD, REBOOT), -1 when none */
	int reboot_signal;	   /* sent to init by REBOOT */
	bool stopping;		   /* REBOOT is refused (-EBUSY) */
	uint32_t state;		   /* enum sysc_state, and init's pid: in every response */
	int32_t init_pid;
};

/* A response to fd, with the state and init pid of o. */
void control_reply(const struct control_ops *o, int fd, int ret, const char *msg, int pass_fd);
/* Receive one request of client fd and answer it. Returns 0 when it was
 * answered (a refusal too), -ECONNRESET when the client is gone (the caller
 * closes fd), or CONTROL_STOP with *req filled: the caller's to answer. */
int control_dispatch(const struct control_ops *o, int fd, struct control_request *req);
/* The pty master of tty (0 = the console), or -ENOENT. */
int control_tty_master(const struct control_ops *o, int tty);
/* tty's master is readable: its output to the ring (the console's) and to
 * its client. */
void control_tty_drain(const struct control_ops *o, int tty);
/* tty's client is readable: its input to the tty; detaches it at EOF. */
void control_tty_input(const struct control_ops *o, int tty);
