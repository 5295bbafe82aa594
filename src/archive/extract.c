/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading tar archives and extracting them without trusting them (see
 * tar.h). libarchive only parses: every inode is made here, relative to a
 * directory fd found with openat2() under the target, so no entry can reach
 * outside it whatever its path, its link target or the order of entries.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "archive/tar.h"
#include "util/cleanup.h"
#include "util/interrupt.h"
#include "util/log.h"

#include "archive/dl.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define XATTR_NAME_MAX_LEN 255
#define XATTR_VALUE_MAX	   (64 * 1024)
#define SHOWN_PATH_MAX	   160

struct dir_fixup {
	char *path; /* relative to the target; "" = the target itself */
	struct archive_entry *e;
};

struct tar_reader {
	struct archive *a;
	char *name;
	const char *entry; /* raw path of the current entry, for messages (entry_copy) */
	char *entry_copy;
	int root_fd;
	const struct tar_extract_opts *o;
	char *parent;  /* cached parent directory (relative path) ... */
	int parent_fd; /* ... and its O_PATH fd */
	struct dir_fixup *dirs;
	size_t n_dirs, cap_dirs;
	unsigned long long entries, bytes;
	struct tar_sum sum;
	struct archive_entry *pending; /* header read, entry not consumed (stop_at) */
	bool eof;
};

uint64_t tar_reader_sum(const struct tar_reader *r)
{
	return tar_sum_final(&r->sum);
}

void tar_reader_sum_reset(struct tar_reader *r)
{
	tar_sum_init(&r->sum);
}

void tar_reader_stats(const struct tar_reader *r, unsigned long long *entries,
		      unsigned long long *bytes)
{
	*entries = r->entries;
	*bytes = r->bytes;
}

/* "archive A: entry P: why" (long paths shortened) and -|err|; "%m" in fmt
 * prints err. */
static int entry_fail(struct tar_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int entry_fail(struct tar_reader *r, int err, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	size_t n = r->entry ? strlen(r->entry) : 0;

	va_start(ap, fmt);
	errno = err < 0 ? -err : err;
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!r->entry)
		log_error("archive %s: %s", r->name, why);
	else if (n > SHOWN_PATH_MAX)
		log_error("archive %s: entry \"%.*s...\" (%zu bytes): %s", r->name, SHOWN_PATH_MAX,
			  r->entry, n, why);
	else
		log_error("archive %s: entry \"%s\": %s", r->name, r->entry, why);
	return err < 0 ? err : -err;
}

static int archive_fail(struct tar_reader *r, const char *what)
{
	const char *s = archive_error_string(r->a);

	return entry_fail(r, -EBADMSG, "%s: %s", what, s ? s : "unknown error");
}

int tar_reader_open(int fd, const char *name, struct tar_reader **ret)
{
	struct tar_reader *r;
	int loaded = archive_dl_load();

	if (loaded < 0)
		return loaded;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->root_fd = r->parent_fd = -EBADF;
	r->name = strdup(name);
	r->a = archive_read_new();
	tar_sum_init(&r->sum);
	if (!r->name || !r->a) {
		tar_reader_free(r);
		return -ENOMEM;
	}
	archive_read_support_filter_all(r->a);
	archive_read_support_format_tar(r->a);
	if (archive_read_open_fd(r->a, fd, 64 * 1024) != ARCHIVE_OK) {
		int e = archive_fail(r, "cannot read");
		tar_reader_free(r);
		return e;
	}
	*ret = r;
	return 0;
}

static void fixups_free(struct tar_reader *r)
{
	for (size_t i = 0; i < r->n_dirs; i++) {
		free(r->dirs[i].path);
		archive_entry_free(r->dirs[i].e);
	}
	free(r->dirs);
	r->dirs = NULL;
	r->n_dirs = r->cap_dirs = 0;
}

void tar_reader_free(struct tar_reader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	fixups_free(r);
	CLOSE_FD(r->parent_fd);
	free(r->parent);
	free(r->entry_copy);
	free(r->name);
	free(r);
}

/* 1 with *ret set, 0 at the end of the archive, -errno (logged). */
static int next_header(struct tar_reader *r, struct archive_entry **ret)
{
	int x;

	if (r->eof)
		return 0;
	x = archive_read_next_header(r->a, ret);
	if (x == ARCHIVE_EOF) {
		r->eof = true;
		return 0;
	}
	if (x == ARCHIVE_WARN) {
		log_debug("archive %s: %s", r->name, archive_error_string(r->a));
		x = ARCHIVE_OK;
	}
	if (x != ARCHIVE_OK) {
		const char *prev = r->entry;
		int e;

		r->entry = NULL;
		e = entry_fail(r, -EBADMSG, "corrupt or truncated%s%s%s: %s",
			       prev ? " after entry \"" : "", prev ? prev : "", prev ? "\"" : "",
			       archive_error_string(r->a) ? archive_error_string(r->a)
							  : "unexpected end of data");
		return e;
	}
	/* a copy: libarchive reuses the entry's memory for the next header */
	free(r->entry_copy);
	r->entry = r->entry_copy = NULL;
	if (!archive_entry_pathname(*ret))
		return entry_fail(r, -EBADMSG, "entry without a usable path name");
	r->entry = r->entry_copy = strdup(archive_entry_pathname(*ret));
	if (!r->entry)
		return -ENOMEM;
	r->entries++;
	return 1;
}

/*
 * The entry path raw as a clean relative path in out ("" for the target
 * itself): "." and empty components dropped; absolute paths, ".."
 * components, over-long paths and (with a prefix) anything outside it are
 * refused. what names the path for messages ("path", "hardlink target").
 */
static int clean_path(struct tar_reader *r, const char *raw, const char *what, char *out)
{
	const char *prefix = r->o ? r->o->prefix : NULL;
	bool need_prefix = prefix != NULL;
	size_t len = strlen(raw), o = 0;

	if (len == 0)
		return entry_fail(r, -EPERM, "empty %s (refused)", what);
	if (len >= PATH_MAX)
		return entry_fail(r, -ENAMETOOLONG, "%s longer than %d bytes (refused)", what,
				  PATH_MAX - 1);
	if (raw[0] == '/')
		return entry_fail(r, -EPERM, "absolute %s \"%.*s\" (refused)", what, SHOWN_PATH_MAX,
				  raw);
	for (const char *p = raw; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return entry_fail(r, -EPERM, "%s \"%.*s\" has a \"..\" component (refused)",
					  what, SHOWN_PATH_MAX, raw);
		if (n > NAME_MAX)
			return entry_fail(r, -ENAMETOOLONG, "%s has a name longer than %d bytes",
					  what, NAME_MAX);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (need_prefix) {
				if (n != strlen(prefix) || strncmp(p, prefix, n) != 0)
					return entry_fail(r, -EPERM,
							  "%s outside %s/ (not a sysc archive?)",
							  what, prefix);
				need_prefix = false;
			} else {
				if (o)
					out[o++] = '/';
				memcpy(out + o, p, n);
				o += n;
			}
		}
		p += n;
		while (*p == '/')
			p++;
	}
	if (need_prefix)
		return entry_fail(r, -EPERM, "%s outside %s/ (not a sysc archive?)", what, prefix);
	out[o] = '\0';
	return 0;
}

static int open_beneath(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	long fd = syscall(SYS_openat2, root_fd, path[0] ? path : ".", &how, sizeof(how));

	return fd < 0 ? negative_errno() : (int)fd;
}

static int lookup_fail(struct tar_reader *r, const char *dir, int err)
{
	if (err == -ELOOP)
		return entry_fail(r, err, "\"%s\" is a symlink: refusing to write through it", dir);
	if (err == -ENOTDIR)
		return entry_fail(r, err, "\"%s\" is not a directory", dir);
	if (err == -EXDEV)
		return entry_fail(r, err, "\"%s\" leaves the target (refused)", dir);
	return entry_fail(r, err, "cannot open directory \"%s\": %m", dir);
}

/* Make the missing directories of dir (0755, root-owned, as tar does). */
static int make_parents(struct tar_reader *r, const char *dir)
{
	_cleanup_free_ char *copy = strdup(dir);
	_cleanup_close_ int fd = -EBADF;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	fd = fcntl(r->root_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return negative_errno();
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int nfd;

		if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
			return entry_fail(r, negative_errno(), "cannot create directory \"%s\": %m",
					  dir);
		nfd = open_beneath(fd, c, O_PATH | O_DIRECTORY);
		if (nfd < 0)
			return lookup_fail(r, dir, nfd);
		close(fd);
		fd = nfd;
	}
	return 0;
}

/* The O_PATH fd of rel's parent directory (cached; not to be closed) and
 * rel's last component. */
static int get_parent(struct tar_reader *r, char *rel, int *ret_fd, const char **ret_base)
{
	char *slash = strrchr(rel, '/');
	const char *dir = slash ? rel : "";
	int fd = 0;

	*ret_base = slash ? slash + 1 : rel;
	if (slash)
		*slash = '\0';
	if (!r->parent || strcmp(r->parent, dir) != 0) {
		fd = open_beneath(r->root_fd, dir, O_PATH | O_DIRECTORY);
		if (fd == -ENOENT) {
			fd = make_parents(r, dir);
			if (fd == 0)
				fd = open_beneath(r->root_fd, dir, O_PATH | O_DIRECTORY);
			else
				dir = NULL; /* logged */
		}
		if (fd < 0) {
			if (dir)
				fd = lookup_fail(r, dir, fd);
		} else {
			CLOSE_FD(r->parent_fd);
			free(r->parent);
			r->parent_fd = fd;
			r->parent = strdup(dir);
			fd = r->parent ? 0 : -ENOMEM;
			if (fd < 0)
				CLOSE_FD(r->parent_fd);
		}
	}
	if (slash)
		*slash = '/';
	*ret_fd = r->parent_fd;
	return fd;
}

static bool device_allowed(enum tar_devices policy, mode_t type, dev_t dev)
{
	unsigned maj = major(dev), min = minor(dev);

	if (policy == TAR_DEVICES_ALL)
		return true;
	if (policy == TAR_DEVICES_NONE || type != AE_IFCHR)
		return false;
	/* null zero full random urandom; tty console ptmx */
	return (maj == 1 && (min == 3 || min == 5 || min == 7 || min == 8 || min == 9)) ||
	       (maj == 5 && min <= 2);
}

/* An existing name in the way of a new entry: removed unless both are
 * directories (then kept: 1). Never followed. */
static int clear_name(struct tar_reader *r, int pfd, const char *base, bool new_is_dir)
{
	struct stat st;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_fail(r, negative_errno(), "cannot stat existing entry: %m");
	if (S_ISDIR(st.st_mode)) {
		if (new_is_dir)
			return 1;
		if (unlinkat(pfd, base, AT_REMOVEDIR) < 0)
			return entry_fail(r, negative_errno(),
					  "cannot replace the directory of that name: %m");
		return 0;
	}
	if (unlinkat(pfd, base, 0) < 0)
		return entry_fail(r, negative_errno(), "cannot replace the file of that name: %m");
	return 0;
}

static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR && !interrupt_pending())
			continue;
		if (n < 0)
			return negative_errno();
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int write_data(struct tar_reader *r, int fd, struct archive_entry *e)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int x = archive_read_data_block(r->a, &buf, &size, &off);

		if (x == ARCHIVE_EOF)
			break;
		if (x != ARCHIVE_OK && x != ARCHIVE_WARN)
			return archive_fail(r, "corrupt or truncated data");
		if (interrupt_pending())
			return log_error_errno(-EINTR, "interrupted by signal %d",
					       interrupt_pending());
		if (size > 0) {
			int e2 = pwrite_all(fd, buf, size, (off_t)off);
			if (e2 < 0)
				return entry_fail(r, e2, "write: %m");
			r->bytes += size;
			tar_sum_add(&r->sum, buf, size);
		}
	}
	/* the size, also past a final hole */
	if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0)
		return entry_fail(r, negative_errno(), "truncate: %m");
	return 0;
}

/*
 * POSIX ACLs that other tools store as ACL records (GNU tar --acls, bsdtar:
 * SCHILY.acl.*), converted to the system.posix_acl_* xattr the kernel takes:
 * a version header, then (tag, perm, id) in the kernel's order. Our own
 * archives carry the xattrs themselves (these are then absent).
 */
#define ACL_XATTR_VERSION 2
#define ACL_MAX_ENTRIES	  1024

struct acl_xentry {
	uint16_t tag;
	uint16_t perm;
	uint32_t id;
};

static int acl_tag(int la_tag)
{
	switch (la_tag) {
	case ARCHIVE_ENTRY_ACL_USER_OBJ:
		return 0x01;
	case ARCHIVE_ENTRY_ACL_USER:
		return 0x02;
	case ARCHIVE_ENTRY_ACL_GROUP_OBJ:
		return 0x04;
	case ARCHIVE_ENTRY_ACL_GROUP:
		return 0x08;
	case ARCHIVE_ENTRY_ACL_MASK:
		return 0x10;
	case ARCHIVE_ENTRY_ACL_OTHER:
		return 0x20;
	default:
		return -1;
	}
}

static int acl_cmp(const void *a, const void *b)
{
	const struct acl_xentry *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The xattr value for ACL type of e in buf: its size, 0 if e has none. */
static ssize_t acl_to_xattr(struct archive_entry *e, int type, char *buf, size_t size)
{
	struct acl_xentry ents[ACL_MAX_ENTRIES];
	size_t n = 0;
	bool extended = false;
	int t, perm, tag, id;
	const char *name;
	uint32_t version = ACL_XATTR_VERSION;

	if (archive_entry_acl_reset(e, type) <= 0)
		return 0;
	while (archive_entry_acl_next(e, type, &t, &perm, &tag, &id, &name) == ARCHIVE_OK) {
		int k = acl_tag(tag);
		if (k < 0 || n == ACL_MAX_ENTRIES)
			return -EINVAL;
		ents[n++] = (struct acl_xentry){
			.tag = (uint16_t)k,
			.perm = (uint16_t)(perm & 7),
			.id = k == 0x02 || k == 0x08 ? (uint32_t)id : UINT32_MAX,
		};
		extended |= k == 0x02 || k == 0x08 || k == 0x10;
	}
	/* an access ACL of the three base entries is just the mode */
	if (type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS && !extended)
		return 0;
	if (sizeof(version) + n * sizeof(ents[0]) > size)
		return -E2BIG;
	qsort(ents, n, sizeof(ents[0]), acl_cmp);
	memcpy(buf, &version, sizeof(version));
	memcpy(buf + sizeof(version), ents, n * sizeof(ents[0]));
	return (ssize_t)(sizeof(version) + n * sizeof(ents[0]));
}

static bool has_xattr(struct archive_entry *e, const char *want)
{
	const char *xname;
	const void *xval;
	size_t xsize;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xname, &xval, &xsize) == ARCHIVE_OK)
		if (xname && strcmp(xname, want) == 0)
			return true;
	return false;
}

static int apply_acls(struct tar_reader *r, int fd, const char *node, struct archive_entry *e)
{
	static const struct {
		int type;
		const char *xattr;
	} kinds[] = {
		{ARCHIVE_ENTRY_ACL_TYPE_ACCESS, "system.posix_acl_access"},
		{ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, "system.posix_acl_default"},
	};
	char buf[sizeof(uint32_t) + ACL_MAX_ENTRIES * sizeof(struct acl_xentry)];

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		ssize_t n;

		if (has_xattr(e, kinds[i].xattr))
			continue;
		n = acl_to_xattr(e, kinds[i].type, buf, sizeof(buf));
		if (n < 0)
			return entry_fail(r, (int)n, "invalid ACL (refused)");
		if (n > 0 && (fd >= 0 ? fsetxattr(fd, kinds[i].xattr, buf, (size_t)n, 0)
				      : lsetxattr(node, kinds[i].xattr, buf, (size_t)n, 0)) < 0)
			return entry_fail(r, negative_errno(), "cannot set ACL: %m");
	}
	return 0;
}

/* Owner, xattrs (security.capability after chown), mode (after chown,
 * which drops setuid), times: through fd, or for a non-regular inode by
 * pfd/base without following it. */
static int apply_meta(struct tar_reader *r, int fd, int pfd, const char *base,
		      struct archive_entry *e)
{
	bool lnk = archive_entry_filetype(e) == AE_IFLNK;
	struct timespec ts[2];
	char node[64 + NAME_MAX];
	const char *xname;
	const void *xval;
	size_t xsize;

	if (fd < 0)
		snprintf(node, sizeof(node), "/proc/self/fd/%d/%s", pfd, base);
	if ((fd >= 0 ? fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e))
		     : fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
				AT_SYMLINK_NOFOLLOW)) < 0)
		return entry_fail(r, negative_errno(), "chown: %m");
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xname, &xval, &xsize) == ARCHIVE_OK) {
		if (!xname || !*xname || strlen(xname) > XATTR_NAME_MAX_LEN ||
		    xsize > XATTR_VALUE_MAX)
			return entry_fail(r, -E2BIG, "oversized extended attribute (refused)");
		if ((fd >= 0 ? fsetxattr(fd, xname, xval, xsize, 0)
			     : lsetxattr(node, xname, xval, xsize, 0)) < 0)
			return entry_fail(r, negative_errno(), "cannot set xattr %s: %m", xname);
	}
	if (!lnk && (fd >= 0 ? fchmod(fd, archive_entry_perm(e) & 07777)
			     : fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0)) < 0)
		return entry_fail(r, negative_errno(), "chmod: %m");
	/* ACL records after chmod: libarchive keeps group::, not the mask, in
	 * the mode, so the ACL's own mask must be set last */
	if (!lnk) {
		int e2 = apply_acls(r, fd, node, e);
		if (e2 < 0)
			return e2;
	}
	ts[1] = archive_entry_mtime_is_set(e)
			? (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)}
			: (struct timespec){0, UTIME_NOW};
	ts[0] = archive_entry_atime_is_set(e)
			? (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)}
			: ts[1];
	if ((fd >= 0 ? futimens(fd, ts) : utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW)) < 0)
		return entry_fail(r, negative_errno(), "set times: %m");
	return 0;
}

static int add_fixup(struct tar_reader *r, const char *rel, struct archive_entry *e)
{
	if (r->n_dirs == r->cap_dirs) {
		size_t cap = r->cap_dirs ? r->cap_dirs * 2 : 256;
		struct dir_fixup *d = realloc(r->dirs, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		r->dirs = d;
		r->cap_dirs = cap;
	}
	r->dirs[r->n_dirs].path = strdup(rel);
	r->dirs[r->n_dirs].e = archive_entry_clone(e);
	if (!r->dirs[r->n_dirs].path || !r->dirs[r->n_dirs].e) {
		free(r->dirs[r->n_dirs].path);
		archive_entry_free(r->dirs[r->n_dirs].e);
		return -ENOMEM;
	}
	r->n_dirs++;
	return 0;
}

/* Directories last, deepest (latest) first, so their contents changed
 * neither their times nor inherited their default ACLs. */
static int apply_fixups(struct tar_reader *r)
{
	for (size_t i = r->n_dirs; i-- > 0;) {
		_cleanup_close_ int fd = open_beneath(r->root_fd, r->dirs[i].path,
						      O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		int e;

		r->entry = archive_entry_pathname(r->dirs[i].e);
		if (fd < 0)
			return lookup_fail(r, r->dirs[i].path, fd);
		e = apply_meta(r, fd, -EBADF, "", r->dirs[i].e);
		if (e < 0)
			return e;
	}
	return 0;
}

/* A hardlink: to an inode extracted before, inside the target, not a directory. */
static int make_hardlink(struct tar_reader *r, int pfd, const char *base, const char *target)
{
	char rel[PATH_MAX];
	_cleanup_close_ int tfd = -EBADF;
	struct stat st;
	int e = clean_path(r, target, "hardlink target", rel);

	if (e < 0)
		return e;
	tfd = open_beneath(r->root_fd, rel, O_PATH | O_NOFOLLOW);
	if (tfd == -ENOENT)
		return entry_fail(r, tfd, "hardlink target \"%s\" is not in the archive before it",
				  rel);
	if (tfd < 0)
		return lookup_fail(r, rel, tfd);
	if (fstat(tfd, &st) < 0)
		return entry_fail(r, negative_errno(), "stat hardlink target: %m");
	if (S_ISDIR(st.st_mode))
		return entry_fail(r, -EPERM, "hardlink to directory \"%s\" (refused)", rel);
	for (int i = 0; i < 2; i++) {
		if (linkat(tfd, "", pfd, base, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno != EEXIST || i > 0)
			break;
		e = clear_name(r, pfd, base, false);
		if (e < 0)
			return e;
	}
	return entry_fail(r, negative_errno(), "cannot make hardlink: %m");
}

/* Create the inode of entry e as pfd/base: its fd for regular files and
 * directories (else -EBADF), 0 for others, -errno (logged). */
static int make_inode(struct tar_reader *r, int pfd, const char *base, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);

	for (int i = 0; i < 2; i++) {
		int fd = 0, e2;

		switch (type) {
		case AE_IFREG:
			fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				    0600);
			break;
		case AE_IFDIR:
			fd = mkdirat(pfd, base, 0700);
			break;
		case AE_IFLNK: {
			const char *t = archive_entry_symlink(e);
			if (!t || !*t || strlen(t) >= PATH_MAX)
				return entry_fail(r, -EBADMSG,
						  "symlink target missing or too long (refused)");
			fd = symlinkat(t, pfd, base);
			break;
		}
		case AE_IFCHR:
		case AE_IFBLK:
			if (!device_allowed(r->o->devices, type, archive_entry_rdev(e)))
				return entry_fail(r, -EPERM,
						  "%s device %u:%u not allowed (refused; see "
						  "--devices)",
						  type == AE_IFCHR ? "character" : "block",
						  major(archive_entry_rdev(e)),
						  minor(archive_entry_rdev(e)));
			fd = mknodat(pfd, base, type | 0600, archive_entry_rdev(e));
			break;
		case AE_IFIFO:
		case AE_IFSOCK:
			fd = mknodat(pfd, base, type | 0600, 0);
			break;
		default:
			return entry_fail(r, -EBADMSG, "unknown file type 0%o (refused)",
					  (unsigned)type);
		}
		if (fd >= 0)
			return fd;
		if (errno != EEXIST || i > 0)
			break;
		e2 = clear_name(r, pfd, base, type == AE_IFDIR);
		if (e2 < 0)
			return e2;
		if (e2 > 0)
			return 0; /* an existing directory: metadata at the end */
	}
	return entry_fail(r, negative_errno(), "cannot create: %m");
}

static int extract_entry(struct tar_reader *r, struct archive_entry *e)
{
	char rel[PATH_MAX];
	const char *base, *hl;
	int pfd, e2;
	_cleanup_close_ int fd = -EBADF;

	e2 = clean_path(r, r->entry, "path", rel);
	if (e2 < 0)
		return e2;
	tar_sum_add(&r->sum, rel, strlen(rel) + 1); /* as the writer hashed it */
	if (archive_entry_filetype(e) == AE_IFDIR || rel[0] == '\0') {
		if (rel[0] == '\0' && archive_entry_filetype(e) != AE_IFDIR)
			return entry_fail(r, -EBADMSG, "the top of the tree is not a directory");
		if (rel[0] && (e2 = get_parent(r, rel, &pfd, &base)) == 0)
			e2 = make_inode(r, pfd, base, e);
		return e2 < 0 ? e2 : add_fixup(r, rel, e);
	}
	e2 = get_parent(r, rel, &pfd, &base);
	if (e2 < 0)
		return e2;
	hl = archive_entry_hardlink(e);
	if (hl)
		return make_hardlink(r, pfd, base, hl);
	fd = make_inode(r, pfd, base, e);
	if (fd < 0)
		return fd;
	if (archive_entry_filetype(e) == AE_IFREG) {
		e2 = write_data(r, fd, e);
		return e2 < 0 ? e2 : apply_meta(r, fd, pfd, base, e);
	}
	fd = -EBADF;
	return apply_meta(r, -EBADF, pfd, base, e);
}

int tar_reader_extract(struct tar_reader *r, int root_fd, const struct tar_extract_opts *o)
{
	struct archive_entry *e;
	int x;

	r->root_fd = root_fd;
	r->o = o;
	while ((x = next_header(r, &e)) > 0) {
		if (o->stop_at && strcmp(r->entry, o->stop_at) == 0) {
			r->pending = e;
			x = 0;
			break;
		}
		x = extract_entry(r, e);
		if (x < 0)
			break;
	}
	if (x == 0) {
		x = apply_fixups(r);
		r->entry = NULL;
	}
	fixups_free(r);
	CLOSE_FD(r->parent_fd);
	free(r->parent);
	r->parent = NULL;
	r->o = NULL;
	return x;
}

int tar_reader_read_data(struct tar_reader *r, const char *path, size_t max, char **ret_data,
			 size_t *ret_len)
{
	struct archive_entry *e;
	_cleanup_free_ char *buf = NULL;
	const char *p;
	size_t len = 0;
	int x = 1;

	e = TAKE_PTR(r->pending);
	if (e)
		r->entry = r->entry_copy; /* its header was read by tar_reader_extract */
	else
		x = next_header(r, &e);

	if (x == 0)
		return entry_fail(r, -EBADMSG, "ends before \"%s\" (not a sysc archive?)", path);
	if (x < 0)
		return x;
	p = r->entry;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (strcmp(p, path) != 0)
		return entry_fail(r, -EBADMSG, "expected \"%s\" here (not a sysc archive?)", path);
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
		return entry_fail(r, -EBADMSG, "not a regular file");
	if (archive_entry_size(e) < 0 || (size_t)archive_entry_size(e) > max)
		return entry_fail(r, -EFBIG, "larger than %zu bytes (refused)", max);
	buf = malloc((size_t)archive_entry_size(e) + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)archive_entry_size(e)) {
		la_ssize_t n =
			archive_read_data(r->a, buf + len, (size_t)archive_entry_size(e) - len);
		if (n < 0)
			return archive_fail(r, "corrupt or truncated data");
		if (n == 0)
			return entry_fail(r, -EBADMSG, "truncated data");
		len += (size_t)n;
	}
	buf[len] = '\0';
	tar_sum_add(&r->sum, path, strlen(path) + 1);
	tar_sum_add(&r->sum, buf, len);
	*ret_data = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}
