/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attach/attach.h"
#include "attach/user.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "console/proxy.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ATTACH_LEAF  "sysc.attach" /* the container's cgroup for attached processes */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Written by the intermediate, read by sysc-attach once it exited; never
 * inherited by the command (MADV_DONTFORK). */
struct attach_shared {
	int fork_errno; /* the intermediate could not fork the command */
	pid_t cmd_pid;	/* the command (sysc-attach's child), host pid */
};

struct attach_ctx {
	const struct attach_opts *o;
	const char *name;
	int pidfd;   /* of the container's init */
	int leaf_fd; /* v2 cgroup leaf the command is moved into */
	struct cgroup_set *cg;
	struct security_policy *pol; /* the same as init's */
	bool use_pty;
	bool userns;	 /* init is in a user namespace of its own (unprivileged) */
	bool pids_later; /* fallback: the command joins the pids cgroup after its fork */
	bool move_leaf;	 /* the intermediate waits until sysc-attach moved it into the
			    leaf (CLONE_INTO_CGROUP was refused) */
	struct attach_shared *shared;
	int sync[2]; /* [0] ours, [1] the intermediate's */
};

/* On the sync socket, intermediate -> sysc-attach: MASTER (with the pty
 * master), CHILD (pids fallback: the command's pid, to be moved); back:
 * MOVED. The intermediate closes it before the command exists, except on
 * the pids fallback. */
enum { MSG_MASTER = 1, MSG_CHILD = 2, MSG_MOVED = 3 };
struct attach_msg {
	int32_t type;
	int32_t pid;
};

/* What the command execs. */
struct attach_exec {
	char **env;
	char *const *argv;
	const char *file;
	char *login; /* "-sh" for a login shell */
	char *shell_argv[2];
};

extern char **environ;

/* Is pid in another user namespace than ours? */
static bool other_userns(pid_t pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (stat(path, &a) < 0 || stat("/proc/self/ns/user", &b) < 0)
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* Set VAR to value in env (replacing), or add "VAR=value". */
static int env_set(char ***env, const char *var, const char *value)
{
	_cleanup_free_ char *kv = str_printf("%s=%s", var, value);
	size_t len = strlen(var);

	if (!kv)
		return -ENOMEM;
	for (char **e = *env; e && *e; e++)
		if (strncmp(*e, var, len) == 0 && (*e)[len] == '=') {
			free(*e);
			*e = TAKE_PTR(kv);
			return 0;
		}
	return strv_push(env, kv);
}

/* A clean environment (or ours with --keep-env), the user's identity, then -e. */
static char **build_env(const struct attach_opts *o, const struct attach_user *u)
{
	_cleanup_strv_ char **env = NULL;
	const char *term = getenv("TERM"), *lang = getenv("LANG");
	int r = 0;

	if (o->keep_env) {
		env = strv_copy(environ);
		if (!env)
			return NULL;
	} else {
		r = r ?: env_set(&env, "PATH", DEFAULT_PATH);
		r = r ?: env_set(&env, "container", "sysc");
		if (term || isatty(STDIN_FILENO))
			r = r ?: env_set(&env, "TERM", term ? term : "linux");
		if (lang)
			r = r ?: env_set(&env, "LANG", lang);
	}
	r = r ?: env_set(&env, "HOME", u->home);
	r = r ?: env_set(&env, "USER", u->name);
	r = r ?: env_set(&env, "LOGNAME", u->name);
	for (size_t i = 0; r == 0 && o->setenv && o->setenv[i]; i++) {
		_cleanup_free_ char *var = strndup(o->setenv[i], strcspn(o->setenv[i], "="));
		r = var ? env_set(&env, var, o->setenv[i] + strlen(var) + 1) : -ENOMEM;
	}
	return r < 0 ? NULL : TAKE_PTR(env);
}

/* Become the user: groups, gid, uid (in that order), then the directory. */
static int become(const struct attach_user *u, const char *cwd)
{
	if (setgroups((size_t)u->n_groups, u->groups) < 0 ||
	    setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0)
		return log_error_errno(-errno, "cannot switch to user %s: %m", u->name);
	if (chdir(cwd ? cwd : u->home) < 0) {
		if (cwd)
			return log_error_errno(-errno, "cannot change to directory %s: %m", cwd);
		if (chdir("/") < 0)
			return -errno;
	}
	return 0;
}

/* The command, forked by the intermediate into the container's PID namespace
 * as a child of sysc-attach (CLONE_PARENT: sysc-attach waits for it, and the
 * intermediate exits at once), with nothing left to do but exec: it holds stdio and nothing else,
 * is in the container's cgroups, has the container's credentials and policy, and is not dumpable
 * (the kernel makes it dumpable again at exec, once it is the container's program). sync/go >= 0
 * only on the pids fallback, where it waits until sysc-attach has moved it into the pids cgroup. */
static _Noreturn void command(const struct attach_ctx *c, const struct attach_exec *x, int sync,
			      const int go[2])
{
	char ok;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (sync >= 0) {
		close(sync);
		close(go[1]);
		if (read(go[0], &ok, 1) != 1)
			_exit(ATTACH_EXIT_FAILURE);
		close(go[0]);
	}
	if (c->use_pty && (setsid() < 0 || ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)) {
		log_error("cannot make the terminal of %s the controlling one: %m", c->name);
		_exit(ATTACH_EXIT_FAILURE);
	}
	for (int s = 1; s < _NSIG; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	environ = x->env;
	if (x->login)
		execve(x->file, x->argv, x->env);
	else
		execvpe(x->file, x->argv, x->env);
	int err = errno;
	log_error_errno(err, "cannot execute %s in %s: %m", x->file, c->name);
	_exit(err == ENOENT ? 127 : 126);
}

/* A pty of the container's own devpts, opened with the container's
 * credentials: the master goes to sysc-attach (never to the command), the
 * slave is opened through the master (TIOCGPTPEER, no path lookup). */
static int open_container_pty(int sock, int *ret_slave)
{
	_cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0, slave, r;

	if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return log_error_errno(-errno, "cannot allocate a terminal in the container: %m");
	slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return log_error_errno(-errno, "cannot open the terminal in the container: %m");
	r = fdpass_send(sock, &(struct attach_msg){.type = MSG_MASTER}, sizeof(struct attach_msg),
			m);
	if (r < 0) {
		close(slave);
		return r;
	}
	*ret_slave = slave;
	return 0;
}

/* Identity, environment and argv of the command, resolved inside. */
static int prepare_exec(const struct attach_ctx *c, struct attach_user *u, struct attach_exec *x)
{
	const struct attach_opts *o = c->o;

	if (attach_user_lookup(o->user, u) < 0 || become(u, o->cwd) < 0)
		return -EPERM;
	x->env = build_env(o, u);
	if (!x->env)
		return -ENOMEM;
	x->argv = o->cmd;
	x->file = o->cmd ? o->cmd[0] : NULL;
	if (!x->file) {
		/* a login shell: argv[0] "-bash" */
		const char *base = strrchr(u->shell, '/');
		x->login = str_printf("-%s", base ? base + 1 : u->shell);
		if (!x->login)
			return -ENOMEM;
		x->shell_argv[0] = x->login;
		x->argv = x->shell_argv;
		x->file = u->shell;
	}
	return 0;
}

/* Close every fd above stdio but a and b (-1: none): the container's init
 * pidfd and the cgroup directories are host fds. */
static int close_all_but(int a, int b)
{
	unsigned lo = 3;
	int keep[2] = {a < b ? a : b, a < b ? b : a};

	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned)keep[i] > lo && syscall(SYS_close_range, lo, keep[i] - 1, 0) < 0)
			return -errno;
		lo = (unsigned)keep[i] + 1;
	}
	return syscall(SYS_close_range, lo, ~0U, 0) < 0 ? -errno : 0;
}

/* Enter the container: namespaces, its root's credentials (in its user
 * namespace), the policy. Still invisible: we are in the host's PID
 * namespace; only our children are born in the container's. */
static int enter_container(struct attach_ctx *c, int sync, int *ret_slave)
{
	int r;

	if (setns(c->pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
				    CLONE_NEWPID | CLONE_NEWCGROUP |
				    (c->userns ? CLONE_NEWUSER : 0)) < 0)
		return log_error_errno(-errno, "cannot enter the namespaces of %s: %m", c->name);
	r = security_apply_early(c->pol);
	if (r < 0)
		return r;
	/* in a user namespace the host's uid 0 is nobody: be its root */
	if (c->userns &&
	    (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return log_error_errno(-errno, "cannot become root of the user namespace of %s: %m",
				       c->name);
	return c->use_pty ? open_container_pty(sync, ret_slave) : 0;
}

/* The pids fallback: sysc-attach moves the command (our child) into the
 * container's pids cgroup, then it may run. */
static int pids_handover(int sync, pid_t pid, int go)
{
	struct attach_msg m = {.type = MSG_CHILD, .pid = pid};
	int r = fdpass_send(sync, &m, sizeof(m), -1);

	if (r == 0)
		r = fdpass_recv(sync, &m, sizeof(m), NULL);
	if (r == 0 && m.type != MSG_MOVED)
		r = -EBADMSG;
	if (r == 0 && write(go, "G", 1) != 1)
		r = -errno;
	return r;
}

/* The command as sysc-attach's child: the intermediate is gone as soon as
 * it exists, and sysc-attach is woken by the command's own exit. exit_signal
 * is the intermediate's (SIGCHLD); clone3 wants 0 for it with CLONE_PARENT. */
static pid_t clone_command(void)
{
	struct clone_args args = {.flags = CLONE_PARENT};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* The intermediate: cloned by sysc-attach into the container's v2 leaf,
 * never visible in the container (it stays in the host's PID namespace)
 * and never dumpable. It moves itself into the v1 cgroups (through the
 * "tasks" files sysc-attach opened: host fds, closed at once), enters the
 * container, drops every host fd, takes the container's credentials and
 * policy, and only then forks the command into the PID namespace, as
 * sysc-attach's child; it exits 0 once the command may run. */
static _Noreturn void intermediate(struct attach_ctx *c)
{
	struct attach_user u;
	struct attach_exec x = {0};
	int go[2] = {-EBADF, -EBADF}, slave = -EBADF, sync;
	char ok;
	pid_t pid;

	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	madvise(c->shared, sizeof(*c->shared), MADV_DONTFORK);
	close(c->sync[0]);
	if (cgroup_v1_join(c->cg) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	if (c->move_leaf && read(c->sync[1], &ok, 1) != 1)
		_exit(ATTACH_EXIT_FAILURE);
	if (enter_container(c, c->sync[1], &slave) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	sync = c->sync[1];
	if (close_all_but(sync, slave) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	if (prepare_exec(c, &u, &x) < 0 || security_apply_final(c->pol) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	/* a change of credentials resets it to fs.suid_dumpable, which may be 1 */
	prctl(PR_SET_DUMPABLE, 0);
	if (slave >= 0) {
		if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
			_exit(ATTACH_EXIT_FAILURE);
		close(slave);
	}
	if (c->pids_later && pipe2(go, O_CLOEXEC) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	if (!c->pids_later)
		close(sync); /* nothing leads back to sysc-attach */
	pid = clone_command();
	if (pid < 0) {
		c->shared->fork_errno = errno;
		if (errno != EAGAIN || c->pids_later)
			log_error("cannot start a process in %s: %m", c->name);
		_exit(ATTACH_EXIT_FAILURE);
	}
	if (pid == 0)
		command(c, &x, c->pids_later ? sync : -EBADF, go);
	c->shared->cmd_pid = pid;
	if (c->pids_later) {
		close(go[0]);
		if (pids_handover(sync, pid, go[1]) < 0) {
			kill(pid, SIGKILL);
			_exit(ATTACH_EXIT_FAILURE);
		}
	}
	_exit(0);
}

static void pty_resize(void *data, unsigned short rows, unsigned short cols)
{
	struct winsize ws = {.ws_row = rows, .ws_col = cols};

	ioctl(*(int *)data, TIOCSWINSZ, &ws);
}

/* Find the container's init (pidfd) and the cgroup leaf for attached processes. */
static int prepare(const struct sysc_paths *p, struct attach_ctx *c)
{
	struct state_info st;
	_cleanup_free_ char *leaf = NULL;
	int r = state_read_runtime(p, c->name, &st);

	if (r < 0)
		return log_error_errno(r, "cannot read the state of %s: %m", c->name);
	if (st.state == STATE_STOPPED) {
		log_error("container %s is not running", c->name);
		return -ESRCH;
	}
	_cleanup_free_ char *key = paths_container_key(p, c->name);
	r = key ? cgroup_open(p->cgroup_parent, key, &c->cg) : -ENOMEM;
	if (r < 0)
		return log_error_errno(r, "cannot find the cgroup of %s: %m", c->name);
	/* frozen is a fact of the cgroup (state_read() asks it the same) */
	if (st.state == STATE_FROZEN || (st.state == STATE_RUNNING && cgroup_frozen(c->cg) > 0)) {
		log_error("container %s is frozen; sysc-unfreeze %s first", c->name, c->name);
		return -EBUSY;
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, st.init_pid, 0);
	if (c->pidfd < 0 || state_proc_starttime(st.init_pid) != st.init_start) {
		log_error("container %s is not running (its init is gone)", c->name);
		return -ESRCH;
	}
	c->userns = other_userns(st.init_pid);
	/* a leaf: the container's own cgroup is an inner node (cgroup v2 lets
	 * processes live only in leaves once controllers are enabled below) */
	leaf = str_printf("%s/" ATTACH_LEAF, cgroup_v2_path(c->cg));
	if (!leaf)
		return -ENOMEM;
	/* made by the first attach */
	c->leaf_fd = open(leaf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->leaf_fd < 0 && errno == ENOENT) {
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
			return log_error_errno(-errno, "cannot create cgroup %s: %m", leaf);
		c->leaf_fd = open(leaf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (c->leaf_fd < 0)
		return log_error_errno(-errno, "cannot open cgroup %s: %m", leaf);
	return 0;
}

/* Move pid into the container's v2 leaf. Moving is not limited by pids.max. */
static int join_leaf(const struct attach_ctx *c, pid_t pid)
{
	char buf[32];
	int r;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = fileio_write_string_at(c->leaf_fd, "cgroup.procs", buf);
	if (r < 0)
		return log_error_errno(r, "cannot move a process into the cgroup of %s: %m",
				       c->name);
	return 0;
}

/* Is pid a child of parent? (The fallback's message names the command.) */
static bool child_of(pid_t pid, pid_t parent)
{
	char path[64], buf[512];
	_cleanup_close_ int fd = -EBADF;
	const char *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* "pid (comm) S ppid ..." */
	return p && p[1] == ' ' && p[2] && p[3] == ' ' && atoi(p + 4) == (int)parent;
}

/* Clone the intermediate into the v2 leaf (CLONE_INTO_CGROUP: no
 * migration), or where that is refused (e.g. EBUSY: the guest enabled
 * controllers in the leaf; EAGAIN: its pids.max is reached) outside it, to
 * be moved in by us before it goes on. */
static pid_t clone_intermediate(struct attach_ctx *c, bool into_leaf)
{
	struct clone_args args = {
		.flags = into_leaf ? CLONE_INTO_CGROUP : 0,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)c->leaf_fd,
	};
	pid_t pid;

	c->move_leaf = false;
	if (into_leaf) {
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0)
			return pid;
		log_debug("cannot clone into cgroup %s/" ATTACH_LEAF " (%m); moving instead",
			  cgroup_v2_path(c->cg));
		args.flags = 0;
		c->move_leaf = true;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Start the intermediate in the container's cgroups (on the pids fallback:
 * not the v1 pids one; with pids in the v2 leaf, none): born in the v2 leaf,
 * it moves itself into the v1 ones (cgroup.h says why). */
static int spawn(struct attach_ctx *c, pid_t *ret_pid)
{
	bool join = !c->pids_later || cgroup_v1_has_pids(c->cg);
	pid_t pid;
	int r = 0;

	if (join)
		r = c->pids_later ? cgroup_v1_join_open_except_pids(c->cg)
				  : cgroup_v1_join_open(c->cg);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0) {
		r = log_error_errno(-errno, "socketpair: %m");
		cgroup_v1_join_close(c->cg);
		return r;
	}
	pid = clone_intermediate(c, join);
	if (pid == 0)
		intermediate(c);
	r = pid < 0 ? -errno : 0;
	cgroup_v1_join_close(c->cg); /* the intermediate's copies are its own */
	if (pid < 0)
		return log_error_errno(r, "cannot create a process for %s: %m", c->name);
	CLOSE_FD(c->sync[1]);
	*ret_pid = pid;
	if (c->move_leaf) {
		r = join_leaf(c, pid);
		if (r == 0 && write(c->sync[0], "G", 1) != 1)
			r = -errno;
	}
	return r;
}

/* Serve the intermediate until it closes the socket: the pty master, and on
 * the pids fallback the one move of the command (our child, CLONE_PARENT). */
static int serve(struct attach_ctx *c, int *master)
{
	bool moved = false;

	for (;;) {
		struct attach_msg m;
		int fd = -EBADF, r = fdpass_recv(c->sync[0], &m, sizeof(m), &fd);

		if (r == -ECONNRESET)
			return 0;
		if (r < 0)
			return r;
		if (m.type == MSG_MASTER && fd >= 0 && *master < 0) {
			*master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.type != MSG_CHILD || !c->pids_later || moved || !child_of(m.pid, getpid()))
			return -EBADMSG;
		moved = true;
		r = join_leaf(c, m.pid);
		if (r == 0)
			r = cgroup_attach_v1(c->cg, m.pid);
		if (r == 0)
			r = fdpass_send(c->sync[0], &(struct attach_msg){.type = MSG_MOVED},
					sizeof(m), -1);
		if (r < 0)
			return r;
	}
}

/* Wait for the intermediate, then for the command it made our child (its
 * status is the attach's); when the intermediate failed (or kill), for
 * whatever it left. */
static int reap(struct attach_ctx *c, pid_t inter, bool kill_all)
{
	int status = 0, st;

	if (kill_all)
		kill(inter, SIGKILL);
	while (waitpid(inter, &status, 0) < 0 && errno == EINTR)
		;
	if (c->shared->cmd_pid > 0 && !kill_all && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		while (waitpid(c->shared->cmd_pid, &status, 0) < 0 && errno == EINTR)
			;
		return status;
	}
	if (c->shared->cmd_pid > 0)
		kill(c->shared->cmd_pid, SIGKILL);
	/* whatever is left (also a command the intermediate cloned but could not name) */
	while (waitpid(-1, &st, 0) > 0 || errno == EINTR)
		;
	return status;
}

/* One run: the intermediate, its terminal proxied, the command's exit status. */
static int attach_once(struct attach_ctx *c, int *ret_status)
{
	pid_t pid = 0;
	int r, status = 0, master = -EBADF;
	void (*old_int)(int), (*old_quit)(int);

	r = spawn(c, &pid);
	if (r == 0)
		r = serve(c, &master);
	old_int = signal(SIGINT, SIG_IGN);
	old_quit = signal(SIGQUIT, SIG_IGN);
	if (r == 0 && master >= 0)
		tty_proxy_run(
			&(struct tty_proxy){.peer = master, .resize = pty_resize, .data = &master});
	if (pid > 0)
		status = reap(c, pid, r < 0);
	signal(SIGINT, old_int);
	signal(SIGQUIT, old_quit);
	CLOSE_FD(master);
	CLOSE_FD(c->sync[0]);
	CLOSE_FD(c->sync[1]);
	*ret_status = status;
	return r;
}

/* The container's pids limit is reached: the command must be born outside
 * its pids cgroup and be moved in. Only where nothing else is skipped: with
 * a v1 pids hierarchy (hybrid hosts) the command is still born in every
 * other cgroup (the device policy's too); with pids in the v2 cgroup only
 * in a user namespace, where the container cannot ptrace the command before
 * its exec (not dumpable, its memory the host's). */
static int pids_fallback(struct attach_ctx *c)
{
	if (cgroup_v1_has_pids(c->cg) || c->userns) {
		c->pids_later = true;
		c->shared->fork_errno = 0;
		c->shared->cmd_pid = 0;
		return 0;
	}
	log_error("cannot start a process in %s: its pids.max is reached", c->name);
	return -EAGAIN;
}

/* Init's policy as the monitor saved it at start; where there is none (a
 * container an older sysc started) the one its config gives. */
static int load_policy(const struct sysc_paths *p, const char *name, struct security_policy **ret)
{
	_cleanup_free_ char *run = paths_container_run(p, name);
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	int r = run ? security_policy_load(run, ret) : -ENOMEM;

	if (r != -ENOENT)
		return r;
	log_debug("no saved policy for %s: building it from its config", name);
	r = store_load_conf(p, name, &conf);
	return r < 0 ? r : security_prepare(conf, ret);
}

/* fds 0-2 must be open: else a descriptor opened later takes one of their
 * numbers and would be passed to the command as its stdio. */
static int ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR); /* the lowest free number: fd */
		if (n < 0)
			return log_error_errno(-errno, "cannot open /dev/null: %m");
		if (n != fd)
			return log_error_errno(-EBADF, "stdio fd %d is not open", fd);
	}
	return 0;
}

int attach_run(const struct sysc_paths *p, const char *name, const struct attach_opts *o)
{
	struct attach_ctx c = {
		.o = o,
		.name = name,
		.pidfd = -EBADF,
		.leaf_fd = -EBADF,
		.use_pty = isatty(STDIN_FILENO),
		.sync = {-EBADF, -EBADF},
	};
	int r, status = 0;

	r = ensure_stdio();
	if (r == 0)
		r = load_policy(p, name, &c.pol);
	if (r == 0)
		r = prepare(p, &c);
	if (r == 0) {
		c.shared = mmap(NULL, sizeof(*c.shared), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (c.shared == MAP_FAILED) {
			c.shared = NULL;
			r = log_error_errno(-errno, "mmap: %m");
		}
	}
	if (r == 0)
		r = attach_once(&c, &status);
	if (r == 0 && c.shared->fork_errno == EAGAIN) {
		r = pids_fallback(&c);
		if (r == 0)
			r = attach_once(&c, &status);
	}
	if (c.shared)
		munmap(c.shared, sizeof(*c.shared));
	CLOSE_FD(c.pidfd);
	CLOSE_FD(c.leaf_fd);
	cgroup_set_free(c.cg);
	security_policy_free(c.pol);
	if (r < 0)
		return r;
	status = proc_status_to_exit(status);
	return status == ATTACH_EXIT_FAILURE ? -ECHILD : status;
}
