/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proc_run_timed() and proc_run_capture(): exit codes, captured output, environment, exec
 * failures, and the timeout that kills the whole process group. */
#include "tap.h"
#include "util/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int run(const char *script, char *const *env, unsigned timeout_ms, char **out)
{
	char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
	struct proc_run_opts o = {.argv = argv, .envp = env, .timeout_ms = timeout_ms};

	*out = NULL;
	return proc_run_timed(&o, out);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void exit_codes_and_output(void)
{
	char *out;
	int r = run("echo one; echo two >&2; echo three; exit 7", NULL, 0, &out);

	CHECK(r == 7, "exit status 7 (got %d)", r);
	CHECK_STREQ(out, "one\ntwo\nthree\n", "stdout and stderr interleaved in order");
	free(out);
	r = run("kill -TERM $$", NULL, 0, &out);
	CHECK(r == 128 + SIGTERM, "killed by SIGTERM: 143 (got %d)", r);
	free(out);
	r = run("read x; echo \"[$x]\"", NULL, 0, &out);
	CHECK(r == 0 && out && strcmp(out, "[]\n") == 0, "stdin is /dev/null");
	free(out);
}

static void environment(void)
{
	char *env[] = {"PATH=/usr/bin:/bin", "SYSC_X=1", NULL};
	char *out;
	int r;

	setenv("SYSC_LEAK", "yes", 1);
	r = run("env | sort", env, 0, &out);
	CHECK(r == 0 && out && strstr(out, "SYSC_X=1\n") && !strstr(out, "SYSC_LEAK"),
	      "only the given environment: %s", out ? out : "(null)");
	free(out);
}

static void exec_failures(void)
{
	char *argv[] = {"/nonexistent/hook", NULL};
	struct proc_run_opts o = {.argv = argv, .envp = (char *[]){NULL}};
	char *out = NULL;
	int r = proc_run_timed(&o, &out);

	CHECK(r == -ENOENT && !out, "missing program: -ENOENT (got %d)", r);
	char plain[] = "/tmp/test-proc-XXXXXX";
	int fd = mkstemp(plain); /* mode 0600: not executable */

	CHECK(fd >= 0, "mkstemp");
	close(fd);
	argv[0] = plain;
	r = proc_run_timed(&o, &out);
	CHECK(r == -EACCES, "not executable: -EACCES (got %d)", r);
	unlink(plain);
}

static void timeout_kills_the_group(void)
{
	char pidfile[] = "/tmp/test-proc-XXXXXX";
	char script[256], *out;
	double t0 = now();
	int fd = mkstemp(pidfile), r;
	FILE *f;
	pid_t child = 0;

	CHECK(fd >= 0, "mkstemp");
	close(fd);
	snprintf(script, sizeof(script), "echo started; sleep 300 & echo $! >%s; wait", pidfile);
	r = run(script, NULL, 300, &out);
	CHECK(r == -ETIMEDOUT, "timed out (got %d)", r);
	CHECK_STREQ(out, "started\n", "output before the timeout kept");
	printf("# killed after %.3f s (timeout 0.3 s)\n", now() - t0);
	free(out);
	f = fopen(pidfile, "re");
	CHECK(f && fscanf(f, "%d", &child) == 1 && child > 0, "background child's pid");
	if (f)
		fclose(f);
	unlink(pidfile);
	/* the group was SIGKILLed; the orphan is reaped by init soon after */
	for (int i = 0; i < 200 && child > 0 && kill(child, 0) == 0; i++)
		usleep(10000);
	CHECK(child > 0 && kill(child, 0) < 0 && errno == ESRCH, "its background child is gone");
}

static void exit_with_child_holding_the_pipe(void)
{
	char *out;
	int r = run("echo done; (exec 2>&-; setsid sleep 2 >/dev/null &) ; exit 0", NULL, 5000,
		    &out);

	CHECK(r == 0, "ends when the command exits (got %d)", r);
	free(out);
	r = run("echo bye; sleep 2 & exit 3", NULL, 5000, &out);
	CHECK(r == 3, "a child that keeps stdout does not hold it up (got %d)", r);
	CHECK_STREQ(out, "bye\n", "output up to the exit");
	free(out);
}

/* proc_run_capture: stdout and stderr apart; a missing tool is -ENOENT */
static void capture_split(void)
{
	char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; echo more; exit 3", NULL};
	char *missing[] = {"sysc-no-such-tool", NULL};
	char *out = NULL, *err = NULL, *tail;
	int r = proc_run_capture(argv, &out, &err);

	CHECK(r == 3, "capture: exit status 3 (got %d)", r);
	CHECK_STREQ(out, "out\nmore\n", "capture: stdout alone");
	CHECK_STREQ(err, "err\n", "capture: stderr alone");
	free(out);
	free(err);
	r = proc_run_capture(missing, NULL, NULL);
	CHECK(r == -ENOENT, "capture: a missing tool is -ENOENT (got %d)", r);
	tail = proc_tail_lines("a\nb\nc\nd\n", 2);
	CHECK_STREQ(tail, "c | d", "tail_lines: the last two lines on one line");
	free(tail);
}

int main(void)
{
	capture_split();
	exit_codes_and_output();
	environment();
	exec_failures();
	timeout_kills_the_group();
	exit_with_child_holding_the_pipe();
	return tap_done();
}
