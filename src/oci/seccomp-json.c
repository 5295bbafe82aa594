/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI seccomp object (linux.seccomp) -> a sysc seccomp profile
 * (src/security/seccomp.h), built and loaded by the same code as sysc's own
 * profiles. The filter covers every ABI of the host (the profile's
 * "architectures" are not narrowed further); syscalls unknown here are
 * skipped, as runc does.
 */
#include "oci/oci.h"
#include "security/seccomp.h"
#include "util/log.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static int action(const char *file, const char *name, struct json_object *errno_ret, int def_err,
		  struct seccomp_act *ret)
{
	*ret = (struct seccomp_act){0};
	if (!strcmp(name, "SCMP_ACT_ALLOW"))
		ret->kind = SECCOMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_ERRNO")) {
		ret->kind = SECCOMP_ACT_ERRNO;
		ret->err = errno_ret ? json_object_get_int(errno_ret) : def_err;
	} else if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD") ||
		   !strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		ret->kind = SECCOMP_ACT_KILL;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		ret->kind = SECCOMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		ret->kind = SECCOMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_TRACE")) {
		/* no tracer here: the call fails as it would without one */
		ret->kind = SECCOMP_ACT_ERRNO;
		ret->err = ENOSYS;
	} else {
		log_error("%s: linux.seccomp: action \"%s\" is not supported", file, name);
		return -EINVAL;
	}
	return 0;
}

static int op(const char *file, const char *name, enum seccomp_op *ret)
{
	static const struct {
		const char *name;
		enum seccomp_op op;
	} ops[] = {
		{"SCMP_CMP_EQ", SECCOMP_OP_EQ},
		{"SCMP_CMP_NE", SECCOMP_OP_NE},
		{"SCMP_CMP_LT", SECCOMP_OP_LT},
		{"SCMP_CMP_LE", SECCOMP_OP_LE},
		{"SCMP_CMP_GT", SECCOMP_OP_GT},
		{"SCMP_CMP_GE", SECCOMP_OP_GE},
		{"SCMP_CMP_MASKED_EQ", SECCOMP_OP_MASKED_EQ},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
		if (!strcmp(name, ops[i].name)) {
			*ret = ops[i].op;
			return 0;
		}
	log_error("%s: linux.seccomp: unknown operator \"%s\"", file, name);
	return -EINVAL;
}

static struct json_object *field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static int parse_args(const char *file, struct json_object *a, struct seccomp_rule *r)
{
	size_t n = json_object_array_length(a);

	if (n > 6) {
		log_error("%s: linux.seccomp: more than 6 argument tests for %s", file, r->syscall);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i), *v;
		struct seccomp_arg_test *t = &r->args[r->n_args++];

		if (!json_object_is_type(e, json_type_object) || !(v = field(e, "op")) ||
		    op(file, json_object_get_string(v), &t->op) < 0)
			return -EINVAL;
		t->arg = (v = field(e, "index")) ? (unsigned)json_object_get_int(v) : 0;
		if (t->arg > 5) {
			log_error("%s: linux.seccomp: argument index %u of %s", file, t->arg,
				  r->syscall);
			return -EINVAL;
		}
		if (t->op == SECCOMP_OP_MASKED_EQ) {
			t->mask = (v = field(e, "value")) ? json_object_get_uint64(v) : 0;
			t->value = (v = field(e, "valueTwo")) ? json_object_get_uint64(v) : 0;
		} else
			t->value = (v = field(e, "value")) ? json_object_get_uint64(v) : 0;
	}
	return 0;
}

/* Tests of the same argument are alternatives (runc's reading: "personality
 * is 0, or 8, or ..."), where libseccomp ANDs the tests of one rule. */
static bool same_arg_twice(const struct seccomp_rule *r)
{
	for (unsigned i = 0; i < r->n_args; i++)
		for (unsigned k = i + 1; k < r->n_args; k++)
			if (r->args[i].arg == r->args[k].arg)
				return true;
	return false;
}

/* The last rule becomes one rule per argument test. */
static int split_rule(struct seccomp_profile *p)
{
	struct seccomp_rule last = p->rules[p->n_rules - 1];
	struct seccomp_rule *rules =
		realloc(p->rules, (p->n_rules + last.n_args - 1) * sizeof(*rules));

	if (!rules)
		return -ENOMEM;
	p->rules = rules;
	p->n_rules--;
	for (unsigned i = 0; i < last.n_args; i++) {
		struct seccomp_rule *r = &p->rules[p->n_rules];

		*r = (struct seccomp_rule){.act = last.act, .line = last.line, .n_args = 1};
		r->args[0] = last.args[i];
		r->syscall = i == 0 ? last.syscall : strdup(last.syscall);
		if (!r->syscall)
			return -ENOMEM;
		p->n_rules++;
	}
	return 0;
}

static int add_rules(const char *file, struct json_object *e, int def_err, unsigned line,
		     struct seccomp_profile *p)
{
	struct json_object *names = field(e, "names"), *act = field(e, "action"), *v;
	struct seccomp_act a;
	size_t n;

	if (!json_object_is_type(e, json_type_object) || !act ||
	    !json_object_is_type(act, json_type_string)) {
		log_error("%s: linux.seccomp.syscalls[%u]: needs an action", file, line - 1);
		return -EINVAL;
	}
	if (action(file, json_object_get_string(act), field(e, "errnoRet"), def_err, &a) < 0)
		return -EINVAL;
	if (!names || !json_object_is_type(names, json_type_array))
		return 0;
	n = json_object_array_length(names);
	for (size_t i = 0; i < n; i++) {
		struct seccomp_rule *rules = realloc(p->rules, (p->n_rules + 1) * sizeof(*rules));
		struct seccomp_rule *r;

		if (!rules)
			return -ENOMEM;
		p->rules = rules;
		r = &rules[p->n_rules];
		*r = (struct seccomp_rule){.act = a, .line = line};
		r->syscall = strdup(json_object_get_string(json_object_array_get_idx(names, i)));
		if (!r->syscall)
			return -ENOMEM;
		p->n_rules++;
		if ((v = field(e, "args")) && json_object_is_type(v, json_type_array) &&
		    parse_args(file, v, r) < 0)
			return -EINVAL;
		if (same_arg_twice(r) && split_rule(p) < 0)
			return -ENOMEM;
	}
	return 0;
}

int oci_seccomp_from_json(const char *file, void *json, struct seccomp_profile **ret)
{
	struct json_object *o = json, *v, *calls;
	_cleanup_(seccomp_profile_freep) struct seccomp_profile *p = calloc(1, sizeof(*p));
	int def_err = EPERM;

	if (!p)
		return -ENOMEM;
	if (!json_object_is_type(o, json_type_object)) {
		log_error("%s: linux.seccomp: must be an object", file);
		return -EINVAL;
	}
	p->file = strdup(file);
	if (!p->file)
		return -ENOMEM;
	if ((v = field(o, "defaultErrnoRet")))
		def_err = json_object_get_int(v);
	v = field(o, "defaultAction");
	if (!v || !json_object_is_type(v, json_type_string)) {
		log_error("%s: linux.seccomp.defaultAction: missing", file);
		return -EINVAL;
	}
	if (action(file, json_object_get_string(v), NULL, def_err, &p->def) < 0)
		return -EINVAL;
	if ((calls = field(o, "syscalls"))) {
		if (!json_object_is_type(calls, json_type_array)) {
			log_error("%s: linux.seccomp.syscalls: must be an array", file);
			return -EINVAL;
		}
		for (size_t i = 0; i < json_object_array_length(calls); i++)
			if (add_rules(file, json_object_array_get_idx(calls, i), def_err,
				      (unsigned)i + 1, p) < 0)
				return -EINVAL;
	}
	*ret = TAKE_PTR(p);
	return 0;
}
