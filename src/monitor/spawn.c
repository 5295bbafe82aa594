/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/spawn.h"
#include "storage/storage.h"
#include "monitor/resources.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "lib/hooks.h"
#include "mount/mount.h"
#include "net/net.h"
#include "security/devices.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"
#include "userns/userns.h"
#include <grp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* messages from the child on the sync socket */
enum { SYNC_TTY = 1, SYNC_ERROR = 2 };
/* and from the monitor: a prepared bind mount tree (index in conf->mounts),
 * then "go" (with the rootfs tree when unprivileged) */
enum { SYNC_MOUNT_TREE = 3, SYNC_GO = 4 };
/* and, before "go", the guest's nameserver (an IPv4 address, network order) */
enum { SYNC_NAMESERVER = 5 };

struct sync_msg {
	int32_t type;
	int32_t value; /* tty index, or -errno */
};

static int sync_send(int fd, int type, int value, int pass_fd)
{
	struct sync_msg m = {.type = type, .value = value};

	return fdpass_send(fd, &m, sizeof(m), pass_fd);
}

static _Noreturn void child_fail(int sync_fd, int r)
{
	sync_send(sync_fd, SYNC_ERROR, r < 0 ? r : -EIO, -1);
	_exit(1);
}

static char **init_env(const struct sysc_conf *conf, unsigned n_ttys)
{
	_cleanup_strv_ char **env = NULL;
	char ttys[SPAWN_MAX_TTYS * 8] = "";
	_cleanup_free_ char *uuid = str_printf("container_uuid=%s", conf->uuid ? conf->uuid : "");
	_cleanup_free_ char *ttyvar = NULL;

	for (unsigned i = 0; i < n_ttys; i++) {
		size_t l = strlen(ttys);
		snprintf(ttys + l, sizeof(ttys) - l, "%spts/%u", i ? " " : "", i);
	}
	ttyvar = str_printf("container_ttys=%s", ttys);
	if (!uuid || !ttyvar)
		return NULL;
	if (strv_push(&env, "container=sysc") < 0 || strv_push(&env, uuid) < 0 ||
	    strv_push(&env, ttyvar) < 0 ||
	    strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") <
		    0 ||
	    strv_push(&env, "TERM=linux") < 0 || strv_push(&env, "HOME=/") < 0)
		return NULL;
	for (size_t i = 0; conf->init.env && conf->init.env[i]; i++)
		if (strv_push(&env, conf->init.env[i]) < 0)
			return NULL;
	return TAKE_PTR(env);
}

/* Open n ttys in the container's own devpts and hand their masters out. */
static int child_make_ttys(int sync_fd, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		_cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		int unlock = 0, idx = -1;

		if (m < 0)
			return log_error_errno(-errno, "cannot allocate tty %u: open /dev/ptmx: %m",
					       i + 1);
		if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &idx) < 0)
			return log_error_errno(-errno, "cannot set up tty %u: %m", i + 1);
		int r = sync_send(sync_fd, SYNC_TTY, idx, m);
		if (r < 0)
			return r;
	}
	return 0;
}

static int child_console(int console)
{
	if (setsid() < 0)
		return log_error_errno(-errno, "setsid: %m");
	if (ioctl(console, TIOCSCTTY, 0) < 0)
		return log_error_errno(-errno, "cannot make /dev/console the controlling tty: %m");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(console, fd) < 0)
			return log_error_errno(-errno, "dup2 console: %m");
	return 0;
}

/* Overlay and lvm: mount the rootfs, in this (new) mount namespace only. */
static int child_mount_storage(const struct spawn_params *p)
{
	_cleanup_close_ int entry_fd = -EBADF;

	if (!p->storage || !p->storage->mount)
		return 0;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return log_error_errno(-errno, "make / a recursive slave mount: %m");
	entry_fd = open(p->entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (entry_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", p->entry);
	return p->storage->mount(p->storage_ctx, entry_fd, p->entry);
}

/* pre_mount: in the new mount namespace (slave: nothing propagates out), the
 * rootfs mounted by the backend, nothing mounted on it yet. */
static int child_pre_mount_hooks(const struct spawn_params *p)
{
	struct hooks_ctx h;

	if (!p->hooks || !hooks_list(p->conf, HOOK_PRE_MOUNT) ||
	    !hooks_list(p->conf, HOOK_PRE_MOUNT)[0])
		return 0;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return log_error_errno(-errno, "make / a recursive slave mount: %m");
	h = *p->hooks;
	h.rootfs_mount = p->rootfs;
	return hooks_run(&h, HOOK_PRE_MOUNT);
}

/* mount: everything is mounted under the rootfs, pivot_root is next. */
static int child_mount_hooks(void *data)
{
	const struct spawn_params *p = data;
	struct hooks_ctx h;

	if (!p->hooks)
		return 0;
	h = *p->hooks;
	h.rootfs_mount = p->rootfs;
	return hooks_run(&h, HOOK_MOUNT);
}

/* start: inside the container, paths are the container's. */
static int child_start_hooks(const struct spawn_params *p)
{
	struct hooks_ctx h;

	if (!p->hooks)
		return 0;
	h = *p->hooks;
	h.rootfs_mount = "/";
	return hooks_run(&h, HOOK_START);
}

/* The monitor's fds (bind mount trees, the rootfs tree), until "go". */
static int child_receive(const struct spawn_params *p, int sync_fd, int *ret_tree,
			 int **ret_mount_trees, uint32_t *ret_ns)
{
	const struct sysc_conf *conf = p->conf;
	size_t n = conf->n_mounts + strv_length(conf->devices.create);
	int *trees = NULL;

	if (n) {
		trees = malloc(n * sizeof(int));
		if (!trees)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			trees[i] = -1;
	}
	for (;;) {
		struct sync_msg m;
		int fd = -EBADF, r = fdpass_recv(sync_fd, &m, sizeof(m), &fd);

		if (r < 0) {
			free(trees);
			return r;
		}
		if (m.type == SYNC_GO) {
			*ret_tree = fd;
			*ret_mount_trees = trees;
			return 0;
		}
		if (m.type == SYNC_NAMESERVER)
			*ret_ns = (uint32_t)m.value;
		if (m.type == SYNC_MOUNT_TREE && fd >= 0 && m.value >= 0 && (size_t)m.value < n)
			trees[m.value] = fd;
		else if (fd >= 0)
			close(fd);
	}
}

/* Unprivileged: attach the idmapped rootfs tree at p->rootfs (the monitor's
 * <run>/<key>/rootfs) while we are still the host's uid 0, then
 * become root of our user namespace (the mapped host uid): from here on,
 * files we make on the container's own filesystems (tmpfs, devpts) belong
 * to the container's root. */
static int child_become_root(const struct spawn_params *p, int tree)
{
	_cleanup_close_ int target = -EBADF;

	if (tree < 0)
		return log_error_errno(-EBADMSG, "no rootfs tree from the monitor");
	target = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (target < 0)
		return log_error_errno(-errno, "cannot open %s: %m", p->rootfs);
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return log_error_errno(-errno, "make / a recursive slave mount: %m");
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return log_error_errno(-errno, "cannot mount the idmapped rootfs on %s: %m",
				       p->rootfs);
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return log_error_errno(-errno, "cannot become root of the user namespace: %m");
	return 0;
}

/* The guest's /etc/resolv.conf names the DNS server of its managed network
 * (written by its root, in its root; a symlink there is replaced). A
 * read-only root keeps its own. */
static void child_write_resolv(const char *name, uint32_t ns)
{
	char a[INET_ADDRSTRLEN], text[96];
	_cleanup_close_ int fd = -EBADF;
	int n;

	if (!ns || !inet_ntop(AF_INET, &ns, a, sizeof(a)))
		return;
	n = snprintf(text, sizeof(text),
		     "# written by sysc: the DNS of the container's network\n"
		     "nameserver %s\n",
		     a);
	fd = open("/etc/.resolv.conf.sysc", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0 || fileio_write_all(fd, text, (size_t)n) < 0 ||
	    rename("/etc/.resolv.conf.sysc", "/etc/resolv.conf") < 0) {
		log_warn_errno(-errno, "cannot write /etc/resolv.conf of %s: %m", name);
		unlink("/etc/.resolv.conf.sysc");
	}
}

static _Noreturn void child_main(const struct spawn_params *p, const struct security_policy *pol,
				 int sync_fd)
{
	const struct sysc_conf *conf = p->conf;
	struct mount_spec spec = {
		.name = conf->name,
		.rootfs = p->rootfs,
		.rootfs_tree = -1,
		.uuid = conf->uuid,
		.console_fd = p->console_slave,
		.mount_cgroup2 = true,
		.host_netns = !net_private_netns(conf),
		.views_dir = p->views_dir,
		.nesting = conf->security.nesting,
		.mounts = conf->mounts,
		.n_mounts = conf->n_mounts,
		.before_pivot = child_mount_hooks,
		.before_pivot_data = (void *)p,
	};
	_cleanup_free_ int *mount_trees = NULL;
	sigset_t all;
	char **env;
	int r, errfd, tree = -EBADF;
	uint32_t nameserver = 0;

	/* wait until the monitor has set up our cgroups (and, unprivileged,
	 * has written our id maps and sent the rootfs tree) */
	if (child_receive(p, sync_fd, &tree, &mount_trees, &nameserver) < 0)
		_exit(1);
	/* into the v1 hierarchies (hybrid hosts), before the cgroup namespace */
	r = cgroup_v1_join(p->cg);
	if (r < 0)
		child_fail(sync_fd, r);
	spec.mount_trees = mount_trees;
	/* (cgroup_v1 freed with the child's exec or exit) */
	if (conf->security.nesting && cgroup_host_is_hybrid()) {
		spec.cgroup_v1 = cgroup_v1_mount_list();
		if (!spec.cgroup_v1)
			child_fail(sync_fd, log_error_errno(-ENOMEM, "out of memory"));
	}
	if (p->userns) {
		r = child_become_root(p, tree);
		if (r < 0)
			child_fail(sync_fd, r);
		spec.rootfs_tree = tree;
		spec.bind_devices = conf->devices.create;
		spec.device_trees = mount_trees ? mount_trees + conf->n_mounts : NULL;
	}
	if (unshare(CLONE_NEWCGROUP) < 0)
		child_fail(sync_fd, log_error_errno(-errno, "cannot create cgroup namespace: %m"));
	if (sethostname(conf->hostname, strlen(conf->hostname)) < 0)
		child_fail(sync_fd,
			   log_error_errno(-errno, "cannot set hostname %s: %m", conf->hostname));
	r = resources_apply_child(conf, p->userns);
	if (r < 0)
		child_fail(sync_fd, r);
	r = p->userns ? 0 : child_mount_storage(p);
	if (r == 0)
		r = child_pre_mount_hooks(p);
	if (r < 0)
		child_fail(sync_fd, r);
	r = mount_setup_root(&spec);
	if (r < 0)
		child_fail(sync_fd, r);
	child_write_resolv(conf->name, nameserver);
	r = child_make_ttys(sync_fd, conf->console.ttys);
	if (r < 0)
		child_fail(sync_fd, r);
	r = p->userns ? 0 : devices_create_nodes(conf->devices.create);
	if (r < 0)
		child_fail(sync_fd, r);
	if (access(p->cmd[0], X_OK) < 0)
		child_fail(sync_fd,
			   log_error_errno(-errno, "init %s %s in rootfs of %s", p->cmd[0],
					   errno == ENOENT ? "not found" : "is not executable",
					   conf->name));
	/* the start hooks are programs of the container's root: they run under
	 * its bounding set, no_new_privs and seccomp filter, as init will */
	r = security_apply_early(pol);
	if (r == 0)
		r = child_start_hooks(p);
	if (r < 0)
		child_fail(sync_fd, r);
	env = init_env(conf, conf->console.ttys);
	if (!env)
		child_fail(sync_fd, -ENOMEM);
	/* sysc-start's stderr, for an exec that fails once stdio is the console */
	errfd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	r = child_console(p->console_slave);
	if (r < 0)
		child_fail(sync_fd, r);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < _NSIG; s++)
		signal(s, SIG_DFL);
	r = security_apply_final(pol);
	if (r < 0)
		child_fail(sync_fd, r);
	/* nothing of the monitor's survives exec; the sync socket's EOF says "exec'd" */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(p->cmd[0], p->cmd, env);
	r = errno;
	if (errfd >= 0)
		dup2(errfd, STDERR_FILENO);
	errno = r;
	child_fail(sync_fd, log_error_errno(-errno, "cannot execute init %s in %s: %m", p->cmd[0],
					    conf->name));
}

static int collect_child(struct spawn_result *res, int sync_fd)
{
	for (;;) {
		struct sync_msg m;
		int fd, r = fdpass_recv(sync_fd, &m, sizeof(m), &fd);

		if (r == -ECONNRESET)
			return 0; /* exec'd */
		if (r < 0)
			return r;
		if (m.type == SYNC_ERROR) {
			if (fd >= 0)
				close(fd);
			return m.value < 0 ? m.value : -EIO;
		}
		if (m.type != SYNC_TTY || fd < 0 || res->n_ttys >= SPAWN_MAX_TTYS) {
			if (fd >= 0)
				close(fd);
			return -EBADMSG;
		}
		res->tty_masters[res->n_ttys++] = fd;
	}
}

/* Unprivileged: the child's id maps, then what it cannot do in its user
 * namespace: the idmapped rootfs tree, its rlimits and oom_score_adj. */
static int host_userns_setup(const struct spawn_params *p, pid_t pid, int sync_fd, int *ret_tree)
{
	_cleanup_close_ int userns = -EBADF;
	char path[64];
	int r = userns_write_maps(p->conf, pid);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return log_error_errno(-errno, "cannot open %s: %m", path);
	r = resources_apply_process(p->conf, pid);
	if (r < 0)
		return r;
	r = p->prepare_root(p->host_data, pid, userns);
	if (r < 0)
		return r;
	*ret_tree = r;
	/* bind mounts: the child, as the mapped root, may not reach their
	 * sources, and cannot idmap them */
	for (size_t i = 0; i < p->conf->n_mounts; i++) {
		_cleanup_close_ int t = mount_extra_bind_tree(&p->conf->mounts[i], userns);
		if (t == -ENODATA)
			continue;
		if (t < 0)
			return t;
		r = sync_send(sync_fd, SYNC_MOUNT_TREE, (int)i, t);
		if (r < 0)
			return log_error_errno(r, "cannot pass a mount to the child: %m");
	}
	/* devices.create: nodes the child cannot mknod, made here */
	char *const *create = p->conf->devices.create;
	for (size_t j = 0; create && create[j]; j++) {
		_cleanup_close_ int t = devices_node_tree(create[j]);
		if (t < 0)
			return t;
		r = sync_send(sync_fd, SYNC_MOUNT_TREE, (int)(p->conf->n_mounts + j), t);
		if (r < 0)
			return log_error_errno(r, "cannot pass a device to the child: %m");
	}
	return 0;
}

int spawn_init(const struct spawn_params *p, struct spawn_result *ret)
{
	int sv[2], tree = -EBADF;
	int pidfd = -EBADF;
	struct clone_args args = {
		.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD |
			 CLONE_INTO_CGROUP | (net_private_netns(p->conf) ? CLONE_NEWNET : 0) |
			 (p->userns ? CLONE_NEWUSER : 0),
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgroup_v2_fd(p->cg),
	};
	_cleanup_(security_policy_freep) struct security_policy *pol = NULL;
	_cleanup_free_ struct devices_rule *dev = NULL;
	size_t n_dev = 0;
	pid_t pid;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = security_prepare(p->conf, &pol);
	if (r == 0 && p->run_dir)
		r = security_policy_save(pol, p->run_dir);
	if (r == 0)
		r = devices_policy(p->conf, &dev, &n_dev);
	if (r < 0)
		return r;
	r = cgroup_v1_join_open(p->cg);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		cgroup_v1_join_close(p->cg);
		return log_error_errno(r, "socketpair: %m");
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		cgroup_v1_join_close(p->cg);
		return log_error_errno(r, "cannot create the container's init process: %m");
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(p, pol, sv[1]);
	}
	close(sv[1]);
	/* the child joins its v1 cgroups itself (cgroup.h) */
	cgroup_v1_join_close(p->cg);
	ret->pid = pid;
	ret->pidfd = pidfd;
	r = p->userns ? host_userns_setup(p, pid, sv[0], &tree) : 0;
	if (r == 0 && p->host_setup)
		r = p->host_setup(p->host_data, pid);
	if (r == 0 && p->host_nameserver && p->host_nameserver(p->host_data))
		r = sync_send(sv[0], SYNC_NAMESERVER, (int)p->host_nameserver(p->host_data), -1);
	if (r == 0)
		r = devices_cgroup_apply(p->cg, dev, n_dev);
	if (r == 0)
		r = sync_send(sv[0], SYNC_GO, 0, tree);
	CLOSE_FD(tree);
	if (r == 0)
		r = collect_child(ret, sv[0]);
	close(sv[0]);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pidfd);
		for (unsigned i = 0; i < ret->n_ttys; i++)
			close(ret->tty_masters[i]);
		memset(ret, 0, sizeof(*ret));
	}
	return r;
}
