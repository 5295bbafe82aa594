/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *program = "sysc";
static enum log_level max_level = LOG_LEVEL_INFO;
static int extra_fd = -1;
static int to_stderr = 1;
static char *rotate_path; /* the file extra_fd appends to, rotated at rotate_max */
static uint64_t rotate_max;
static pid_t rotate_pid; /* only the process that asked rotates (not its forks) */
static int json_lines;	 /* extra_fd gets JSON lines (sysc-oci --log-format json) */

void log_set_program(const char *name)
{
	program = name;
}

const char *log_get_program(void)
{
	return program;
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_set_fd(int fd)
{
	extra_fd = fd;
}

int log_get_fd(void)
{
	return extra_fd;
}

void log_set_rotate(const char *path, uint64_t max)
{
	free(rotate_path);
	rotate_path = path && max ? strdup(path) : NULL;
	rotate_max = max;
	rotate_pid = getpid();
}

/* The log file grew past its size: it becomes PATH.1 and a new PATH is
 * opened on the same fd number; stderr follows when it was the log too. */
static void rotate(void)
{
	struct stat st, err;
	char old[4096];
	int fd;

	if (!rotate_path || getpid() != rotate_pid || fstat(extra_fd, &st) < 0 ||
	    (uint64_t)st.st_size < rotate_max)
		return;
	snprintf(old, sizeof(old), "%s.1", rotate_path);
	if (rename(rotate_path, old) < 0)
		return;
	fd = open(rotate_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	if (fstat(STDERR_FILENO, &err) == 0 && err.st_dev == st.st_dev && err.st_ino == st.st_ino)
		dup2(fd, STDERR_FILENO);
	dup3(fd, extra_fd, O_CLOEXEC);
	close(fd);
}

void log_set_stderr(int on)
{
	to_stderr = on;
}

void log_set_json(int on)
{
	json_lines = on;
}

/* {"level":"error","msg":"...","time":"2026-01-01T00:00:00Z"}, as runc logs */
static void json_line(int fd, enum log_level level, const char *msg, time_t t)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char esc[4 * 2048 + 1], stamp[32];
	size_t n = 0;
	struct tm tm;

	for (const unsigned char *p = (const unsigned char *)msg; *p && n < sizeof(esc) - 7; p++) {
		if (*p == '"' || *p == '\\') {
			esc[n++] = '\\';
			esc[n++] = (char)*p;
		} else if (*p < 0x20)
			n += (size_t)snprintf(esc + n, sizeof(esc) - n, "\\u%04x", *p);
		else
			esc[n++] = (char)*p;
	}
	esc[n] = '\0';
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	dprintf(fd, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", names[level], esc,
		stamp);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {"error: ", "warning: ", "", "debug: "};
	char msg[2048];
	int saved = errno;

	if (level > max_level && extra_fd < 0)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (to_stderr && level <= max_level)
		dprintf(STDERR_FILENO, "%s: %s%s\n", program, prefix[level], msg);
	if (extra_fd >= 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (json_lines)
			json_line(extra_fd, level, msg, ts.tv_sec);
		else
			dprintf(extra_fd, "%lld.%03ld %s: %s%s\n", (long long)ts.tv_sec,
				ts.tv_nsec / 1000000, program, prefix[level], msg);
		rotate();
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_msg_errno(enum log_level level, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errno = error < 0 ? -error : error;
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
