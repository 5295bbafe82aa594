/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v2 device policy: a BPF_PROG_TYPE_CGROUP_DEVICE program built
 * from raw instructions (no libbpf), as crun and runc do. The program sees
 * struct bpf_cgroup_dev_ctx { access_type = access << 16 | type; major;
 * minor; } and returns 1 (allow) if a rule matches, else 0.
 *
 *   r2 = type, r3 = access, r4 = major, r5 = minor
 *   per rule: if type differs goto next; if access & ~allowed goto next;
 *             if major differs goto next; if minor differs goto next;
 *             r0 = 1; exit
 *   r0 = 0; exit
 */
#include "security/devices.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(dst, src, off)	INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV64_REG(dst, src)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off)	INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT()			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ACC_ALL (DEVICES_MKNOD | DEVICES_READ | DEVICES_WRITE)

static size_t rule_len(const struct devices_rule *r)
{
	return 2 + (r->type != 'a' ? 1 : 0) + ((r->access & ACC_ALL) != ACC_ALL ? 3 : 0) +
	       (r->major != DEVICES_ANY ? 1 : 0) + (r->minor != DEVICES_ANY ? 1 : 0);
}

static void emit_rule(const struct devices_rule *r, struct bpf_insn *p, size_t *i)
{
	size_t len = rule_len(r), start = *i;
	/* jumps go to the first instruction after this rule's block */
#define NEXT ((short)(start + len - (*i) - 1))
	if (r->type != 'a') {
		p[*i] = JNE_IMM(BPF_REG_2,
				r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, NEXT);
		(*i)++;
	}
	if ((r->access & ACC_ALL) != ACC_ALL) {
		p[(*i)++] = MOV64_REG(BPF_REG_1, BPF_REG_3);
		p[(*i)++] = ALU32_IMM(BPF_AND, BPF_REG_1, (int)(~r->access & ACC_ALL));
		p[*i] = JNE_IMM(BPF_REG_1, 0, NEXT);
		(*i)++;
	}
	if (r->major != DEVICES_ANY) {
		p[*i] = JNE_IMM(BPF_REG_4, r->major, NEXT);
		(*i)++;
	}
	if (r->minor != DEVICES_ANY) {
		p[*i] = JNE_IMM(BPF_REG_5, r->minor, NEXT);
		(*i)++;
	}
#undef NEXT
	p[(*i)++] = MOV64_IMM(BPF_REG_0, 1);
	p[(*i)++] = EXIT();
}

int devices_bpf_build(const struct devices_rule *rules, size_t n, struct bpf_insn **ret,
		      size_t *ret_n)
{
	size_t len = 8, i = 0;
	struct bpf_insn *p;

	for (size_t k = 0; k < n; k++)
		len += rule_len(&rules[k]);
	p = calloc(len, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p[i++] = LDX_W(BPF_REG_2, BPF_REG_1, 0); /* access_type */
	p[i++] = ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff);
	p[i++] = LDX_W(BPF_REG_3, BPF_REG_1, 0);
	p[i++] = ALU32_IMM(BPF_RSH, BPF_REG_3, 16);
	p[i++] = LDX_W(BPF_REG_4, BPF_REG_1, 4); /* major */
	p[i++] = LDX_W(BPF_REG_5, BPF_REG_1, 8); /* minor */
	for (size_t k = 0; k < n; k++)
		emit_rule(&rules[k], p, &i);
	p[i++] = MOV64_IMM(BPF_REG_0, 0);
	p[i++] = EXIT();
	*ret = p;
	*ret_n = i;
	return 0;
}

static int bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : (int)r;
}

static int load(const struct bpf_insn *insns, size_t n, char *logbuf, size_t logsize)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	if (logbuf) {
		attr.log_buf = (uint64_t)(uintptr_t)logbuf;
		attr.log_size = (uint32_t)logsize;
		attr.log_level = 1;
	}
	return bpf(BPF_PROG_LOAD, &attr);
}

int devices_bpf_attach(const char *cgroup_path, const struct devices_rule *rules, size_t n)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int prog = -EBADF, cgfd = -EBADF;
	union bpf_attr attr;
	size_t n_insns;
	int r;

	r = devices_bpf_build(rules, n, &insns, &n_insns);
	if (r < 0)
		return r;
	prog = load(insns, n_insns, NULL, 0);
	if (prog < 0) {
		/* again, for the verifier's words */
		char logbuf[4096] = "";
		load(insns, n_insns, logbuf, sizeof(logbuf));
		logbuf[strcspn(logbuf, "\n")] = '\0';
		return log_error_errno(prog, "cannot load the device BPF program for %s: %m%s%s",
				       cgroup_path, logbuf[0] ? ": " : "", logbuf);
	}
	cgfd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return log_error_errno(-errno, "cannot open cgroup %s: %m", cgroup_path);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	r = bpf(BPF_PROG_ATTACH, &attr);
	if (r < 0)
		return log_error_errno(r, "cannot attach the device BPF program to cgroup %s: %m",
				       cgroup_path);
	/* the attachment holds the program; it goes with the cgroup */
	return 0;
}
