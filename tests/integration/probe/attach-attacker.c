/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attacker of t-security.sh's attach test: run (static) as root inside a
 * container while sysc-attach starts processes in it. It watches /proc for
 * new PIDs and, on each, as often as it can while the PID lives a few rounds:
 *   - pidfd_getfd() on fds 0..63 (counted: 3..63),
 *   - PTRACE_SEIZE (then interrupt, look, detach),
 *   - opens /proc/PID/fd/N, /proc/PID/cwd, /proc/PID/root,
 * and from every descriptor it gets walks ".." up to a / and tries the
 * host's canary files given on the command line: read SECRET (0600) and
 * READABLE (0644), append to WRITABLE (0666). A process it sees with the
 * overflow uid (a host uid not mapped in its user namespace) counts as one
 * with host credentials.
 *
 * Usage: attach-attacker SECRET READABLE WRITABLE DIR
 *        attach-attacker --wait DIR   (a command holding no fd: returns
 *                                      once DIR/<its pid> exists)
 * (the canaries: host paths; DIR: a directory inside). Prints "ready" once
 * it watches, creates DIR/PID once it went for PID (a command can wait for
 * that), runs until DIR/stop exists, then prints one line:
 *   pids N getfd N seized N hostdir N read N append N hostcred N anon N
 * (anon: stdio that is an anonymous inode, e.g. a pidfd: none the user gave)
 * and a line "HOST ..." for each success against the host.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PID (1 << 22)
#define ROUNDS	4

static unsigned char *seen; /* rounds done per pid */
static const char *canary[3];
static unsigned long n_pids, n_getfd, n_seized, n_hostdir, n_read, n_append, n_hostcred, n_anon;

/* "../../..(40 times)/path": from any directory, up to a / and down again. */
static void up_path(char *buf, size_t len, const char *path)
{
	size_t o = 0;

	for (int i = 0; i < 40 && o + 3 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "../");
	snprintf(buf + o, len - o, "%s", path + (path[0] == '/'));
}

/* Try the canaries from dirfd (any kind of fd: only directories work). */
static void try_host(int fd, const char *how)
{
	char path[4096], data[256];
	struct stat st;
	int f;

	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	up_path(path, sizeof(path), canary[1]);
	/* the canaries are absent from the container: reaching them is the host */
	if (faccessat(fd, path, F_OK, 0) == 0) {
		n_hostdir++;
		printf("HOST dir via %s\n", how);
	}
	for (int i = 0; i < 2; i++) {
		up_path(path, sizeof(path), canary[i]);
		f = openat(fd, path, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			continue;
		ssize_t n = read(f, data, sizeof(data) - 1);
		close(f);
		if (n > 0) {
			data[n] = '\0';
			data[strcspn(data, "\n")] = '\0';
			n_read++;
			printf("HOST read %s via %s: %s\n", canary[i], how, data);
		}
	}
	up_path(path, sizeof(path), canary[2]);
	f = openat(fd, path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (f >= 0) {
		if (write(f, "escaped\n", 8) == 8) {
			n_append++;
			printf("HOST append %s via %s\n", canary[2], how);
		}
		close(f);
	}
}

static void try_proc_links(pid_t pid)
{
	char path[64], how[80];
	int fd;

	for (int n = -2; n < 64; n++) {
		if (n == -2)
			snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
		else if (n == -1)
			snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		else
			snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, n);
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		snprintf(how, sizeof(how), "%s", path);
		try_host(fd, how);
		close(fd);
	}
}

/* The overflow uid in Uid: a host uid this user namespace does not map. */
static void check_creds(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Uid:", 4) == 0 && strstr(line, "65534")) {
			n_hostcred++;
			printf("HOST credentials seen in pid %d: %s", (int)pid, line);
		}
	fclose(f);
}

/* stdio that is an anon inode (a pidfd, an epoll...) is none the user gave */
static void check_anon(int fd, pid_t pid, int n)
{
	char path[64], target[128];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	len = readlink(path, target, sizeof(target) - 1);
	if (len <= 0)
		return;
	target[len] = '\0';
	if (strncmp(target, "anon_inode:", 11) == 0) {
		n_anon++;
		printf("HOST fd %d of pid %d: %s\n", n, (int)pid, target);
	}
}

static void attack(pid_t pid)
{
	char how[64];
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), st;

	check_creds(pid);
	if (pidfd >= 0) {
		for (int n = 0; n < 64; n++) {
			int fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
			if (fd < 0)
				continue;
			if (n > 2) /* stdio is the command's: only what it is counts */
				n_getfd++;
			else
				check_anon(fd, pid, n);
			snprintf(how, sizeof(how), "pidfd_getfd(%d, %d)", (int)pid, n);
			try_host(fd, how);
			close(fd);
		}
		close(pidfd);
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
		n_seized++;
		if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0)
			waitpid(pid, &st, __WALL);
		try_proc_links(pid);
		ptrace(PTRACE_DETACH, pid, 0, 0);
	} else {
		try_proc_links(pid);
	}
}

int main(int argc, char **argv)
{
	pid_t self = getpid();

	if (argc == 3 && strcmp(argv[1], "--wait") == 0) {
		char mark[4096];
		snprintf(mark, sizeof(mark), "%s/%d", argv[2], (int)self);
		while (access(mark, F_OK) < 0)
			usleep(1000);
		return 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: %s SECRET READABLE WRITABLE DIR\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < 3; i++)
		canary[i] = argv[i + 1];
	seen = calloc(MAX_PID, 1);
	if (!seen)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* what exists now is the container's own */
	DIR *d = opendir("/proc");
	struct dirent *de;
	if (!d)
		return 1;
	while ((de = readdir(d))) {
		long p = strtol(de->d_name, NULL, 10);
		if (p > 0 && p < MAX_PID)
			seen[p] = ROUNDS;
	}
	printf("ready\n");
	char stop[4096];
	snprintf(stop, sizeof(stop), "%s/stop", argv[4]);
	while (access(stop, F_OK) < 0) {
		rewinddir(d);
		while ((de = readdir(d))) {
			long p = strtol(de->d_name, NULL, 10);
			if (p <= 0 || p >= MAX_PID || p == self || seen[p] >= ROUNDS)
				continue;
			attack((pid_t)p);
			if (seen[p]++ == 0) {
				char mark[4096];
				n_pids++;
				snprintf(mark, sizeof(mark), "%s/%ld", argv[4], p);
				close(open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
			}
		}
		/* reap anything we traced that ended */
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
	}
	printf("pids %lu getfd %lu seized %lu hostdir %lu read %lu append %lu hostcred %lu anon "
	       "%lu\n",
	       n_pids, n_getfd, n_seized, n_hostdir, n_read, n_append, n_hostcred, n_anon);
	return 0;
}
