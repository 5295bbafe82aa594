/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's init in OCI mode, in two forks from `create`:
 *
 *   stage 1  joins the namespaces given by path, makes the new ones (the user
 *            namespace first, its maps written by create), then forks
 *   stage 2  init itself (PID 1 of a new PID namespace): the root (mounts,
 *            devices, pivot_root, masked and read-only paths), hostname,
 *            sysctl, rlimits, the console; tells create it is ready and
 *            blocks opening exec.fifo for writing until `start` opens it
 *            for reading; then the startContainer hooks, user, capabilities,
 *            seccomp, and exec
 *
 * Stage 1 exits once stage 2 exists, so init ends up the child of whatever
 * reaps create's orphans (containerd's shim, conmon: subreapers), as with
 * runc. Create and the stages talk over a SOCK_SEQPACKET pair.
 */
#include "oci/oci.h"
#include "cgroup/cgroup.h"
#include "mount/in-root.h"
#include "security/caps.h"
#include "storage/copy-tree.h"
#include "security/seccomp.h"
#include "util/fdpass.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
	MSG_GO = 1, /* create -> stage 1: in the cgroup now */
	MSG_USERNS, /* stage 1 -> create: write my id maps */
	MSG_OK,	    /* create -> stage: go on */
	MSG_PID,    /* stage 1 -> create: init's host pid */
	MSG_HOOKS,  /* stage 2 -> create: run prestart/createRuntime hooks */
	MSG_READY,  /* stage 2 -> create: waiting on the fifo */
	MSG_ROOT,   /* stage 2 -> create: attach the idmapped root in my namespace */
	MSG_BIND,   /* stage 2 -> create: attach mounts[value] idmapped, in my root */
	MSG_ERROR,  /* stage -> create: failed (value: -errno; already logged) */
};

struct msg {
	int32_t type;
	int32_t value;
};

static int msg_send(int fd, int type, int value)
{
	struct msg m = {.type = type, .value = value};

	return fdpass_send(fd, &m, sizeof(m), -1);
}

static int msg_recv(int fd, int want_type, struct msg *m)
{
	int r = fdpass_recv(fd, m, sizeof(*m), NULL);

	if (r < 0)
		return r;
	if (m->type == MSG_ERROR)
		return m->value < 0 ? m->value : -EIO;
	if (want_type && m->type != want_type)
		return -EPROTO;
	return 0;
}

/* Answers a step's request with its result r: MSG_ERROR when it failed, MSG_OK otherwise. */
static int msg_reply(int sock, int r)
{
	msg_send(sock, r < 0 ? MSG_ERROR : MSG_OK, r < 0 ? r : 0);
	return r;
}

static _Noreturn void stage_fail(int sock, int r)
{
	msg_send(sock, MSG_ERROR, r < 0 ? r : -EIO);
	_exit(1);
}

/* ---- stage 1: namespaces ---- */

static int join_namespace(const struct oci_namespace *ns)
{
	_cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return log_error_errno(negative_errno(), "cannot open namespace %s: %m", ns->path);
	if (setns(fd, ns->type) < 0)
		return log_error_errno(negative_errno(), "cannot join namespace %s: %m", ns->path);
	return 0;
}

/* Namespaces by path, the user namespace first (it owns the others). */
static int join_namespaces(const struct oci_spec *s)
{
	const struct oci_namespace *user = oci_spec_namespace(s, CLONE_NEWUSER);
	int r;

	if (user && user->path && (r = join_namespace(user)) < 0)
		return r;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct oci_namespace *ns = &s->namespaces[i];

		if (ns->path && ns->type != CLONE_NEWUSER && (r = join_namespace(ns)) < 0)
			return r;
	}
	return 0;
}

static int new_ns_flags(const struct oci_spec *s)
{
	int flags = 0;

	for (size_t i = 0; i < s->n_namespaces; i++)
		if (!s->namespaces[i].path)
			flags |= s->namespaces[i].type;
	/* systemd needs a cgroup namespace rooted at its delegated cgroup */
	if (s->system_container && !oci_spec_namespace(s, CLONE_NEWCGROUP))
		flags |= CLONE_NEWCGROUP;
	return flags;
}

static _Noreturn void stage2(const struct oci_init_params *p, int sock, int fifo);

/* create made an idmapped tree of the root (oci_idmapped_root): it attaches
 * it in init's mount namespace on MSG_ROOT (a tree made in the host's
 * namespace cannot be attached from inside the user namespace) */
static bool idmapped_root;

static _Noreturn void stage1(const struct oci_init_params *p, int sock, int fifo)
{
	const struct oci_spec *s = p->spec;
	int flags = new_ns_flags(s);
	struct msg m;
	int hold[2];
	pid_t pid;
	int r;

	if (msg_recv(sock, MSG_GO, &m) < 0)
		_exit(1);
	r = join_namespaces(s);
	if (r < 0)
		stage_fail(sock, r);
	if (flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			stage_fail(sock, log_error_errno(negative_errno(),
							 "cannot make a user namespace: %m"));
		/* the reply says whether create made an idmapped root */
		if (msg_send(sock, MSG_USERNS, 0) < 0 || msg_recv(sock, MSG_OK, &m) < 0)
			_exit(1);
		idmapped_root = m.value == 1;
	}
	if (oci_spec_namespace(s, CLONE_NEWUSER) &&
	    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		stage_fail(sock, log_error_errno(negative_errno(),
						 "cannot become root in the user namespace "
						 "(is 0 mapped?): %m"));
	if (unshare(flags & ~CLONE_NEWUSER) < 0)
		stage_fail(sock, log_error_errno(negative_errno(), "cannot make namespaces: %m"));
	if (pipe2(hold, O_CLOEXEC) < 0)
		stage_fail(sock, negative_errno());
	pid = fork();
	if (pid < 0)
		stage_fail(sock, log_error_errno(negative_errno(), "cannot fork init: %m"));
	if (pid == 0) {
		char c;

		/* create learns init's pid before init says anything */
		close(hold[1]);
		if (read(hold[0], &c, 1) != 1)
			_exit(1);
		close(hold[0]);
		stage2(p, sock, fifo);
	}
	msg_send(sock, MSG_PID, pid);
	(void)write(hold[1], "g", 1);
	_exit(0);
}

/* ---- stage 2: the root ---- */

static enum mount_create create_how(const char *source)
{
	struct stat st;

	if (source && stat(source, &st) == 0 && !S_ISDIR(st.st_mode))
		return MOUNT_CREATE_FILE;
	return MOUNT_CREATE_DIR;
}

static int bind_mount(const struct mount_ctx *ctx, const char *source, const char *dest,
		      bool recursive, unsigned set, unsigned clr)
{
	_cleanup_close_ int fd =
		open_tree(AT_FDCWD, source,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	int r;

	if (fd < 0)
		return log_error_errno(negative_errno(), "bind mount %s on %s: %m", source, dest);
	/* the access time modes are one field: clearing one means clearing it */
	if ((set | clr) & (MOUNT_ATTR__ATIME | MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME)) {
		clr = (clr & ~(unsigned)(MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME)) |
		      MOUNT_ATTR__ATIME;
		set &= ~(unsigned)MOUNT_ATTR__ATIME |
		       (set & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME));
	}
	if ((set || clr) && (r = mount_set_attr(fd, set, clr, recursive)) < 0)
		return log_error_errno(r, "bind mount %s on %s: cannot set its flags: %m", source,
				       dest);
	return mount_attach(ctx, fd, source, dest, create_how(source));
}

static int set_propagation(const struct oci_spec *s, const struct oci_mount *m)
{
	_cleanup_free_ char *path = str_printf("%s%s", s->root_path, m->destination);

	if (!path)
		return -ENOMEM;
	if (mount(NULL, path, NULL, m->propagation, NULL) < 0)
		return log_error_errno(negative_errno(), "cannot set the propagation of %s: %m",
				       m->destination);
	return 0;
}

static bool is_cgroup_mount(const struct oci_mount *m)
{
	return m->type && (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"));
}

static int mount_cgroup(const struct mount_ctx *ctx, const struct oci_spec *s,
			const struct oci_mount *m, bool cgroupns)
{
	unsigned attr = m->attr_set;

	if (s->system_container)
		attr &= ~MOUNT_ATTR_RDONLY; /* systemd manages its delegated cgroup */
	if (cgroupns)
		return mount_new_fs(ctx, "cgroup2", "cgroup2", NULL, attr, m->destination,
				    MOUNT_CREATE_DIR);
	/* no cgroup namespace: the host's hierarchies, read-only */
	return bind_mount(ctx, "/sys/fs/cgroup", m->destination, true, attr | MOUNT_ATTR_RDONLY, 0);
}

/* tmpcopyup (podman asks it for /run, /tmp... of a systemd container): the
 * tmpfs starts with what the directory under it holds, owner and mode
 * included. The directory is opened before the tmpfs hides it. */
static int mount_tmpfs_copyup(const struct mount_ctx *ctx, const struct oci_mount *m)
{
	_cleanup_close_ int under = -EBADF, top = -EBADF;
	int r;

	if (m->type && strcmp(m->type, "tmpfs"))
		return log_error_errno(-EINVAL, "mount on %s: tmpcopyup needs type tmpfs, not %s",
				       m->destination, m->type);
	under = mount_openat_root(ctx, m->destination, O_RDONLY | O_DIRECTORY);
	r = mount_new_fs(ctx, "tmpfs", m->source ? m->source : "tmpfs", m->data, m->attr_set,
			 m->destination, MOUNT_CREATE_DIR);
	if (r < 0 || under < 0) /* (a directory made just now has nothing to copy) */
		return r;
	top = mount_openat_root(ctx, m->destination, O_RDONLY | O_DIRECTORY);
	if (top < 0)
		return log_error_errno(top, "cannot open the tmpfs on %s: %m", m->destination);
	return copy_tree_into_at(under, ".", top, "."); /* (logs) */
}

static int do_mount(const struct mount_ctx *ctx, const struct oci_spec *s,
		    const struct oci_mount *m, bool cgroupns)
{
	int r;

	if (m->bind) {
		if (!m->source)
			return log_error_errno(-EINVAL, "bind mount on %s has no source",
					       m->destination);
		r = bind_mount(ctx, m->source, m->destination, m->rbind, m->attr_set, m->attr_clr);
	} else if (is_cgroup_mount(m)) {
		r = mount_cgroup(ctx, s, m, cgroupns);
	} else if (m->tmpcopyup) {
		r = mount_tmpfs_copyup(ctx, m);
	} else {
		r = mount_new_fs(ctx, m->type, m->source ? m->source : m->type, m->data,
				 m->attr_set, m->destination, MOUNT_CREATE_DIR);
		/* sysfs needs its own network namespace, mqueue its own IPC one:
		 * without, the host's (as runc) */
		if (r == -EPERM || r == -EBUSY) {
			if (!strcmp(m->type, "sysfs"))
				r = bind_mount(ctx, "/sys", m->destination, true,
					       m->attr_set | MOUNT_ATTR_RDONLY, 0);
			else if (!strcmp(m->type, "mqueue"))
				r = bind_mount(ctx, "/dev/mqueue", m->destination, false,
					       m->attr_set, 0);
		}
	}
	if (r < 0)
		return r;
	if (m->propagation)
		return set_propagation(s, m);
	return 0;
}

static bool has_mount(const struct oci_spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (!strcmp(s->mounts[i].destination, dest))
			return true;
	return false;
}

/* A device node at path (inside the root): mknod, or, where that is not
 * allowed (a user namespace), a bind mount of the host's node. */
static int make_device(const struct mount_ctx *ctx, const char *path, char type, unsigned major,
		       unsigned minor, mode_t mode, uid_t uid, gid_t gid)
{
	_cleanup_free_ char *dir = strdup(path), *base = strdup(path);
	_cleanup_close_ int dfd = -EBADF;
	mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	const char *name;
	int r;

	if (!dir || !base)
		return -ENOMEM;
	name = basename(base);
	dfd = mount_target(ctx, dirname(dir), MOUNT_CREATE_DIR);
	if (dfd < 0)
		return dfd;
	{
		/* O_PATH fds cannot be used for mknodat: reopen the directory */
		char proc[64];
		int d2;

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dfd);
		d2 = open(proc, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (d2 < 0)
			return log_error_errno(negative_errno(), "cannot open the parent of %s: %m",
					       path);
		close(dfd);
		dfd = d2;
	}
	(void)unlinkat(dfd, name, 0);
	if (mknodat(dfd, name, fmt | (mode & 07777), makedev(major, minor)) == 0) {
		if (fchmodat(dfd, name, mode & 07777, 0) < 0 ||
		    fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return log_error_errno(negative_errno(), "cannot set the owner of %s: %m",
					       path);
		return 0;
	}
	if (errno != EPERM)
		return log_error_errno(negative_errno(), "cannot make device %s: %m", path);
	{
		char host[PATH_MAX];
		_cleanup_close_ int fd = -EBADF;

		snprintf(host, sizeof(host), "/dev/%s", name);
		fd = open(host, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return log_error_errno(negative_errno(),
					       "cannot make device %s (no mknod in a user "
					       "namespace, and no host %s to bind): %m",
					       path, host);
		r = mount_bind_fd(ctx, fd, host, path, 0, MOUNT_CREATE_FILE);
	}
	return r;
}

static int setup_dev(const struct mount_ctx *ctx, const struct oci_spec *s)
{
	static const struct {
		const char *path;
		unsigned major, minor;
	} defaults[] = {
		{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
		{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
	};
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
		{"/proc/kcore", "core"},
	};
	_cleanup_close_ int devfd = -EBADF, dfd = -EBADF;
	char proc[64];
	int r;

	for (size_t i = 0; i < sizeof(defaults) / sizeof(*defaults); i++) {
		r = make_device(ctx, defaults[i].path, 'c', defaults[i].major, defaults[i].minor,
				0666, 0, 0);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct oci_device *d = &s->devices[i];

		r = make_device(ctx, d->path, d->type, (unsigned)d->major, (unsigned)d->minor,
				d->has_mode ? d->mode : 0666, d->has_uid ? d->uid : 0,
				d->has_gid ? d->gid : 0);
		if (r < 0)
			return r;
	}
	devfd = mount_target(ctx, "/dev", MOUNT_CREATE_DIR);
	if (devfd < 0)
		return devfd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", devfd);
	dfd = open(proc, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return log_error_errno(negative_errno(), "cannot open /dev of the container: %m");
	for (size_t i = 0; i < sizeof(links) / sizeof(*links); i++)
		if (symlinkat(links[i][0], dfd, links[i][1]) < 0 && errno != EEXIST)
			return log_error_errno(negative_errno(), "cannot make /dev/%s: %m",
					       links[i][1]);
	if (has_mount(s, "/dev/pts")) {
		(void)unlinkat(dfd, "ptmx", 0);
		if (symlinkat("pts/ptmx", dfd, "ptmx") < 0)
			return log_error_errno(negative_errno(), "cannot make /dev/ptmx: %m");
	}
	return 0;
}

/* What systemd needs and an OCI client does not ask for. */
static int system_container_mounts(const struct mount_ctx *ctx, const struct oci_spec *s)
{
	int r;

	if (!has_mount(s, "/run") &&
	    (r = mount_new_fs(ctx, "tmpfs", "tmpfs", "mode=0755,size=20%",
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, "/run", MOUNT_CREATE_DIR)) < 0)
		return r;
	if (!has_mount(s, "/run/lock") &&
	    (r = mount_new_fs(ctx, "tmpfs", "tmpfs", "mode=1777,size=5242880",
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/run/lock",
			      MOUNT_CREATE_DIR)) < 0)
		return r;
	for (size_t i = 0; i < s->n_mounts; i++)
		if (is_cgroup_mount(&s->mounts[i]))
			return 0;
	return mount_new_fs(ctx, "cgroup2", "cgroup2", NULL,
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
			    "/sys/fs/cgroup", MOUNT_CREATE_DIR);
}

static unsigned long propagation_flags(const char *name)
{
	if (!name || !strcmp(name, "rslave"))
		return MS_SLAVE | MS_REC;
	if (!strcmp(name, "slave"))
		return MS_SLAVE;
	if (!strcmp(name, "private"))
		return MS_PRIVATE;
	if (!strcmp(name, "rprivate"))
		return MS_PRIVATE | MS_REC;
	if (!strcmp(name, "shared"))
		return MS_SHARED;
	if (!strcmp(name, "rshared"))
		return MS_SHARED | MS_REC;
	if (!strcmp(name, "unbindable"))
		return MS_UNBINDABLE;
	return MS_UNBINDABLE | MS_REC;
}

static unsigned long tree_flags(const char *propagation)
{
	unsigned long f = propagation_flags(propagation);

	return f & (MS_SHARED | MS_UNBINDABLE) ? MS_SLAVE | MS_REC : f;
}

static int enter_root(const struct oci_init_params *p)
{
	const char *root = p->spec->root_path;

	if (p->no_pivot) {
		if (chdir(root) < 0 || mount(root, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return log_error_errno(negative_errno(), "cannot move into %s: %m", root);
		return chdir("/") < 0 ? negative_errno() : 0;
	}
	if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return log_error_errno(negative_errno(), "pivot_root into %s: %m", root);
	/* the old root is stacked under the new one: let go of it */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
		return log_error_errno(negative_errno(), "cannot detach the old root: %m");
	if (chdir("/") < 0)
		return negative_errno();
	/* the root's propagation as asked (shared needs the move done first) */
	if (p->spec->rootfs_propagation &&
	    mount(NULL, "/", NULL, propagation_flags(p->spec->rootfs_propagation), NULL) < 0)
		return log_error_errno(negative_errno(), "linux.rootfsPropagation %s: %m",
				       p->spec->rootfs_propagation);
	return 0;
}

/* An idmapped bind: made and attached by create (privileged on the host),
 * on the target made here; only with a user namespace of our own. */
static int idmapped_bind(const struct mount_ctx *ctx, const struct oci_spec *s, int sock, size_t i)
{
	const struct oci_mount *m = &s->mounts[i];
	_cleanup_close_ int fd = -EBADF;
	struct msg reply;
	int r;

	if (!m->source)
		return log_error_errno(-EINVAL, "bind mount on %s has no source", m->destination);
	if (!oci_spec_namespace(s, CLONE_NEWUSER))
		return log_error_errno(-EINVAL,
				       "mount on %s: the idmap option needs a user namespace",
				       m->destination);
	fd = mount_target(ctx, m->destination, create_how(m->source));
	if (fd < 0)
		return fd;
	if ((r = msg_send(sock, MSG_BIND, (int)i)) < 0 || (r = msg_recv(sock, MSG_OK, &reply)) < 0)
		return r;
	return m->propagation ? set_propagation(s, m) : 0;
}

static int setup_root(const struct oci_init_params *p, int sock)
{
	const struct oci_spec *s = p->spec;
	struct mount_spec spec = {.name = p->id, .rootfs = s->root_path, .console_fd = -1};
	struct mount_ctx ctx = {.spec = &spec, .rootfd = -EBADF};
	bool cgroupns = (new_ns_flags(s) & CLONE_NEWCGROUP) ||
			(oci_spec_namespace(s, CLONE_NEWCGROUP) != NULL);
	struct msg m;
	int r;

	/* private or slave now; shared and unbindable once pivoted (an
	 * unbindable tree could not be bound) */
	if (mount(NULL, "/", NULL, tree_flags(s->rootfs_propagation), NULL) < 0)
		return log_error_errno(negative_errno(), "cannot make the mount tree private: %m");
	if (idmapped_root) {
		if ((r = msg_send(sock, MSG_ROOT, 0)) < 0 || (r = msg_recv(sock, MSG_OK, &m)) < 0)
			return r;
	} else if (mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return log_error_errno(negative_errno(), "cannot bind the root %s: %m",
				       s->root_path);
	}
	ctx.rootfd = open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx.rootfd < 0)
		return log_error_errno(negative_errno(), "cannot open the root %s: %m",
				       s->root_path);
	for (size_t i = 0; i < s->n_mounts; i++) {
		if (s->mounts[i].bind && s->mounts[i].idmap)
			r = idmapped_bind(&ctx, s, sock, i);
		else if (s->system_container && is_cgroup_mount(&s->mounts[i]))
			r = mount_cgroup(&ctx, s, &s->mounts[i], true);
		else
			r = do_mount(&ctx, s, &s->mounts[i], cgroupns);
		if (r < 0)
			goto out;
	}
	if (s->system_container && (r = system_container_mounts(&ctx, s)) < 0)
		goto out;
	r = setup_dev(&ctx, s);
	if (r < 0)
		goto out;
	/* prestart and createRuntime hooks run by create, in its namespaces */
	if ((r = msg_send(sock, MSG_HOOKS, 0)) < 0 || (r = msg_recv(sock, MSG_OK, &m)) < 0)
		goto out;
	r = enter_root(p);
out:
	close(ctx.rootfd);
	return r;
}

/* No mount namespace: the host's mounts stay as they are (nothing is
 * mounted, it would be the host's), init is only chrooted. */
static int chroot_root(const struct oci_init_params *p, int sock)
{
	struct msg m;
	int r;

	if (p->spec->n_mounts || p->spec->masked_paths || p->spec->readonly_paths)
		log_warn("no mount namespace: mounts, maskedPaths and readonlyPaths are not "
			 "applied");
	if ((r = msg_send(sock, MSG_HOOKS, 0)) < 0 || (r = msg_recv(sock, MSG_OK, &m)) < 0)
		return r;
	if (chroot(p->spec->root_path) < 0 || chdir("/") < 0)
		return log_error_errno(negative_errno(), "cannot chroot into %s: %m",
				       p->spec->root_path);
	return 0;
}

/* After pivot_root: paths are the container's own. */
static int mask_paths(char *const *paths)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		struct stat st;

		if (stat(paths[i], &st) < 0)
			continue; /* what does not exist needs no mask */
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", paths[i], "tmpfs", MS_RDONLY, "size=0,mode=0555") < 0)
				return log_error_errno(negative_errno(), "cannot mask %s: %m",
						       paths[i]);
		} else if (mount("/dev/null", paths[i], NULL, MS_BIND, NULL) < 0)
			return log_error_errno(negative_errno(), "cannot mask %s: %m", paths[i]);
	}
	return 0;
}

static int readonly_paths(char *const *paths)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_close_ int fd = open_tree(
			AT_FDCWD, paths[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		int r;

		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return log_error_errno(negative_errno(), "cannot make %s read-only: %m",
					       paths[i]);
		r = mount_set_attr(fd, MOUNT_ATTR_RDONLY, 0, true);
		if (r >= 0 && move_mount(fd, "", AT_FDCWD, paths[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			r = negative_errno();
		if (r < 0)
			return log_error_errno(r, "cannot make %s read-only: %m", paths[i]);
	}
	return 0;
}

static int root_readonly(void)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};

	if (mount_setattr(AT_FDCWD, "/", 0, &a, sizeof(a)) < 0)
		return log_error_errno(negative_errno(), "cannot make the root read-only: %m");
	return 0;
}

static int apply_sysctl(char *const *kv)
{
	for (size_t i = 0; kv && kv[i]; i += 2) {
		_cleanup_free_ char *path = str_printf("/proc/sys/%s", kv[i]);
		int r;

		if (!path)
			return -ENOMEM;
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		r = fileio_write_string_at(AT_FDCWD, path, kv[i + 1]);
		if (r < 0)
			return log_error_errno(r, "linux.sysctl: cannot set %s to \"%s\": %m",
					       kv[i], kv[i + 1]);
	}
	return 0;
}

static int apply_process_limits(const struct oci_process *pr)
{
	for (size_t i = 0; i < pr->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = pr->rlimits[i].soft,
				    .rlim_max = pr->rlimits[i].hard};

		if (setrlimit(pr->rlimits[i].resource, &rl) < 0)
			return log_error_errno(negative_errno(),
					       "process.rlimits: cannot set %d: %m",
					       pr->rlimits[i].resource);
	}
	if (pr->has_oom_score_adj) {
		char v[16];
		int r;

		snprintf(v, sizeof(v), "%d", pr->oom_score_adj);
		r = fileio_write_string_at(AT_FDCWD, "/proc/self/oom_score_adj", v);
		if (r < 0)
			return log_error_errno(r, "process.oomScoreAdj: cannot set %s: %m", v);
	}
	return 0;
}

/* A pty from the container's devpts: its master goes to the console socket,
 * the slave becomes stdio and /dev/console. */
int oci_console_setup(int console_sock, bool bind_console)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int slave = -EBADF;
	char name[64];
	int n = 0, unlock = 0;

	if (master < 0)
		return log_error_errno(negative_errno(), "cannot open /dev/ptmx: %m");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return log_error_errno(negative_errno(), "cannot unlock the pty: %m");
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return log_error_errno(negative_errno(), "cannot open %s: %m", name);
	if (fdpass_send(console_sock, name, strlen(name), master) < 0)
		return log_error_errno(negative_errno(), "cannot send the pty to the console "
							 "socket: %m");
	if (bind_console && access("/dev/console", F_OK) < 0) {
		int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}
	if (bind_console)
		(void)mount(name, "/dev/console", NULL, MS_BIND, NULL);
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0 ||
	    ioctl(0, TIOCSCTTY, 0) < 0)
		return log_error_errno(negative_errno(), "cannot make %s the terminal: %m", name);
	return 0;
}

static int setup_process(const struct oci_init_params *p)
{
	const struct oci_spec *s = p->spec;
	int r;

	if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return log_error_errno(negative_errno(), "cannot set the hostname %s: %m",
				       s->hostname);
	if (s->domainname && *s->domainname &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return log_error_errno(negative_errno(), "cannot set the domainname %s: %m",
				       s->domainname);
	if ((r = apply_sysctl(s->sysctl)) < 0)
		return r;
	if (oci_spec_namespace(s, CLONE_NEWNS)) {
		if ((r = mask_paths(s->masked_paths)) < 0 ||
		    (r = readonly_paths(s->readonly_paths)) < 0)
			return r;
		if (s->root_readonly && (r = root_readonly()) < 0)
			return r;
	}
	if ((r = apply_process_limits(&s->process)) < 0)
		return r;
	if (!p->no_new_keyring &&
	    syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, p->id) < 0 &&
	    errno != ENOSYS && errno != EACCES)
		return log_error_errno(negative_errno(), "cannot make a session keyring: %m");
	if (s->process.terminal) {
		if (p->console_sock < 0)
			return log_error_errno(-EINVAL, "process.terminal needs --console-socket");
		if ((r = oci_console_setup(p->console_sock, true)) < 0)
			return r;
	}
	return 0;
}

/* Block until `start` opens the fifo for reading. state_dir is an O_PATH fd
 * of the state directory, opened before the root changed: a name looked up
 * from it needs neither the host's paths nor /proc. The fifo stays open
 * (O_CLOEXEC): `start` reads its end of file when init has exec'd. */
static int wait_for_start(int state_dir)
{
	int fd = openat(state_dir, "exec.fifo", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return log_error_errno(negative_errno(), "cannot open the exec fifo: %m");
	if (write(fd, "0", 1) != 1) {
		int r = log_error_errno(negative_errno(), "cannot write the exec fifo: %m");

		close(fd);
		return r;
	}
	return fd;
}

static int load_seccomp(void *prog)
{
	int r = seccomp_install(prog);

	if (r < 0)
		return log_error_errno(r, "linux.seccomp: cannot load the filter: %m");
	return 0;
}

int oci_seccomp_prepare(const struct seccomp_profile *seccomp, void **ret_prog)
{
	void *ctx = NULL;
	int r;

	*ret_prog = NULL;
	if (!seccomp)
		return 0;
	r = seccomp_build(seccomp, true, &ctx);
	if (r >= 0)
		r = seccomp_compile(ctx, ret_prog);
	seccomp_ctx_free(ctx);
	return r;
}

int oci_exec_process(const struct oci_process *pr, void *prog, unsigned preserve_fds)
{
	uint64_t all = (UINT64_C(2) << caps_last_cap()) - 1;
	int r;

	if (chdir(pr->cwd) < 0)
		return log_error_errno(negative_errno(), "process.cwd %s: %m", pr->cwd);
	if (pr->has_umask)
		umask(pr->umask);
	if (syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return log_error_errno(negative_errno(), "cannot close the runtime's files: %m");
	/* without no_new_privs the filter needs CAP_SYS_ADMIN: load it while
	 * we have it (as runc; it must then allow what follows) */
	if (prog && !pr->no_new_privs && (r = load_seccomp(prog)) < 0)
		return r;
	if (pr->has_caps && (r = caps_apply_bounding(pr->cap_bounding)) < 0)
		return r;
	if (setgroups(pr->n_groups, pr->groups) < 0 && errno != EPERM)
		return log_error_errno(negative_errno(), "cannot set the groups: %m");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(pr->gid, pr->gid, pr->gid) < 0 ||
	    setresuid(pr->uid, pr->uid, pr->uid) < 0)
		return log_error_errno(negative_errno(), "cannot become %u:%u: %m",
				       (unsigned)pr->uid, (unsigned)pr->gid);
	r = pr->has_caps ? caps_apply_sets(pr->cap_effective, pr->cap_permitted,
					   pr->cap_inheritable, pr->cap_ambient)
			 : caps_apply_final(all);
	if (r < 0)
		return r;
	if (pr->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return log_error_errno(negative_errno(), "cannot set no_new_privs: %m");
	if (prog && pr->no_new_privs && (r = load_seccomp(prog)) < 0)
		return r;
	if (pr->env)
		environ = pr->env;
	execvp(pr->args[0], pr->args);
	return log_error_errno(negative_errno(), "exec %s: %m", pr->args[0]);
}

/* systemd learns that it runs in a container from $container. */
static int system_container_env(struct oci_process *pr)
{
	for (size_t i = 0; pr->env && pr->env[i]; i++)
		if (str_startswith(pr->env[i], "container="))
			return 0;
	return strv_push(&pr->env, "container=sysc");
}

/* The startContainer hooks, with the state create wrote for them. */
static int run_start_hooks(const struct oci_spec *s, int state_dir)
{
	_cleanup_free_ char *json = NULL;
	int r = fileio_read_at(state_dir, OCI_START_STATE, &json, NULL);

	if (r < 0)
		return log_error_errno(r, "cannot read the state for the startContainer hooks: %m");
	return oci_hooks_run(s->hooks.list[OCI_HOOK_START_CONTAINER],
			     s->hooks.n[OCI_HOOK_START_CONTAINER], json);
}

static _Noreturn void stage2(const struct oci_init_params *p, int sock, int fifo)
{
	const struct oci_spec *s = p->spec;
	void *prog = NULL;
	int r;

	if (setsid() < 0)
		stage_fail(sock, negative_errno());
	r = oci_spec_namespace(s, CLONE_NEWNS) ? setup_root(p, sock) : chroot_root(p, sock);
	if (r < 0)
		stage_fail(sock, r);
	r = setup_process(p);
	if (r < 0)
		stage_fail(sock, r);
	/* all the work before the fifo: once started, init execs at once */
	r = oci_seccomp_prepare(s->seccomp, &prog);
	if (r < 0)
		stage_fail(sock, r);
	if (msg_send(sock, MSG_READY, 0) < 0)
		_exit(1);
	close(sock);
	if (p->console_sock >= 0)
		close(p->console_sock);
	if (wait_for_start(fifo) < 0)
		_exit(1);
	if (s->hooks.n[OCI_HOOK_START_CONTAINER] && run_start_hooks(s, fifo) < 0)
		_exit(1);
	close(fifo); /* the state directory's fd; the fifo stays open until exec */
	if (s->system_container && system_container_env((struct oci_process *)&s->process) < 0)
		_exit(1);
	oci_exec_process(&s->process, prog, p->preserve_fds);
	_exit(127);
}

/* ---- create's side ---- */

static int write_idmap(pid_t pid, const char *file, const struct oci_idmap *m, size_t n)
{
	char path[64], buf[4096] = "";
	size_t len = 0;
	int r;

	for (size_t i = 0; i < n && len < sizeof(buf) - 40; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	r = fileio_write_string_at(AT_FDCWD, path, buf);
	if (r < 0)
		return log_error_errno(r, "cannot write the %s of the container: %m", file);
	return 0;
}

static int write_idmaps(const struct oci_spec *s, pid_t pid)
{
	char path[64];
	int r;

	if (!s->n_uid_mappings || !s->n_gid_mappings)
		return log_error_errno(-EINVAL, "a new user namespace needs linux.uidMappings and "
						"linux.gidMappings");
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	(void)fileio_write_string_at(AT_FDCWD, path, "allow");
	r = write_idmap(pid, "uid_map", s->uid_mappings, s->n_uid_mappings);
	return r < 0 ? r : write_idmap(pid, "gid_map", s->gid_mappings, s->n_gid_mappings);
}

/* Attach tree on root, or on dest inside it (resolved in the root), in the
 * mount namespace of pid: from a child that joins it (create's own
 * namespace stays the host's). */
static int attach_root(const char *root, const char *dest, pid_t pid, int tree)
{
	char path[64];
	int status;
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	child = fork();
	if (child < 0)
		return log_error_errno(negative_errno(), "cannot fork: %m");
	if (child == 0) {
		int ns = open(path, O_RDONLY | O_CLOEXEC);

		if (ns < 0 || setns(ns, CLONE_NEWNS) < 0) {
			log_error_errno(negative_errno(), "cannot join init's mount namespace: %m");
			_exit(1);
		}
		if (dest) {
			struct mount_spec spec = {.rootfs = root, .console_fd = -1};
			struct mount_ctx ctx = {.spec = &spec};
			int fd;

			ctx.rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
			fd = ctx.rootfd < 0 ? ctx.rootfd : mount_openat_root(&ctx, dest, O_PATH);
			if (fd < 0 ||
			    move_mount(tree, "", fd, "",
				       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
				log_error_errno(fd < 0 ? fd : negative_errno(),
						"cannot mount the idmapped bind on %s: %m", dest);
				_exit(1);
			}
			_exit(0);
		}
		if (move_mount(tree, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			log_error_errno(negative_errno(),
					"cannot mount the idmapped root on %s: %m", root);
			_exit(1);
		}
		_exit(0);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -EIO; /* (logged by the child) */
	return 0;
}

static int talk_to_init(const struct oci_init_params *p, int sock, pid_t stage1, pid_t *ret_pid)
{
	_cleanup_close_ int tree = -EBADF;
	struct msg m;
	pid_t pid = 0;
	int r;

	if (p->cg && (r = cgroup_attach(p->cg, stage1)) < 0)
		return r;
	if ((r = msg_send(sock, MSG_GO, 0)) < 0)
		return r;
	for (;;) {
		r = msg_recv(sock, 0, &m);
		if (r == -ECONNRESET)
			return log_error_errno(-EIO,
					       "the container's init died while being set up");
		if (r < 0)
			return r;
		switch (m.type) {
		case MSG_USERNS:
			r = write_idmaps(p->spec, stage1);
			if (r < 0)
				return r;
			if (oci_spec_namespace(p->spec, CLONE_NEWNS) &&
			    (r = oci_idmapped_root(p->spec, stage1, &tree)) < 0)
				return r;
			msg_send(sock, MSG_OK, tree >= 0);
			break;
		case MSG_BIND: {
			_cleanup_close_ int bind = -EBADF;
			const struct oci_mount *bm = (size_t)m.value < p->spec->n_mounts
							     ? &p->spec->mounts[m.value]
							     : NULL;

			r = bm ? oci_idmapped_bind(bm, pid, &bind) : -EPROTO;
			if (r == 0)
				r = attach_root(p->spec->root_path, bm->destination, pid, bind);
			if (msg_reply(sock, r) < 0)
				return r;
			break;
		}
		case MSG_ROOT:
			r = tree >= 0 ? attach_root(p->spec->root_path, NULL, pid, tree) : -EPROTO;
			if (msg_reply(sock, r) < 0)
				return r;
			break;
		case MSG_PID:
			pid = m.value;
			*ret_pid = pid;
			break;
		case MSG_HOOKS:
			r = p->runtime_hooks ? p->runtime_hooks(p->data, pid) : 0;
			if (msg_reply(sock, r) < 0)
				return r;
			break;
		case MSG_READY:
			return 0;
		default:
			return -EPROTO;
		}
	}
}

int oci_init_create(const struct oci_init_params *p, pid_t *ret_pid)
{
	_cleanup_close_ int fifo = -EBADF;
	int sv[2];
	pid_t s1, pid = 0;
	int r, status;

	fifo = open(p->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fifo < 0)
		return log_error_errno(negative_errno(), "cannot open %s: %m", p->state_dir);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	s1 = fork();
	if (s1 < 0) {
		r = negative_errno();
		close(sv[0]);
		close(sv[1]);
		return log_error_errno(r, "cannot fork: %m");
	}
	if (s1 == 0) {
		close(sv[0]);
		stage1(p, sv[1], fifo);
	}
	close(sv[1]);
	r = talk_to_init(p, sv[0], s1, &pid);
	close(sv[0]);
	(void)waitpid(s1, &status, 0);
	if (r < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
		}
		return r;
	}
	*ret_pid = pid;
	return 0;
}
