/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-process resource settings of a container's init, applied in the
 * child before exec (the cgroup limits are applied by the monitor). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct sysc_conf;

/*
 * limits.* (setrlimit, inherited by everything init starts), the config's
 * sysctl entries and oom_score_adj. Runs in the child after the monitor's
 * "go": its namespaces exist (and its network links), and the host's /proc
 * is still mounted, whose /proc/sys/net and /proc/sys/{kernel,fs} IPC
 * entries belong to the writer's own namespaces. So this is done before
 * mount_setup_root() makes /proc/sys read-only. Logs naming the key.
 */
int resources_apply_child(const struct sysc_conf *conf, bool sysctls_only);
/* limits.* and oom_score_adj of process pid (0: ourselves). In a user
 * namespace the child cannot raise them: the monitor applies them to it
 * (sysctls_only in the child then). */
int resources_apply_process(const struct sysc_conf *conf, pid_t pid);
