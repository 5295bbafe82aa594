/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device policy: which device numbers the container may mknod, read and
 * write. The fixed base (null zero full random urandom tty console ptmx
 * pts/N) plus devices.allow plus every node of devices.create. Enforced by
 * the v1 devices controller (hybrid hosts) and by a BPF_CGROUP_DEVICE
 * program on the v2 cgroup (every host with one; on a hybrid host both
 * apply, the kernel asks both).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sysc_conf;
struct cgroup_set;
struct bpf_insn;

enum { DEVICES_MKNOD = 1, DEVICES_READ = 2, DEVICES_WRITE = 4 }; /* = BPF_DEVCG_ACC_* */
#define DEVICES_ANY (-1)

struct devices_rule {
	char type;	 /* 'a', 'c' or 'b' */
	int32_t major;	 /* DEVICES_ANY for '*' */
	int32_t minor;	 /* DEVICES_ANY for '*' */
	unsigned access; /* DEVICES_* bits */
};

/* "c 10:200 rwm", "b *:* m", "a" (everything). */
int devices_rule_parse(const char *s, struct devices_rule *ret);
/* Back to the v1 devices.allow syntax. */
void devices_rule_format(const struct devices_rule *r, char *buf, size_t size);
/* The container's allow list: base + devices.allow + devices.create nodes. */
int devices_policy(const struct sysc_conf *conf, struct devices_rule **ret, size_t *ret_n);

/* In the monitor, before init runs: v1 devices.deny "a" + devices.allow
 * lines, and the BPF program on the v2 cgroup. Logs failures. */
int devices_cgroup_apply(struct cgroup_set *cg, const struct devices_rule *rules, size_t n);

/* The BPF_PROG_TYPE_CGROUP_DEVICE program for rules (allow list). */
int devices_bpf_build(const struct devices_rule *rules, size_t n, struct bpf_insn **ret,
		      size_t *ret_n);
/* Load it and attach it (BPF_F_ALLOW_MULTI) to the cgroup directory. */
int devices_bpf_attach(const char *cgroup_path, const struct devices_rule *rules, size_t n);

/* In the container's init child after pivot_root: mknod the
 * devices.create entries ("/dev/PATH c|b MAJ:MIN MODE") in /dev. */
int devices_create_nodes(char *const *create);
/* One devices.create entry "PATH c|b MAJ:MIN MODE" (logs a bad one). */
struct devices_node {
	char path[256];
	char type; /* 'c' or 'b' */
	unsigned major, minor, mode;
};
int devices_parse_create(const char *entry, struct devices_node *ret);
/* Unprivileged containers: the node of a devices.create entry, made on a
 * detached tmpfs of our own (the child cannot mknod), as an open_tree fd
 * for the child to bind. -errno, logged. */
int devices_node_tree(const char *entry);
