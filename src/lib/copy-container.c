/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-copy and restoring a snapshot under a new name: a new container from a
 * stopped one's entry (or a snapshot's), by the backend's clone when source
 * and target backends are the same, else by copying the mounted trees. */
#include "lib/copy-container.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/create.h"
#include "lib/hooks.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "storage/copy-tree.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Open path inside the rootfs as the container would see it: symlinks in an
 * untrusted rootfs cannot lead out of it. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static int read_in_root(int rootfd, const char *path, char **ret)
{
	_cleanup_close_ int fd = open_in_root(rootfd, path, O_RDONLY);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return fd;
	n = fileio_read_all(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	if (n == sizeof(buf) - 1)
		return -EFBIG; /* not a host name or hosts file we would rewrite */
	buf[n] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

static int write_in_root(int rootfd, const char *path, const char *text)
{
	_cleanup_close_ int fd = open_in_root(rootfd, path, O_WRONLY | O_TRUNC);

	if (fd < 0)
		return fd;
	return fileio_write_all(fd, text, strlen(text));
}

/* Every whole-word occurrence of old in text replaced by new. */
static char *replace_word(const char *text, const char *old, const char *new)
{
	size_t ol = strlen(old), nl = strlen(new), n = 0;
	char *res, *w;

	for (const char *s = text; (s = strstr(s, old)); s += ol)
		n++;
	res = malloc(strlen(text) + n * (nl > ol ? nl - ol : 0) + 1);
	if (!res)
		return NULL;
	w = res;
	for (const char *s = text; *s;) {
		bool start = s == text || strchr(" \t\n.", s[-1]);
		bool end = strchr(" \t\n.", s[ol]) != NULL; /* also matches '\0' */
		if (strncmp(s, old, ol) == 0 && start && end) {
			memcpy(w, new, nl);
			w += nl;
			s += ol;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
	return res;
}

/* The copy's own identity inside: host name, /etc/hosts, a machine-id
 * systemd makes anew from the new container uuid. */
int copy_rootfs_new_identity(const char *rootfs, const char *old, const char *new)
{
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *hostname = NULL, *hosts = NULL, *fixed = NULL;
	int r;

	if (rootfd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", rootfs);
	if (read_in_root(rootfd, "/etc/hostname", &hostname) == 0) {
		hostname[strcspn(hostname, "\n")] = '\0';
		if (strcmp(hostname, old) == 0) {
			_cleanup_free_ char *line = str_printf("%s\n", new);
			if (!line)
				return -ENOMEM;
			r = write_in_root(rootfd, "/etc/hostname", line);
			if (r < 0)
				return log_error_errno(r, "cannot write /etc/hostname of %s: %m",
						       new);
		}
	}
	if (read_in_root(rootfd, "/etc/hosts", &hosts) == 0) {
		fixed = replace_word(hosts, old, new);
		if (!fixed)
			return -ENOMEM;
		if (strcmp(fixed, hosts) != 0 &&
		    (r = write_in_root(rootfd, "/etc/hosts", fixed)) < 0)
			return log_error_errno(r, "cannot write /etc/hosts of %s: %m", new);
	}
	r = write_in_root(rootfd, "/etc/machine-id", "");
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "cannot reset /etc/machine-id of %s: %m", new);
	return 0;
}

/* The rootfs of src into the work entry: the backend's clone, or (another
 * backend) a copy between both mounted trees. */
static int copy_rootfs(const struct copy_source *src, struct create_work *w, unsigned flags)
{
	const struct storage_ops *dops = create_work_backend(w);
	_cleanup_close_ int src_fd = open(src->entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (src_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", src->entry);
	if (dops == src->ops) {
		r = dops->clone(src->ctx, src_fd, create_work_storage(w), create_work_fd(w),
				flags & ~STORAGE_CLONE_READONLY);
		return r < 0 ? r : create_work_mount(w);
	}
	if (flags & STORAGE_CLONE_SNAPSHOT) {
		log_error("a copy-on-write snapshot needs the same backend (%s to %s): drop -s "
			  "or -B",
			  src->ops->name, dops->name);
		return -EINVAL;
	}
	r = create_work_empty_rootfs(w);
	if (r == 0)
		r = storage_mount_entry(src->ops, src->ctx, src_fd, src->entry);
	if (r < 0)
		return r;
	log_info("copying the rootfs of %s (%s to %s backend)...", src->name, src->ops->name,
		 dops->name);
	r = copy_tree_into_at(src_fd, "rootfs", create_work_fd(w), "rootfs");
	int q = storage_unmount_entry(src->ops, src->entry);
	return r < 0 ? r : q;
}

/* The new container's clone hooks, before it appears (SYSC_SOURCE: the source's name). */
static int run_clone_hooks(const struct sysc_paths *p, const struct copy_source *src,
			   const struct create_work *w)
{
	_cleanup_free_ char *var = str_printf("SYSC_SOURCE=%s", src->name);
	char *env[] = {var, NULL};

	return var ? hooks_run_new(p, create_work_path(w), HOOK_CLONE, env) : -ENOMEM;
}

int copy_from_source(const struct sysc_paths *p, const struct copy_source *src, const char *dst,
		     const char *backend, unsigned flags)
{
	struct create_work *w = NULL;
	_cleanup_(conf_edit_freep) struct conf_edit *ed = NULL;
	_cleanup_free_ char *config = str_printf("%s/config", src->entry);
	_cleanup_(conf_freep) struct sysc_conf *src_conf = NULL;
	_cleanup_free_ char *rootfs = NULL;
	int64_t t0;
	int r;

	if (!config)
		return -ENOMEM;
	t0 = monotonic_us();
	/* its facts: the copied files' owners are as the source's on disk */
	r = facts_load_conf(p, config, &src_conf);
	if (r == 0)
		r = create_work_begin(p, dst, backend ? backend : src->ops->name, config, &w);
	if (r == 0)
		r = copy_rootfs(src, w, flags);
	if (r == 0) {
		rootfs = str_printf("%s/rootfs", create_work_path(w));
		r = rootfs ? copy_rootfs_new_identity(rootfs, src->name, dst) : -ENOMEM;
	}
	if (r == 0)
		r = conf_edit_open(config, &ed);
	if (r == 0)
		r = conf_edit_new_identity(ed, src->name);
	if (r == 0)
		r = create_work_write_config(w, ed, src_conf->rootfs.shifted);
	if (r == 0)
		r = run_clone_hooks(p, src, w);
	if (r == 0)
		r = create_work_finish(w);
	if (r == 0) {
		log_info("copied %s to %s (%s backend) in %.3fs", src->name, dst,
			 create_work_backend(w)->name, (double)(monotonic_us() - t0) / 1e6);
	}
	create_work_free(w);
	return r;
}

int copy_check_stopped(const struct sysc_paths *p, const char *name, const char *what)
{
	struct state_info st;
	int r = store_read_state(p, name, &st);

	if (r < 0)
		return r;
	if (st.state != STATE_STOPPED) {
		log_error("container %s is %s: stop it before %s (sysc-stop %s)", name,
			  state_name(st.state), what, name);
		return -EBUSY;
	}
	return 0;
}

int copy_container(const struct sysc_paths *p, const struct copy_opts *o)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *entry = NULL;
	struct storage_ctx sctx;
	struct copy_source src = {.name = o->src, .ctx = &sctx};
	int r = store_load_conf(p, o->src, &conf);

	if (r < 0)
		return r;
	if (strcmp(o->src, o->dst) == 0) {
		log_error("cannot copy %s onto itself", o->src);
		return -EINVAL;
	}
	lock = lock_container(p, o->src);
	if (lock < 0)
		return lock;
	r = copy_check_stopped(p, o->src, "copying it");
	if (r < 0)
		return r;
	r = store_storage(p, conf->rootfs.backend, conf, o->src, &sctx, &src.ops);
	if (r < 0)
		return r;
	entry = paths_container_dir(p, o->src);
	if (!entry)
		return -ENOMEM;
	src.entry = entry;
	return copy_from_source(p, &src, o->dst, o->backend,
				o->snapshot ? STORAGE_CLONE_SNAPSHOT : 0);
}
