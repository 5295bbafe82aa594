/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The chown-shift fallback (userns/shift.c): the id arithmetic, the xattr
 * rewriting, and (as root, which CI is) a real tree shifted to a range and
 * back: owners, setuid bits, ACLs, file capabilities, idempotence. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config/config.h"
#include "userns/shift.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "tap.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define BASE 200000u

static const struct conf_idmap range[] = {
	{.kind = 'b', .container = 0, .host = BASE, .count = 65536}};

static void test_text(void)
{
	_cleanup_free_ struct conf_idmap *m = NULL;
	_cleanup_free_ char *t = NULL;
	size_t n = 9;

	CHECK(userns_shift_parse("", &m, &n) == 0 && n == 0, "\"\" is the identity");
	free(m);
	m = NULL;
	CHECK(userns_shift_parse("u:0:100000:65536,g:0:300000:10", &m, &n) == 0 && n == 2 &&
		      m[0].kind == 'u' && m[0].host == 100000 && m[1].kind == 'g' &&
		      m[1].host == 300000 && m[1].count == 10,
	      "two entries parsed");
	t = userns_shift_format(m, n);
	CHECK_STREQ(t, "u:0:100000:65536,g:0:300000:10", "format round trip");
	free(m);
	m = NULL;
	static const char *const bad[] = {"x:0:1:1",  "b:0:1",	  "b:0:1:0",	     "b:0:1:1;",
					  "b:0:1:1,", "b:-1:1:1", "b:0:4294967296:1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = userns_shift_parse(bad[i], &m, &n);
		CHECK(r == -EINVAL, "\"%s\" refused (%d)", bad[i], r);
		if (r == 0) {
			free(m);
			m = NULL;
		}
	}
}

static void test_ids(void)
{
	struct userns_shift to = {.to = range, .n_to = 1};
	struct userns_shift back = {.from = range, .n_from = 1};
	static const struct conf_idmap other[] = {
		{.kind = 'b', .container = 0, .host = 5000, .count = 65536}};
	struct userns_shift overlap = {.to = other, .n_to = 1};
	struct userns_shift same = {.from = range, .n_from = 1, .to = range, .n_to = 1};

	CHECK(userns_shift_id(&to, 'u', 0) == BASE, "0 -> base");
	CHECK(userns_shift_id(&to, 'g', 65535) == BASE + 65535, "last id");
	CHECK(userns_shift_id(&to, 'u', 65536) == 65536, "outside the range: left");
	CHECK(userns_shift_id(&to, 'u', BASE + 7) == BASE + 7, "already shifted: left");
	CHECK(userns_shift_id(&back, 'u', BASE + 7) == 7, "back");
	CHECK(userns_shift_id(&back, 'u', 7) == 7, "already back: left");
	CHECK(userns_shift_check(&to, "t") == 1, "disjoint: fine");
	CHECK(userns_shift_check(&same, "t") == 0, "same mapping: nothing to do");
	CHECK(userns_shift_check(&overlap, "t") == -EINVAL, "overlapping ranges refused");

	unsigned char acl[4 + 3 * 8] = {0};
	uint32_t v = htole32(2), id = htole32(1000);
	uint16_t tag_user = htole16(0x02), tag_obj = htole16(0x01);
	memcpy(acl, &v, 4);
	memcpy(acl + 4, &tag_obj, 2);
	memcpy(acl + 12, &tag_user, 2);
	memcpy(acl + 16, &id, 4);
	memcpy(acl + 20, &tag_obj, 2);
	CHECK(userns_shift_xattr(&to, "system.posix_acl_access", acl, sizeof(acl)),
	      "ACL rewritten");
	memcpy(&id, acl + 16, 4);
	CHECK(le32toh(id) == BASE + 1000, "ACL user 1000 -> %u", le32toh(id));
	CHECK(!userns_shift_xattr(&to, "system.posix_acl_access", acl, sizeof(acl)),
	      "a second time: unchanged");
	CHECK(!userns_shift_xattr(&to, "user.other", acl, sizeof(acl)), "other xattrs left");
}

static char base[] = "/var/tmp/test-shift.XXXXXX";
static int base_fd = -EBADF;

static uid_t owner(const char *p)
{
	struct stat st;
	return fstatat(base_fd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_uid : (uid_t)-1;
}

static mode_t mode_of(const char *p)
{
	struct stat st;
	return fstatat(base_fd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_mode & 07777 : 0;
}

static uint32_t cap_rootid(const char *p, ssize_t *ret_len)
{
	_cleanup_free_ char *path = NULL;
	unsigned char v[64];
	uint32_t id = 0;

	if (asprintf(&path, "%s/%s", base, p) < 0)
		return (uint32_t)-1;
	*ret_len = getxattr(path, "security.capability", v, sizeof(v));
	if (*ret_len == 24)
		memcpy(&id, v + 20, 4);
	return le32toh(id);
}

static int set_cap(const char *p, bool v3, uint32_t rootid)
{
	_cleanup_free_ char *path = NULL;
	/* cap_net_raw permitted + effective */
	uint32_t d[6] = {htole32((v3 ? 0x03000000u : 0x02000000u) | 1),
			 htole32(1u << 13),
			 0,
			 0,
			 0,
			 htole32(rootid)};

	if (asprintf(&path, "%s/%s", base, p) < 0)
		return -ENOMEM;
	return setxattr(path, "security.capability", d, v3 ? 24 : 20, 0) < 0 ? -errno : 0;
}

static int make_file(const char *p)
{
	int fd = openat(base_fd, p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void test_tree(void)
{
	struct userns_shift to = {.to = range, .n_to = 1};
	struct userns_shift back = {.from = range, .n_from = 1};
	ssize_t len;
	long n;

	if (!mkdtemp(base) || (base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		CHECK(false, "create %s: %m", base);
		return;
	}
	CHECK(mkdirat(base_fd, "d", 0755) == 0 && fchownat(base_fd, "d", 5, 6, 0) == 0, "dir");
	CHECK(make_file("d/suid") == 0 && fchmodat(base_fd, "d/suid", 06755, 0) == 0,
	      "setuid file");
	CHECK(linkat(base_fd, "d/suid", base_fd, "hardlink", 0) == 0, "hard link");
	CHECK(symlinkat("d/suid", base_fd, "link") == 0, "symlink");
	CHECK(mknodat(base_fd, "null", S_IFCHR | 0666, makedev(1, 3)) == 0, "device node");
	CHECK(make_file("cap2") == 0 && set_cap("cap2", false, 0) == 0, "v2 file capability");
	CHECK(make_file("cap3") == 0 && set_cap("cap3", true, 1000) == 0,
	      "v3 file capability, root id 1000");
	CHECK(make_file("nobody") == 0 && fchownat(base_fd, "nobody", 70000, 70000, 0) == 0,
	      "a file owned outside the range");

	n = userns_shift_tree(&to, base_fd, "test tree");
	CHECK(n == 7, "shifted: %ld inodes changed", n);
	CHECK(owner(".") == BASE && owner("d") == BASE + 5 && owner("d/suid") == BASE &&
		      owner("link") == BASE && owner("null") == BASE,
	      "owners shifted");
	CHECK(owner("nobody") == 70000, "an id outside the range stays");
	CHECK(mode_of("d/suid") == 06755, "setuid/setgid kept (%o)", mode_of("d/suid"));
	CHECK(cap_rootid("cap2", &len) == 0 && len == 20, "v2 capability kept (%zd)", len);
	CHECK(cap_rootid("cap3", &len) == BASE + 1000 && len == 24, "v3 root id shifted");
	CHECK(userns_shift_tree(&to, base_fd, "test tree") == 0, "a rerun changes nothing");

	n = userns_shift_tree(&back, base_fd, "test tree");
	CHECK(n == 7, "shifted back: %ld inodes changed", n);
	CHECK(owner(".") == 0 && owner("d") == 5 && owner("d/suid") == 0 && owner("link") == 0,
	      "owners back");
	CHECK(mode_of("d/suid") == 06755, "setuid/setgid still kept");
	CHECK(cap_rootid("cap2", &len) == 0 && len == 20, "v2 capability still there");
	CHECK(cap_rootid("cap3", &len) == 1000 && len == 24, "v3 root id back (%zd)", len);
	fileio_rm_rf_at(AT_FDCWD, base);
	close(base_fd);
}

/* On overlayfs a file's st_dev is its layer's, not the mount's: the walk
 * must still reach every file (it once stopped at them). */
static void test_overlay(void)
{
	char dir[] = "/var/tmp/test-shift-ovl.XXXXXX";
	struct userns_shift to = {.to = range, .n_to = 1};
	_cleanup_free_ char *opts = NULL, *merged = NULL, *up = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	long n;

	if (!mkdtemp(dir)) {
		CHECK(false, "mkdtemp: %m");
		return;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=8m") < 0) {
		CHECK(false, "private tmpfs: %m");
		rmdir(dir);
		return;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* the upper layer on a filesystem of its own: no "samefs" overlay */
	CHECK(fd >= 0 && mkdirat(fd, "lower", 0755) == 0 && mkdirat(fd, "lower/d", 0755) == 0 &&
		      mkdirat(fd, "up", 0755) == 0 && mkdirat(fd, "merged", 0755) == 0,
	      "overlay dirs");
	if (asprintf(&up, "%s/up", dir) < 0 || mount("tmpfs", up, "tmpfs", 0, "size=8m") < 0 ||
	    mkdirat(fd, "up/upper", 0755) < 0 || mkdirat(fd, "up/work", 0755) < 0)
		CHECK(false, "upper tmpfs: %m");
	int f = openat(fd, "lower/d/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(f >= 0, "lower file");
	if (f >= 0)
		close(f);
	if (asprintf(&opts, "lowerdir=%s/lower,upperdir=%s/up/upper,workdir=%s/up/work", dir, dir,
		     dir) < 0 ||
	    asprintf(&merged, "%s/merged", dir) < 0)
		return;
	if (mount("overlay", merged, "overlay", 0, opts) < 0) {
		CHECK(false, "mount overlay: %m");
	} else {
		_cleanup_close_ int m = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		n = userns_shift_tree(&to, m, "overlay tree");
		CHECK(n == 3, "overlay: %ld inodes shifted (/, d, d/file)", n);
		CHECK(fstatat(m, "d/file", &st, 0) == 0 && st.st_uid == BASE,
		      "a lower layer's file is shifted (uid %u)", st.st_uid);
		umount2(merged, MNT_DETACH);
	}
	if (up)
		umount2(up, MNT_DETACH);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

int main(void)
{
	test_text();
	test_ids();
	if (geteuid() == 0) {
		test_tree();
		test_overlay();
	} else
		printf("# not root: the tree checks (chown, mknod, capabilities) need root\n");
	return tap_done();
}
