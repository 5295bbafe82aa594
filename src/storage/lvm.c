/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lvm backend: a root filesystem is a thin volume in the thin pool
 * lvm.thinpool of volume group lvm.vg (sysc.conf) holding an ext4 or xfs
 * filesystem (rootfs.fstype), mounted only in private mount namespaces.
 *
 *   <entry>/rootfs           empty mount point
 *   <entry>/storage/volume   "VG/LV", the entry's thin volume
 *   <entry>/storage/fstype   its filesystem type
 *
 * Volume names are sysc-<name>-<random>, so entries can be renamed and two
 * stores can share a volume group. A template cache's derived form is the
 * thin volume sysc-cache-<key>-<fstype>-<hash of the cache directory>, filled
 * once from the directory cache under a temporary name and renamed when
 * complete; containers are thin snapshots of it (with a fresh filesystem
 * UUID), independent of it once made. Clones are thin snapshots too.
 */
#include "config/config.h"
#include "storage/copy-tree.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* virtual size of a volume (and of a template cache volume) unless rootfs.size says */
#define LVM_DEFAULT_SIZE (UINT64_C(10) << 30)

struct fs_tools {
	const char *type, *mkfs, *set_uuid, *grow, *package;
};

static const struct fs_tools fs_table[] = {
	{"ext4", "mkfs.ext4", "tune2fs", "resize2fs", "e2fsprogs"},
	{"xfs", "mkfs.xfs", "xfs_admin", "xfs_growfs", "xfsprogs"},
};

struct lvm_vol {
	char *vg, *lv;
	const struct fs_tools *fs;
	char *dev;  /* /dev/VG/LV */
	char *what; /* "volume VG/LV of NAME", for messages */
};

static void vol_done(struct lvm_vol *v)
{
	free(v->vg);
	free(v->lv);
	free(v->dev);
	free(v->what);
	*v = (struct lvm_vol){0};
}

static const struct fs_tools *fs_find(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_table); i++)
		if (strcmp(fs_table[i].type, type ? type : "ext4") == 0)
			return &fs_table[i];
	return NULL;
}

static int run_tool(const char *what, const char *const *argv)
{
	return storage_run(what, (char *const *)argv, NULL);
}
#define RUN(what, ...) run_tool(what, (const char *const[]){__VA_ARGS__, NULL})

static bool tool_present(const char *tool)
{
	const char *p = getenv("PATH");

	if (!p || !*p)
		p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (;;) {
		size_t n = strcspn(p, ":");
		_cleanup_free_ char *f = n ? str_printf("%.*s/%s", (int)n, p, tool) : NULL;

		if (f && access(f, X_OK) == 0)
			return true;
		if (!p[n])
			return false;
		p += n + 1;
	}
}

static int lvm_usable(const struct storage_ctx *ctx, bool explain)
{
	const struct sysc_global *g = ctx->global;
	const struct fs_tools *fs = fs_find(ctx->fstype);

	if (!g || !g->lvm_vg || !*g->lvm_vg) {
		if (explain)
			log_error(
				"lvm.vg is not set in sysc.conf; run sysc-storage init lvm --vg VG "
				"--device DEVICE");
		return 0;
	}
	if (!g->lvm_thinpool || !*g->lvm_thinpool) {
		if (explain)
			log_error("lvm.thinpool is not set in sysc.conf; run sysc-storage init lvm "
				  "--vg %s",
				  g->lvm_vg);
		return 0;
	}
	if (!fs) {
		if (explain)
			log_error("rootfs.fstype \"%s\" cannot be used with lvm (ext4 or xfs)",
				  ctx->fstype);
		return 0;
	}
	const char *need[][2] = {{"lvcreate", "lvm2"},
				 {fs->mkfs, fs->package},
				 {fs->set_uuid, fs->package},
				 {fs->grow, fs->package}};
	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (!tool_present(need[i][0])) {
			if (explain)
				log_error("the lvm backend needs %s, which is not installed "
					  "(package %s)",
					  need[i][0], need[i][1]);
			return 0;
		}
	return 1;
}

/* src with what LVM does not allow in a name (and '_', which could form
 * a reserved suffix like "_tmeta") as '-', at most max characters. */
static void name_part(char *dst, size_t max, const char *src)
{
	size_t i;

	for (i = 0; i < max && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.';
		dst[i] = ok ? (char)c : '-';
	}
	dst[i] = '\0';
}

static int vol_init(struct lvm_vol *v, const char *vg, const char *lv, const char *fstype,
		    const char *name)
{
	*v = (struct lvm_vol){
		.vg = strdup(vg),
		.lv = strdup(lv),
		.fs = fs_find(fstype),
		.dev = str_printf("/dev/%s/%s", vg, lv),
		.what = str_printf("volume %s/%s of %s", vg, lv, name),
	};
	if (!v->vg || !v->lv || !v->dev || !v->what) {
		vol_done(v);
		return -ENOMEM;
	}
	if (!v->fs) {
		log_error("%s: unknown filesystem type \"%s\"", v->what, fstype);
		vol_done(v);
		return -EINVAL;
	}
	return 0;
}

/* A new volume for entry NAME: sysc-<name>-<12 random hex digits>. */
static int vol_new(const struct storage_ctx *ctx, const char *vg, const char *fstype,
		   struct lvm_vol *ret)
{
	char part[33], lv[64];
	uint8_t b[6];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return log_error_errno(-errno, "getrandom: %m");
	name_part(part, sizeof(part) - 1, ctx->name);
	snprintf(lv, sizeof(lv), "sysc-%s-%02x%02x%02x%02x%02x%02x", part, b[0], b[1], b[2], b[3],
		 b[4], b[5]);
	return vol_init(ret, vg, lv, fstype, ctx->name);
}

/* The entry's recorded volume; -ENOENT (not logged) when it has none. */
static int vol_read(const struct storage_ctx *ctx, int entry_fd, struct lvm_vol *ret)
{
	_cleanup_free_ char *text = NULL, *fstype = NULL;
	size_t len;
	char *slash;
	int r = fileio_read_at(entry_fd, "storage/volume", &text, &len);

	if (r == -ENOENT)
		return r;
	if (r == 0)
		r = fileio_read_at(entry_fd, "storage/fstype", &fstype, &len);
	if (r < 0)
		return log_error_errno(r, "cannot read the lvm volume of %s: %m", ctx->name);
	text[strcspn(text, "\n")] = '\0';
	fstype[strcspn(fstype, "\n")] = '\0';
	slash = strchr(text, '/');
	if (!slash || slash == text || !slash[1] || strchr(slash + 1, '/'))
		return log_error_errno(-EBADMSG, "the lvm volume of %s is recorded as \"%s\"",
				       ctx->name, text);
	*slash = '\0';
	return vol_init(ret, text, slash + 1, fstype, ctx->name);
}

static int vol_record(const struct storage_ctx *ctx, int entry_fd, const struct lvm_vol *v)
{
	_cleanup_free_ char *text = str_printf("%s/%s\n", v->vg, v->lv);
	_cleanup_free_ char *fstype = str_printf("%s\n", v->fs->type);
	int r;

	if (!text || !fstype)
		return -ENOMEM;
	r = fileio_write_atomic_at(entry_fd, "storage/fstype", fstype, strlen(fstype), 0600);
	if (r == 0)
		r = fileio_write_atomic_at(entry_fd, "storage/volume", text, strlen(text), 0600);
	if (r < 0)
		return log_error_errno(r, "cannot record the %s: %m", v->what);
	return 0;
}

/* One field of one volume ("" when VG has no volume named lv). */
static int lv_field(const char *vg, const char *lv, const char *field, char **ret)
{
	_cleanup_free_ char *sel = str_printf("lv_name=%s", lv), *out = NULL;
	_cleanup_free_ char *what = str_printf("looking up volume %s/%s", vg, lv);
	const char *argv[] = {"lvs", "--noheadings", "--units", "b", "--nosuffix", "-o",
			      field, "-S",	     sel,	vg,  NULL};
	int r;

	if (!sel || !what)
		return -ENOMEM;
	r = storage_run(what, (char *const *)argv, &out);
	if (r < 0)
		return r;
	/* trim the blanks lvs pads with */
	char *s = out + strspn(out, " \t\n");
	s[strcspn(s, " \t\n")] = '\0';
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* 1 if VG has a volume named lv, 0 if not, -errno (logged). */
static int lv_exists(const char *vg, const char *lv)
{
	_cleanup_free_ char *name = NULL;
	int r = lv_field(vg, lv, "lv_name", &name);

	return r < 0 ? r : !!*name;
}

static int lv_size(const struct lvm_vol *v, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	char *end;
	int r = lv_field(v->vg, v->lv, "lv_size", &s);

	if (r < 0)
		return r;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	if (!*s || *end || errno)
		return log_error_errno(-EBADMSG, "%s: lvs reports size \"%s\"", v->what, s);
	return 0;
}

static int lv_remove(const char *vg, const char *lv, const char *what)
{
	_cleanup_free_ char *full = str_printf("%s/%s", vg, lv);
	_cleanup_free_ char *msg = str_printf("cannot remove %s", what);
	int r = lv_exists(vg, lv);

	if (r <= 0)
		return r;
	if (!full || !msg)
		return -ENOMEM;
	return RUN(msg, "lvremove", "-f", "-y", full);
}

static int vol_activate(const struct lvm_vol *v)
{
	_cleanup_free_ char *full = str_printf("%s/%s", v->vg, v->lv);
	_cleanup_free_ char *msg = str_printf("cannot activate %s", v->what);

	if (access(v->dev, F_OK) == 0)
		return 0;
	if (!full || !msg)
		return -ENOMEM;
	/* -K: thin snapshots carry the activation-skip flag */
	return RUN(msg, "lvchange", "-ay", "-K", full);
}

static int vol_mkfs(const struct lvm_vol *v)
{
	_cleanup_free_ char *msg = str_printf("cannot make a filesystem on %s", v->what);

	if (!msg)
		return -ENOMEM;
	if (strcmp(v->fs->type, "xfs") == 0)
		return RUN(msg, "mkfs.xfs", "-q", "-f", "-K", v->dev);
	/* csum_seed: the UUID of a snapshot can be changed without rewriting
	 * every checksum. Nothing is zeroed: a new thin volume reads as zeros,
	 * and inode tables stay uninitialised (mounted with noinit_itable), so
	 * neither the template volume nor any snapshot fills the pool with
	 * zeros. */
	return RUN(msg, "mkfs.ext4", "-q", "-F", "-O", "metadata_csum_seed", "-E",
		   "nodiscard,lazy_itable_init=1,lazy_journal_init=1", v->dev);
}

/* A fresh filesystem UUID, so two snapshots' filesystems are not confused. */
static int vol_new_uuid(const struct lvm_vol *v)
{
	_cleanup_free_ char *msg = str_printf("cannot give %s a new filesystem UUID", v->what);

	if (!msg)
		return -ENOMEM;
	if (strcmp(v->fs->type, "xfs") == 0)
		return RUN(msg, "xfs_admin", "-U", "generate", v->dev);
	return RUN(msg, "tune2fs", "-U", "random", v->dev);
}

static int thin_create(const struct storage_ctx *ctx, const struct lvm_vol *v, uint64_t size)
{
	_cleanup_free_ char *pool = str_printf("%s/%s", v->vg, ctx->global->lvm_thinpool);
	_cleanup_free_ char *bytes = str_printf("%" PRIu64 "b", size);
	_cleanup_free_ char *msg = str_printf("cannot create %s", v->what);

	if (!pool || !bytes || !msg)
		return -ENOMEM;
	return RUN(msg, "lvcreate", "-q", "-y", "-T", pool, "-V", bytes, "-n", v->lv);
}

/* A thin snapshot of origin (in v's volume group), active. */
static int thin_snapshot(const struct lvm_vol *v, const char *origin)
{
	_cleanup_free_ char *full = str_printf("%s/%s", v->vg, origin);
	_cleanup_free_ char *msg = str_printf("cannot create %s (a snapshot of %s)", v->what, full);

	if (!full || !msg)
		return -ENOMEM;
	return RUN(msg, "lvcreate", "-q", "-y", "-s", "-kn", "-p", "rw", "-n", v->lv, full);
}

/* The entry's path, from its fd. */
static int entry_rootfs_path(int entry_fd, char **ret)
{
	_cleanup_free_ char *fdp = str_printf("/proc/self/fd/%d", entry_fd);
	char buf[4096];
	ssize_t n;

	if (!fdp)
		return -ENOMEM;
	n = readlink(fdp, buf, sizeof(buf) - 1);
	if (n < 0)
		return log_error_errno(-errno, "cannot resolve %s: %m", fdp);
	buf[n] = '\0';
	*ret = str_printf("%s/rootfs", buf);
	return *ret ? 0 : -ENOMEM;
}

/* A new instance of v's filesystem as a detached mount (not visible in any
 * namespace until attached); -errno, not logged. */
static int fs_open_detached(const struct lvm_vol *v, bool readonly)
{
	_cleanup_close_ int fs = fsopen(v->fs->type, FSOPEN_CLOEXEC);
	int fd;

	if (fs < 0)
		return negative_errno();
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", v->dev, 0) < 0 ||
	    (readonly && fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0) ||
	    (strcmp(v->fs->type, "ext4") == 0 &&
	     fsconfig(fs, FSCONFIG_SET_FLAG, "noinit_itable", NULL, 0) < 0) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	fd = fsmount(fs, FSMOUNT_CLOEXEC, readonly ? MOUNT_ATTR_RDONLY : 0);
	return fd < 0 ? negative_errno() : fd;
}

static int vol_open_fs(const struct lvm_vol *v)
{
	int fd = fs_open_detached(v, false);

	/* a read-only snapshot */
	if (fd == -EACCES || fd == -EROFS)
		fd = fs_open_detached(v, true);
	if (fd < 0)
		return log_error_errno(fd, "cannot mount %s: %m", v->what);
	return fd;
}

static int attach(int mntfd, const struct lvm_vol *v, const char *target)
{
	if (move_mount(mntfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return log_error_errno(-errno, "cannot mount %s on %s: %m", v->what, target);
	return 0;
}

/* Mount v on target in our private mount namespace. */
static int vol_mount(const struct lvm_vol *v, const char *target)
{
	_cleanup_close_ int fd = -EBADF;
	int r = storage_private_ns();

	if (r < 0)
		return r;
	fd = vol_open_fs(v);
	return fd < 0 ? fd : attach(fd, v, target);
}

static void vol_umount(const char *target)
{
	if (umount2(target, UMOUNT_NOFOLLOW) < 0)
		log_warn("cannot unmount %s: %m", target);
}

/* Grow v (volume and filesystem) to size when it is smaller. The filesystem
 * is grown mounted (on the entry's rootfs, in our private namespace). */
static int vol_grow(const struct lvm_vol *v, int entry_fd, uint64_t size)
{
	_cleanup_free_ char *full = str_printf("%s/%s", v->vg, v->lv);
	_cleanup_free_ char *bytes = str_printf("%" PRIu64 "b", size);
	_cleanup_free_ char *msg = str_printf("cannot grow %s", v->what);
	_cleanup_free_ char *target = NULL;
	uint64_t cur;
	int r;

	if (!full || !bytes || !msg)
		return -ENOMEM;
	r = lv_size(v, &cur);
	if (r < 0 || size <= cur)
		return r;
	r = RUN(msg, "lvextend", "-q", "-L", bytes, full);
	if (r == 0)
		r = entry_rootfs_path(entry_fd, &target);
	if (r == 0)
		r = vol_mount(v, target);
	if (r < 0)
		return r;
	if (strcmp(v->fs->type, "xfs") == 0)
		r = RUN(msg, "xfs_growfs", target);
	else
		r = RUN(msg, "resize2fs", v->dev);
	vol_umount(target);
	return r;
}

/* Copy the directory tree src into v's filesystem, mounted on target. */
static int vol_fill(const struct lvm_vol *v, const char *src, const char *target)
{
	_cleanup_free_ char *lf = str_printf("%s/lost+found", src);
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!lf)
		return -ENOMEM;
	r = vol_mount(v, target);
	if (r < 0)
		return r;
	fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		r = log_error_errno(-errno, "cannot open %s: %m", target);
	/* the copy brings its own lost+found */
	if (r == 0 && access(lf, F_OK) == 0)
		(void)unlinkat(fd, "lost+found", AT_REMOVEDIR);
	if (r == 0)
		r = copy_tree_into_at(AT_FDCWD, src, fd, ".");
	if (r == 0 && syncfs(fd) < 0)
		r = log_error_errno(-errno, "cannot write %s: %m", v->what);
	CLOSE_FD(fd);
	vol_umount(target);
	return r;
}

static void entry_clear(int entry_fd)
{
	fileio_rm_rf_at(entry_fd, "storage");
	fileio_rm_rf_at(entry_fd, "rootfs");
}

/* rootfs and storage/ of a new entry, with v recorded (before the volume
 * exists, so destroy finds it whatever happens next). */
static int entry_make(const struct storage_ctx *ctx, int entry_fd, const struct lvm_vol *v)
{
	if (mkdirat(entry_fd, "rootfs", 0755) < 0 || mkdirat(entry_fd, "storage", 0700) < 0)
		return log_error_errno(-errno, "cannot create the storage of %s: %m", ctx->name);
	return vol_record(ctx, entry_fd, v);
}

/* Undo a half-made entry: its volume, then its directories. */
static void entry_rollback(int entry_fd, const struct lvm_vol *v)
{
	if (v->lv)
		(void)lv_remove(v->vg, v->lv, v->what);
	entry_clear(entry_fd);
}

/* ------------------------------------------------------------ creating */

static int lvm_create_empty(const struct storage_ctx *ctx, int entry_fd)
{
	struct lvm_vol v = {0};
	int r = vol_new(ctx, ctx->global->lvm_vg, ctx->fstype, &v);

	if (r < 0)
		return r;
	r = entry_make(ctx, entry_fd, &v);
	if (r == 0)
		r = thin_create(ctx, &v, ctx->size ? ctx->size : LVM_DEFAULT_SIZE);
	if (r == 0)
		r = vol_activate(&v);
	if (r == 0)
		r = vol_mkfs(&v);
	if (r < 0)
		entry_rollback(entry_fd, &v);
	vol_done(&v);
	return r;
}

/* A rootfs smaller than the template volume: a new volume, filled by a copy. */
static int create_by_copy(const struct storage_ctx *ctx, const struct storage_cache *cache,
			  int entry_fd)
{
	_cleanup_free_ char *target = NULL;
	int r = lvm_create_empty(ctx, entry_fd);
	struct lvm_vol v = {0};

	if (r < 0)
		return r;
	log_info("rootfs.size is below the template volume's %" PRIu64 " GiB: copying "
		 "instead of a snapshot",
		 LVM_DEFAULT_SIZE >> 30);
	r = vol_read(ctx, entry_fd, &v);
	if (r == 0)
		r = entry_rootfs_path(entry_fd, &target);
	if (r == 0)
		r = vol_fill(&v, cache->rootfs, target);
	if (r < 0)
		entry_rollback(entry_fd, &v);
	vol_done(&v);
	return r;
}

static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h;
}

/* sysc-cache-<key>-<fstype>-<hash of cache dir and key>: one per cache
 * directory (stores with their own caches may share a volume group). */
static char *cache_lv_name(const struct storage_ctx *ctx, const char *key, const char *fstype)
{
	char part[41];
	uint64_t h = fnv1a(key, fnv1a("/", fnv1a(ctx->cache, UINT64_C(0xcbf29ce484222325))));

	name_part(part, sizeof(part) - 1, key);
	return str_printf("sysc-cache-%s-%s-%012" PRIx64, part, fstype,
			  h & UINT64_C(0xffffffffffff));
}

/* Build the template volume under a temporary name, rename it when
 * complete (we hold the cache lock). */
static int cache_build(const struct storage_ctx *ctx, const struct storage_cache *cache,
		       const char *name)
{
	_cleanup_free_ char *tmp = str_printf("%s-tmp", name), *dir = NULL, *what = NULL;
	struct lvm_vol v = {0};
	int r;

	if (!tmp)
		return -ENOMEM;
	what = str_printf("template cache %s", cache->key);
	if (!what)
		return -ENOMEM;
	r = vol_init(&v, ctx->global->lvm_vg, tmp, ctx->fstype, what);
	if (r < 0)
		return r;
	/* an interrupted build */
	r = lv_remove(v.vg, v.lv, v.what);
	if (r < 0)
		goto out;
	log_info("making the lvm volume of template cache %s (only the first create does "
		 "this)...",
		 cache->key);
	r = thin_create(ctx, &v, LVM_DEFAULT_SIZE);
	if (r < 0)
		goto out;
	r = vol_activate(&v);
	if (r == 0)
		r = vol_mkfs(&v);
	if (r == 0) {
		dir = str_printf("%s/.lvm-fill-XXXXXX", ctx->cache);
		if (!dir)
			r = -ENOMEM;
		else if (!mkdtemp(dir))
			r = log_error_errno(-errno, "cannot create %s: %m", dir);
	}
	if (r == 0) {
		r = vol_fill(&v, cache->rootfs, dir);
		rmdir(dir);
	}
	if (r == 0) {
		_cleanup_free_ char *msg = str_printf("cannot rename %s", v.what);
		r = msg ? RUN(msg, "lvrename", "-q", v.vg, v.lv, name) : -ENOMEM;
	}
	if (r < 0)
		(void)lv_remove(v.vg, v.lv, v.what);
out:
	vol_done(&v);
	return r;
}

/* Does the template volume exist? Active (its device node is there) is the
 * common case, which needs no lvs. */
static int cache_lookup(const struct storage_ctx *ctx, const char *lv)
{
	_cleanup_free_ char *dev = str_printf("/dev/%s/%s", ctx->global->lvm_vg, lv);

	if (!dev)
		return -ENOMEM;
	if (access(dev, F_OK) == 0)
		return 1;
	return lv_exists(ctx->global->lvm_vg, lv);
}

static int lvm_create_from_cache(const struct storage_ctx *ctx, const struct storage_cache *cache,
				 int entry_fd)
{
	_cleanup_free_ char *origin = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct lvm_vol v = {0};
	int r;

	if (ctx->size && ctx->size < LVM_DEFAULT_SIZE)
		return create_by_copy(ctx, cache, entry_fd);
	origin = cache_lv_name(ctx, cache->key, ctx->fstype);
	if (!origin)
		return -ENOMEM;
	/* held until the snapshot exists: remove_cache waits for it */
	lock = storage_lock_cache(ctx, "lvm", cache->key);
	if (lock < 0)
		return lock;
	r = cache_lookup(ctx, origin);
	if (r == 0)
		r = cache_build(ctx, cache, origin);
	if (r < 0)
		return r;
	r = vol_new(ctx, ctx->global->lvm_vg, ctx->fstype, &v);
	if (r < 0)
		return r;
	r = entry_make(ctx, entry_fd, &v);
	if (r == 0)
		r = thin_snapshot(&v, origin);
	CLOSE_FD(lock);
	if (r == 0)
		r = vol_activate(&v);
	if (r == 0)
		r = vol_new_uuid(&v);
	if (r == 0 && ctx->size)
		r = vol_grow(&v, entry_fd, ctx->size);
	if (r < 0)
		entry_rollback(entry_fd, &v);
	vol_done(&v);
	return r;
}

/* ------------------------------------------------------------ using */

/*
 * The monitor's child calls ->mount inside the container's cgroup, whose
 * device policy does not let it open the volume (nor should it). So
 * activate, which runs before, outside (in the monitor before it spawns the
 * child, or in storage_mount_entry), also creates the filesystem instance
 * as a detached mount; mount attaches it on the entry's rootfs, and release
 * drops the monitor's copy (which would keep the volume busy). The fd is
 * O_CLOEXEC: init never sees it.
 */
static struct {
	int fd;
	dev_t dev; /* the entry it was made for */
	ino_t ino;
} prepared = {.fd = -EBADF};

static int lvm_activate(const struct storage_ctx *ctx, int entry_fd)
{
	struct lvm_vol v = {0};
	struct stat st;
	int r = vol_read(ctx, entry_fd, &v);

	if (r == -ENOENT)
		return log_error_errno(r, "%s has no lvm volume recorded", ctx->name);
	if (r == 0)
		r = vol_activate(&v);
	if (r == 0 && fstat(entry_fd, &st) < 0)
		r = log_error_errno(-errno, "cannot stat the entry of %s: %m", ctx->name);
	if (r == 0) {
		CLOSE_FD(prepared.fd);
		r = vol_open_fs(&v);
	}
	if (r >= 0) {
		prepared.fd = r;
		prepared.dev = st.st_dev;
		prepared.ino = st.st_ino;
		r = 0;
	}
	vol_done(&v);
	return r;
}

static void lvm_release(void)
{
	CLOSE_FD(prepared.fd);
}

static int lvm_mount(const struct storage_ctx *ctx, int entry_fd, const char *entry_path)
{
	_cleanup_free_ char *target = str_printf("%s/rootfs", entry_path);
	_cleanup_close_ int fd = -EBADF;
	struct lvm_vol v = {0};
	struct stat st;
	int r;

	if (!target)
		return -ENOMEM;
	r = vol_read(ctx, entry_fd, &v);
	if (r == -ENOENT)
		return log_error_errno(r, "%s has no lvm volume recorded", ctx->name);
	if (r < 0)
		return r;
	if (prepared.fd >= 0 && fstat(entry_fd, &st) == 0 && st.st_dev == prepared.dev &&
	    st.st_ino == prepared.ino)
		fd = TAKE_FD(prepared.fd);
	else
		fd = vol_open_fs(&v);
	r = fd < 0 ? fd : attach(fd, &v, target);
	vol_done(&v);
	return r;
}

static int lvm_clone(const struct storage_ctx *src_ctx, int src_entry_fd,
		     const struct storage_ctx *dst_ctx, int dst_entry_fd, unsigned flags)
{
	bool ro = flags & STORAGE_CLONE_READONLY;
	struct lvm_vol src = {0}, v = {0};
	int r = vol_read(src_ctx, src_entry_fd, &src);

	if (r == -ENOENT)
		return log_error_errno(r, "%s has no lvm volume recorded", src_ctx->name);
	if (r < 0)
		return r;
	/* a thin snapshot lives in its origin's pool */
	r = vol_new(dst_ctx, src.vg, src.fs->type, &v);
	if (r < 0)
		goto out;
	r = entry_make(dst_ctx, dst_entry_fd, &v);
	if (r == 0)
		r = thin_snapshot(&v, src.lv);
	if (r == 0)
		r = vol_activate(&v);
	if (r == 0)
		r = vol_new_uuid(&v);
	if (r == 0 && !ro && dst_ctx->size)
		r = vol_grow(&v, dst_entry_fd, dst_ctx->size);
	if (r == 0 && ro) {
		_cleanup_free_ char *full = str_printf("%s/%s", v.vg, v.lv);
		_cleanup_free_ char *msg = str_printf("cannot make %s read-only", v.what);
		r = full && msg ? RUN(msg, "lvchange", "-q", "-pr", full) : -ENOMEM;
	}
	if (r < 0)
		entry_rollback(dst_entry_fd, &v);
out:
	vol_done(&src);
	vol_done(&v);
	return r;
}

/* ------------------------------------------------------------ removing */

static int lvm_destroy(const struct storage_ctx *ctx, int entry_fd)
{
	struct lvm_vol v = {0};
	int r = vol_read(ctx, entry_fd, &v);

	if (r == 0)
		r = lv_remove(v.vg, v.lv, v.what);
	vol_done(&v);
	if (r < 0 && r != -ENOENT)
		return r;
	r = fileio_rm_rf_at(entry_fd, "storage");
	if (r == 0)
		r = fileio_rm_rf_at(entry_fd, "rootfs");
	if (r < 0)
		return log_error_errno(r, "cannot remove the storage of %s: %m", ctx->name);
	return 0;
}

static int lvm_remove_cache(const struct storage_ctx *ctx, const char *key)
{
	_cleanup_close_ int lock = storage_lock_cache(ctx, "lvm", key);

	if (lock < 0)
		return lock;
	for (size_t i = 0; i < ARRAY_SIZE(fs_table); i++) {
		_cleanup_free_ char *lv = cache_lv_name(ctx, key, fs_table[i].type);
		_cleanup_free_ char *tmp = lv ? str_printf("%s-tmp", lv) : NULL;
		_cleanup_free_ char *what = str_printf("the lvm volume of template cache %s", key);
		int r;

		if (!tmp || !what)
			return -ENOMEM;
		r = lv_remove(ctx->global->lvm_vg, tmp, what);
		if (r == 0)
			r = lv_remove(ctx->global->lvm_vg, lv, what);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct storage_ops storage_lvm_ops = {
	.name = "lvm",
	.usable = lvm_usable,
	.create_from_cache = lvm_create_from_cache,
	.create_empty = lvm_create_empty,
	.activate = lvm_activate,
	.release = lvm_release,
	.mount = lvm_mount,
	.clone = lvm_clone,
	.destroy = lvm_destroy,
	.remove_cache = lvm_remove_cache,
};

/* ------------------------------------------------------------ setting up */

static int check_lvm_name(const char *kind, const char *name)
{
	size_t len = strlen(name);
	bool ok = len > 0 && len <= 64 && name[0] != '-' && strcmp(name, ".") != 0 &&
		  strcmp(name, "..") != 0;

	for (size_t i = 0; ok && i < len; i++)
		ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-",
			    name[i]) != NULL;
	if (!ok)
		return log_error_errno(-EINVAL,
				       "invalid %s name \"%s\": 1 to 64 of letters, digits, "
				       "'+', '_', '.' and '-', not starting with '-'",
				       kind, name);
	return 0;
}

static int vg_exists(const char *vg)
{
	_cleanup_free_ char *sel = str_printf("vg_name=%s", vg), *out = NULL;
	const char *argv[] = {"vgs", "--noheadings", "-o", "vg_name", "-S", sel, NULL};
	int r;

	if (!sel)
		return -ENOMEM;
	r = storage_run("looking up volume groups", (char *const *)argv, &out);
	if (r < 0)
		return r;
	return out[strspn(out, " \t\n")] != '\0';
}

/* A block device nobody uses, with no filesystem, partition table or
 * other signature on it. */
static int check_free_device(const char *dev)
{
	_cleanup_free_ char *out = NULL, *err = NULL;
	const char *argv[] = {"blkid", "-p", "-o", "export", dev, NULL};
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	if (stat(dev, &st) < 0)
		return log_error_errno(-errno, "device %s: %m", dev);
	if (!S_ISBLK(st.st_mode))
		return log_error_errno(-ENOTBLK, "%s is not a block device", dev);
	fd = open(dev, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0 && errno == EBUSY)
		return log_error_errno(
			-EBUSY, "%s is in use (mounted, swap, or part of another device)", dev);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", dev);
	CLOSE_FD(fd);
	/* blkid: 0 found a signature, 2 found none */
	r = proc_run_capture((char *const *)argv, &out, &err);
	if (r == 2)
		return 0;
	if (r == 0) {
		char *t = strstr(out, "\nPTTYPE=");
		if (!t)
			t = strstr(out, "\nTYPE=");
		if (t)
			t[1 + strcspn(t + 1, "\n")] = '\0';
		return log_error_errno(-EEXIST,
				       "%s is not empty (%s): refusing to overwrite it; clear it "
				       "with wipefs -a %s if its contents are not needed",
				       dev, t ? t + 1 : "a signature", dev);
	}
	return log_error_errno(r < 0 ? r : -EIO, "cannot probe %s with blkid (exit %d)", dev, r);
}

static int make_vg(const char *vg, const char *dev)
{
	int r = check_free_device(dev);

	if (r < 0)
		return r;
	r = RUN("cannot make the device an LVM physical volume", "pvcreate", "-q", "-y", dev);
	if (r < 0)
		return r;
	r = RUN("cannot create the volume group", "vgcreate", "-q", vg, dev);
	if (r < 0)
		(void)RUN("cannot undo pvcreate", "pvremove", "-q", "-y", dev);
	return r;
}

static int make_pool(const char *vg, const char *pool)
{
	_cleanup_free_ char *attr = NULL;
	int r = lv_field(vg, pool, "lv_attr", &attr);

	if (r < 0)
		return r;
	if (*attr && attr[0] != 't')
		return log_error_errno(-EEXIST, "%s/%s exists and is not a thin pool (lv_attr %s)",
				       vg, pool, attr);
	if (*attr)
		return 0;
	/* most of the volume group; the rest is room for the pool's metadata
	 * and for growing it */
	r = RUN("cannot create the thin pool", "lvcreate", "-q", "-y", "--type", "thin-pool", "-l",
		"90%FREE", "-n", pool, vg);
	if (r < 0)
		return r;
	/* a full pool fails writes at once instead of queueing them for 60 s */
	_cleanup_free_ char *full = str_printf("%s/%s", vg, pool);
	if (!full || RUN("cannot set errorwhenfull on the thin pool (a full pool will queue "
			 "writes)",
			 "lvchange", "-q", "--errorwhenfull", "y", full) < 0)
		log_warn("thin pool %s/%s: writes wait up to 60 s when it is full", vg, pool);
	return 0;
}

int storage_lvm_prepare(const char *vg, const char *device, const char *pool)
{
	bool made_vg = false;
	int r = check_lvm_name("volume group", vg);

	if (r == 0)
		r = check_lvm_name("thin pool", pool);
	if (r < 0)
		return r;
	r = vg_exists(vg);
	if (r < 0)
		return r;
	if (r == 0 && !device)
		return log_error_errno(-ENOENT,
				       "volume group %s does not exist: give --device DEVICE to "
				       "create it",
				       vg);
	if (r == 0) {
		r = make_vg(vg, device);
		if (r < 0)
			return r;
		made_vg = true;
		log_info("created volume group %s on %s", vg, device);
	} else if (device) {
		log_info("volume group %s exists: %s is not used", vg, device);
	}
	r = make_pool(vg, pool);
	if (r < 0 && made_vg) {
		(void)RUN("cannot undo vgcreate", "vgremove", "-q", "-f", vg);
		(void)RUN("cannot undo pvcreate", "pvremove", "-q", "-y", device);
	}
	return r;
}
