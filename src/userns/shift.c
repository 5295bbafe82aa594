/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "userns/shift.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define ACL_XATTR_VERSION 2
#define ACL_TAG_USER	  0x02
#define ACL_TAG_GROUP	  0x08
#define CAP_REVISION_MASK 0xFF000000U
#define CAP_REVISION_3	  0x03000000U
#define CAP_V3_SIZE	  24
#define SHIFT_XATTR_MAX	  4096

static bool kind_matches(char entry, char want)
{
	return entry == 'b' || entry == want;
}

int userns_shift_parse(const char *text, struct conf_idmap **ret, size_t *ret_n)
{
	_cleanup_free_ struct conf_idmap *m = NULL;
	size_t n = 0;

	for (const char *s = text; s && *s;) {
		struct conf_idmap e = {0};
		unsigned long long v[3];
		int used = 0;
		struct conf_idmap *t;

		if (sscanf(s, "%c:%llu:%llu:%llu%n", &e.kind, &v[0], &v[1], &v[2], &used) != 4 ||
		    !strchr("ugb", e.kind) || v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[2] == 0 ||
		    v[2] > UINT32_MAX || (s[used] && s[used] != ',') ||
		    (s[used] == ',' && !s[used + 1]))
			return -EINVAL;
		e.container = (uint32_t)v[0];
		e.host = (uint32_t)v[1];
		e.count = (uint32_t)v[2];
		t = realloc(m, (n + 1) * sizeof(*m));
		if (!t)
			return -ENOMEM;
		m = t;
		m[n++] = e;
		s += used + (s[used] == ',');
	}
	*ret = TAKE_PTR(m);
	*ret_n = n;
	return 0;
}

char *userns_shift_format(const struct conf_idmap *m, size_t n)
{
	_cleanup_free_ char *text = strdup("");

	for (size_t i = 0; text && i < n; i++) {
		char *t = str_printf("%s%s%c:%u:%u:%u", text, i ? "," : "", m[i].kind,
				     m[i].container, m[i].host, m[i].count);
		free(text);
		text = t;
	}
	return TAKE_PTR(text);
}

bool userns_shift_equal(const struct conf_idmap *a, size_t na, const struct conf_idmap *b,
			size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].kind != b[i].kind || a[i].container != b[i].container ||
		    a[i].host != b[i].host || a[i].count != b[i].count)
			return false;
	return true;
}

/* The ranges (first id, count) of kind the shift reads from (domain) or
 * writes to (image). */
static void shift_range(const struct conf_idmap *m, bool host, uint64_t *first, uint64_t *count)
{
	*first = host ? m->host : m->container;
	*count = m->count;
}

static bool overlaps(uint64_t a, uint64_t na, uint64_t b, uint64_t nb)
{
	return a < b + nb && b < a + na;
}

int userns_shift_check(const struct userns_shift *s, const char *what)
{
	/* domain: the host ranges of from, or for an identity from the
	 * container ranges of to; image likewise the other way round */
	const struct conf_idmap *dom = s->n_from ? s->from : s->to;
	const struct conf_idmap *img = s->n_to ? s->to : s->from;
	size_t n_dom = s->n_from ? s->n_from : s->n_to, n_img = s->n_to ? s->n_to : s->n_from;

	if (userns_shift_equal(s->from, s->n_from, s->to, s->n_to))
		return 0;
	for (size_t i = 0; i < n_dom; i++)
		for (size_t j = 0; j < n_img; j++) {
			uint64_t a, na, b, nb;
			if (dom[i].kind != 'b' && img[j].kind != 'b' && dom[i].kind != img[j].kind)
				continue;
			shift_range(&dom[i], s->n_from > 0, &a, &na);
			shift_range(&img[j], s->n_to > 0, &b, &nb);
			if (overlaps(a, na, b, nb)) {
				log_error("%s: cannot shift owners from ids %llu-%llu to "
					  "%llu-%llu: the "
					  "ranges overlap",
					  what, (unsigned long long)a,
					  (unsigned long long)(a + na - 1), (unsigned long long)b,
					  (unsigned long long)(b + nb - 1));
				return -EINVAL;
			}
		}
	return 1;
}

uint32_t userns_shift_id(const struct userns_shift *s, char kind, uint32_t id)
{
	uint32_t c = id;
	bool found = s->n_from == 0;

	for (size_t i = 0; !found && i < s->n_from; i++) {
		const struct conf_idmap *m = &s->from[i];
		if (kind_matches(m->kind, kind) && id >= m->host &&
		    (uint64_t)id < (uint64_t)m->host + m->count) {
			c = m->container + (id - m->host);
			found = true;
		}
	}
	if (!found)
		return id;
	if (s->n_to == 0)
		return c;
	for (size_t i = 0; i < s->n_to; i++) {
		const struct conf_idmap *m = &s->to[i];
		if (kind_matches(m->kind, kind) && c >= m->container &&
		    (uint64_t)c < (uint64_t)m->container + m->count)
			return m->host + (c - m->container);
	}
	return id;
}

static bool shift_le32(const struct userns_shift *s, char kind, unsigned char *p)
{
	uint32_t v, n;

	memcpy(&v, p, sizeof(v));
	n = htole32(userns_shift_id(s, kind, le32toh(v)));
	if (n == v)
		return false;
	memcpy(p, &n, sizeof(n));
	return true;
}

bool userns_shift_xattr(const struct userns_shift *s, const char *name, void *value, size_t len)
{
	unsigned char *p = value;
	bool changed = false;

	if (strcmp(name, "system.posix_acl_access") == 0 ||
	    strcmp(name, "system.posix_acl_default") == 0) {
		uint32_t version;
		if (len < 4 || (len - 4) % 8)
			return false;
		memcpy(&version, p, sizeof(version));
		if (le32toh(version) != ACL_XATTR_VERSION)
			return false;
		for (size_t off = 4; off < len; off += 8) {
			uint16_t tag;
			memcpy(&tag, p + off, sizeof(tag));
			tag = le16toh(tag);
			if (tag == ACL_TAG_USER || tag == ACL_TAG_GROUP)
				changed |=
					shift_le32(s, tag == ACL_TAG_USER ? 'u' : 'g', p + off + 4);
		}
		return changed;
	}
	if (strcmp(name, "security.capability") == 0 && len == CAP_V3_SIZE) {
		uint32_t magic;
		memcpy(&magic, p, sizeof(magic));
		if ((le32toh(magic) & CAP_REVISION_MASK) == CAP_REVISION_3)
			return shift_le32(s, 'u', p + CAP_V3_SIZE - 4);
	}
	return false;
}

struct shift_walk {
	const struct userns_shift *s;
	const char *what;
	dev_t dev;
	uint64_t mnt_id; /* of the root; 0 unknown (then st_dev tells) */
	long changed;
	char value[SHIFT_XATTR_MAX];
};

static int walk_fail(const struct shift_walk *w, const char *op, const char *name, int r)
{
	return log_error_errno(r, "%s: cannot %s %s while shifting its owners: %m", w->what, op,
			       *name ? name : ".");
}

/* Read xattr name of the inode behind fd (O_PATH or not) into w->value;
 * its length, 0 if absent. */
static ssize_t get_xattr(struct shift_walk *w, const char *proc, const char *name)
{
	ssize_t n = getxattr(proc, name, w->value, sizeof(w->value));

	if (n < 0 && (errno == ENODATA || errno == EOPNOTSUPP || errno == ENOTSUP))
		return 0;
	return n < 0 ? -errno : n;
}

static int put_xattr(struct shift_walk *w, const char *proc, const char *name, size_t len)
{
	return setxattr(proc, name, w->value, len, 0) < 0 ? -errno : 0;
}

/* Rewrite one inode (opened as fd; a directory or a regular file). */
static int shift_inode(struct shift_walk *w, int fd, const struct stat *st, const char *name)
{
	static const char *const acls[] = {"system.posix_acl_access", "system.posix_acl_default"};
	char proc[64];
	uid_t uid = userns_shift_id(w->s, 'u', st->st_uid);
	gid_t gid = userns_shift_id(w->s, 'g', st->st_gid);
	ssize_t cap = 0;
	bool changed = false;
	int r;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (S_ISREG(st->st_mode)) {
		/* chown drops file capabilities: read them first */
		cap = get_xattr(w, proc, "security.capability");
		if (cap < 0)
			return walk_fail(w, "read the capabilities of", name, (int)cap);
	}
	if (uid != st->st_uid || gid != st->st_gid) {
		_cleanup_free_ char *saved = cap > 0 ? malloc((size_t)cap) : NULL;
		if (cap > 0 && !saved)
			return -ENOMEM;
		if (saved)
			memcpy(saved, w->value, (size_t)cap);
		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
			return walk_fail(w, "chown", name, -errno);
		/* and the setuid/setgid bits */
		if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
		    chmod(proc, st->st_mode & 07777) < 0)
			return walk_fail(w, "chmod", name, -errno);
		if (saved) {
			memcpy(w->value, saved, (size_t)cap);
			userns_shift_xattr(w->s, "security.capability", w->value, (size_t)cap);
			r = put_xattr(w, proc, "security.capability", (size_t)cap);
			if (r < 0)
				return walk_fail(w, "restore the capabilities of", name, r);
		}
		changed = true;
	} else if (cap > 0 &&
		   userns_shift_xattr(w->s, "security.capability", w->value, (size_t)cap)) {
		r = put_xattr(w, proc, "security.capability", (size_t)cap);
		if (r < 0)
			return walk_fail(w, "shift the capabilities of", name, r);
		changed = true;
	}
	for (size_t i = 0; i < (S_ISDIR(st->st_mode) ? 2U : 1U); i++) {
		ssize_t n = get_xattr(w, proc, acls[i]);
		if (n < 0)
			return walk_fail(w, "read the ACL of", name, (int)n);
		if (n > 0 && userns_shift_xattr(w->s, acls[i], w->value, (size_t)n)) {
			r = put_xattr(w, proc, acls[i], (size_t)n);
			if (r < 0)
				return walk_fail(w, "shift the ACL of", name, r);
			changed = true;
		}
	}
	w->changed += changed;
	return 0;
}

static int shift_at(struct shift_walk *w, int dirfd, const char *name);

static int shift_dir(struct shift_walk *w, int fd, const char *name)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		if (dup_fd >= 0)
			close(dup_fd);
		return walk_fail(w, "read", name, r);
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = shift_at(w, fd, de->d_name);
	}
	if (r == 0 && errno)
		r = walk_fail(w, "read", name, -errno);
	return r;
}

static int shift_at(struct shift_walk *w, int dirfd, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st, st2;
	uint64_t mnt_id;
	int flags = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);
	int r = fileio_stat_mnt(dirfd, name, flags, &st, &mnt_id);

	if (r < 0)
		return walk_fail(w, "stat", name, r);
	/* a mount point is not ours; told by the mount ID, not st_dev (on
	 * overlayfs a file's st_dev is its layer's, btrfs subvolumes have
	 * their own) */
	if (S_ISDIR(st.st_mode) && *name &&
	    (w->mnt_id && mnt_id ? mnt_id != w->mnt_id : st.st_dev != w->dev))
		return 0;
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		uid_t uid = userns_shift_id(w->s, 'u', st.st_uid);
		gid_t gid = userns_shift_id(w->s, 'g', st.st_gid);
		if (uid == st.st_uid && gid == st.st_gid)
			return 0;
		if (fchownat(dirfd, name, uid, gid, flags) < 0)
			return walk_fail(w, "chown", name, -errno);
		w->changed++;
		return 0;
	}
	fd = openat(dirfd, *name ? name : ".",
		    S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
					: O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return walk_fail(w, "open", name, -errno);
	if (fstat(fd, &st2) < 0)
		return walk_fail(w, "stat", name, -errno);
	if (st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)
		return walk_fail(w, "open", name, -ESTALE); /* replaced under us */
	r = shift_inode(w, fd, &st, name);
	if (r == 0 && S_ISDIR(st.st_mode))
		r = shift_dir(w, fd, name);
	return r;
}

long userns_shift_tree(const struct userns_shift *s, int dirfd, const char *what)
{
	struct shift_walk *w = calloc(1, sizeof(*w));
	struct stat st;
	long r;

	if (!w)
		return -ENOMEM;
	w->s = s;
	w->what = what;
	r = fileio_stat_mnt(dirfd, "", AT_EMPTY_PATH, &st, &w->mnt_id);
	if (r < 0) {
		r = log_error_errno((int)r, "%s: cannot stat: %m", what);
	} else {
		w->dev = st.st_dev;
		r = shift_at(w, dirfd, "");
		if (r == 0)
			r = w->changed;
	}
	free(w);
	return r;
}
