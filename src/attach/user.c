/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attach/user.h"
#include "util/log.h"

#include <errno.h>
#include <stdbool.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The passwd entry of a name or numeric uid, copied into u. */
static int find_passwd(const char *user, struct attach_user *u)
{
	char *end;
	unsigned long uid = strtoul(user, &end, 10);
	bool numeric = *user && !*end;
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;

	if (!f)
		return -errno;
	while ((pw = fgetpwent(f))) {
		if (numeric ? pw->pw_uid != (uid_t)uid : strcmp(pw->pw_name, user) != 0)
			continue;
		/* fgetpwent's storage is static: keep copies */
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
		u->name = strdup(pw->pw_name);
		u->home = strdup(pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
		u->shell = strdup(pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
		fclose(f);
		return u->name && u->home && u->shell ? 0 : -ENOMEM;
	}
	fclose(f);
	return -ENOENT;
}

static void find_groups(struct attach_user *u)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *gr;

	if (!f)
		return;
	while ((gr = fgetgrent(f)))
		for (char **m = gr->gr_mem; m && *m; m++)
			if (strcmp(*m, u->name) == 0) {
				gid_t *n = realloc(u->groups,
						   (size_t)(u->n_groups + 1) * sizeof(gid_t));
				if (!n)
					break;
				u->groups = n;
				u->groups[u->n_groups++] = gr->gr_gid;
			}
	fclose(f);
}

int attach_user_lookup(const char *user, struct attach_user *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = find_passwd(user ? user : "0", ret);
	if (r == -ENOENT && !user) {
		/* no /etc/passwd, or no root in it: plain root */
		attach_user_done(ret);
		ret->name = strdup("root");
		ret->home = strdup("/root");
		ret->shell = strdup("/bin/sh");
		return ret->name && ret->home && ret->shell ? 0 : -ENOMEM;
	}
	if (r == -ENOENT) {
		log_error("user \"%s\" does not exist in the container (its /etc/passwd)", user);
		return r;
	}
	if (r < 0) {
		attach_user_done(ret);
		return log_error_errno(r, "cannot read the container's /etc/passwd: %m");
	}
	find_groups(ret);
	return 0;
}

void attach_user_done(struct attach_user *u)
{
	free(u->name);
	free(u->home);
	free(u->shell);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}
