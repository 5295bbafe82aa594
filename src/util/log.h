/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging: one line per message on stderr, "sysc-<cmd>: message".
 * The layer that can explain a failure to a person logs it, once. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

void log_set_program(const char *name);
const char *log_get_program(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Also append every message to this fd (e.g. the monitor's log file); -1 to stop. */
void log_set_fd(int fd);
int log_get_fd(void);
/* The fd of log_set_fd() appends to the file PATH: once it reaches max bytes
 * it is renamed PATH.1 (replacing an older one) and PATH begun anew, on the
 * same fd number. NULL or 0: never rotated. */
void log_set_rotate(const char *path, uint64_t max);
/* Whether messages go to stderr (the monitor turns this off after detaching). */
void log_set_stderr(int on);
/* Lines to the log_set_fd() file as JSON ({"level":...,"msg":...,"time":...}). */
void log_set_json(int on);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Log at level with errno set to |error| while the message is formatted, so
 * "%m" prints it; errno is left set to |error| afterwards. */
void log_msg_errno(enum log_level level, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Log an error whose cause is r (a negative or positive errno), printed with
 * "%m", and return -|r|, so "return log_error_errno(r, "cannot ...: %m")" works.
 * "%m" is the one way to print an error: not strerror(). */
#define log_error_errno(r, ...)                                                                    \
	({                                                                                         \
		int _log_errno_r = (r);                                                            \
		log_msg_errno(LOG_LEVEL_ERROR, _log_errno_r, __VA_ARGS__);                         \
		_log_errno_r < 0 ? _log_errno_r : -_log_errno_r;                                   \
	})

/* The same at warning level, for failures that do not stop the operation. */
#define log_warn_errno(r, ...)                                                                     \
	({                                                                                         \
		int _log_errno_r = (r);                                                            \
		log_msg_errno(LOG_LEVEL_WARN, _log_errno_r, __VA_ARGS__);                          \
		_log_errno_r < 0 ? _log_errno_r : -_log_errno_r;                                   \
	})

/* Negative errno from the current errno (never 0). */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
