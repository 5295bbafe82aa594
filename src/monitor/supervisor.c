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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
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

static void reply(int fd, const struct sup *s, int ret, const char *msg, int pass_fd)
{
	struct control_response resp = {
		.version = CONTROL_VERSION,
		.ret = ret,
		.state = STATE_RUNNING,
		.init_pid = s->h.pid,
	};

	if (msg)
		snprintf(resp.message, sizeof(resp.message), "%s", msg);
	control_send(fd, &resp, pass_fd);
}

static int tty_master(const struct sup *s, int tty)
{
	if (tty == 0)
		return s->h.console;
	if (tty > 0 && (unsigned)tty <= s->h.n_ttys)
		return s->h.ttys[tty - 1];
	return -ENOENT;
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

static int ring_memfd(const struct sup *s)
{
	char *data = NULL;
	size_t len = 0;
	int fd = -1, r = console_ring_snapshot(&s->ring, &data, &len);

	if (r == 0 && (fd = memfd_create("sysc-console-ring", MFD_CLOEXEC)) < 0)
		r = -errno;
	if (r == 0)
		r = fileio_write_all(fd, data, len);
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = -errno;
	free(data);
	if (r < 0 && fd >= 0)
		close(fd);
	return r < 0 ? r : fd;
}

/* Back to sysc (monitor_resume()) with everything; returns only on failure. */
static int exec_back(struct sup *s, enum handoff_event ev)
{
	char **argv;
	int r;

	s->h.event = ev;
	s->h.ring = ring_memfd(s);
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

/* (the messages are the full monitor's, monitor.c) */
static void attach_tty(struct sup *s, int fd, int tty)
{
	char msg[128];
	int sv[2];

	if (tty_master(s, tty) < 0) {
		snprintf(msg, sizeof(msg), "%s has no tty %d (console.ttys = %u)", s->h.name, tty,
			 s->h.n_ttys);
		reply(fd, s, -ENOENT, msg, -1);
		return;
	}
	if (s->h.tty_clients[tty] >= 0) {
		snprintf(msg, sizeof(msg), "tty %d of %s is in use by another client", tty,
			 s->h.name);
		reply(fd, s, -EBUSY, msg, -1);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		reply(fd, s, -errno, "socketpair failed", -1);
		return;
	}
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	s->h.tty_clients[tty] = sv[0];
	if (tty > 0)
		fcntl(tty_master(s, tty), F_SETFL, O_NONBLOCK);
	reply(fd, s, 0, NULL, sv[1]);
	close(sv[1]);
}

static void detach_tty(struct sup *s, int tty)
{
	close(s->h.tty_clients[tty]);
	s->h.tty_clients[tty] = -1;
}

static void send_log(struct sup *s, int fd)
{
	int mfd = ring_memfd(s);

	reply(fd, s, mfd < 0 ? mfd : 0, mfd < 0 ? "cannot copy the console buffer" : NULL, mfd);
	if (mfd >= 0)
		close(mfd);
}

static void handle_request(struct sup *s, int slot)
{
	int fd = s->h.clients[slot];
	struct control_request req;
	int r = control_recv(fd, &req);

	if (r == -ECONNRESET || r == -EBADMSG) {
		close(fd);
		s->h.clients[slot] = -1;
		return;
	}
	if (r < 0) {
		reply(fd, s, r,
		      r == -EPERM	 ? "permission denied"
		      : r == -EOPNOTSUPP ? "unknown request"
					 : "protocol version mismatch",
		      -1);
		return;
	}
	switch (req.cmd) {
	case CONTROL_STATE:
		reply(fd, s, 0, NULL, -1);
		break;
	case CONTROL_STOP:
		/* the full monitor stops it and answers this client */
		s->h.clients[slot] = -1;
		s->h.stop_fd = fd;
		s->h.stop_timeout = req.arg;
		s->h.stop_kill = req.flags & CONTROL_F_KILL;
		r = exec_back(s, HANDOFF_STOP);
		s->h.clients[slot] = fd;
		s->h.stop_fd = -1;
		reply(fd, s, r, "cannot hand the stop to the monitor", -1);
		break;
	case CONTROL_REBOOT:
		r = syscall(SYS_pidfd_send_signal, s->h.pidfd, s->h.reboot_sig, NULL, 0) < 0
			    ? -errno
			    : 0;
		reply(fd, s, r, r < 0 ? "cannot signal init" : NULL, -1);
		break;
	case CONTROL_CONSOLE:
		attach_tty(s, fd, req.arg);
		break;
	case CONTROL_RESIZE: {
		struct winsize ws = {.ws_row = (unsigned short)(req.flags >> 16),
				     .ws_col = (unsigned short)(req.flags & 0xffff)};
		int master = tty_master(s, req.arg);
		r = master < 0 ? -ENOENT : ioctl(master, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
		reply(fd, s, r, r < 0 ? "cannot resize tty" : NULL, -1);
		break;
	}
	case CONTROL_LOG:
		send_log(s, fd);
		break;
	case CONTROL_PIDFD:
		reply(fd, s, 0, NULL, s->h.pidfd);
		break;
	default:
		reply(fd, s, -EOPNOTSUPP, "unknown request", -1);
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

static void drain_tty(struct sup *s, int tty)
{
	int master = tty_master(s, tty);
	char buf[8192];

	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			return;
		if (tty == 0)
			console_ring_write(&s->ring, buf, (size_t)n);
		if (s->h.tty_clients[tty] >= 0 &&
		    send(s->h.tty_clients[tty], buf, (size_t)n, MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN)
			detach_tty(s, tty);
	}
}

static void client_input(struct sup *s, int tty)
{
	char buf[4096];
	ssize_t n = read(s->h.tty_clients[tty], buf, sizeof(buf));

	if (n > 0)
		fileio_write_all(tty_master(s, tty), buf, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		detach_tty(s, tty);
}

enum { P_INIT, P_LISTEN, P_FIXED };

static void loop(struct sup *s)
{
	for (;;) {
		struct pollfd pfd[P_FIXED + HANDOFF_MAX_CLIENTS + 2 * (HANDOFF_MAX_TTYS + 1)];
		int who[P_FIXED + HANDOFF_MAX_CLIENTS + 2 * (HANDOFF_MAX_TTYS + 1)];
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
				pfd[n++] = (struct pollfd){.fd = tty_master(s, (int)t),
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
				drain_tty(s, who[i]);
			else if (s->h.tty_clients[-1 - who[i]] >= 0)
				client_input(s, -1 - who[i]);
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
