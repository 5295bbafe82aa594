/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A parsed profile -> a libseccomp filter. Every ABI the host runs is added
 * (x86_64: also i386 and x32), so a call blocked natively stays blocked
 * through int 0x80 or the x32 syscall numbers; a process using an ABI the
 * filter lacks is killed (libseccomp's bad-arch action).
 */
#include "security/seccomp.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* config/default.seccomp as a C string, generated at build time */
#include "src/security/default-seccomp.inc"

static uint32_t action(const struct seccomp_act *a)
{
	switch (a->kind) {
	case SECCOMP_ACT_ALLOW:
		return SCMP_ACT_ALLOW;
	case SECCOMP_ACT_ERRNO:
		return SCMP_ACT_ERRNO((uint16_t)a->err);
	case SECCOMP_ACT_KILL:
		return SCMP_ACT_KILL_PROCESS;
	case SECCOMP_ACT_TRAP:
		return SCMP_ACT_TRAP;
	case SECCOMP_ACT_LOG:
		return SCMP_ACT_LOG;
	}
	return SCMP_ACT_KILL_PROCESS;
}

static enum scmp_compare compare(enum seccomp_op op)
{
	static const enum scmp_compare map[] = {
		[SECCOMP_OP_EQ] = SCMP_CMP_EQ,
		[SECCOMP_OP_NE] = SCMP_CMP_NE,
		[SECCOMP_OP_LT] = SCMP_CMP_LT,
		[SECCOMP_OP_LE] = SCMP_CMP_LE,
		[SECCOMP_OP_GT] = SCMP_CMP_GT,
		[SECCOMP_OP_GE] = SCMP_CMP_GE,
		[SECCOMP_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};
	return map[op];
}

static int add_arches(scmp_filter_ctx ctx, const struct seccomp_profile *p)
{
	uint32_t host[8];
	const uint32_t *a = p->arches;
	size_t n = p->n_arches;
	bool native = false;

	if (!a) {
		n = seccomp_host_arches(host, ARRAY_SIZE(host));
		a = host;
	}
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_arch_add(ctx, a[i]);
		/* the native one is present from seccomp_init(); -EEXIST is also
		 * an ABI named twice, which must not keep the native one */
		if (a[i] == seccomp_arch_native())
			native = true;
		if (r < 0 && r != -EEXIST)
			return log_error_errno(r,
					       "%s: cannot add architecture %u to the filter: %m",
					       p->file, a[i]);
	}
	/* an explicit list without the native ABI: drop it */
	if (!native && seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE) < 0)
		return log_error_errno(-EINVAL, "%s: cannot remove the native architecture",
				       p->file);
	return 0;
}

/* Add one rule on every ABI where the syscall exists. */
static int add_rule(scmp_filter_ctx ctx, const struct seccomp_profile *p,
		    const struct seccomp_rule *rule)
{
	struct scmp_arg_cmp cmp[6];
	int nr = seccomp_syscall_resolve_name(rule->syscall);
	int r;

	for (unsigned i = 0; i < rule->n_args; i++) {
		const struct seccomp_arg_test *t = &rule->args[i];
		cmp[i] = (struct scmp_arg_cmp){
			.arg = t->arg,
			.op = compare(t->op),
			.datum_a = t->op == SECCOMP_OP_MASKED_EQ ? t->mask : t->value,
			.datum_b = t->op == SECCOMP_OP_MASKED_EQ ? t->value : 0,
		};
	}
	if (nr == __NR_SCMP_ERROR) /* not on the native ABI (socketcall on x86_64) */
		return 0;
	r = seccomp_rule_add_array(ctx, action(&rule->act), nr, rule->n_args, cmp);
	if (r < 0)
		return log_error_errno(r, "%s:%u: cannot add the rule for %s: %m", p->file,
				       rule->line, rule->syscall);
	return 0;
}

static bool same_action(const struct seccomp_act *a, const struct seccomp_act *b)
{
	return a->kind == b->kind && (a->kind != SECCOMP_ACT_ERRNO || a->err == b->err);
}

int seccomp_build(const struct seccomp_profile *p, bool allow_bpf, void **ret_ctx)
{
	scmp_filter_ctx ctx = seccomp_init(action(&p->def));
	int r;

	if (!ctx)
		return log_error_errno(-ENOMEM, "%s: cannot create a seccomp filter", p->file);
	/* filters stack: systemd inside adds its own */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = add_arches(ctx, p);
	for (size_t i = 0; r == 0 && i < p->n_rules; i++) {
		const struct seccomp_rule *rule = &p->rules[i];
		if (same_action(&rule->act, &p->def) ||
		    (allow_bpf && strcmp(rule->syscall, "bpf") == 0))
			continue;
		r = add_rule(ctx, p, rule);
	}
	if (r == 0 && allow_bpf && p->def.kind != SECCOMP_ACT_ALLOW)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(bpf), 0);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret_ctx = ctx;
	return 0;
}

/* The filter as compiled BPF, so the child only makes one system call. */
struct seccomp_prog {
	struct sock_fprog prog;
	struct sock_filter insns[];
};

int seccomp_compile(void *ctx, void **ret_prog)
{
	_cleanup_close_ int fd = memfd_create("sysc-seccomp", MFD_CLOEXEC);
	struct seccomp_prog *p;
	off_t size;
	int r;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter))
		return -EINVAL;
	/* the kernel refuses more (and prog.len would wrap at 65536) */
	if (size > BPF_MAXINSNS * (off_t)sizeof(struct sock_filter))
		return -E2BIG;
	p = calloc(1, sizeof(*p) + (size_t)size);
	if (!p)
		return -ENOMEM;
	if (pread(fd, p->insns, (size_t)size, 0) != size) {
		free(p);
		return -EIO;
	}
	p->prog.len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	p->prog.filter = p->insns;
	*ret_prog = p;
	return 0;
}

int seccomp_prog_from_insns(const void *insns, size_t n, void **ret_prog)
{
	struct seccomp_prog *p;

	if (n == 0 || n > BPF_MAXINSNS)
		return -EINVAL;
	p = calloc(1, sizeof(*p) + n * sizeof(struct sock_filter));
	if (!p)
		return -ENOMEM;
	memcpy(p->insns, insns, n * sizeof(struct sock_filter));
	p->prog.len = (unsigned short)n;
	p->prog.filter = p->insns;
	*ret_prog = p;
	return 0;
}

const void *seccomp_prog_insns(const void *prog, size_t *ret_n)
{
	const struct seccomp_prog *p = prog;

	*ret_n = p->prog.len;
	return p->insns;
}

int seccomp_install(const void *prog)
{
	const struct seccomp_prog *p = prog;

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->prog) < 0)
		return -errno;
	return 0;
}

void seccomp_ctx_free(void *ctx)
{
	if (ctx)
		seccomp_release(ctx);
}
