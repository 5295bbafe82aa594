/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysc-supervisor: the small statically linked executable a running
 * container's monitor becomes, and its console keeper (doc/architecture.md,
 * "Monitor memory"). Two modes, both started by the monitor only:
 *
 *   sysc-supervisor supervise KEY=VALUE...   (handoff.h)
 *   sysc-keeper STATE_FILE CONSOLE_LOG LOG_MAX   (argv[0]; keeper-run.h)
 *
 * The supervisor does the steady duties of a running container's monitor:
 * the control socket's STATE, PIDFD, CONSOLE, RESIZE, LOG and REBOOT, the
 * console ring and its log. A STOP request or init's exit it hands back to
 * the full monitor by exec'ing sysc (monitor.c, monitor_resume()).
 */
#include "console/ring.h"
#include "lib/state.h"
#include "monitor/handoff.h"
#include "monitor/keeper-run.h"
#include "monitor/protocol.h"
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

struct sup {
	struct handoff h;
	struct console_ring ring;
};

static void say(const char *fmt, const char *arg, int err)
{
	fprintf(stderr, "sysc-supervisor: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, ": %s\n", strerror(err));
}

/* What control_dispatch() serves from; the supervisor never stops (STOP goes
 * to the full monitor), so it never refuses a REBOOT. */
static struct control_ops ops_of(struct sup *s)
{
	return (struct control_ops){
		.name = s->h.name,
		.console = s->h.console,
		.ttys = s->h.ttys,
		.n_ttys = s->h.n_ttys,
		.tty_clients = s->h.tty_clients,
		.ring = &s->ring,
		.pidfd = s->h.pidfd,
		.reboot_signal = s->h.reboot_sig,
		.state = STATE_RUNNING,
		.init_pid = s->h.pid,
	};
}

/* The ring's content from (or into) a memfd. */
static int ring_load(struct sup *s)
{
	struct stat st;
	char *data;
	int r = console_ring_init(&s->ring, s->h.ring_cap, s->h.log, s->h.log_max);

	if (r < 0 || s->h.ring < 0)
		return r;
	if (fstat(s->h.ring, &st) < 0)
		return -errno;
	if (st.st_size > 0) {
		data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, s->h.ring, 0);
		if (data == MAP_FAILED)
			return -errno;
		console_ring_load(&s->ring, data, (size_t)st.st_size);
		munmap(data, (size_t)st.st_size);
	}
	close(s->h.ring);
	s->h.ring = -1;
	return 0;
}

/* Back to sysc (monitor_resume()) with everything; returns only on failure. */
static int exec_back(struct sup *s, enum handoff_event ev)
{
	char **argv;
	int r;

	s->h.event = ev;
	s->h.ring = console_ring_memfd(&s->ring, "sysc-console-ring");
	if (s->h.ring < 0)
		return s->h.ring;
	r = handoff_keep_fds(&s->h);
	argv = r == 0 ? handoff_argv(&s->h, "sysc", "monitor-resume") : NULL;
	if (argv) {
		syscall(SYS_execveat, s->h.exe, "", argv, environ, AT_EMPTY_PATH);
		r = -errno;
		say("cannot exec %s", "sysc", errno);
		handoff_argv_free(argv);
	} else if (r == 0) {
		r = -ENOMEM;
	}
	close(s->h.ring);
	s->h.ring = -1;
	s->h.event = HANDOFF_NONE;
	return r;
}

static void handle_request(struct sup *s, int slot)
{
	struct control_ops o = ops_of(s);
	int fd = s->h.clients[slot];
	struct control_request req;
	int r = control_dispatch(&o, fd, &req);

	if (r == -ECONNRESET) {
		close(fd);
		s->h.clients[slot] = -1;
	} else if (r == CONTROL_STOP) {
		/* the full monitor stops it and answers this client */
		s->h.clients[slot] = -1;
		s->h.stop_fd = fd;
		s->h.stop_timeout = req.arg;
		s->h.stop_kill = req.flags & CONTROL_F_KILL;
		r = exec_back(s, HANDOFF_STOP);
		s->h.clients[slot] = fd;
		s->h.stop_fd = -1;
		control_reply(&o, fd, r, "cannot hand the stop to the monitor", -1);
	}
}

static void accept_client(struct sup *s)
{
	int fd = accept4(s->h.listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < HANDOFF_MAX_CLIENTS; i++)
		if (s->h.clients[i] < 0) {
			s->h.clients[i] = fd;
			return;
		}
	close(fd);
}

enum { P_INIT, P_LISTEN, P_FIXED };

static void loop(struct sup *s)
{
	for (;;) {
		struct pollfd pfd[P_FIXED + HANDOFF_MAX_CLIENTS + 2 * (HANDOFF_MAX_TTYS + 1)];
		int who[P_FIXED + HANDOFF_MAX_CLIENTS + 2 * (HANDOFF_MAX_TTYS + 1)];
		struct control_ops o = ops_of(s);
		nfds_t n = P_FIXED, ttys_from;

		pfd[P_INIT] = (struct pollfd){.fd = s->h.pidfd, .events = POLLIN};
		pfd[P_LISTEN] = (struct pollfd){.fd = s->h.listen, .events = POLLIN};
		for (int i = 0; i < HANDOFF_MAX_CLIENTS; i++)
			if (s->h.clients[i] >= 0) {
				who[n] = i;
				pfd[n++] = (struct pollfd){.fd = s->h.clients[i], .events = POLLIN};
			}
		ttys_from = n;
		for (unsigned t = 0; t <= s->h.n_ttys; t++) {
			if (t == 0 || s->h.tty_clients[t] >= 0) {
				who[n] = (int)t;
				pfd[n++] = (struct pollfd){.fd = control_tty_master(&o, (int)t),
							   .events = POLLIN};
			}
			if (s->h.tty_clients[t] >= 0) {
				who[n] = -1 - (int)t;
				pfd[n++] = (struct pollfd){.fd = s->h.tty_clients[t],
							   .events = POLLIN};
			}
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			say("%s", "poll", errno);
			return;
		}
		for (nfds_t i = ttys_from; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (who[i] >= 0)
				control_tty_drain(&o, who[i]);
			else if (s->h.tty_clients[-1 - who[i]] >= 0)
				control_tty_input(&o, -1 - who[i]);
		}
		if (pfd[P_INIT].revents)
			return; /* init is gone: the full monitor takes it from here */
		for (nfds_t i = P_FIXED; i < ttys_from; i++)
			if (pfd[i].revents && s->h.clients[who[i]] >= 0)
				handle_request(s, who[i]);
		if (pfd[P_LISTEN].revents)
			accept_client(s);
	}
}

static int supervise(char **argv)
{
	struct sup s;
	int r = handoff_parse(argv, &s.h);

	if (r < 0) {
		fprintf(stderr, "sysc-supervisor: started by the sysc monitor only\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "sysc-monitor");
	r = ring_load(&s);
	if (r < 0)
		say("cannot load the console ring of %s", s.h.log, -r);
	for (;;) {
		loop(&s);
		/* only a failed exec comes back: init is gone, or poll broke */
		r = exec_back(&s, HANDOFF_EXIT);
		say("cannot hand init's exit to %s", "sysc", -r);
		sleep(1);
	}
}

static int keeper(int argc, char **argv)
{
	char *end;
	unsigned long long log_max;

	if (argc != 4)
		return 2;
	log_max = strtoull(argv[3], &end, 10);
	if (*argv[3] == '\0' || *end != '\0')
		return 2;
	prctl(PR_SET_NAME, "sysc-keeper");
	keeper_run(KEEPER_MASTER_FD, KEEPER_HOLD_FD, argv[1], argv[2], log_max);
	return 0;
}

int main(int argc, char *argv[])
{
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	if (strcmp(base, "sysc-keeper") == 0)
		return keeper(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "supervise") == 0)
		return supervise(argv + 2);
	fprintf(stderr, "sysc-supervisor: started by the sysc monitor only\n");
	return 2;
}
