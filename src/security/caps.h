/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capabilities of the container's processes (libcap). A set is a bit mask
 * of CAP_* numbers. Applied in two steps in the process about to exec:
 * caps_apply_bounding() while it is still fully privileged, and
 * caps_apply_final() right before execve (after any user switch).
 */
#pragma once

#include <stdint.h>

/* The capabilities to keep from the config: keep given: exactly those;
 * else every capability the kernel knows minus capabilities.drop. Names
 * unknown to this kernel's libcap are ignored with a warning (drop) or
 * refused (keep). */
int caps_from_config(char *const *drop, char *const *keep, uint64_t *ret_keep);
/* The capability number of a name ("sys_admin", "CAP_SYS_ADMIN"), or -EINVAL. */
int caps_from_name(const char *name);
/* The highest capability number the running kernel knows. */
int caps_last_cap(void);
/* Drop every capability not in keep from the bounding set (needs CAP_SETPCAP). */
int caps_apply_bounding(uint64_t keep);
/* Clear the inheritable and ambient sets; limit effective and permitted to
 * keep (they only shrink: a non-root user keeps what it has, i.e. none). */
int caps_apply_final(uint64_t keep);
/* Exactly these sets (OCI's process.capabilities), ambient last (each must
 * be permitted and inheritable). */
int caps_apply_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable, uint64_t ambient);
