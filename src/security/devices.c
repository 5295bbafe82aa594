/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "security/devices.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "userns/userns.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* What systemd's container interface promises, and what sysc's /dev holds. */
static const char *const base_rules[] = {
	"c 1:3 rwm",   /* null */
	"c 1:5 rwm",   /* zero */
	"c 1:7 rwm",   /* full */
	"c 1:8 rwm",   /* random */
	"c 1:9 rwm",   /* urandom */
	"c 5:0 rwm",   /* tty */
	"c 5:1 rwm",   /* console */
	"c 5:2 rwm",   /* ptmx */
	"c 136:* rwm", /* pts/N (and the console and ttys: host pty slaves) */
};

static int parse_num(const char **p, int32_t *ret)
{
	char *end;
	long v;

	if (**p == '*') {
		(*p)++;
		*ret = DEVICES_ANY;
		return 0;
	}
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno || end == *p || v < 0 || v > 0xfffff)
		return -EINVAL;
	*p = end;
	*ret = (int32_t)v;
	return 0;
}

int devices_rule_parse(const char *s, struct devices_rule *ret)
{
	const char *p = s + 1;

	*ret = (struct devices_rule){.type = s[0],
				     .major = DEVICES_ANY,
				     .minor = DEVICES_ANY,
				     .access = DEVICES_MKNOD | DEVICES_READ | DEVICES_WRITE};
	if (!strchr("acb", s[0]) || s[0] == '\0')
		return -EINVAL;
	if (*p == '\0')
		return s[0] == 'a' ? 0 : -EINVAL;
	if (*p++ != ' ' || parse_num(&p, &ret->major) < 0 || *p++ != ':' ||
	    parse_num(&p, &ret->minor) < 0)
		return -EINVAL;
	if (*p == '\0')
		return 0;
	if (*p++ != ' ')
		return -EINVAL;
	ret->access = 0;
	for (; *p; p++) {
		const char *c = strchr("mrw", *p);
		if (!c)
			return -EINVAL;
		ret->access |= 1u << (c - "mrw");
	}
	return ret->access ? 0 : -EINVAL;
}

void devices_rule_format(const struct devices_rule *r, char *buf, size_t size)
{
	char maj[16] = "*", min[16] = "*";

	if (r->major != DEVICES_ANY)
		snprintf(maj, sizeof(maj), "%d", r->major);
	if (r->minor != DEVICES_ANY)
		snprintf(min, sizeof(min), "%d", r->minor);
	snprintf(buf, size, "%c %s:%s %s%s%s", r->type, maj, min,
		 r->access & DEVICES_READ ? "r" : "", r->access & DEVICES_WRITE ? "w" : "",
		 r->access & DEVICES_MKNOD ? "m" : "");
}

static int push_rule(struct devices_rule **v, size_t *n, const char *s, const char *what)
{
	struct devices_rule r, *nv;

	if (devices_rule_parse(s, &r) < 0)
		return log_error_errno(-EINVAL, "%s: invalid device rule \"%s\"", what, s);
	nv = reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = r;
	*v = nv;
	return 0;
}

int devices_policy(const struct sysc_conf *conf, struct devices_rule **ret, size_t *ret_n)
{
	_cleanup_free_ struct devices_rule *v = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(base_rules); i++)
		r = push_rule(&v, &n, base_rules[i], "base policy");
	for (size_t i = 0; r == 0 && conf->devices.allow && conf->devices.allow[i]; i++)
		r = push_rule(&v, &n, conf->devices.allow[i], "devices.allow");
	/* a node the config creates is one it means to use */
	for (size_t i = 0; r == 0 && conf->devices.create && conf->devices.create[i]; i++) {
		char path[256], type[4], num[64], rule[96];
		if (sscanf(conf->devices.create[i], "%255s %3s %63s", path, type, num) != 3)
			return log_error_errno(-EINVAL, "devices.create: invalid entry \"%s\"",
					       conf->devices.create[i]);
		snprintf(rule, sizeof(rule), "%s %s rwm", type, num);
		r = push_rule(&v, &n, rule, "devices.create");
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int devices_cgroup_apply(struct cgroup_set *cg, const struct devices_rule *rules, size_t n)
{
	_cleanup_strv_ char **lines = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		char buf[64];
		devices_rule_format(&rules[i], buf, sizeof(buf));
		if (strv_push(&lines, buf) < 0)
			return -ENOMEM;
	}
	/* sysc inside a container: a user namespace other than the initial
	 * one can neither load a BPF program nor write devices.allow (both
	 * need CAP_SYS_ADMIN of the initial one). The device policy of the
	 * container sysc runs in applies to every cgroup below its own (the
	 * v1 devices controller is hierarchical; a v2 program attached with
	 * BPF_F_ALLOW_MULTI runs for descendants), and the user namespace
	 * forbids mknod: those enforce devices then. */
	if (!userns_self_initial()) {
		log_info("device policy: no BPF program in a user namespace; the device "
			 "policy of the container sysc runs in applies");
		return 0;
	}
	r = cgroup_v1_devices_set(cg, lines);
	if (r < 0 && r != -ENOENT)
		return r; /* logged */
	/* on a hybrid host the v1 controller already enforces: the BPF program is
	 * a second fence; on a pure v2 host it is the only one */
	int b = devices_bpf_attach(cgroup_v2_path(cg), rules, n);
	if (b < 0 && r == -ENOENT)
		return b;
	if (b < 0)
		log_warn("continuing with the v1 devices controller only");
	return 0;
}

/* mkdir -p the parents of path (inside our own /dev tmpfs). */
static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

int devices_parse_create(const char *entry, struct devices_node *ret)
{
	char type[4];

	if (sscanf(entry, "%255s %3s %u:%u %o", ret->path, type, &ret->major, &ret->minor,
		   &ret->mode) != 5 ||
	    (strcmp(type, "c") && strcmp(type, "b")))
		return log_error_errno(-EINVAL, "devices.create: invalid entry \"%s\"", entry);
	ret->type = type[0];
	return 0;
}

int devices_create_nodes(char *const *create)
{
	for (size_t i = 0; create && create[i]; i++) {
		struct devices_node n;
		int r = devices_parse_create(create[i], &n);
		if (r < 0)
			return r;
		const char *path = n.path;
		const char *type = n.type == 'b' ? "b" : "c";
		unsigned maj = n.major, min = n.minor, mode = n.mode;

		r = mkdir_parents(path);
		if (r < 0)
			return log_error_errno(
				r, "devices.create: cannot create the parents of %s: %m", path);
		if (unlink(path) < 0 && errno != ENOENT)
			return log_error_errno(-errno, "devices.create: cannot replace %s: %m",
					       path);
		if (mknod(path, (type[0] == 'b' ? S_IFBLK : S_IFCHR) | (mode & 07777),
			  makedev(maj, min)) < 0 ||
		    chmod(path, mode & 07777) < 0)
			return log_error_errno(-errno, "devices.create: mknod %s (%s %u:%u): %m",
					       path, type, maj, min);
	}
	return 0;
}

int devices_node_tree(const char *entry)
{
	_cleanup_close_ int fs = -EBADF, mnt = -EBADF;
	struct devices_node n;
	const char *base;
	int r = devices_parse_create(entry, &n), tree;

	if (r < 0)
		return r;
	base = strrchr(n.path, '/') ? strrchr(n.path, '/') + 1 : n.path;
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC)) < 0)
		return log_error_errno(-errno, "devices.create: %s: cannot make a tmpfs for it: %m",
				       n.path);
	if (mknodat(mnt, base, (n.type == 'b' ? S_IFBLK : S_IFCHR) | (n.mode & 07777),
		    makedev(n.major, n.minor)) < 0 ||
	    fchmodat(mnt, base, n.mode & 07777, 0) < 0)
		return log_error_errno(-errno, "devices.create: mknod %s (%c %u:%u): %m", n.path,
				       n.type, n.major, n.minor);
	tree = open_tree(mnt, base, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	/* Linux before 6.15 cannot clone from a detached mount: the tmpfs
	 * itself then, whose root is a directory holding the node (the child
	 * attaches it and binds the node from there, dev.c) */
	if (tree < 0 && errno == EINVAL)
		return TAKE_FD(mnt);
	if (tree < 0)
		return log_error_errno(-errno, "devices.create: %s: open_tree: %m", n.path);
	return tree;
}
