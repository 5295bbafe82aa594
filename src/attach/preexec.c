/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysc-attach's first instructions, before the C library starts: the
 * re-execution from a detached read-only overlay of its own directory
 * (rexec.c says why), made here with raw system calls so that the C
 * library's start-up (on this kind of machine ~0.2 ms, most of it CPUID
 * instructions the hypervisor traps) runs once per attach instead of twice
 * (doc/benchmarks.md, "Attach, third round").
 *
 * The static sysc-attach is linked with this entry point (Makefile.am,
 * x86_64 only): sysc_attach_entry calls sysc_attach_preexec() with the
 * initial stack, which either never returns (the sealed copy runs) or
 * returns having changed nothing, and then jumps to the C library's
 * _start as if nothing had happened; main() then finds itself sealed, or
 * does the same re-execution with its fallbacks and error messages
 * (attach_rexec_sealed()).
 *
 * Nothing here may touch what the C library has not set up yet: no call
 * into it (no errno, no memcpy/memset the compiler could emit for large
 * initialisers), no thread-local storage (hence no stack protector), no
 * pointer stored in data (a static-pie has not relocated itself yet).
 */
#if defined(__x86_64__)

#include <fcntl.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

/* (helpers inlined even at -O0: no function here may have a stack guard) */
#define NOSP   __attribute__((no_stack_protector, noinline))
#define INLINE static inline __attribute__((no_stack_protector, always_inline))

INLINE long sc(long n, long a, long b, long c, long d, long e)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

INLINE bool has_prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

/* "/proc/self/fd/N" */
INLINE void fd_path(char *buf, long fd)
{
	const char *p = "/proc/self/fd/";
	char digits[24];
	int n = 0;

	while (*p)
		*buf++ = *p++;
	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* A detached, read-only mount of a new fs of type with up to two
 * lowerdir+ layers, or -errno. */
INLINE long mount_detached(const char *type, const char *lower1, const char *lower2)
{
	long fs = sc(SYS_fsopen, (long)type, FSOPEN_CLOEXEC, 0, 0, 0), m = -1;

	if (fs < 0)
		return fs;
	if ((!lower1 ||
	     sc(SYS_fsconfig, fs, FSCONFIG_SET_STRING, (long)"lowerdir+", (long)lower1, 0) == 0) &&
	    (!lower2 ||
	     sc(SYS_fsconfig, fs, FSCONFIG_SET_STRING, (long)"lowerdir+", (long)lower2, 0) == 0) &&
	    sc(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0) == 0)
		m = sc(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
		       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID, 0, 0);
	sc(SYS_close, fs, 0, 0, 0, 0);
	return m;
}

NOSP void sysc_attach_preexec(long *sp);
NOSP void sysc_attach_preexec(long *sp)
{
	char **argv = (char **)(sp + 1), **envp = argv + sp[0] + 1;
	char path[4096], tmp_path[40], *base = 0;
	long n, tmp, ovl = -1, exe = -1;
	struct statfs sf;

	n = sc(SYS_readlink, (long)"/proc/self/exe", (long)path, sizeof(path) - 1, 0, 0);
	if (n <= 1 || path[0] != '/')
		return;
	path[n] = '\0';
	/* already sealed (a read-only mount, or a memfd copy), or gone */
	if (has_prefix(path, "/memfd:") || (n > 10 && has_prefix(path + n - 10, " (deleted)")) ||
	    (sc(SYS_statfs, (long)"/proc/self/exe", (long)&sf, 0, 0, 0) == 0 &&
	     (sf.f_flags & ST_RDONLY)))
		return;
	for (long i = n - 1; i > 0; i--)
		if (path[i] == '/') {
			base = path + i + 1;
			path[i] = '\0';
			break;
		}
	if (!base || !*base)
		return;
	tmp = mount_detached("tmpfs", 0, 0);
	if (tmp < 0)
		return;
	fd_path(tmp_path, tmp);
	ovl = mount_detached("overlay", path, tmp_path);
	if (ovl >= 0)
		exe = sc(SYS_openat, ovl, (long)base, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, 0);
	if (exe >= 0)
		sc(SYS_execveat, exe, (long)"", (long)argv, (long)envp, AT_EMPTY_PATH);
	/* failed: main() tries again, with its fallbacks and messages */
	sc(SYS_close, exe, 0, 0, 0, 0);
	sc(SYS_close, ovl, 0, 0, 0, 0);
	sc(SYS_close, tmp, 0, 0, 0, 0);
}

/* The entry point: the kernel's initial stack (argc, argv..., envp...) as
 * the argument, %rdx back to 0 (the C library's _start takes it as the
 * dynamic linker's fini function: none in a static executable). */
__asm__(".text\n"
	".globl sysc_attach_entry\n"
	".type sysc_attach_entry, @function\n"
	"sysc_attach_entry:\n"
	"	mov %rsp, %rbx\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call sysc_attach_preexec\n"
	"	mov %rbx, %rsp\n"
	"	xor %ebx, %ebx\n"
	"	xor %edx, %edx\n"
	"	jmp _start\n"
	".size sysc_attach_entry, .-sysc_attach_entry\n");

#endif
