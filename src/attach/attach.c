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
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ATTACH_LEAF  "sysc.attach" /* the container's cgroup for attached processes */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct attach_ctx {
	const struct attach_opts *o;
	const char *name;
	int pidfd;   /* of the container's init */
	int leaf_fd; /* v2 cgroup leaf the command is moved into */
	struct cgroup_set *cg;
	struct security_policy *pol; /* the same as init's */
	bool use_pty;
	bool userns; /* init is in a user namespace of its own (unprivileged) */
	int sync[2]; /* [0] ours, [1] the child's */
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

/* The attached process: its terminal, identity, environment, then exec. */
static _Noreturn void run_command(const struct attach_ctx *c, const char *pts)
{
	const struct attach_opts *o = c->o;
	struct attach_user u;
	char **env, *shell_argv[2] = {NULL, NULL};
	char *const *argv = o->cmd;
	_cleanup_free_ char *login = NULL;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (security_apply_early(c->pol) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	if (attach_user_lookup(o->user, &u) < 0 || become(&u, o->cwd) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	env = build_env(o, &u);
	if (!env)
		_exit(ATTACH_EXIT_FAILURE);
	if (!argv || !argv[0]) {
		/* a login shell: argv[0] "-bash" */
		const char *base = strrchr(u.shell, '/');
		login = str_printf("-%s", base ? base + 1 : u.shell);
		shell_argv[0] = login;
		argv = shell_argv;
	}
	if (pts) {
		int fd;
		setsid();
		fd = open(pts, O_RDWR);
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0) {
			log_error("cannot set up the terminal %s: %m", pts);
			_exit(ATTACH_EXIT_FAILURE);
		}
		if (fd > 2)
			close(fd);
	}
	for (int s = 1; s < _NSIG; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* nothing of the host's but stdio reaches the container */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	environ = env;
	if (security_apply_final(c->pol) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	if (login)
		execve(u.shell, argv, env);
	else
		execvpe(argv[0], argv, env);
	int err = errno;
	log_error("cannot execute %s in %s: %s", login ? u.shell : argv[0], c->name, strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* A pty of the container's own devpts: master to our parent, slave's name back. */
static int open_container_pty(int sock, char *pts, size_t len)
{
	_cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0, n;

	if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0)
		return log_error_errno(-errno, "cannot allocate a terminal in the container: %m");
	snprintf(pts, len, "/dev/pts/%d", n);
	return fdpass_send(sock, "M", 1, m);
}

/* In a user namespace we are the host's uid 0, which the container's devpts
 * cannot record as the owner of a new pty: a child that became the mapped
 * root opens it, and hands the master back. (We stay uid 0 ourselves: moving
 * the command into the container's cgroup needs it.) */
static int open_container_pty_userns(int sock, char *pts, size_t len)
{
	_cleanup_close_ int m = -EBADF;
	int sp[2], n, status = 0, r;
	char c;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return log_error_errno(-errno, "socketpair: %m");
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sp[0]);
		close(sp[1]);
		return log_error_errno(r, "fork: %s", strerror(-r));
	}
	if (pid == 0) {
		char name[64];
		close(sp[0]);
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			_exit(ATTACH_EXIT_FAILURE);
		_exit(open_container_pty(sp[1], name, sizeof(name)) < 0 ? ATTACH_EXIT_FAILURE : 0);
	}
	close(sp[1]);
	r = fdpass_recv(sp[0], &c, 1, &m);
	close(sp[0]);
	waitpid(pid, &status, 0);
	if (r < 0 || m < 0)
		return log_error_errno(r < 0 ? r : -EIO,
				       "cannot allocate a terminal in the container");
	if (ioctl(m, TIOCGPTN, &n) < 0)
		return log_error_errno(-errno, "cannot allocate a terminal in the container: %m");
	snprintf(pts, len, "/dev/pts/%d", n);
	return fdpass_send(sock, "M", 1, m);
}

/* Fork the command outside the container's cgroups and move it in: moving
 * is not limited by pids.max, so a container whose pids are exhausted (a
 * fork bomb) still answers attach. Then it enters the cgroup namespace. */
static pid_t start_command(const struct attach_ctx *c, const char *pts)
{
	char buf[32], go;
	int p[2], r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		log_error("cannot start a process for %s: %m", c->name);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(ATTACH_EXIT_FAILURE);
		if (setns(c->pidfd, CLONE_NEWCGROUP) < 0) {
			log_error("cannot enter the cgroup namespace of %s: %m", c->name);
			_exit(ATTACH_EXIT_FAILURE);
		}
		run_command(c, pts);
	}
	close(p[0]);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = fileio_write_string_at(c->leaf_fd, "cgroup.procs", buf);
	if (r < 0)
		log_error("cannot move the process into the cgroup of %s: %s", c->name,
			  strerror(-r));
	if (r == 0)
		r = cgroup_attach_v1(c->cg, pid);
	if (r == 0 && write(p[1], "G", 1) != 1)
		r = -errno;
	close(p[1]);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return r;
	}
	return pid;
}

/* The first child: enters the namespaces, forks the command (which is then
 * inside the PID namespace), and exits with its status. */
static _Noreturn void intermediate(struct attach_ctx *c)
{
	char go, pts[64];
	int status;
	pid_t pid;

	close(c->sync[0]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(c->sync[1], &go, 1) != 1)
		_exit(ATTACH_EXIT_FAILURE);
	/* the cgroup namespace last: the command is moved into the container's
	 * cgroups from here first (see start_command) */
	if (setns(c->pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
				    CLONE_NEWPID | (c->userns ? CLONE_NEWUSER : 0)) < 0) {
		log_error("cannot enter the namespaces of %s: %m", c->name);
		_exit(ATTACH_EXIT_FAILURE);
	}
	if (c->use_pty && (c->userns ? open_container_pty_userns(c->sync[1], pts, sizeof(pts))
				     : open_container_pty(c->sync[1], pts, sizeof(pts))) < 0)
		_exit(ATTACH_EXIT_FAILURE);
	close(c->sync[1]);
	pid = start_command(c, c->use_pty ? pts : NULL);
	if (pid < 0)
		_exit(ATTACH_EXIT_FAILURE);
	/* while a pty is used, terminal signals go to the command, not to us */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(ATTACH_EXIT_FAILURE);
	_exit(proc_status_to_exit(status));
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
	int r = state_read(p, c->name, &st);

	if (r < 0)
		return log_error_errno(r, "cannot read the state of %s: %s", c->name, strerror(-r));
	if (st.state == STATE_STOPPED) {
		log_error("container %s is not running", c->name);
		return -ESRCH;
	}
	if (st.state == STATE_FROZEN) {
		log_error("container %s is frozen; sysc-unfreeze %s first", c->name, c->name);
		return -EBUSY;
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, st.init_pid, 0);
	if (c->pidfd < 0 || state_proc_starttime(st.init_pid) != st.init_start) {
		log_error("container %s is not running (its init is gone)", c->name);
		return -ESRCH;
	}
	c->userns = other_userns(st.init_pid);
	_cleanup_free_ char *key = paths_container_key(p, c->name);
	r = key ? cgroup_open(p->cgroup_parent, key, &c->cg) : -ENOMEM;
	if (r < 0)
		return log_error_errno(r, "cannot find the cgroup of %s: %s", c->name,
				       strerror(-r));
	/* a leaf: the container's own cgroup is an inner node (cgroup v2 lets
	 * processes live only in leaves once controllers are enabled below) */
	leaf = str_printf("%s/" ATTACH_LEAF, cgroup_v2_path(c->cg));
	if (!leaf)
		return -ENOMEM;
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return log_error_errno(-errno, "cannot create cgroup %s: %m", leaf);
	c->leaf_fd = open(leaf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->leaf_fd < 0)
		return log_error_errno(-errno, "cannot open cgroup %s: %m", leaf);
	return 0;
}

/* Start the intermediate child (it stays in our cgroups; the command does not). */
static int spawn(struct attach_ctx *c, pid_t *ret_pid)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
	};
	pid_t pid;
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return log_error_errno(-errno, "socketpair: %m");
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return log_error_errno(-errno, "cannot create a process in the cgroup of %s: %m",
				       c->name);
	if (pid == 0)
		intermediate(c);
	CLOSE_FD(c->sync[1]);
	*ret_pid = pid;
	r = 0;
	if (write(c->sync[0], "G", 1) != 1)
		r = -errno;
	return r;
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
	struct sysc_conf *conf = NULL;
	pid_t pid = 0;
	int r, status = 0, master = -EBADF;
	void (*old_int)(int), (*old_quit)(int);

	r = store_load_conf(p, name, &conf);
	if (r == 0)
		r = security_prepare(conf, &c.pol);
	conf_free(conf);
	if (r == 0)
		r = prepare(p, &c);
	if (r == 0)
		r = spawn(&c, &pid);
	if (r == 0 && c.use_pty) {
		char m;
		r = fdpass_recv(c.sync[0], &m, 1, &master);
		if (r < 0 || master < 0)
			r = r < 0 && r != -ECONNRESET ? r : -EIO; /* the child said why */
	}
	old_int = signal(SIGINT, SIG_IGN);
	old_quit = signal(SIGQUIT, SIG_IGN);
	if (r == 0 && master >= 0)
		tty_proxy_run(
			&(struct tty_proxy){.peer = master, .resize = pty_resize, .data = &master});
	if (pid > 0) {
		if (r < 0)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	signal(SIGINT, old_int);
	signal(SIGQUIT, old_quit);
	CLOSE_FD(master);
	CLOSE_FD(c.sync[0]);
	CLOSE_FD(c.sync[1]);
	CLOSE_FD(c.pidfd);
	CLOSE_FD(c.leaf_fd);
	cgroup_set_free(c.cg);
	security_policy_free(c.pol);
	if (r < 0)
		return r;
	status = proc_status_to_exit(status);
	return status == ATTACH_EXIT_FAILURE ? -ECHILD : status;
}
