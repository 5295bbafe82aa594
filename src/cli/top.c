/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "lib/paths.h"
#include "lib/usage.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"Usage: %s [-b] [-n N] [-d SECS] [NAME...]\n"
	"\n"
	"Live resource usage of the running containers (or of the NAMEs given), from\n"
	"their cgroups: CPU (%% of one CPU over the last interval, and total time),\n"
	"memory (current and peak), processes and I/O bytes. Interactive: refreshed\n"
	"every SECS, 'q' or Ctrl-C quits.\n"
	"\n"
	"  -b, --batch          plain tables one after another, no screen control\n"
	"  -n, --iterations N   stop after N tables (default: until interrupted)\n"
	"  -d, --delay SECS     interval, e.g. 2 or 0.5 (default 2)\n"
	"\n"
	"Exit status: 0 done, 1 failed (e.g. no such container), 2 usage error.\n";

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void human(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double d = (double)v;
	int u = -1;

	if (v == UINT64_MAX) {
		snprintf(buf, len, "-");
		return;
	}
	while (d >= 1024 && u < 3) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64 "B", v);
	else
		snprintf(buf, len, "%.1f%c", d, units[u]);
}

static const struct usage_row *find(const struct usage_row *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

static void print_row(const struct usage_row *r, const struct usage_row *before)
{
	char cpu[24] = "-", t[32] = "-", mem[32], peak[32], rd[32], wr[32], pids[24] = "-";
	const struct cgroup_stats *s = &r->st;

	if (before && s->cpu_usec != UINT64_MAX && before->st.cpu_usec != UINT64_MAX &&
	    r->at_usec > before->at_usec && s->cpu_usec >= before->st.cpu_usec)
		snprintf(cpu, sizeof(cpu), "%.1f",
			 100.0 * (double)(s->cpu_usec - before->st.cpu_usec) /
				 (double)(r->at_usec - before->at_usec));
	if (s->cpu_usec != UINT64_MAX)
		snprintf(t, sizeof(t), "%.2fs", (double)s->cpu_usec / 1e6);
	if (s->pids_current != UINT64_MAX)
		snprintf(pids, sizeof(pids), "%" PRIu64, s->pids_current);
	human(s->memory_current, mem, sizeof(mem));
	human(s->memory_peak, peak, sizeof(peak));
	human(s->io_read_bytes, rd, sizeof(rd));
	human(s->io_write_bytes, wr, sizeof(wr));
	printf("%-16s %-8s %6s %10s %9s %9s %6s %9s %9s\n", r->name, state_name(r->state), cpu, t,
	       mem, peak, pids, rd, wr);
}

static void print_table(const struct usage_row *rows, size_t n, const struct usage_row *prev,
			size_t n_prev, bool batch)
{
	char when[32];
	time_t now = time(NULL);

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	if (!batch)
		printf("\033[H\033[2J");
	printf("sysc-top - %s - %zu container%s\n", when, n, n == 1 ? "" : "s");
	printf("%-16s %-8s %6s %10s %9s %9s %6s %9s %9s\n", "NAME", "STATE", "CPU%", "CPU-TIME",
	       "MEMORY", "PEAK", "PIDS", "IO-READ", "IO-WRITE");
	for (size_t i = 0; i < n; i++)
		print_row(&rows[i], find(prev, n_prev, rows[i].name));
	if (batch)
		printf("\n");
	fflush(stdout);
}

/* Sleep ms; interactive: return early on 'q'. */
static void wait_ms(int ms, bool keys)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	char c;

	if (!keys) {
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		return;
	}
	if (poll(&pfd, 1, ms) == 1 && read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
		quit = 1;
}

static int loop(const struct sysc_paths *p, char *const *names, bool batch, long iters, int ms)
{
	struct usage_row *prev = NULL, *cur = NULL;
	size_t n_prev = 0, n_cur = 0;
	bool keys = !batch && isatty(STDIN_FILENO);
	int r = usage_sample(p, names, &prev, &n_prev);

	for (long i = 0; r == 0 && !quit && (iters <= 0 || i < iters); i++) {
		wait_ms(ms, keys);
		if (quit)
			break;
		r = usage_sample(p, names, &cur, &n_cur);
		if (r < 0)
			break;
		print_table(cur, n_cur, prev, n_prev, batch);
		usage_free(prev, n_prev);
		prev = cur, n_prev = n_cur;
		cur = NULL;
	}
	usage_free(prev, n_prev);
	return r;
}

static int parse_delay(const char *s, int *ret_ms)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || d < 0.1 || d > 3600)
		return -1;
	*ret_ms = (int)(d * 1000);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"batch", no_argument, NULL, 'b'},
		{"iterations", required_argument, NULL, 'n'},
		{"delay", required_argument, NULL, 'd'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	struct termios saved, raw;
	bool batch = false, tty_raw = false;
	long iters = 0;
	int c, r, ms = 2000;
	char *end;

	while ((c = getopt_long(argc, argv, "bn:d:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			batch = true;
			break;
		case 'n':
			iters = strtol(optarg, &end, 10);
			if (*end || iters < 1)
				return cli_usage_error("invalid iterations \"%s\"", optarg);
			break;
		case 'd':
			if (parse_delay(optarg, &ms) < 0)
				return cli_usage_error("invalid delay \"%s\" (0.1 to 3600 s)",
						       optarg);
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if (!batch && !isatty(STDOUT_FILENO))
		batch = true;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!batch && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		tty_raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	r = cli_load_paths(&p);
	if (r == 0)
		r = loop(p, optind < argc ? argv + optind : NULL, batch, iters, ms);
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	paths_free(p);
	return cli_exit(r);
}
