/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The escape suite's probe: built statically by t-security.sh, copied into
 * a container and run there with sysc-attach. Each argument names one
 * attempt; for each it prints "NAME: ok" or "NAME: ERRNO_NAME" (e.g.
 * "kexec_load: EPERM"), so the test checks the errno, not merely a failure.
 *
 * --i386 first: the attempts go through the kernel's i386 entry (int 0x80
 * from this 64-bit process, i386 syscall numbers, AUDIT_ARCH_I386 for
 * seccomp), no 32-bit binary or libc needed. Each runs in a child, so a
 * kernel without that entry (int 0x80 faults) or a filter that kills shows
 * as "NAME: SIGSEGV" / "NAME: SIGSYS"; "getpid: ok" means the entry exists
 * and returned our pid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef NETLINK_AUDIT
#define NETLINK_AUDIT 9
#endif

struct root_handle {
	struct file_handle h;
	unsigned char data[128];
};

/* a handle of the container's own root, to be opened through the mount fd:
 * the "shocker" escape does the same with a guessed host handle */
static int root_handle(struct root_handle *fh)
{
	int mnt;

	*fh = (struct root_handle){.h.handle_bytes = sizeof(fh->data)};
	return name_to_handle_at(AT_FDCWD, "/", &fh->h, &mnt, 0);
}

static long open_by_handle(void)
{
	struct root_handle fh;

	if (root_handle(&fh) < 0)
		return -1;
	return syscall(SYS_open_by_handle_at, AT_FDCWD, &fh.h, O_RDONLY);
}

static long perf(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(a), .config = PERF_COUNT_SW_CPU_CLOCK};
	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static long settime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return clock_settime(CLOCK_REALTIME, &ts);
}

static long x32(long nr)
{
#ifdef __x86_64__
	return syscall(nr | 0x40000000L, 0, 0, 0, 0, 0);
#else
	(void)nr;
	errno = ENOTSUP;
	return -1;
#endif
}

static long probe(const char *n, const char *arg)
{
	char buf[4096];

	if (!strcmp(n, "kexec_load"))
		return syscall(SYS_kexec_load, 0, 0, NULL, 0);
#ifdef SYS_kexec_file_load
	if (!strcmp(n, "kexec_file_load"))
		return syscall(SYS_kexec_file_load, -1, -1, 0, "", 0);
#endif
	if (!strcmp(n, "init_module"))
		return syscall(SYS_init_module, buf, 16, "");
	if (!strcmp(n, "finit_module"))
		return syscall(SYS_finit_module, -1, "", 0);
	if (!strcmp(n, "delete_module"))
		return syscall(SYS_delete_module, "sysc_no_such_module", O_NONBLOCK);
	if (!strcmp(n, "open_by_handle_at"))
		return open_by_handle();
	if (!strcmp(n, "bpf"))
		return syscall(SYS_bpf, 0, NULL, 0);
	if (!strcmp(n, "perf_event_open"))
		return perf();
	if (!strcmp(n, "swapon"))
		return syscall(SYS_swapon, "/sysc-no-such-swap", 0);
	if (!strcmp(n, "swapoff"))
		return syscall(SYS_swapoff, "/sysc-no-such-swap");
	if (!strcmp(n, "iopl"))
		return syscall(SYS_iopl, 3);
	if (!strcmp(n, "ioperm"))
		return syscall(SYS_ioperm, 0x80, 1, 1);
	if (!strcmp(n, "acct"))
		return syscall(SYS_acct, NULL);
	if (!strcmp(n, "umount2_force")) /* arg: a mount point */
		return umount2(arg ? arg : "/tmp", MNT_FORCE);
	if (!strcmp(n, "umount2_plain")) /* not a mount point: EINVAL from the kernel */
		return umount2(arg ? arg : "/etc", 0);
	if (!strcmp(n, "netlink_audit"))
		return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (!strcmp(n, "netlink_route"))
		return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (!strcmp(n, "mknod_sda"))
		return mknod(arg ? arg : "/dev/sda", S_IFBLK | 0600, makedev(8, 0));
	if (!strcmp(n, "mknod_mem"))
		return mknod(arg ? arg : "/dev/mem", S_IFCHR | 0600, makedev(1, 1));
	if (!strcmp(n, "mknod_null")) /* allowed */
		return mknod(arg ? arg : "/dev/null2", S_IFCHR | 0666, makedev(1, 3));
	if (!strcmp(n, "open")) /* arg: path, opened read-only */
		return open(arg, O_RDONLY | O_CLOEXEC);
	if (!strcmp(n, "write")) { /* arg: path, "1" written */
		int fd = open(arg, O_WRONLY | O_CLOEXEC);
		return fd < 0 ? fd : write(fd, "1\n", 2);
	}
	if (!strcmp(n, "settime"))
		return settime();
	if (!strcmp(n, "syslog"))
		return klogctl(3, buf, sizeof(buf));
	if (!strcmp(n, "kill")) /* arg: pid */
		return kill(atoi(arg), 0);
	if (!strcmp(n, "mount_proc_rw")) /* a fresh proc instance is ours anyway */
		return mount("none", "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL);
	if (!strcmp(n, "x32_init_module"))
		return x32(175);
	if (!strcmp(n, "x32_getpid"))
		return x32(39);
	return -2; /* not on this ABI, or unknown */
}

#ifdef __x86_64__
/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl); kexec_file_load has none */
enum {
	I386_getpid = 20,
	I386_acct = 51,
	I386_umount2 = 52,
	I386_swapon = 87,
	I386_ioperm = 101,
	I386_iopl = 110,
	I386_swapoff = 115,
	I386_init_module = 128,
	I386_delete_module = 129,
	I386_kexec_load = 283,
	I386_perf_event_open = 336,
	I386_open_by_handle_at = 342,
	I386_finit_module = 350,
	I386_bpf = 357,
};

/* the i386 entry takes 32-bit arguments: pointers must lie below 4 GiB */
static char *low;

static long low_addr(const void *p, size_t n)
{
	static size_t used;
	char *q = low + used;

	if (used + n > 65536)
		abort();
	memcpy(q, p, n);
	used += (n + 15) & ~(size_t)15;
	return (long)q;
}

static long low_str(const char *s)
{
	return low_addr(s, strlen(s) + 1);
}

static long int80(long nr, long a, long b, long c, long d, long e)
{
	long r;

	/* r8-r11 were zeroed on the way back by kernels before 4.17 */
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "r8", "r9", "r10", "r11", "memory");
	r = (int)r; /* eax: -errno on failure */
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static long probe_i386(const char *n, const char *arg)
{
	char buf[16] = "";

	if (!strcmp(n, "getpid")) { /* the entry exists and answers */
		long r = int80(I386_getpid, 0, 0, 0, 0, 0);
		if (r >= 0 && r != getpid()) {
			errno = EPROTO;
			return -1;
		}
		return r;
	}
	if (!strcmp(n, "kexec_load"))
		return int80(I386_kexec_load, 0, 0, 0, 0, 0);
	if (!strcmp(n, "init_module"))
		return int80(I386_init_module, low_addr(buf, sizeof(buf)), 16, low_str(""), 0, 0);
	if (!strcmp(n, "finit_module"))
		return int80(I386_finit_module, -1, low_str(""), 0, 0, 0);
	if (!strcmp(n, "delete_module"))
		return int80(I386_delete_module, low_str("sysc_no_such_module"), O_NONBLOCK, 0, 0,
			     0);
	if (!strcmp(n, "open_by_handle_at")) {
		struct root_handle fh;

		if (root_handle(&fh) < 0)
			return -1;
		return int80(I386_open_by_handle_at, AT_FDCWD, low_addr(&fh, sizeof(fh)), O_RDONLY,
			     0, 0);
	}
	if (!strcmp(n, "bpf"))
		return int80(I386_bpf, 0, 0, 0, 0, 0);
	if (!strcmp(n, "perf_event_open")) {
		struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE,
					    .size = sizeof(a),
					    .config = PERF_COUNT_SW_CPU_CLOCK};
		return int80(I386_perf_event_open, low_addr(&a, sizeof(a)), 0, -1, -1, 0);
	}
	if (!strcmp(n, "swapon"))
		return int80(I386_swapon, low_str("/sysc-no-such-swap"), 0, 0, 0, 0);
	if (!strcmp(n, "swapoff"))
		return int80(I386_swapoff, low_str("/sysc-no-such-swap"), 0, 0, 0, 0);
	if (!strcmp(n, "iopl"))
		return int80(I386_iopl, 3, 0, 0, 0, 0);
	if (!strcmp(n, "ioperm"))
		return int80(I386_ioperm, 0x80, 1, 1, 0, 0);
	if (!strcmp(n, "acct"))
		return int80(I386_acct, 0, 0, 0, 0, 0);
	if (!strcmp(n, "umount2_force"))
		return int80(I386_umount2, low_str(arg ? arg : "/tmp"), MNT_FORCE, 0, 0, 0);
	if (!strcmp(n, "umount2_plain"))
		return int80(I386_umount2, low_str(arg ? arg : "/etc"), 0, 0, 0, 0);
	return -2;
}

/* one attempt in a child: "ok", the errno's name, "n/a" or the signal that ended it */
static void run_i386(const char *attempt, const char *n, const char *arg)
{
	int p[2], st, e = 0;
	long r = -3;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		perror("probe");
		exit(1);
	}
	if (pid == 0) {
		r = probe_i386(n, arg);
		e = errno;
		if (write(p[1], &r, sizeof(r)) != sizeof(r) ||
		    write(p[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != sizeof(r) || read(p[0], &e, sizeof(e)) != sizeof(e))
		r = -3;
	close(p[0]);
	if (waitpid(pid, &st, 0) < 0) {
		perror("probe: waitpid");
		exit(1);
	}
	if (WIFSIGNALED(st))
		printf("%s: SIG%s\n", attempt, sigabbrev_np(WTERMSIG(st)) ?: "?");
	else if (r == -3)
		printf("%s: ? (exit status %d)\n", attempt, WEXITSTATUS(st));
	else if (r == -2)
		printf("%s: n/a\n", attempt);
	else if (r >= 0)
		printf("%s: ok\n", attempt);
	else
		printf("%s: %s\n", attempt, strerrorname_np(e) ?: "?");
	fflush(stdout);
}
#endif

int main(int argc, char **argv)
{
	int i386 = argc > 1 && !strcmp(argv[1], "--i386");

#ifdef __x86_64__
	if (i386) {
		low = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (low == MAP_FAILED) {
			perror("probe: mmap(MAP_32BIT)");
			return 1;
		}
	}
#endif
	for (int i = 1 + i386; i < argc; i++) {
		char *name = strdup(argv[i]), *arg = strchr(name, '=');
		long r;

		if (arg)
			*arg++ = '\0';
#ifdef __x86_64__
		if (i386) {
			run_i386(argv[i], name, arg);
			free(name);
			continue;
		}
#endif
		errno = 0;
		r = i386 ? -2 : probe(name, arg);
		if (r == -2)
			printf("%s: n/a\n", argv[i]);
		else if (r >= 0)
			printf("%s: ok\n", argv[i]);
		else
			printf("%s: %s\n", argv[i],
			       strerrorname_np(errno) ? strerrorname_np(errno) : "?");
		free(name);
	}
	return 0;
}
