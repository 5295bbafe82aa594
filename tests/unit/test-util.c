/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The util/ conventions: DEFINE_CLEANUP_FUNC, log_error_errno/log_warn_errno
 * printing their error with %m, and monotonic_ms()/monotonic_us(). */
#include "tap.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/monotonic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct thing {
	int freed;
};

static int things_freed;

static void thing_free(struct thing *t)
{
	t->freed++;
	things_freed++;
}
DEFINE_CLEANUP_FUNC(struct thing *, thing_free)

static void test_cleanup_func(void)
{
	struct thing a = {0};

	things_freed = 0;
	{
		_cleanup_(thing_freep) struct thing *t = &a;
		_cleanup_(thing_freep) struct thing *none = NULL;
		(void)t;
		(void)none;
	}
	CHECK(a.freed == 1 && things_freed == 1, "the cleanup function frees once, skips NULL");
	{
		_cleanup_(thing_freep) struct thing *t = &a;
		struct thing *kept = TAKE_PTR(t);
		(void)kept;
	}
	CHECK(a.freed == 1 && things_freed == 1, "TAKE_PTR hands ownership on");
}

/* An argument whose evaluation changes errno, as a path helper might. */
static const char *clobber(const char *s)
{
	errno = EPERM;
	return s;
}

/* Everything logged to fd since the last call. */
static char *drain(int fd)
{
	static char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	return buf;
}

static void test_log_errno(void)
{
	int fd = memfd_create("log", MFD_CLOEXEC), r;
	const char *out;

	if (fd < 0)
		abort();
	log_set_stderr(0);
	log_set_fd(fd);

	errno = 0;
	r = log_error_errno(-ENOENT, "cannot open %s: %m", clobber("x"));
	out = drain(fd);
	CHECK(r == -ENOENT, "returns the negative errno (%d)", r);
	CHECK(strstr(out, "error: cannot open x: No such file or directory\n") != NULL,
	      "%%m prints the given error, not errno (%s)", out);
	CHECK(errno == ENOENT, "errno is left set to the error (%d)", errno);

	r = log_error_errno(EACCES, "positive: %m");
	out = drain(fd);
	CHECK(r == -EACCES, "a positive errno comes back negative (%d)", r);
	CHECK(strstr(out, "error: positive: Permission denied\n") != NULL, "%%m (%s)", out);

	r = log_warn_errno(-EBUSY, "cannot remove %s: %m", clobber("y"));
	out = drain(fd);
	CHECK(r == -EBUSY, "log_warn_errno returns the negative errno (%d)", r);
	CHECK(strstr(out, "warning: cannot remove y: Device or resource busy\n") != NULL,
	      "warning level, %%m prints the given error (%s)", out);

	log_set_fd(-1);
	log_set_stderr(1);
	close(fd);
}

static int64_t ts_ms(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

static int64_t ts_us(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000 + t->tv_nsec / 1000;
}

/* Each read between two reads of CLOCK_MONOTONIC, in its unit. */
static void test_monotonic(void)
{
	struct timespec a, b;
	int64_t m;

	clock_gettime(CLOCK_MONOTONIC, &a);
	m = monotonic_ms();
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(ts_ms(&a) <= m && m <= ts_ms(&b),
	      "monotonic_ms is CLOCK_MONOTONIC in ms (%lld <= %lld <= %lld)", (long long)ts_ms(&a),
	      (long long)m, (long long)ts_ms(&b));

	clock_gettime(CLOCK_MONOTONIC, &a);
	m = monotonic_us();
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(ts_us(&a) <= m && m <= ts_us(&b),
	      "monotonic_us is CLOCK_MONOTONIC in us (%lld <= %lld <= %lld)", (long long)ts_us(&a),
	      (long long)m, (long long)ts_us(&b));
}

int main(void)
{
	test_cleanup_func();
	test_log_errno();
	test_monotonic();
	return tap_done();
}
