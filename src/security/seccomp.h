/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp profiles: a small text format (see config/default.seccomp and
 * doc/security.md) parsed into rules, turned into a libseccomp filter for
 * every ABI the host runs. The built-in profile "default" is
 * config/default.seccomp compiled in.
 */
#pragma once

#include "util/cleanup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum seccomp_act_kind {
	SECCOMP_ACT_ALLOW,
	SECCOMP_ACT_ERRNO,
	SECCOMP_ACT_KILL,
	SECCOMP_ACT_TRAP,
	SECCOMP_ACT_LOG
};

struct seccomp_act {
	enum seccomp_act_kind kind;
	int err; /* SECCOMP_ACT_ERRNO */
};

enum seccomp_op {
	SECCOMP_OP_EQ,
	SECCOMP_OP_NE,
	SECCOMP_OP_LT,
	SECCOMP_OP_LE,
	SECCOMP_OP_GT,
	SECCOMP_OP_GE,
	SECCOMP_OP_MASKED_EQ
};

struct seccomp_arg_test {
	unsigned arg; /* 0..5 */
	enum seccomp_op op;
	uint64_t mask; /* SECCOMP_OP_MASKED_EQ */
	uint64_t value;
};

struct seccomp_rule {
	struct seccomp_act act;
	char *syscall;
	struct seccomp_arg_test args[6];
	unsigned n_args;
	unsigned line;
};

struct seccomp_profile {
	char *file; /* for messages */
	struct seccomp_act def;
	uint32_t *arches; /* SCMP_ARCH_*; NULL: every ABI of the host */
	size_t n_arches;
	struct seccomp_rule *rules;
	size_t n_rules;
};

/* The text of the built-in "default" profile. */
extern const char seccomp_default_profile[];

/* Parse a profile text; file names it in messages. A mistake logs
 * "FILE:LINE: reason" once and gives -EINVAL. */
int seccomp_profile_parse(const char *file, const char *text, struct seccomp_profile **ret);
/* "default" (built in), "none" (*ret = NULL, returns 0) or an absolute path. */
int seccomp_profile_load(const char *name, struct seccomp_profile **ret);
void seccomp_profile_free(struct seccomp_profile *p);
DEFINE_CLEANUP_FUNC(struct seccomp_profile *, seccomp_profile_free)

/* The ABIs the host runs (native first): x86_64 also runs i386 and x32. */
size_t seccomp_host_arches(uint32_t *ret, size_t max);

/* Build a libseccomp filter (scmp_filter_ctx, as void *) from a profile.
 * allow_bpf removes the rules naming bpf (and allows it under a default
 * that denies). Logs "FILE:LINE: ..." for a rule libseccomp refuses. */
int seccomp_build(const struct seccomp_profile *p, bool allow_bpf, void **ret_ctx);
/* Compile the filter to BPF once (in the parent): *ret_prog is free()d.
 * -E2BIG: longer than the kernel loads (BPF_MAXINSNS). */
int seccomp_compile(void *ctx, void **ret_prog);
/* Load a compiled filter into the calling thread: one seccomp(2) call
 * (needs CAP_SYS_ADMIN or no_new_privs). */
int seccomp_install(const void *prog);
/* A compiled filter from n instructions (copied; n <= BPF_MAXINSNS), and
 * back: its instructions, *ret_n of them (policy-file.c saves and loads
 * init's filter so that attach does not build it again). */
int seccomp_prog_from_insns(const void *insns, size_t n, void **ret_prog);
const void *seccomp_prog_insns(const void *prog, size_t *ret_n);
void seccomp_ctx_free(void *ctx);
