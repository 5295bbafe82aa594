/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The security policy of a container's processes, ONE module used for its
 * init (src/monitor/spawn.c) and for every attached process
 * (src/attach/enter.c):
 *
 *   security_prepare()      before forking: resolve capabilities, parse the
 *                           seccomp profile, build the filter (errors are
 *                           the config's: "FILE:LINE: ...")
 *   security_apply_early()  in the child, still fully privileged, before a
 *                           user switch: bounding set, no_new_privs, seccomp
 *   security_apply_final()  right before execve: inheritable and ambient
 *                           cleared, effective/permitted limited
 *
 * The device policy lives in devices.h (cgroup side, applied by the monitor).
 */
#pragma once

#include "util/cleanup.h"

#include <stdbool.h>
#include <stdint.h>

struct sysc_conf;

struct security_policy {
	uint64_t caps_keep; /* capability bit mask */
	bool no_new_privs;
	void *seccomp; /* compiled filter, NULL for profile "none" */
};

int security_prepare(const struct sysc_conf *conf, struct security_policy **ret);
/* Restrict caps_keep further (an attached process gets no more than init). */
void security_limit_caps(struct security_policy *p, uint64_t bounding);
int security_apply_early(const struct security_policy *p);
int security_apply_final(const struct security_policy *p);
void security_policy_free(struct security_policy *p);
/* Init's policy in <run_dir>/policy (0600), written by the monitor before
 * init exists, read by sysc-attach; load returns -ENOENT quietly where there
 * is none (a container an older sysc started) and logs anything else. */
int security_policy_save(const struct security_policy *p, const char *run_dir);
int security_policy_load(const char *run_dir, struct security_policy **ret);
DEFINE_CLEANUP_FUNC(struct security_policy *, security_policy_free)
