/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Security policy building: seccomp profiles, device rules and the BPF
 * device program, capability sets. No root needed. */
#include "tap.h"
#include "security/caps.h"
#include "security/devices.h"
#include "security/seccomp.h"
#include "security/security.h"
#include "util/log.h"

#include <errno.h>
#include <linux/bpf.h>
#include <seccomp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void default_profile(void)
{
	struct seccomp_profile *p = NULL;
	void *ctx = NULL;
	bool bpf = false, audit = false, force = false;

	CHECK(seccomp_profile_load("default", &p) == 0 && p, "the built-in default parses");
	if (!p)
		return;
	CHECK(p->def.kind == SECCOMP_ACT_ALLOW && !p->arches, "default allow, every host ABI");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct seccomp_rule *r = &p->rules[i];
		if (!strcmp(r->syscall, "bpf"))
			bpf = r->act.kind == SECCOMP_ACT_ERRNO && r->act.err == EPERM;
		if (!strcmp(r->syscall, "socket"))
			audit = r->act.err == EAFNOSUPPORT && r->n_args == 2 &&
				r->args[0].value == 16 && r->args[1].arg == 2 &&
				r->args[1].value == 9;
		if (!strcmp(r->syscall, "umount2"))
			force = r->n_args == 1 && r->args[0].op == SECCOMP_OP_MASKED_EQ &&
				r->args[0].mask == 1 && r->args[0].value == 1;
	}
	CHECK(bpf && audit && force, "bpf EPERM, NETLINK_AUDIT EAFNOSUPPORT, umount2 MNT_FORCE");
	CHECK(seccomp_build(p, false, &ctx) == 0 && ctx, "the default builds a filter");
	seccomp_ctx_free(ctx);
	ctx = NULL;
	CHECK(seccomp_build(p, true, &ctx) == 0 && ctx, "... and with allow_bpf");
	seccomp_ctx_free(ctx);
	seccomp_profile_free(p);
	CHECK(seccomp_profile_load("none", &p) == 0 && !p, "\"none\" is no profile");
	CHECK(seccomp_profile_load("/nonexistent/x.seccomp", &p) == -ENOENT, "missing file");
}

static void custom_profiles(void)
{
	struct seccomp_profile *p = NULL;
	void *ctx = NULL;
	const char *text = "# strict\n"
			   "default errno ENOSYS\n"
			   "arch native x86\n"
			   "allow read write exit exit_group\n"
			   "allow socket arg0==AF_UNIX\n"
			   "kill ptrace\n"
			   "log personality arg0!=0xffffffff\n"
			   "errno 13 mkdir\n";

	CHECK(seccomp_profile_parse("t", text, &p) == 0 && p, "a custom profile parses");
	if (!p)
		return;
	CHECK(p->def.kind == SECCOMP_ACT_ERRNO && p->def.err == ENOSYS, "default errno ENOSYS");
	CHECK(p->n_arches == 2 && p->arches[1] == SCMP_ARCH_X86, "arch list");
	CHECK(p->n_rules == 8, "one rule per syscall (%zu)", p->n_rules);
	CHECK(p->rules[7].act.err == 13 && p->rules[7].line == 8, "numeric errno, line number");
	CHECK(p->rules[6].args[0].op == SECCOMP_OP_NE && p->rules[6].args[0].value == 0xffffffff,
	      "!= with a hex value");
	CHECK(seccomp_build(p, true, &ctx) == 0, "it builds (bpf allowed under a deny default)");
	seccomp_ctx_free(ctx);
	seccomp_profile_free(p);

	/* an ABI named twice kept the native one, which the list leaves out */
	p = NULL;
	ctx = NULL;
	CHECK(seccomp_profile_parse("t", "default allow\narch x86 x86\n", &p) == 0 &&
		      seccomp_build(p, false, &ctx) == 0,
	      "arch x86 x86 builds");
	CHECK(ctx && seccomp_arch_exist(ctx, SCMP_ARCH_NATIVE) == -EEXIST &&
		      seccomp_arch_exist(ctx, SCMP_ARCH_X86) == 0,
	      "only x86 is in the filter, not the native ABI");
	seccomp_ctx_free(ctx);
	seccomp_profile_free(p);
}

static void bad_profiles(void)
{
	static const char *const bad[] = {
		"deny mkdir\n",			       /* no default */
		"default allow\ndefault allow\n",      /* twice */
		"default maybe\n",		       /* action */
		"default allow\ndeny\n",	       /* no syscall */
		"default allow\ndeny no_such_call\n",  /* syscall */
		"default allow\nerrno mkdir\n",	       /* errno name missing: mkdir is no errno */
		"default allow\nerrno EFOO mkdir\n",   /* errno */
		"default allow\ndeny mkdir arg6==1\n", /* arg index */
		"default allow\ndeny mkdir arg0=1\n",  /* operator */
		"default allow\ndeny mkdir arg0==x\n", /* value */
		"default allow\ndeny umount2 arg1&==1\n", /* mask */
		"default allow\narch vax\n",		  /* arch */
		"default allow extra\n",
	};
	struct seccomp_profile *p = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = NULL;
		CHECK(seccomp_profile_parse("bad", bad[i], &p) == -EINVAL && !p,
		      "bad profile %zu rejected", i);
	}
}

/* stderr of parsing text as a profile (at most size - 1 bytes). */
static int parse_logged(const char *text, char *buf, size_t size)
{
	struct seccomp_profile *p = NULL;
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO), r;
	size_t n;

	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	r = seccomp_profile_parse("/etc/x", text, &p);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	seccomp_profile_free(p);
	return r;
}

static void profile_contents_not_shown(void)
{
	char err[1024];

	/* seccomp.profile = "/etc/shadow": its lines are not a profile, and
	 * an error must not print them */
	CHECK(parse_logged("\n# x\nroot:$y$j9T$secrethash:19000:0:99999:7:::\nbin:*:1\n", err,
			   sizeof(err)) == -EINVAL,
	      "a shadow file is no profile");
	CHECK(!strstr(err, "secret") && !strstr(err, "root") &&
		      strstr(err, "/etc/x:3: not a seccomp profile"),
	      "its contents are not shown: %s", err);
	CHECK(parse_logged("s3cret\n", err, sizeof(err)) == -EINVAL && !strstr(err, "s3cret"),
	      "a one-word file: %s", err);
	CHECK(parse_logged("", err, sizeof(err)) == -EINVAL &&
		      strstr(err, "no \"default ACTION\" line"),
	      "an empty file: %s", err);
	/* a profile (a line parsed) with a mistake: the word is shown */
	CHECK(parse_logged("default allow\ndeny no_such_call\n", err, sizeof(err)) == -EINVAL &&
		      strstr(err, "/etc/x:2: unknown system call \"no_such_call\""),
	      "a profile's mistake is named: %s", err);
}

/* A profile whose filter is longer than the kernel loads is refused when it
 * is compiled, not when init installs it (and the program length, 16 bits,
 * wrapped at 65536 instructions). */
static void oversized_profile(void)
{
	struct seccomp_profile *p = NULL;
	void *ctx = NULL, *prog = NULL;
	size_t len = 0;
	char *text = malloc(1 << 20);
	int r;

	if (!text)
		return;
	len += (size_t)sprintf(text, "default allow\n");
	for (int i = 0; i < 3000; i++)
		len += (size_t)sprintf(text + len, "errno %d read write openat close arg0==%d\n",
				       1 + i % 4000, i);
	CHECK(seccomp_profile_parse("big", text, &p) == 0 && seccomp_build(p, false, &ctx) == 0,
	      "3000 rules parse and build");
	r = ctx ? seccomp_compile(ctx, &prog) : -EINVAL;
	CHECK(r == -E2BIG && !prog, "their filter is refused as too long (%d)", r);
	free(prog);
	seccomp_ctx_free(ctx);
	seccomp_profile_free(p);
	free(text);
}

static void device_rules(void)
{
	struct devices_rule r;
	char buf[64];

	CHECK(devices_rule_parse("c 10:200 rwm", &r) == 0 && r.type == 'c' && r.major == 10 &&
		      r.minor == 200 && r.access == 7,
	      "c 10:200 rwm");
	CHECK(devices_rule_parse("b *:* m", &r) == 0 && r.major == DEVICES_ANY &&
		      r.access == DEVICES_MKNOD,
	      "b *:* m");
	CHECK(devices_rule_parse("a", &r) == 0 && r.type == 'a' && r.access == 7, "a");
	CHECK(devices_rule_parse("c 136:*", &r) == 0 && r.minor == DEVICES_ANY && r.access == 7,
	      "access defaults to rwm");
	devices_rule_format(&(struct devices_rule){'c', 1, 3, 7}, buf, sizeof(buf));
	CHECK(strcmp(buf, "c 1:3 rwm") == 0, "format");
	CHECK(devices_rule_parse("x 1:3 r", &r) < 0 && devices_rule_parse("c 1:3 q", &r) < 0 &&
		      devices_rule_parse("c 1 r", &r) < 0 && devices_rule_parse("c", &r) < 0,
	      "bad rules refused");
}

/* Run the device program in a tiny interpreter of the instructions we emit. */
static int run_prog(const struct bpf_insn *p, size_t n, unsigned type, unsigned access,
		    unsigned maj, unsigned min)
{
	uint32_t ctx[3] = {access << 16 | type, maj, min};
	uint64_t reg[11] = {0};

	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			reg[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			reg[i->dst_reg] = (uint32_t)(reg[i->dst_reg] & (uint32_t)i->imm);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			reg[i->dst_reg] = (uint32_t)reg[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			reg[i->dst_reg] = reg[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			reg[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (reg[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)reg[0];
		default:
			return -1;
		}
	}
	return -1;
}

static void bpf_program(void)
{
	struct devices_rule rules[3];
	struct bpf_insn *p = NULL;
	size_t n = 0;

	devices_rule_parse("c 1:3 rwm", &rules[0]);
	devices_rule_parse("c 136:* rw", &rules[1]);
	devices_rule_parse("b 8:* r", &rules[2]);
	CHECK(devices_bpf_build(rules, 3, &p, &n) == 0 && n > 8, "program built (%zu insns)", n);
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, 1, 3) ==
		      1,
	      "null rw allowed");
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_MKNOD, 1, 3) == 1, "null mknod");
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 1) == 0, "mem denied");
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_WRITE, 136, 7) == 1, "pts/7 write");
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_MKNOD, 136, 7) == 0,
	      "pts mknod not granted by rw");
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_READ, 8, 1) == 1, "sda1 read");
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_WRITE, 8, 1) == 0, "sda1 write");
	CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 8, 1) == 0, "char 8:1");
	free(p);
	CHECK(devices_bpf_build(NULL, 0, &p, &n) == 0 &&
		      run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3) == 0,
	      "no rules: nothing allowed");
	free(p);
}

static void capabilities(void)
{
	char *drop[] = {"sys_module", "CAP_SYS_TIME", "audit_write", NULL};
	char *keep[] = {"chown", "sys_admin", NULL};
	char *bad[] = {"sys_nothing", NULL};
	uint64_t set = 0;

	CHECK(caps_from_name("sys_admin") == 21 && caps_from_name("CAP_MKNOD") == 27 &&
		      caps_from_name("nope") == -EINVAL,
	      "names with and without cap_");
	CHECK(caps_from_config(drop, NULL, &set) == 0 && !(set & (1ull << 16)) &&
		      !(set & (1ull << 25)) && !(set & (1ull << 29)) && (set & (1ull << 21)),
	      "drop removes exactly those");
	CHECK(caps_from_config(drop, keep, &set) == 0 && set == ((1ull << 0) | (1ull << 21)),
	      "keep wins: exactly those");
	CHECK(caps_from_config(NULL, bad, &set) == -EINVAL, "unknown keep refused");
}

/* A file in dir with these bytes (and mode). */
static void put(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "we");
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
	chmod(path, mode);
}

/* Init's policy saved by the monitor and loaded by sysc-attach: the same
 * capabilities, no_new_privs and BPF instructions; anything else refused. */
static void saved_policy(void)
{
	char dir[] = "/tmp/test-security.XXXXXX", path[256];
	struct security_policy want = {.caps_keep = 0x1c09dfcffffull, .no_new_privs = true};
	struct security_policy *got = NULL;
	struct seccomp_profile *prof = NULL;
	void *ctx = NULL;
	const void *a, *b;
	size_t na = 0, nb = 0;
	char *buf = NULL;
	long len;
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/policy", dir);
	CHECK(security_policy_load(dir, &got) == -ENOENT, "no file: -ENOENT (build from config)");
	CHECK(seccomp_profile_load("default", &prof) == 0 &&
		      seccomp_build(prof, false, &ctx) == 0 &&
		      seccomp_compile(ctx, &want.seccomp) == 0,
	      "the default filter compiles");
	seccomp_ctx_free(ctx);
	seccomp_profile_free(prof);
	CHECK(security_policy_save(&want, dir) == 0, "saved");
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0600");
	CHECK(security_policy_load(dir, &got) == 0 && got, "loaded");
	if (got && want.seccomp && got->seccomp) {
		a = seccomp_prog_insns(want.seccomp, &na);
		b = seccomp_prog_insns(got->seccomp, &nb);
		CHECK(got->caps_keep == want.caps_keep && got->no_new_privs && na == nb && na > 0 &&
			      memcmp(a, b, na * 8) == 0,
		      "the same capabilities, no_new_privs and %zu BPF instructions", na);
	}
	security_policy_free(got);
	got = NULL;
	/* the file's bytes, to damage */
	f = fopen(path, "re");
	if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    (buf = malloc((size_t)len))) {
		rewind(f);
		CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len, "read back");
		put(dir, "policy", buf, (size_t)len - 8, 0600);
		CHECK(security_policy_load(dir, &got) == -EBADMSG,
		      "one instruction short: refused");
		buf[0] = 'X';
		put(dir, "policy", buf, (size_t)len, 0600);
		CHECK(security_policy_load(dir, &got) == -EBADMSG, "bad magic: refused");
		buf[0] = 'S';
		put(dir, "policy", buf, (size_t)len, 0620);
		CHECK(security_policy_load(dir, &got) == -EPERM, "group-writable: refused");
		put(dir, "policy", buf, 10, 0600);
		CHECK(security_policy_load(dir, &got) == -EBADMSG,
		      "shorter than a header: refused");
	}
	if (f)
		fclose(f);
	free(buf);
	free(want.seccomp);
	want.seccomp = NULL;
	want.no_new_privs = false;
	CHECK(security_policy_save(&want, dir) == 0 && security_policy_load(dir, &got) == 0 &&
		      got && !got->seccomp && !got->no_new_privs,
	      "no filter (profile \"none\") round-trips");
	security_policy_free(got);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	default_profile();
	custom_profiles();
	bad_profiles();
	profile_contents_not_shown();
	oversized_profile();
	device_rules();
	bpf_program();
	capabilities();
	saved_policy();
	return tap_done();
}
