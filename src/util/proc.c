/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/proc.h"
#include "util/interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAPTURE_MAX (1024 * 1024)

int proc_status_to_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int proc_wait_killable(pid_t pid)
{
	int status;
	bool killed = false;

	for (;;) {
		if (waitpid(pid, &status, 0) == pid)
			return status;
		if (errno != EINTR)
			return -errno;
		if (interrupt_pending() && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		}
	}
}

int proc_signal_accepted(pid_t pid, int sig)
{
	char path[64], line[256];
	unsigned long long caught = 0, blocked = 0;
	bool seen = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "SigBlk:", 7) == 0)
			blocked = strtoull(line + 7, NULL, 16);
		else if (strncmp(line, "SigCgt:", 7) == 0) {
			caught = strtoull(line + 7, NULL, 16);
			seen = true;
		}
	}
	fclose(f);
	if (!seen)
		return -EIO;
	return ((caught | blocked) >> (sig - 1)) & 1ULL ? 1 : 0;
}

struct capture {
	int fd;
	char *buf;
	size_t len;
};

static int capture_read(struct capture *c)
{
	char tmp[4096];
	ssize_t n = read(c->fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	if (c->len < CAPTURE_MAX) {
		size_t take = (size_t)n;
		char *b;

		if (take > CAPTURE_MAX - c->len)
			take = CAPTURE_MAX - c->len;
		b = realloc(c->buf, c->len + take + 1);
		if (!b)
			return -ENOMEM;
		memcpy(b + c->len, tmp, take);
		c->buf = b;
		c->len += take;
		c->buf[c->len] = '\0';
	}
	return 1;
}

static _Noreturn void run_child(char *const argv[], int out, int err)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
	_exit(errno == ENOENT ? 127 : 126);
}

int proc_run_capture(char *const argv[], char **ret_out, char **ret_err)
{
	struct capture c[2] = {{.fd = -1}, {.fd = -1}};
	int out[2] = {-1, -1}, err[2] = {-1, -1}, r = 0, status;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0)
		run_child(argv, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	c[0].fd = out[0];
	c[1].fd = err[0];
	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd pfd[2] = {{.fd = c[0].fd, .events = POLLIN},
					{.fd = c[1].fd, .events = POLLIN}};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR && !interrupt_pending())
				continue;
			break; /* interrupted: reap below kills it */
		}
		for (int i = 0; i < 2; i++) {
			if (c[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			int q = capture_read(&c[i]);
			if (q <= 0) {
				if (q < 0 && r == 0)
					r = q;
				close(c[i].fd);
				c[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (c[i].fd >= 0)
			close(c[i].fd);
	status = proc_wait_killable(pid);
	if (status < 0 && r == 0)
		r = status;
	if (r == 0 && interrupt_pending())
		r = -EINTR;
	if (r == 0) {
		r = proc_status_to_exit(status);
		if (r == 127 && !c[1].buf)
			r = -ENOENT; /* could not be executed */
	}
	if (ret_out)
		*ret_out = c[0].buf ? c[0].buf : strdup("");
	else
		free(c[0].buf);
	if (ret_err)
		*ret_err = c[1].buf ? c[1].buf : strdup("");
	else
		free(c[1].buf);
	return r;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return r;
}

char *proc_tail_lines(const char *text, unsigned n)
{
	size_t len = text ? strlen(text) : 0;
	const char *start;
	char *res, *w;
	unsigned seen = 0;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	start = text ? text + len : "";
	while (start > text && seen < n) {
		start--;
		if (*start == '\n' && ++seen == n) {
			start++;
			break;
		}
	}
	res = malloc((size_t)(text + len - start) * 3 + 1);
	if (!res)
		return NULL;
	w = res;
	for (const char *s = start; s < text + len; s++) {
		if (*s == '\n') {
			memcpy(w, " | ", 3);
			w += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return res;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static _Noreturn void run_timed_child(const struct proc_run_opts *o, int out, int errpipe)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;
	int e;

	setpgid(0, 0);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		goto fail;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (o->envp && strchr(o->argv[0], '/'))
		execve(o->argv[0], o->argv, o->envp);
	else if (o->envp)
		execvpe(o->argv[0], o->argv, o->envp);
	else
		execvp(o->argv[0], o->argv);
fail:
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* Read what is there now: 1 more may come, 0 at EOF, -errno. */
static int capture_drain(struct capture *c)
{
	for (;;) {
		char tmp[4096];
		ssize_t n = read(c->fd, tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : -errno;
		if (n == 0)
			return 0;
		if (c->len < CAPTURE_MAX) {
			size_t take =
				(size_t)n > CAPTURE_MAX - c->len ? CAPTURE_MAX - c->len : (size_t)n;
			char *b = realloc(c->buf, c->len + take + 1);

			if (!b)
				return -ENOMEM;
			memcpy(b + c->len, tmp, take);
			c->buf = b;
			c->len += take;
			c->buf[c->len] = '\0';
		}
	}
}

int proc_run_timed(const struct proc_run_opts *o, char **ret_output)
{
	struct capture c = {.fd = -1};
	int out[2] = {-1, -1}, ep[2] = {-1, -1}, e = 0, r = 0, pidfd = -1, status;
	int64_t deadline = o->timeout_ms ? monotonic_ms() + o->timeout_ms : 0;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0)
		run_timed_child(o, out[1], ep[1]);
	setpgid(pid, pid); /* also in the child: whoever runs first */
	close(out[1]);
	close(ep[1]);
	c.fd = out[0];
	/* EOF on the exec pipe: exec'd; an int: the exec's errno */
	ssize_t n;
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == sizeof(e)) {
		close(c.fd);
		proc_wait_killable(pid);
		return -e;
	}
	fcntl(c.fd, F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (c.fd >= 0) {
		struct pollfd pfd[2] = {{.fd = c.fd, .events = POLLIN},
					{.fd = pidfd, .events = POLLIN}};
		int64_t left = deadline ? deadline - monotonic_ms() : -1;
		int q;

		if (deadline && left <= 0) {
			kill(-pid, SIGKILL);
			r = -ETIMEDOUT;
			break;
		}
		q = poll(pfd, pidfd >= 0 ? 2 : 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (q < 0 && errno == EINTR) {
			if (interrupt_pending()) {
				kill(-pid, SIGKILL);
				r = -EINTR;
				break;
			}
			continue;
		}
		if (q < 0) {
			r = -errno;
			kill(-pid, SIGKILL);
			break;
		}
		if (pfd[0].revents) {
			q = capture_drain(&c);
			if (q <= 0) {
				if (q < 0)
					r = q;
				break;
			}
		}
		if (pidfd >= 0 && pfd[1].revents) {
			/* it exited: take what it wrote, not what its children may still write */
			if (capture_drain(&c) < 0 && r == 0)
				r = -EIO;
			break;
		}
	}
	if (c.fd >= 0)
		close(c.fd);
	if (pidfd >= 0)
		close(pidfd);
	status = proc_wait_killable(pid);
	if (r == 0 && status < 0)
		r = status;
	if (r == 0)
		r = proc_status_to_exit(status);
	if (r >= 0 || r == -ETIMEDOUT) {
		*ret_output = c.buf ? c.buf : strdup("");
		if (!*ret_output)
			r = -ENOMEM;
	} else {
		free(c.buf);
	}
	return r;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return r;
}
