/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#define NAME_MAX_LEN 64

/* Container names: 1..64 characters of [A-Za-z0-9_.-], starting with a letter
 * or digit, no "..". They become directory, cgroup and lock file names.
 * Returns 0, or -EINVAL with *ret_reason set to a static explanation. */
int name_validate(const char *name, const char **ret_reason);

/* Hostnames: labels of [A-Za-z0-9-] (not starting/ending with '-'), each
 * 1..63, total <= 253. */
bool name_hostname_valid(const char *s);
