/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Users inside a container, read from its own /etc/passwd and /etc/group
 * with plain file parsing (never NSS: its modules would be loaded from the
 * container into a process that came from the host). */
#pragma once

#include <sys/types.h>

struct attach_user {
	uid_t uid;
	gid_t gid;
	char *name;
	char *home;
	char *shell;
	gid_t *groups; /* supplementary groups */
	int n_groups;
};

/* name or numeric uid; NULL means root. Reads /etc/passwd, /etc/group of the
 * current root (call after entering the container's mount namespace). */
int attach_user_lookup(const char *user, struct attach_user *ret);
void attach_user_done(struct attach_user *u);
