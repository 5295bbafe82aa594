/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/proc.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/interrupt.h"
#include "util/monotonic.h"

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

static _Noreturn void run_timed_child(const struct proc_run_opts *o, int out, int err, int errpipe)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;
	int e;

	setpgid(0, 0);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
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

/* Drain every open capture that poll found readable; 0 when all reached
 * EOF, 1 if more may come, -errno. */
static int drain_ready(struct capture *c, const struct pollfd *pfd, size_t n)
{
	int open_fds = 0;

	for (size_t i = 0; i < n; i++) {
		if (c[i].fd >= 0 && pfd[i].revents) {
			int q = capture_drain(&c[i]);
			if (q < 0)
				return q;
			if (q == 0) {
				close(c[i].fd);
				c[i].fd = -1;
			}
		}
		open_fds += c[i].fd >= 0;
	}
	return open_fds > 0;
}

/* stdout into c[0]; stderr into c[1] when split, else into c[0] too */
static int run_timed(const struct proc_run_opts *o, bool split, struct capture c[2])
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, ep[2] = {-1, -1}, e = 0, r = 0, pidfd = -1;
	int64_t deadline = o->timeout_ms ? monotonic_ms() + o->timeout_ms : 0;
	int status;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0 || (split && pipe2(err, O_CLOEXEC) < 0) ||
	    pipe2(ep, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0)
		run_timed_child(o, out[1], split ? err[1] : out[1], ep[1]);
	setpgid(pid, pid); /* also in the child: whoever runs first */
	close(out[1]);
	if (split)
		close(err[1]);
	close(ep[1]);
	c[0].fd = out[0];
	c[1].fd = split ? err[0] : -1;
	/* EOF on the exec pipe: exec'd; an int: the exec's errno */
	ssize_t n;
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == sizeof(e)) {
		proc_wait_killable(pid);
		return -e;
	}
	for (int i = 0; i < 2; i++)
		if (c[i].fd >= 0)
			fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd pfd[3] = {{.fd = c[0].fd, .events = POLLIN},
					{.fd = c[1].fd, .events = POLLIN},
					{.fd = pidfd, .events = POLLIN}};
		int64_t left = deadline ? deadline - monotonic_ms() : -1;
		int q;

		if (deadline && left <= 0) {
			kill(-pid, SIGKILL);
			r = -ETIMEDOUT;
			break;
		}
		q = poll(pfd, 3, left > INT32_MAX ? INT32_MAX : (int)left);
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
		q = drain_ready(c, pfd, 2);
		if (q <= 0) {
			r = q;
			break;
		}
		if (pidfd >= 0 && pfd[2].revents) {
			/* it exited: take what it wrote, not what its children may still write */
			for (int i = 0; i < 2; i++)
				if (c[i].fd >= 0 && capture_drain(&c[i]) < 0 && r == 0)
					r = -EIO;
			break;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	status = proc_wait_killable(pid);
	if (r == 0 && status < 0)
		r = status;
	if (r == 0)
		r = proc_status_to_exit(status);
	return r;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return r;
}

/* Hand a capture's text to *ret (NULL: drop it); "" when nothing came. */
static int capture_take(struct capture *c, char **ret)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (!ret) {
		free(c->buf);
		return 0;
	}
	*ret = c->buf ? c->buf : strdup("");
	return *ret ? 0 : -ENOMEM;
}

int proc_run_timed(const struct proc_run_opts *o, char **ret_output)
{
	struct capture c[2] = {{.fd = -1}, {.fd = -1}};
	int r = run_timed(o, false, c);

	capture_take(&c[1], NULL);
	if ((r >= 0 || r == -ETIMEDOUT) && capture_take(&c[0], ret_output) < 0)
		return -ENOMEM;
	if (r < 0 && r != -ETIMEDOUT)
		capture_take(&c[0], NULL);
	return r;
}

int proc_run_capture(char *const argv[], char **ret_out, char **ret_err)
{
	struct proc_run_opts o = {.argv = argv};
	struct capture c[2] = {{.fd = -1}, {.fd = -1}};
	int r = run_timed(&o, true, c);

	if (r < 0) {
		capture_take(&c[0], NULL);
		capture_take(&c[1], NULL);
		return r;
	}
	if (capture_take(&c[0], ret_out) < 0 || capture_take(&c[1], ret_err) < 0)
		return -ENOMEM;
	return r;
}

uint64_t proc_starttime(pid_t pid)
{
	_cleanup_free_ char *path = str_printf("/proc/%d/stat", (int)pid), *data = NULL;
	unsigned long long start = 0;
	char *p;

	if (pid <= 0 || !path || fileio_read_at(AT_FDCWD, path, &data, NULL) < 0)
		return 0;
	/* the comm field may contain spaces and ')': skip to the last ')' */
	p = strrchr(data, ')');
	if (!p)
		return 0;
	/* fields after comm: state(3) ... starttime(22); a zombie counts as gone */
	if (p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
		   "%llu",
		   &start) != 1)
		return 0;
	return start;
}
