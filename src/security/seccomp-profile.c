/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp profile text format (one rule per line, '#' comments):
 *
 *   default ACTION
 *   arch ARCH...                  native x86_64 x86 x32 aarch64 arm ...
 *   ACTION SYSCALL... [TEST...]   TEST: argN==V argN!=V argN<V argN<=V
 *                                 argN>V argN>=V argN&MASK==V
 *
 * ACTION: allow | deny (errno EPERM) | errno NAME|NUMBER | kill | trap | log.
 */
#include "security/seccomp.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 32

static const struct {
	const char *name;
	uint64_t value;
} constants[] = {
	{"AF_UNIX", 1},
	{"AF_INET", 2},
	{"AF_INET6", 10},
	{"AF_NETLINK", 16},
	{"AF_PACKET", 17},
	{"AF_VSOCK", 40},
	{"NETLINK_ROUTE", 0},
	{"NETLINK_AUDIT", 9},
	{"NETLINK_KOBJECT_UEVENT", 15},
	{"MNT_FORCE", 1},
	{"MNT_DETACH", 2},
	{"MNT_EXPIRE", 4},
	{"MS_REMOUNT", 0x20},
	{"MS_BIND", 0x1000},
	{"MS_REMOUNT|MS_BIND", 0x1020},
	{"FSCONFIG_CMD_RECONFIGURE", 7},
	{"CLONE_NEWNS", 0x20000},
	{"CLONE_NEWUSER", 0x10000000},
	{"CLONE_NEWNET", 0x40000000},
	{"O_WRONLY", 01},
	{"O_RDWR", 02},
	{"O_CREAT", 0100},
};

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{"EPERM", EPERM},
	{"ENOENT", ENOENT},
	{"EIO", EIO},
	{"EBADF", EBADF},
	{"EAGAIN", EAGAIN},
	{"ENOMEM", ENOMEM},
	{"EACCES", EACCES},
	{"EFAULT", EFAULT},
	{"EBUSY", EBUSY},
	{"EEXIST", EEXIST},
	{"ENODEV", ENODEV},
	{"EINVAL", EINVAL},
	{"ENOSPC", ENOSPC},
	{"EROFS", EROFS},
	{"ENOSYS", ENOSYS},
	{"ENOTSUP", ENOTSUP},
	{"EOPNOTSUPP", EOPNOTSUPP},
	{"EAFNOSUPPORT", EAFNOSUPPORT},
	{"EPROTONOSUPPORT", EPROTONOSUPPORT},
};

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{"x86_64", SCMP_ARCH_X86_64},	{"x86", SCMP_ARCH_X86},
	{"i386", SCMP_ARCH_X86},	{"x32", SCMP_ARCH_X32},
	{"aarch64", SCMP_ARCH_AARCH64}, {"arm", SCMP_ARCH_ARM},
	{"ppc64le", SCMP_ARCH_PPC64LE}, {"s390x", SCMP_ARCH_S390X},
	{"riscv64", SCMP_ARCH_RISCV64},
};

struct parser {
	const char *file;
	unsigned line;
	struct seccomp_profile *p;
	bool proven; /* a line parsed: the file is a profile, its words may be shown */
};

/* An error at the current line. Until a line has parsed, the file may be
 * anything (seccomp.profile = "/etc/shadow"): its contents are not shown. */
static int bad(const struct parser *ps, const char *fmt, const char *what)
{
	char msg[256];

	if (!ps->proven) {
		log_error(
			"%s:%u: not a seccomp profile: lines are \"default ACTION\", \"arch "
			"ARCH...\" or \"ACTION SYSCALL... [argN==V ...]\" (the line is not shown)",
			ps->file, ps->line);
		return -EINVAL;
	}
	snprintf(msg, sizeof(msg), fmt, what);
	log_error("%s:%u: %s", ps->file, ps->line, msg);
	return -EINVAL;
}

static int parse_number(const char *s, uint64_t *ret)
{
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(constants); i++)
		if (strcmp(s, constants[i].name) == 0) {
			*ret = constants[i].value;
			return 0;
		}
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

/* An action at words[*i] ("errno" takes the next word too). */
static int parse_action(const struct parser *ps, char **words, size_t n, size_t *i,
			struct seccomp_act *ret)
{
	const char *w = words[*i];
	uint64_t v;

	(*i)++;
	if (strcmp(w, "allow") == 0)
		*ret = (struct seccomp_act){SECCOMP_ACT_ALLOW, 0};
	else if (strcmp(w, "deny") == 0)
		*ret = (struct seccomp_act){SECCOMP_ACT_ERRNO, EPERM};
	else if (strcmp(w, "kill") == 0)
		*ret = (struct seccomp_act){SECCOMP_ACT_KILL, 0};
	else if (strcmp(w, "trap") == 0)
		*ret = (struct seccomp_act){SECCOMP_ACT_TRAP, 0};
	else if (strcmp(w, "log") == 0)
		*ret = (struct seccomp_act){SECCOMP_ACT_LOG, 0};
	else if (strcmp(w, "errno") == 0) {
		if (*i >= n)
			return bad(ps, "%s needs an errno name or number (e.g. \"errno EPERM\")",
				   w);
		w = words[(*i)++];
		*ret = (struct seccomp_act){SECCOMP_ACT_ERRNO, -1};
		for (size_t k = 0; k < ARRAY_SIZE(errnos); k++)
			if (strcmp(w, errnos[k].name) == 0)
				ret->err = errnos[k].value;
		if (ret->err < 0 && parse_number(w, &v) == 0 && v > 0 && v < 4096)
			ret->err = (int)v;
		if (ret->err < 0)
			return bad(ps, "unknown errno \"%s\" (a name such as EPERM, or 1..4095)",
				   w);
	} else
		return bad(ps,
			   "unknown action \"%s\" (allow, deny, errno NAME, kill, trap, log, "
			   "default, arch)",
			   w);
	return 0;
}

/* "arg1&MASK==V", "arg0==16", "arg2>=3". */
static int parse_test(const struct parser *ps, const char *w, struct seccomp_arg_test *t)
{
	static const struct {
		const char *s;
		enum seccomp_op op;
	} ops[] = {{"==", SECCOMP_OP_EQ}, {"!=", SECCOMP_OP_NE}, {"<=", SECCOMP_OP_LE},
		   {">=", SECCOMP_OP_GE}, {"<", SECCOMP_OP_LT},	 {">", SECCOMP_OP_GT}};
	_cleanup_free_ char *mask = NULL;
	const char *p = w + 3;

	if (strncmp(w, "arg", 3) || *p < '0' || *p > '5')
		return bad(ps, "invalid argument test \"%s\" (e.g. arg0==16)", w);
	t->arg = (unsigned)(*p++ - '0');
	if (*p == '&') {
		size_t len = strcspn(++p, "=");
		if (strncmp(p + len, "==", 2) || !(mask = strndup(p, len)) ||
		    parse_number(mask, &t->mask) < 0)
			return bad(ps,
				   "invalid masked test \"%s\" (e.g. arg1&MNT_FORCE==MNT_FORCE)",
				   w);
		t->op = SECCOMP_OP_MASKED_EQ;
		p += len + 2;
	} else {
		size_t k;
		for (k = 0; k < ARRAY_SIZE(ops); k++)
			if (strncmp(p, ops[k].s, strlen(ops[k].s)) == 0)
				break;
		if (k == ARRAY_SIZE(ops))
			return bad(ps, "invalid operator in \"%s\" (==, !=, <, <=, >, >=, &M==)",
				   w);
		t->op = ops[k].op;
		p += strlen(ops[k].s);
	}
	if (parse_number(p, &t->value) < 0)
		return bad(ps, "invalid value in \"%s\" (a number or a known constant name)", w);
	return 0;
}

static int parse_arch(struct parser *ps, char **words, size_t n)
{
	struct seccomp_profile *p = ps->p;

	if (n < 2)
		return bad(ps, "%s needs at least one architecture", words[0]);
	free(p->arches);
	p->arches = calloc(n, sizeof(*p->arches));
	if (!p->arches)
		return -ENOMEM;
	p->n_arches = 0;
	for (size_t i = 1; i < n; i++) {
		uint32_t a = 0;
		if (strcmp(words[i], "native") == 0)
			a = seccomp_arch_native();
		for (size_t k = 0; !a && k < ARRAY_SIZE(arches); k++)
			if (strcmp(words[i], arches[k].name) == 0)
				a = arches[k].arch;
		if (!a)
			return bad(ps,
				   "unknown architecture \"%s\" (native, x86_64, x86, x32, ...)",
				   words[i]);
		p->arches[p->n_arches++] = a;
	}
	return 0;
}

static bool syscall_known(const char *name)
{
	uint32_t a[8];
	size_t n = seccomp_host_arches(a, ARRAY_SIZE(a));

	for (size_t i = 0; i < n; i++)
		if (seccomp_syscall_resolve_name_arch(a[i], name) != __NR_SCMP_ERROR)
			return true;
	return false;
}

static int add_rule(struct parser *ps, const struct seccomp_rule *tmpl, const char *name)
{
	struct seccomp_profile *p = ps->p;
	struct seccomp_rule *rules;

	if (!syscall_known(name))
		return bad(ps, "unknown system call \"%s\"", name);
	rules = reallocarray(p->rules, p->n_rules + 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	p->rules = rules;
	rules[p->n_rules] = *tmpl;
	rules[p->n_rules].syscall = strdup(name);
	if (!rules[p->n_rules].syscall)
		return -ENOMEM;
	p->n_rules++;
	return 0;
}

static int parse_rule(struct parser *ps, char **words, size_t n)
{
	struct seccomp_rule r = {.line = ps->line};
	size_t i = 0, first, end;
	int k;

	k = parse_action(ps, words, n, &i, &r.act);
	if (k < 0)
		return k;
	first = i;
	while (i < n && strncmp(words[i], "arg", 3) != 0)
		i++;
	end = i;
	if (first == end)
		return bad(ps, "rule \"%s\" names no system call", words[0]);
	for (; i < n; i++) {
		if (r.n_args == ARRAY_SIZE(r.args))
			return bad(ps, "too many argument tests (\"%s\")", words[i]);
		k = parse_test(ps, words[i], &r.args[r.n_args++]);
		if (k < 0)
			return k;
	}
	for (i = first; i < end; i++) {
		k = add_rule(ps, &r, words[i]);
		if (k < 0)
			return k;
	}
	return 0;
}

static size_t split_words(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	line[strcspn(line, "#")] = '\0';
	for (char *w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = w;
	}
	return n;
}

static int parse_words(struct parser *ps, char **words, size_t n, bool *seen_default)
{
	size_t i = 1;

	if (strcmp(words[0], "arch") == 0)
		return parse_arch(ps, words, n);
	if (strcmp(words[0], "default") != 0)
		return parse_rule(ps, words, n);
	if (*seen_default)
		return bad(ps, "second \"%s\" line", words[0]);
	*seen_default = true;
	if (n < 2)
		return bad(ps, "\"%s\" needs an action (e.g. \"default allow\")", words[0]);
	int r = parse_action(ps, words, n, &i, &ps->p->def);
	if (r == 0 && i != n)
		return bad(ps, "unexpected \"%s\" after the default action", words[i]);
	return r;
}

static int parse_line(struct parser *ps, char *line, bool *seen_default)
{
	char *words[MAX_WORDS];
	size_t n = split_words(line, words, MAX_WORDS);
	int r;

	if (n == 0)
		return 0;
	if (n > MAX_WORDS)
		return bad(ps, "line too long (more than %s words)", "32");
	r = parse_words(ps, words, n, seen_default);
	if (r == 0)
		ps->proven = true;
	return r;
}

int seccomp_profile_parse(const char *file, const char *text, struct seccomp_profile **ret)
{
	struct parser ps = {.file = file};
	_cleanup_free_ char *copy = strdup(text);
	bool seen_default = false;
	int r = 0;

	ps.p = calloc(1, sizeof(*ps.p));
	if (!copy || !ps.p || !(ps.p->file = strdup(file))) {
		seccomp_profile_free(ps.p);
		return -ENOMEM;
	}
	for (char *s = copy, *nl; r == 0 && s; s = nl) {
		nl = strchr(s, '\n');
		if (nl)
			*nl++ = '\0';
		ps.line++;
		r = parse_line(&ps, s, &seen_default);
	}
	if (r == 0 && !seen_default)
		r = log_error_errno(-EINVAL,
				    "%s: no \"default ACTION\" line: not a seccomp profile", file);
	if (r < 0) {
		seccomp_profile_free(ps.p);
		return r;
	}
	*ret = ps.p;
	return 0;
}

int seccomp_profile_load(const char *name, struct seccomp_profile **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*ret = NULL;
	if (!name || strcmp(name, "none") == 0)
		return 0;
	if (strcmp(name, "default") == 0)
		return seccomp_profile_parse("default.seccomp (built in)", seccomp_default_profile,
					     ret);
	r = fileio_read_at(AT_FDCWD, name, &text, &len);
	if (r < 0)
		return log_error_errno(r, "cannot read seccomp profile %s: %m", name);
	if (strlen(text) != len)
		return log_error_errno(-EINVAL, "%s: seccomp profile contains a NUL byte", name);
	return seccomp_profile_parse(name, text, ret);
}

void seccomp_profile_free(struct seccomp_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].syscall);
	free(p->rules);
	free(p->arches);
	free(p->file);
	free(p);
}

size_t seccomp_host_arches(uint32_t *ret, size_t max)
{
	uint32_t native = seccomp_arch_native();
	size_t n = 0;

	if (max > 0)
		ret[n++] = native;
	if (native == SCMP_ARCH_X86_64 && max >= 3) {
		ret[n++] = SCMP_ARCH_X86;
		ret[n++] = SCMP_ARCH_X32;
	} else if (native == SCMP_ARCH_AARCH64 && max >= 2) {
		ret[n++] = SCMP_ARCH_ARM;
	}
	return n;
}
