/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The escape suite's probe: built statically by t-security.sh (also with
 * -m32 for the i386 ABI), copied into a container and run there with
 * sysc-attach. Each argument names one attempt; for each it prints
 * "NAME: ok" or "NAME: ERRNO_NAME" (e.g. "kexec_load: EPERM"), so the test
 * checks the errno, not merely a failure.
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
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef NETLINK_AUDIT
#define NETLINK_AUDIT 9
#endif

static long open_by_handle(void)
{
	struct {
		struct file_handle h;
		unsigned char data[128];
	} fh = {.h.handle_bytes = 128};
	int mnt;

	/* a handle of the container's own root, opened through the mount fd:
	 * the "shocker" escape does the same with a guessed host handle */
	if (name_to_handle_at(AT_FDCWD, "/", &fh.h, &mnt, 0) < 0)
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

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *name = strdup(argv[i]), *arg = strchr(name, '=');
		long r;

		if (arg)
			*arg++ = '\0';
		errno = 0;
		r = probe(name, arg);
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
