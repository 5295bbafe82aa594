/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *program = "sysc";
static enum log_level max_level = LOG_LEVEL_INFO;
static int extra_fd = -1;
static int to_stderr = 1;

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

void log_set_stderr(int on)
{
	to_stderr = on;
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
		dprintf(extra_fd, "%lld.%03ld %s: %s%s\n", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, program, prefix[level], msg);
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
