/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the host offers, found once per process: a pure v2 /sys/fs/cgroup, a
 * hybrid host (v1 controller hierarchies + cgroup2 at /sys/fs/cgroup/unified)
 * with its v1 hierarchies read from /proc/self/mountinfo, or neither; where a
 * fresh sysfs on /sys hides them (`ip netns exec`), PID 1's, through
 * detached mounts (below). Used by the facade (cgroup.c) and both backends (cgroup2.c, cgroup1.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>

static const struct {
	const char *name;
	unsigned bit;
} controllers[] = {
	{"memory", CGROUP_V1_MEMORY},
	{"cpu", CGROUP_V1_CPU},
	{"cpuacct", CGROUP_V1_CPUACCT},
	{"cpuset", CGROUP_V1_CPUSET},
	{"pids", CGROUP_V1_PIDS},
	{"blkio", CGROUP_V1_BLKIO},
	{"devices", CGROUP_V1_DEVICES},
	{"freezer", CGROUP_V1_FREEZER},
	{"name=systemd", CGROUP_V1_NAMED_SYSTEMD},
};

/* ---- v1 mountinfo parsing ---- */

unsigned cgroup_v1_controller_mask(const char *opts)
{
	unsigned mask = 0;

	for (const char *p = opts; *p;) {
		size_t n = strcspn(p, ",");

		for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
			if (strlen(controllers[i].name) == n && !strncmp(p, controllers[i].name, n))
				mask |= controllers[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

const char *cgroup_v1_controller_name(unsigned bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
		if (controllers[i].bit == bit)
			return controllers[i].name;
	return "?";
}

/* Undo mountinfo's octal escapes (\040 for a space, ...). */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Split one mountinfo line (modified in place) into mount point, fs type and
 * super options. -EINVAL when malformed. */
static int split_line(char *line, char **ret_mnt, char **ret_type, char **ret_opts)
{
	char *field[64], *save = NULL;
	size_t n = 0, sep = 0;

	for (char *tok = strtok_r(line, " \t", &save); tok && n < ARRAY_SIZE(field);
	     tok = strtok_r(NULL, " \t", &save))
		field[n++] = tok;
	/* id parent maj:min root mountpoint options [optional...] - type source superopts */
	for (size_t i = 6; i < n; i++)
		if (!strcmp(field[i], "-")) {
			sep = i;
			break;
		}
	if (sep == 0 || sep + 3 >= n)
		return -EINVAL;
	*ret_mnt = field[4];
	*ret_type = field[sep + 1];
	*ret_opts = field[sep + 3];
	return 0;
}

void cgroup_v1_mounts_free(struct cgroup_v1_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].path);
	free(m);
}

int cgroup_v1_parse_mountinfo(const char *text, struct cgroup_v1_mount **ret, size_t *ret_n)
{
	_cleanup_free_ char *copy = strdup(text);
	struct cgroup_v1_mount *m = NULL;
	unsigned seen = 0;
	size_t n = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *mnt, *type, *opts;
		unsigned mask;

		if (split_line(line, &mnt, &type, &opts) < 0 || strcmp(type, "cgroup") != 0)
			continue;
		mask = cgroup_v1_controller_mask(opts);
		/* net_cls, other names, ...: not ours; overlap: a bind mount of one we have */
		if (mask == 0 || (mask & seen))
			continue;
		struct cgroup_v1_mount *nm = realloc(m, (n + 1) * sizeof(*m));
		if (!nm)
			goto enomem;
		m = nm;
		m[n].path = strdup(mnt);
		if (!m[n].path)
			goto enomem;
		unescape(m[n].path);
		m[n].mask = mask;
		n++;
		seen |= mask;
	}
	*ret = m;
	*ret_n = n;
	return 0;
enomem:
	cgroup_v1_mounts_free(m, n);
	return -ENOMEM;
}

/* ---- host detection ---- */

static struct {
	bool done;
	enum cgroup_mode mode;
	const char *v2_root;
	struct cgroup_v1_mount *v1;
	size_t n_v1;
} host;

static bool is_cgroup2(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* ---- hierarchies hidden by a fresh sysfs on /sys ----
 *
 * `ip netns exec` runs its command in a mount namespace of its own with a
 * new sysfs on /sys (for the network namespace's /sys/class/net), so
 * /sys/fs/cgroup is sysfs's empty directory there. The hierarchies are
 * still PID 1's: its mountinfo names them (readable without access to its
 * root), and a detached mount of each (fsopen/fsmount, attached nowhere,
 * gone with the process) reaches the same cgroups through
 * /proc/self/fd/N. The superblock options PID 1's mounts show are passed
 * again: mounting cgroup2 from the initial cgroup namespace sets its root
 * flags (nsdelegate, memory_recursiveprot, ...) to those of the new mount,
 * and a v1 hierarchy is found again only by its exact controller set. */
#define PID1_MOUNTINFO "/proc/1/mountinfo"

/* [0] the cgroup2 one, then one per v1 hierarchy of ours (at most one per
 * bit of a controller mask: 32) */
static int detached_fds[1 + 32] = {-1};
static char detached_v2_root[32];

/* A detached mount of fstype with the super options of a mountinfo line
 * (rw/ro and release_agent left out); -errno. */
static int mount_detached(const char *fstype, const char *opts)
{
	_cleanup_close_ int fs = fsopen(fstype, FSOPEN_CLOEXEC);
	_cleanup_free_ char *copy = strdup(opts);
	char *save = NULL;
	int fd;

	if (fs < 0 || !copy)
		return fs < 0 ? -errno : -ENOMEM;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');

		if (!strcmp(o, "rw") || !strcmp(o, "ro") || !strncmp(o, "release_agent=", 14))
			continue;
		if (eq)
			*eq = '\0';
		if (fsconfig(fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o,
			     eq ? eq + 1 : NULL, 0) < 0)
			return -errno;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	fd = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool is_sysfs_dir(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == SYSFS_MAGIC;
}

/* One v1 hierarchy of ours from PID 1's line: a detached mount of it. */
static int add_detached_v1(const char *opts, unsigned *seen, size_t *n_fds)
{
	unsigned mask = cgroup_v1_controller_mask(opts);
	struct cgroup_v1_mount *nm;
	int fd;

	if (mask == 0 || (mask & *seen))
		return 0;
	if (*n_fds >= ARRAY_SIZE(detached_fds))
		return log_warn_errno(-E2BIG, "cannot mount the cgroup v1 hierarchy %s: %m", opts);
	fd = mount_detached("cgroup", opts);
	if (fd < 0)
		return log_warn_errno(fd, "cannot mount the cgroup v1 hierarchy %s: %m", opts);
	detached_fds[(*n_fds)++] = fd;
	nm = realloc(host.v1, (host.n_v1 + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	host.v1 = nm;
	host.v1[host.n_v1].path = str_printf("/proc/self/fd/%d", fd);
	if (!host.v1[host.n_v1].path)
		return -ENOMEM;
	host.v1[host.n_v1++].mask = mask;
	*seen |= mask;
	return 0;
}

static void host_detect_hidden(void)
{
	_cleanup_free_ char *mountinfo = NULL;
	char *save = NULL, *v1_lines[64];
	size_t n_v1 = 0, n_fds = 1;
	unsigned seen = 0;
	bool hybrid = false;
	int r;

	if (!is_sysfs_dir(CGROUP_FS_ROOT) ||
	    fileio_read_at(AT_FDCWD, PID1_MOUNTINFO, &mountinfo, NULL) < 0)
		return;
	for (char *line = strtok_r(mountinfo, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *mnt, *type, *opts;

		if (split_line(line, &mnt, &type, &opts) < 0)
			continue;
		unescape(mnt);
		if (!strcmp(type, "cgroup") && n_v1 < ARRAY_SIZE(v1_lines))
			v1_lines[n_v1++] = opts;
		if (strcmp(type, "cgroup2") || detached_fds[0] >= 0)
			continue;
		if (strcmp(mnt, CGROUP_FS_ROOT) && strcmp(mnt, CGROUP_HYBRID_ROOT))
			continue;
		hybrid = !strcmp(mnt, CGROUP_HYBRID_ROOT);
		r = mount_detached("cgroup2", opts);
		if (r < 0) {
			log_warn_errno(r, "cannot mount the cgroup2 hierarchy: %m");
			return;
		}
		detached_fds[0] = r;
	}
	if (detached_fds[0] < 0)
		return;
	snprintf(detached_v2_root, sizeof(detached_v2_root), "/proc/self/fd/%d", detached_fds[0]);
	host.v2_root = detached_v2_root;
	host.mode = hybrid ? CGROUP_MODE_HYBRID : CGROUP_MODE_V2;
	for (size_t i = 0; hybrid && i < n_v1; i++) {
		r = add_detached_v1(v1_lines[i], &seen, &n_fds);
		if (r == -ENOMEM) {
			log_warn_errno(r, "cgroup v1 hierarchies: %m");
			break;
		}
	}
	log_debug("/sys/fs/cgroup is sysfs's own here (ip netns exec?): PID 1's cgroup "
		  "hierarchies reached through detached mounts");
}

static void host_detect(void)
{
	_cleanup_free_ char *mountinfo = NULL;
	int r;

	if (host.done)
		return;
	host.done = true;
	if (is_cgroup2(CGROUP_FS_ROOT)) {
		host.mode = CGROUP_MODE_V2;
		host.v2_root = CGROUP_FS_ROOT;
		return;
	}
	if (!is_cgroup2(CGROUP_HYBRID_ROOT)) {
		host.mode = CGROUP_MODE_NONE;
		host_detect_hidden();
		return;
	}
	host.mode = CGROUP_MODE_HYBRID;
	host.v2_root = CGROUP_HYBRID_ROOT;
	r = fileio_read_at(AT_FDCWD, "/proc/self/mountinfo", &mountinfo, NULL);
	if (r < 0) {
		log_warn_errno(
			r, "cannot read /proc/self/mountinfo: %m; using no v1 cgroup hierarchies");
		return;
	}
	r = cgroup_v1_parse_mountinfo(mountinfo, &host.v1, &host.n_v1);
	if (r < 0)
		log_warn_errno(r, "cannot parse /proc/self/mountinfo: %m");
}

enum cgroup_mode cgroup_host_mode(void)
{
	host_detect();
	return host.mode;
}

const struct cgroup_v1_mount *cgroup_host_v1_mounts(size_t *ret_n)
{
	host_detect();
	*ret_n = host.n_v1;
	return host.v1;
}

bool cgroup_host_is_hybrid(void)
{
	return cgroup_host_mode() == CGROUP_MODE_HYBRID;
}

const char *cgroup_host_v2_root(void)
{
	host_detect();
	return host.v2_root;
}

bool cgroup_host_v1_hierarchy(size_t i, const char **ret_path, char **ret_controllers)
{
	char buf[128] = "";

	host_detect();
	if (i >= host.n_v1)
		return false;
	for (size_t c = 0; c < ARRAY_SIZE(controllers); c++)
		if (host.v1[i].mask & controllers[c].bit) {
			size_t l = strlen(buf);
			snprintf(buf + l, sizeof(buf) - l, "%s%s", l ? "," : "",
				 controllers[c].name);
		}
	*ret_path = host.v1[i].path;
	*ret_controllers = strdup(buf);
	return true;
}
