/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/monitor.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "console/ring.h"
#include "lib/facts.h"
#include "lib/hooks.h"
#include "lib/idmap.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "monitor/handoff.h"
#include "monitor/keeper.h"
#include "monitor/protocol.h"
#include "monitor/spawn.h"
#include "mount/mount.h"
#include "storage/storage.h"
#include "lib/store.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/proc.h"
#include "util/strv.h"
#include "userns/userns.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_CLIENTS	 32
#define EXIT_GRACE_MS	 10  /* an init that dies this fast after exec is a start failure */
#define REBOOT_BURST_MAX 100 /* the largest init.reboot_burst */
#define STOP_REASON	 "stop-reason" /* <store>/<name>/stop-reason: why it stopped by itself */

struct monitor {
	const struct monitor_opts *o;
	const struct sysc_conf *conf;
	char *run_dir;
	char *key;	   /* paths_container_key(): cgroup name, link name hashes */
	bool run_dir_made; /* by this monitor: only then is it removed */
	char *entry;	   /* <store>/<name> */
	char *rootfs;
	char *mount_point; /* unprivileged: <run_dir>/rootfs */
	char *shifted;	   /* rootfs.shifted as it is now (a reboot does not reload) */
	const struct storage_ops *storage;
	struct storage_ctx storage_ctx;
	struct cgroup_set *cg;
	struct net_state *net;
	int console_master, console_slave;
	struct console_keeper keeper; /* holds the console should the monitor die */
	struct spawn_result init;
	int listen_fd;
	int clients[MAX_CLIENTS]; /* connected clients, -1 = free */
	int stop_waiters[MAX_CLIENTS];
	int tty_client[SPAWN_MAX_TTYS + 1]; /* attached console client per tty (0 = console), -1 */
	size_t n_stop_waiters;
	struct state_info st;
	struct console_ring ring;
	struct hooks_ctx hooks;
	struct hooks_ns ns;   /* init's namespaces, held for the stop hooks */
	bool booted;	      /* init has run since the last post_stop */
	char hook_error[200]; /* a stop hook's failure, for sysc-stop */
	int log_fd;
	/* stopping */
	bool stopping, halt_sent, killed;
	int64_t halt_next_ms;
	int64_t kill_at_ms;
	int exit_status;
	/* reboots inside within the last init.reboot_interval, oldest first */
	int64_t reboots[REBOOT_BURST_MAX];
	unsigned n_reboots;
	/* the static supervisor (handoff.h): its executable, this binary to
	 * exec back, the config files as loaded at start (memfds); -1 when the
	 * monitor stays whole */
	int sup_exe, self_exe;
	int conf_fd[3];	   /* default.conf, config, facts */
	bool net_recorded; /* resumed: the network is torn down from its record */
	bool go_static;	   /* just booted: become the supervisor */
};

static_assert(MAX_CLIENTS == HANDOFF_MAX_CLIENTS, "handoff.h");
static_assert(SPAWN_MAX_TTYS == HANDOFF_MAX_TTYS, "handoff.h");

static void set_state(struct monitor *m, enum sysc_state s)
{
	m->st.state = s;
	m->st.init_pid = m->init.pid;
	m->st.init_start = m->init.pid ? state_proc_starttime(m->init.pid) : 0;
	if (state_write(m->run_dir, m->o->paths->store_real, &m->st) < 0)
		log_warn("cannot write state of %s to %s", m->conf->name, m->run_dir);
}

static int open_console(struct monitor *m)
{
	struct termios t;

	if (openpty(&m->console_master, &m->console_slave, NULL, NULL, NULL) < 0)
		return log_error_errno(-errno, "cannot allocate a console pty: %m");
	fcntl(m->console_master, F_SETFD, FD_CLOEXEC);
	fcntl(m->console_slave, F_SETFD, FD_CLOEXEC);
	fcntl(m->console_master, F_SETFL, O_NONBLOCK);
	/* the console starts cooked with echo, like a real one */
	if (tcgetattr(m->console_slave, &t) == 0) {
		t.c_iflag |= ICRNL | IXON;
		t.c_oflag |= OPOST | ONLCR;
		t.c_lflag |= ISIG | ICANON | ECHO | ECHOE | ECHOK;
		tcsetattr(m->console_slave, TCSANOW, &t);
	}
	return 0;
}

/* The console slave for a new init: when the previous init's session ended,
 * the kernel hung up the old slave fd, so each boot opens it afresh. */
static int reopen_console_slave(struct monitor *m)
{
	char name[64];
	int fd;

	if (ptsname_r(m->console_master, name, sizeof(name)) != 0)
		return log_error_errno(-errno, "cannot find the console pty: %m");
	fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open the console pty %s: %m", name);
	CLOSE_FD(m->console_slave);
	m->console_slave = fd;
	return 0;
}

/* Forget a reaped init: its pidfd and the masters of its ttys. */
static void release_init(struct monitor *m)
{
	CLOSE_FD(m->init.pidfd);
	for (unsigned i = 0; i < m->init.n_ttys; i++)
		close(m->init.tty_masters[i]);
	memset(&m->init, 0, sizeof(m->init));
	m->init.pidfd = -EBADF;
}

static int setup_net(void *data, pid_t pid)
{
	struct monitor *m = data;

	struct net_env env;

	paths_net_env(m->o->paths, &env);
	return net_attach(m->conf, m->key, &env, pid, m->run_dir, &m->net);
}

static uint32_t net_nameserver(void *data)
{
	struct monitor *m = data;

	return net_state_nameserver(m->net);
}

/* Keep init's namespaces open when stop hooks will want them. */
static int hold_namespaces(struct monitor *m)
{
	char *const *stop = hooks_list(m->conf, HOOK_STOP);

	if (!stop || !stop[0])
		return 0;
	return hooks_ns_open(&m->ns, m->init.pid);
}

static void run_stop_hooks(struct monitor *m, enum hook_moment moment, bool reboot)
{
	struct hooks_ctx h = m->hooks;

	h.target = reboot ? "reboot" : "stop";
	h.env = moment == HOOK_STOP ? m->ns.env : NULL;
	h.error = m->hook_error[0] ? NULL : m->hook_error; /* the first failure is told */
	h.error_size = sizeof(m->hook_error);
	hooks_run(&h, moment);
}

/* Unprivileged: the container's cgroup is delegated to its root (as systemd
 * delegates: the directory and its cgroup.procs, cgroup.threads and
 * cgroup.subtree_control), and its rootfs is an idmapped mount tree. */
static int prepare_root(void *data, pid_t pid, int userns_fd)
{
	struct monitor *m = data;
	static const char *const delegated[] = {".", "cgroup.procs", "cgroup.threads",
						"cgroup.subtree_control"};
	_cleanup_close_ int entry_fd = -EBADF, cg_fd = -EBADF;
	uid_t uid;
	gid_t gid;
	int r = userns_root(m->conf, &uid, &gid);

	if (r < 0)
		return r;
	cg_fd = open(cgroup_v2_path(m->cg), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", cgroup_v2_path(m->cg));
	for (size_t i = 0; i < sizeof(delegated) / sizeof(delegated[0]); i++)
		if (fchownat(cg_fd, delegated[i], uid, gid, AT_EMPTY_PATH) < 0 && errno != ENOENT)
			return log_error_errno(-errno, "cannot delegate %s/%s to uid %u: %m",
					       cgroup_v2_path(m->cg), delegated[i], uid);
	/* nesting on a hybrid host: its v1 cgroups too, for runtimes inside */
	if (m->conf->security.nesting) {
		r = cgroup_v1_delegate(m->cg, uid, gid);
		if (r < 0)
			return r;
	}
	/* the console pty is the host's: its owner must be the container's
	 * root, or systemd inside cannot open /dev/console */
	if (fchown(m->console_slave, uid, gid) < 0)
		return log_error_errno(-errno, "cannot give the console to uid %u: %m", uid);
	entry_fd = open(m->entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (entry_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", m->entry);
	/* (backends that mount make their mounts in a private namespace) */
	int tree = storage_userns_tree(m->storage, &m->storage_ctx, entry_fd, m->entry, userns_fd,
				       uid, gid);
	bool idmapped = tree >= 0;
	if (tree < 0 && tree != -EOPNOTSUPP)
		return tree;
	/* idmapped: owners on disk must be the container's own (a store that
	 * moved, a newer kernel); if not, shifted to its range, once */
	if (!idmapped || m->shifted[0]) {
		_cleanup_close_ int plain = -EBADF;
		if (m->storage->idmapped_tree)
			r = log_error_errno(-EOPNOTSUPP,
					    "%s: rootfs.shifted is set, but the %s backend cannot "
					    "shift owners back",
					    m->conf->name, m->storage->name);
		else
			r = plain =
				storage_plain_tree(m->storage, &m->storage_ctx, entry_fd, m->entry);
		if (r >= 0)
			r = idmap_shift_rootfs(m->o->paths, m->conf, &m->shifted, plain,
					       idmapped ? NULL : m->conf->idmap,
					       idmapped ? 0 : m->conf->n_idmap);
		if (r < 0) {
			if (idmapped)
				close(tree);
			return r;
		}
		if (!idmapped)
			tree = TAKE_FD(plain);
	}
	return tree;
}

/* A privileged start of a rootfs whose owners were shifted for an
 * unprivileged one: they are put back first. */
static int unshift_rootfs(struct monitor *m)
{
	_cleanup_close_ int entry_fd = -EBADF, tree = -EBADF;

	if (userns_enabled(m->conf) || !m->shifted[0])
		return 0;
	if (m->storage->idmapped_tree) /* overlay: the walk would copy every file up */
		return log_error_errno(-EOPNOTSUPP,
				       "%s: rootfs.shifted is set, but the %s backend cannot shift "
				       "owners back",
				       m->conf->name, m->storage->name);
	entry_fd = open(m->entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (entry_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", m->entry);
	tree = storage_plain_tree(m->storage, &m->storage_ctx, entry_fd, m->entry);
	if (tree < 0)
		return tree;
	return idmap_shift_rootfs(m->o->paths, m->conf, &m->shifted, tree, NULL, 0);
}

/* Create the cgroups and start init; on failure everything made here is undone. */
/* The backend of the rootfs. */
static int prepare_storage(struct monitor *m)
{
	return store_storage(m->o->paths, m->conf->rootfs.backend, m->conf, m->conf->name,
			     &m->storage_ctx, &m->storage);
}

/* Its host-side preparation before each boot (lvm: activate the volume and
 * open its filesystem, which the child cannot do from the container's
 * device cgroup). */
static int activate_storage(struct monitor *m)
{
	_cleanup_close_ int entry_fd = -EBADF;

	if (!m->storage->activate)
		return 0;
	entry_fd = open(m->entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (entry_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", m->entry);
	return m->storage->activate(&m->storage_ctx, entry_fd);
}

/* Unprivileged: where the child mounts the idmapped rootfs, and where its
 * pre_mount and mount hooks, which run as the container's root, find it:
 * <run>/<key>/rootfs, reachable by any uid (the store is not). */
static int prepare_mount_point(struct monitor *m)
{
	if (!m->mount_point)
		m->mount_point = str_printf("%s/rootfs", m->run_dir);
	if (!m->mount_point)
		return -ENOMEM;
	if (chmod(m->run_dir, 0711) < 0 || (mkdir(m->mount_point, 0755) < 0 && errno != EEXIST))
		return log_error_errno(-errno, "cannot make %s: %m", m->mount_point);
	return 0;
}

static int boot(struct monitor *m)
{
	struct spawn_params sp = {
		.conf = m->conf,
		.rootfs = m->rootfs,
		.entry = m->entry,
		.storage = m->storage,
		.storage_ctx = &m->storage_ctx,
		.cmd = m->o->cmd,
		.host_setup = setup_net,
		.host_nameserver = net_nameserver,
		.host_data = m,
		.userns = userns_enabled(m->conf),
		.prepare_root = prepare_root,
		.run_dir = m->run_dir,
		.hooks = &m->hooks,
	};
	_cleanup_free_ char *views = NULL;
	bool init_running = false;
	int r = m->storage ? reopen_console_slave(m)
			   : log_error_errno(-ENODEV, "no storage backend for %s", m->conf->name);

	if (r == 0)
		r = mount_views_find(m->conf->name, m->conf->resources.views,
				     m->o->paths->global->lxcfs_dir, &views);
	sp.views_dir = views;
	if (r == 0 && sp.userns)
		r = prepare_mount_point(m);
	if (r < 0)
		return r;
	if (sp.userns)
		sp.rootfs = m->mount_point;
	r = hooks_run(&m->hooks, HOOK_PRE_START);
	if (r < 0)
		return r;
	sp.console_slave = m->console_slave;
	r = cgroup_create(m->o->paths->cgroup_parent, m->key, &m->cg);
	if (r < 0)
		return r;
	sp.cg = m->cg;
	m->st.started = (int64_t)time(NULL);
	r = cgroup_apply_limits(m->cg, &m->conf->cgroup);
	if (r == 0)
		r = cgroup_apply_cpu_pinning(m->cg, &m->conf->cgroup,
					     m->conf->resources.cpu_pinning, false);
	if (r == 0)
		r = activate_storage(m);
	if (r == 0)
		r = unshift_rootfs(m);
	if (r == 0)
		r = spawn_init(&sp, &m->init);
	/* the child has its own copy of what activate opened */
	storage_release(m->storage);
	if (r == 0) {
		/* an init that exits at once is a failed start, said as such */
		struct pollfd pfd = {.fd = m->init.pidfd, .events = POLLIN};
		if (poll(&pfd, 1, EXIT_GRACE_MS) == 1) {
			siginfo_t si = {0};
			waitid(P_PIDFD, (id_t)m->init.pidfd, &si, WEXITED);
			log_error("init %s of %s exited at once (%s %d)", m->o->cmd[0],
				  m->conf->name, si.si_code == CLD_EXITED ? "status" : "signal",
				  si.si_status);
			release_init(m);
			r = -ECHILD;
		}
	}
	if (r == 0) {
		init_running = true;
		r = hold_namespaces(m);
	}
	if (r < 0) {
		set_state(m, STATE_ABORTING);
		cgroup_kill_all(m->cg, 5000);
		cgroup_destroy(m->cg);
		cgroup_set_free(m->cg);
		m->cg = NULL;
		net_detach(TAKE_PTR(m->net));
		hooks_ns_close(&m->ns);
		if (init_running) { /* killed with its cgroup above */
			waitid(P_PIDFD, (id_t)m->init.pidfd, &(siginfo_t){0}, WEXITED);
			release_init(m);
		}
		return r;
	}
	m->booted = true;
	m->go_static = true;
	set_state(m, STATE_RUNNING);
	return 0;
}

/* After init is gone: kill what is left, remove the cgroups. */
static void teardown_init(struct monitor *m)
{
	if (m->cg) {
		if (cgroup_kill_all(m->cg, 10000) < 0)
			log_error("processes of %s survive SIGKILL; cgroup %s left", m->conf->name,
				  cgroup_v2_path(m->cg));
		else if (cgroup_destroy(m->cg) < 0)
			log_error("cannot remove cgroup %s", cgroup_v2_path(m->cg));
		cgroup_set_free(m->cg);
		m->cg = NULL;
	}
	net_detach(TAKE_PTR(m->net));
	if (m->net_recorded) /* attached before an exec: from its record */
		net_cleanup_stale(m->run_dir, m->conf->name);
	m->net_recorded = false;
	release_init(m);
}

/* What control_dispatch() serves from (made afresh: a reboot changes it). */
static struct control_ops ops_of(struct monitor *m)
{
	return (struct control_ops){
		.name = m->conf->name,
		.console = m->console_master,
		.ttys = m->init.tty_masters,
		.n_ttys = m->init.n_ttys,
		.tty_clients = m->tty_client,
		.ring = &m->ring,
		.pidfd = m->init.pidfd,
		.reboot_signal = m->conf->init.reboot_signal,
		.stopping = m->stopping,
		.state = m->st.state,
		.init_pid = m->init.pid,
	};
}

static void reply(int fd, struct monitor *m, int ret, const char *msg, int pass_fd)
{
	struct control_ops o = ops_of(m);

	control_reply(&o, fd, ret, msg, pass_fd);
}

/*
 * An init in a PID namespace drops signals from outside that it neither
 * catches nor blocks (systemd before its signalfd is set up). /proc cannot
 * show every way of accepting one (busybox init unblocks it inside
 * sigtimedwait), so resend until a send is seen accepted; a dropped resend is
 * harmless.
 */
#define HALT_RESEND_MS 100

static void send_halt(struct monitor *m, int sig)
{
	int64_t now = monotonic_ms();

	if (m->halt_sent || m->init.pidfd < 0 || now < m->halt_next_ms)
		return;
	bool accepted = proc_signal_accepted(m->init.pid, sig) == 1;
	if (syscall(SYS_pidfd_send_signal, m->init.pidfd, sig, NULL, 0) == 0 && accepted)
		m->halt_sent = true;
	m->halt_next_ms = now + HALT_RESEND_MS;
}

static void begin_stop(struct monitor *m, int timeout_s, bool kill_now)
{
	int64_t deadline =
		monotonic_ms() +
		(int64_t)(timeout_s > 0 ? timeout_s : (int)m->conf->init.stop_timeout) * 1000;

	if (!m->stopping) {
		m->stopping = true;
		m->halt_sent = false;
		m->halt_next_ms = 0;
		m->kill_at_ms = deadline;
		set_state(m, STATE_STOPPING);
	} else if (deadline < m->kill_at_ms) {
		m->kill_at_ms = deadline;
	}
	if (kill_now)
		m->kill_at_ms = 0;
	send_halt(m, m->conf->init.halt_signal);
}

static void handle_request(struct monitor *m, int slot)
{
	struct control_ops o = ops_of(m);
	int fd = m->clients[slot];
	struct control_request req;
	int r = control_dispatch(&o, fd, &req);

	if (r == -ECONNRESET) {
		close(fd);
		m->clients[slot] = -1;
	} else if (r == CONTROL_STOP && m->n_stop_waiters >= MAX_CLIENTS) {
		reply(fd, m, -EBUSY, "too many stop requests", -1);
	} else if (r == CONTROL_STOP) {
		/* answered once everything is cleaned up; the client stays connected */
		m->stop_waiters[m->n_stop_waiters++] = fd;
		m->clients[slot] = -1;
		begin_stop(m, req.arg, req.flags & CONTROL_F_KILL);
	}
}

static void accept_client(struct monitor *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			return;
		}
	close(fd); /* too many clients */
}

/* Init is gone: 1 to boot again (reboot inside), 0 to end. */
static int init_exited(struct monitor *m)
{
	siginfo_t si = {0};
	bool reboot;

	waitid(P_PIDFD, (id_t)m->init.pidfd, &si, WEXITED);
	/* reboot(2) in a PID namespace kills its init with SIGHUP (restart) or
	 * SIGINT (power off / halt) */
	reboot = !m->stopping && si.si_code == CLD_KILLED && si.si_status == SIGHUP;
	m->exit_status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	log_info("init of %s %s (%s %d)", m->conf->name, reboot ? "rebooted" : "exited",
		 si.si_code == CLD_EXITED ? "status" : "signal", si.si_status);
	if (!reboot && m->st.state != STATE_STOPPING)
		set_state(m, STATE_STOPPING); /* a poweroff inside: while the hooks run */
	/* the namespaces live on while the monitor holds them */
	run_stop_hooks(m, HOOK_STOP, reboot);
	hooks_ns_close(&m->ns);
	teardown_init(m);
	return reboot ? 1 : 0;
}

static int poll_timeout(const struct monitor *m)
{
	int64_t left;

	if (!m->stopping)
		return -1;
	left = m->kill_at_ms - monotonic_ms();
	if (left <= 0)
		return 0;
	if (!m->halt_sent)
		return left < HALT_RESEND_MS ? (int)left : HALT_RESEND_MS;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

enum { P_INIT, P_LISTEN, P_FIXED };

/* One round of the event loop; returns 1 to go on, 0 when init is gone for good. */
static int loop_once(struct monitor *m)
{
	struct pollfd pfd[P_FIXED + MAX_CLIENTS + 2 * (SPAWN_MAX_TTYS + 1)];
	int who[ARRAY_SIZE(pfd)];
	struct control_ops o = ops_of(m);
	nfds_t n = P_FIXED;

	pfd[P_INIT] = (struct pollfd){.fd = m->init.pidfd, .events = POLLIN};
	pfd[P_LISTEN] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] >= 0) {
			who[n] = i;
			pfd[n++] = (struct pollfd){.fd = m->clients[i], .events = POLLIN};
		}
	nfds_t ttys_from = n;
	for (unsigned t = 0; t <= m->init.n_ttys; t++) {
		/* the console is always drained (ring buffer); ttys only when watched */
		if (t == 0 || m->tty_client[t] >= 0) {
			who[n] = (int)t;
			pfd[n++] = (struct pollfd){.fd = control_tty_master(&o, (int)t),
						   .events = POLLIN};
		}
		if (m->tty_client[t] >= 0) {
			who[n] = -1 - (int)t;
			pfd[n++] = (struct pollfd){.fd = m->tty_client[t], .events = POLLIN};
		}
	}
	if (poll(pfd, n, poll_timeout(m)) < 0 && errno != EINTR)
		return log_error_errno(-errno, "poll: %m"), 0;
	if (m->stopping) {
		send_halt(m, m->conf->init.halt_signal);
		if (monotonic_ms() >= m->kill_at_ms && m->cg && !m->killed) {
			log_info("%s did not stop in time: killing it", m->conf->name);
			m->killed = true;
			cgroup_kill_all(m->cg, 5000);
		}
	}
	for (nfds_t i = ttys_from; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (who[i] >= 0)
			control_tty_drain(&o, who[i]);
		else if (m->tty_client[-1 - who[i]] >= 0)
			control_tty_input(&o, -1 - who[i]);
	}
	for (nfds_t i = P_FIXED; i < ttys_from; i++)
		if (pfd[i].revents && m->clients[who[i]] >= 0)
			handle_request(m, who[i]);
	if (pfd[P_LISTEN].revents)
		accept_client(m);
	if (pfd[P_INIT].revents)
		return init_exited(m) ? 2 : 0;
	return 1;
}

static void notify_ready(struct monitor *m, int32_t result)
{
	int fd = m->o->ready_fd;

	if (fd < 0)
		return;
	if (write(fd, &result, sizeof(result)) != sizeof(result))
		log_debug("sysc-start went away before the container was ready");
	close(fd);
}

/* From now on the monitor has no terminal: output goes to its log file. */
static void detach_stdio(const struct monitor *m)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int logfd = m->log_fd;

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(logfd >= 0 ? logfd : null, STDERR_FILENO);
		close(null);
	}
	if (logfd >= 0) {
		log_set_stderr(0);
		log_set_fd(logfd); /* timestamped lines; kept open for the monitor's life */
	}
}

/* The container's log (<store>/<name>/monitor.log) gets every message from
 * the start on, the hooks' output among them. */
static void open_log(struct monitor *m)
{
	_cleanup_free_ char *logp = str_printf("%s/monitor.log", m->entry);

	m->log_fd = logp ? open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)
			 : -1;
	if (m->log_fd >= 0) {
		log_set_fd(m->log_fd);
		log_set_rotate(logp, m->conf->monitor.log_size);
	}
}

/*
 * A reboot loop: init.reboot_burst reboots within init.reboot_interval seconds
 * already, and init rebooted again (a systemd start limit, for a machine).
 */
static bool reboot_limit_hit(struct monitor *m)
{
	unsigned burst = m->conf->init.reboot_burst, k = 0;
	int64_t now = monotonic_ms(), since = now - (int64_t)m->conf->init.reboot_interval * 1000;

	if (burst == 0)
		return false;
	for (unsigned i = 0; i < m->n_reboots; i++)
		if (m->reboots[i] > since)
			m->reboots[k++] = m->reboots[i];
	m->n_reboots = k;
	if (k >= burst || k >= REBOOT_BURST_MAX)
		return true;
	m->reboots[m->n_reboots++] = now;
	return false;
}

/* Why the container stopped without being asked, for sysc-info; written
 * before the state goes STOPPED, removed at the next start. */
static void write_stop_reason(struct monitor *m, const char *reason)
{
	_cleanup_free_ char *path = str_printf("%s/%s", m->entry, STOP_REASON);
	int r = path ? fileio_replace_at(AT_FDCWD, path, reason, strlen(reason), 0644) : -ENOMEM;

	if (r < 0)
		log_warn_errno(r, "cannot record why %s stopped in %s: %m", m->conf->name,
			       path ? path : STOP_REASON);
}

static void clear_stop_reason(struct monitor *m)
{
	_cleanup_free_ char *path = str_printf("%s/%s", m->entry, STOP_REASON);

	if (path && unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %m", path);
}

static void remove_runtime(struct monitor *m)
{
	_cleanup_free_ char *sock = str_printf("%s/%s", m->run_dir, CONTROL_SOCKET);
	_cleanup_free_ char *state = str_printf("%s/state", m->run_dir);
	_cleanup_free_ char *policy = str_printf("%s/policy", m->run_dir);

	if (!m->run_dir_made)
		return; /* someone else's (a start refused because it exists) */
	if (sock)
		unlink(sock);
	if (state)
		unlink(state);
	if (policy)
		unlink(policy);
	if (m->mount_point)
		rmdir(m->mount_point);
	if (rmdir(m->run_dir) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %m", m->run_dir);
}

static void finish(struct monitor *m)
{
	for (int t = 0; t <= SPAWN_MAX_TTYS; t++)
		CLOSE_FD(m->tty_client[t]);
	for (int i = 0; i < MAX_CLIENTS; i++)
		CLOSE_FD(m->clients[i]);
	CLOSE_FD(m->listen_fd);
	/* before the state file goes: STOPPED means the hooks are done */
	if (m->booted)
		run_stop_hooks(m, HOOK_POST_STOP, false);
	remove_runtime(m);
	/* stop requests are answered once nothing is left */
	for (size_t i = 0; i < m->n_stop_waiters; i++) {
		m->st.state = STATE_STOPPED;
		reply(m->stop_waiters[i], m, m->hook_error[0] ? -ECANCELED : 0,
		      m->hook_error[0] ? m->hook_error : NULL, -1);
		close(m->stop_waiters[i]);
	}
	keeper_stop(&m->keeper);
	CLOSE_FD(m->console_master);
	CLOSE_FD(m->console_slave);
	console_ring_done(&m->ring);
	hooks_ns_close(&m->ns);
	CLOSE_FD(m->sup_exe);
	CLOSE_FD(m->self_exe);
	for (int i = 0; i < 3; i++)
		CLOSE_FD(m->conf_fd[i]);
	free(m->run_dir);
	free(m->key);
	free(m->entry);
	free(m->rootfs);
	free(m->mount_point);
	free(m->shifted);
}

/* ---- The static supervisor (handoff.h) ---- */

/* A copy of a config file as it is now (a missing one: empty, which loads
 * the same); -errno. */
static int conf_copy(const char *path)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = path ? fileio_read_at(AT_FDCWD, path, &data, &len) : -ENOENT;

	if (r < 0 && r != -ENOENT)
		return r;
	return fileio_memfd("sysc-config", r < 0 ? "" : data, r < 0 ? 0 : len);
}

/*
 * After the handoff the network is torn down from its record
 * (net_cleanup_stale), which does what net_detach does only for veths on
 * bridges that outlive the container: physical and macvlan links are given
 * back or removed through the container's namespace while it lives, and an
 * on-demand bridge (create = true) by what the live state knows. A
 * container with any of those keeps its whole monitor.
 */
static bool net_record_suffices(const struct sysc_conf *c)
{
	for (size_t i = 0; i < c->n_network; i++) {
		const struct conf_net *n = &c->network[i];
		if (!n->type || !strcmp(n->type, "phys") || !strcmp(n->type, "macvlan") ||
		    n->create_link)
			return false;
	}
	return true;
}

/* Ready to become the supervisor once RUNNING: its executable, ours, and
 * the config files as loaded (a reboot after the handoff uses them). Without
 * the executable the monitor stays whole, as before. */
static void handoff_prepare(struct monitor *m)
{
	const struct sysc_paths *p = m->o->paths;
	_cleanup_free_ char *cfg = paths_container_config(p, m->conf->name);
	_cleanup_free_ char *facts = cfg ? facts_file_of(cfg) : NULL;
	const char *files[3] = {p->default_conf, cfg, facts};

	if (m->o->foreground)
		return;
	if (!net_record_suffices(m->conf)) {
		log_debug("%s has a physical, macvlan or on-demand bridge link: its monitor stays "
			  "whole",
			  m->conf->name);
		return;
	}
	m->sup_exe = handoff_find_supervisor();
	if (m->sup_exe < 0) {
		log_debug("no %s executable: the monitor of %s stays whole", SUPERVISOR_EXE,
			  m->conf->name);
		return;
	}
	m->self_exe = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	for (int i = 0; i < 3 && m->self_exe >= 0; i++)
		if (!files[i] || (m->conf_fd[i] = conf_copy(files[i])) < 0) {
			CLOSE_FD(m->self_exe);
			break;
		}
	if (m->self_exe < 0) {
		log_warn("cannot prepare the supervisor of %s: the monitor stays whole",
			 m->conf->name);
		CLOSE_FD(m->sup_exe);
	}
}

/* The full monitor's own record (what the supervisor does not use), NUL-
 * separated KEY=VALUE words in a memfd. */
static int record_add(char **buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int record_add(char **buf, size_t *len, const char *fmt, ...)
{
	_cleanup_free_ char *w = NULL;
	va_list ap;
	char *nb;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&w, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	nb = realloc(*buf, *len + (size_t)n + 1);
	if (!nb)
		return -ENOMEM;
	memcpy(nb + *len, w, (size_t)n + 1);
	*buf = nb;
	*len += (size_t)n + 1;
	return 0;
}

/* The mount namespace of a process (its inode), 0 if unknown. */
static ino_t mnt_ns_of(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int record_write(const struct monitor *m)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	const struct hooks_ns *ns = &m->ns;
	int r = record_add(&buf, &len, "store=%s", m->o->paths->store);

	r = r ?: record_add(&buf, &len, "name=%s", m->conf->name);
	for (char *const *c = m->o->cmd; r == 0 && *c; c++)
		r = record_add(&buf, &len, "cmd=%s", *c);
	r = r ?: record_add(&buf, &len, "shifted=%s", m->shifted);
	r = r ?: record_add(&buf, &len, "run_dir_made=%d", m->run_dir_made);
	r = r ?: record_add(&buf, &len, "mount_point=%d", m->mount_point != NULL);
	r = r ?: record_add(&buf, &len, "booted=%d", m->booted);
	r = r ?: record_add(&buf, &len, "started=%lld", (long long)m->st.started);
	r = r ?: record_add(&buf, &len, "net=%d", m->net != NULL || m->net_recorded);
	/* storage_private_ns() was called (the keeper, forked before any boot,
	 * is in the namespace the monitor started in) */
	r = r
		    ?: record_add(&buf, &len, "private_ns=%d",
				  m->keeper.pid > 0 &&
					  mnt_ns_of(getpid()) != mnt_ns_of(m->keeper.pid));
	r = r ?: record_add(&buf, &len, "slave=%d", m->console_slave);
	r = r ?: record_add(&buf, &len, "keeper=%d,%d", (int)m->keeper.pid, m->keeper.hold_fd);
	r = r ?: record_add(&buf, &len, "sup=%d", m->sup_exe);
	r = r
		    ?: record_add(&buf, &len, "conf=%d,%d,%d", m->conf_fd[0], m->conf_fd[1],
				  m->conf_fd[2]);
	r = r
		    ?: record_add(&buf, &len, "ns=%d,%d,%d,%d,%d,%d", ns->fd[0], ns->fd[1],
				  ns->fd[2], ns->fd[3], ns->fd[4], ns->fd[5]);
	for (unsigned i = 0; r == 0 && i < m->n_reboots; i++)
		r = r ?: record_add(&buf, &len, "reboot=%lld", (long long)m->reboots[i]);
	if (r < 0)
		return r;
	return fileio_memfd("sysc-monitor", buf, len);
}

/* The descriptors of the record, kept (or not) across exec. */
static int record_fds_cloexec(const struct monitor *m, bool cloexec)
{
	int fds[] = {m->console_slave, m->keeper.hold_fd, m->sup_exe,  m->conf_fd[0],
		     m->conf_fd[1],    m->conf_fd[2],	  m->ns.fd[0], m->ns.fd[1],
		     m->ns.fd[2],      m->ns.fd[3],	  m->ns.fd[4], m->ns.fd[5]};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0 && fcntl(fds[i], F_SETFD, cloexec ? FD_CLOEXEC : 0) < 0)
			return -errno;
	return 0;
}

static void handoff_fill(const struct monitor *m, struct handoff *h)
{
	handoff_init(h);
	h->exe = m->self_exe;
	h->listen = m->listen_fd;
	h->pidfd = m->init.pidfd;
	h->pid = m->init.pid;
	h->console = m->console_master;
	h->n_ttys = m->init.n_ttys;
	memcpy(h->ttys, m->init.tty_masters, sizeof(int) * m->init.n_ttys);
	memcpy(h->tty_clients, m->tty_client, sizeof(m->tty_client));
	memcpy(h->clients, m->clients, sizeof(m->clients));
	h->ring_cap = m->ring.cap;
	h->log = m->ring.log_path;
	h->log_max = m->ring.log_max;
	h->reboot_sig = m->conf->init.reboot_signal;
	h->name = m->conf->name;
}

/* RUNNING: become the static supervisor (same pid); returns only when that
 * failed, and the monitor then stays whole. */
static void become_supervisor(struct monitor *m)
{
	struct handoff h;
	char **argv = NULL;
	int r;

	handoff_fill(m, &h);
	h.monitor = record_write(m);
	r = h.monitor;
	if (r >= 0)
		r = h.ring = console_ring_memfd(&m->ring, "sysc-console-ring");
	/* nothing but what the handoff names survives the exec */
	if (r >= 0 && syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		r = -errno;
	if (r >= 0)
		r = handoff_keep_fds(&h);
	if (r >= 0)
		r = record_fds_cloexec(m, false);
	if (r >= 0) {
		argv = handoff_argv(&h, SUPERVISOR_EXE, "supervise");
		if (!argv)
			r = -ENOMEM;
	}
	if (r >= 0) {
		syscall(SYS_execveat, m->sup_exe, "", argv, environ, AT_EMPTY_PATH);
		r = -errno;
	}
	log_warn_errno(r, "cannot exec %s for %s (the monitor stays whole): %m", SUPERVISOR_EXE,
		       m->conf->name);
	handoff_argv_free(argv);
	/* nothing of this may leak into hooks: every fd back to close-on-exec */
	h.monitor >= 0 ? close(h.monitor) : 0;
	h.ring >= 0 ? close(h.ring) : 0;
	h.monitor = h.ring = -1;
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	CLOSE_FD(m->sup_exe);
}

/* What monitor_resume() reads back from the record. */
struct resume_rec {
	const char *store, *name, *shifted;
	char **cmd;
	bool run_dir_made, mount_point, booted, net, private_ns;
	int64_t started;
	int slave, keeper_fd, sup, conf[3], ns[HOOKS_N_NS];
	pid_t keeper_pid;
	int64_t reboots[REBOOT_BURST_MAX];
	unsigned n_reboots;
};

static int parse_ints(const char *s, int *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *end;
		long x = strtol(s, &end, 10);
		if (end == s || (*end != (i + 1 < n ? ',' : '\0')))
			return -EINVAL;
		v[i] = (int)x;
		s = end + (i + 1 < n);
	}
	return 0;
}

/* data: the record's words (kept: rec points into it) */
static int record_parse(char *data, size_t len, struct resume_rec *rec)
{
	int r = 0;

	for (char *w = data, *next; r == 0 && w < data + len; w = next) {
		char *v = strchr(w, '=');
		int kp[2];
		next = w + strlen(w) + 1;
		if (!v)
			return -EINVAL;
		*v++ = '\0';
		if (!strcmp(w, "store"))
			rec->store = v;
		else if (!strcmp(w, "name"))
			rec->name = v;
		else if (!strcmp(w, "shifted"))
			rec->shifted = v;
		else if (!strcmp(w, "cmd"))
			r = strv_push(&rec->cmd, v);
		else if (!strcmp(w, "run_dir_made"))
			rec->run_dir_made = *v == '1';
		else if (!strcmp(w, "mount_point"))
			rec->mount_point = *v == '1';
		else if (!strcmp(w, "booted"))
			rec->booted = *v == '1';
		else if (!strcmp(w, "net"))
			rec->net = *v == '1';
		else if (!strcmp(w, "private_ns"))
			rec->private_ns = *v == '1';
		else if (!strcmp(w, "started"))
			rec->started = strtoll(v, NULL, 10);
		else if (!strcmp(w, "slave"))
			r = parse_ints(v, &rec->slave, 1);
		else if (!strcmp(w, "sup"))
			r = parse_ints(v, &rec->sup, 1);
		else if (!strcmp(w, "keeper") && (r = parse_ints(v, kp, 2)) == 0) {
			rec->keeper_pid = kp[0];
			rec->keeper_fd = kp[1];
		} else if (!strcmp(w, "conf"))
			r = parse_ints(v, rec->conf, 3);
		else if (!strcmp(w, "ns"))
			r = parse_ints(v, rec->ns, HOOKS_N_NS);
		else if (!strcmp(w, "reboot") && rec->n_reboots < REBOOT_BURST_MAX)
			rec->reboots[rec->n_reboots++] = strtoll(v, NULL, 10);
		else if (strcmp(w, "reboot"))
			return -EINVAL;
	}
	if (r == 0 && (!rec->store || !rec->name || !rec->shifted || !rec->cmd))
		r = -EINVAL;
	return r;
}

static int read_memfd(int fd, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf;

	if (fstat(fd, &st) < 0)
		return -errno;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return -EIO;
	}
	buf[st.st_size] = '\0';
	*ret = buf;
	*ret_len = (size_t)st.st_size;
	return 0;
}

/* The config as loaded at start, from the record's memfds. */
static int resume_conf(const struct resume_rec *rec, struct sysc_conf **ret)
{
	char f[3][32];
	int r;

	for (int i = 0; i < 3; i++)
		snprintf(f[i], sizeof(f[i]), "/proc/self/fd/%d", rec->conf[i]);
	r = conf_load_facts(f[0], f[1], f[2], ret);
	if (r == 0 && strcmp((*ret)->name, rec->name) != 0)
		r = log_error_errno(-EINVAL, "the config handed back names %s, not %s",
				    (*ret)->name, rec->name);
	return r;
}

static int monitor_setup(struct monitor *m)
{
	const struct sysc_paths *p = m->o->paths;
	_cleanup_free_ char *console_log = str_printf("%s/%s/console.log", p->store, m->conf->name);
	int r;

	m->run_dir = paths_container_run(p, m->conf->name);
	m->key = paths_container_key(p, m->conf->name);
	m->rootfs = paths_container_rootfs(p, m->conf->name);
	m->entry = paths_container_dir(p, m->conf->name);
	m->shifted = strdup(m->conf->rootfs.shifted ? m->conf->rootfs.shifted : "");
	if (!m->run_dir || !m->key || !m->rootfs || !m->entry || !m->shifted || !console_log)
		return -ENOMEM;
	m->hooks = (struct hooks_ctx){.store = p->store, .conf = m->conf, .entry = m->entry};
	open_log(m);
	clear_stop_reason(m);
	r = prepare_storage(m);
	if (r < 0)
		return r;
	r = fileio_mkdir_p(p->run, 0755);
	if (r == 0 && mkdir(m->run_dir, 0700) < 0)
		r = -errno;
	m->run_dir_made = r == 0;
	if (r < 0)
		return log_error_errno(r, "cannot create runtime directory %s: %m", m->run_dir);
	m->listen_fd = control_listen(m->run_dir);
	if (m->listen_fd < 0)
		return log_error_errno(m->listen_fd, "cannot create control socket in %s: %m",
				       m->run_dir);
	r = console_ring_init(&m->ring, m->conf->console.buffer, console_log,
			      m->conf->console.log_size);
	if (r < 0)
		return r;
	r = open_console(m);
	if (r == 0) {
		handoff_prepare(m);
		r = keeper_start(&m->keeper, m->console_master, m->sup_exe, m->run_dir, console_log,
				 m->conf->console.log_size);
	}
	if (r < 0)
		return r;
	m->st.monitor_pid = getpid();
	m->st.monitor_start = state_proc_starttime(getpid());
	set_state(m, STATE_STARTING);
	return 0;
}

static void monitor_init(struct monitor *m, const struct monitor_opts *o)
{
	*m = (struct monitor){
		.o = o,
		.conf = o->conf,
		.console_master = -EBADF,
		.console_slave = -EBADF,
		.keeper = {.hold_fd = -EBADF},
		.listen_fd = -EBADF,
		.log_fd = -EBADF,
		.sup_exe = -EBADF,
		.self_exe = -EBADF,
		.conf_fd = {-EBADF, -EBADF, -EBADF},
	};
	m->init.pidfd = -EBADF;
	hooks_ns_init(&m->ns);
	for (int i = 0; i < MAX_CLIENTS; i++)
		m->clients[i] = -1;
	for (int t = 0; t <= SPAWN_MAX_TTYS; t++)
		m->tty_client[t] = -1;
	signal(SIGPIPE, SIG_IGN);
}

/* The event loop until the container is stopped and cleaned; exit status. */
static int monitor_loop(struct monitor *m)
{
	int r;

	for (;;) {
		if (m->go_static && !m->stopping) {
			m->go_static = false;
			if (m->sup_exe >= 0)
				become_supervisor(m);
		}
		r = loop_once(m);
		if (r == 1)
			continue;
		if (r == 0)
			break;
		if (reboot_limit_hit(m)) {
			char reason[160];
			snprintf(
				reason, sizeof(reason),
				"reboot loop: more than %u reboots within %u s (init.reboot_burst, "
				"init.reboot_interval)",
				m->conf->init.reboot_burst, m->conf->init.reboot_interval);
			log_error("%s: %s; stopped instead of rebooted", m->conf->name, reason);
			set_state(m, STATE_STOPPING);
			write_stop_reason(m, reason);
			break;
		}
		/* reboot inside: same monitor, console and clients; new init and cgroups */
		run_stop_hooks(m, HOOK_POST_STOP, true);
		m->booted = false;
		set_state(m, STATE_STARTING);
		if (boot(m) < 0) {
			log_error("reboot of %s failed; stopping", m->conf->name);
			break;
		}
	}
	r = m->exit_status;
	finish(m);
	return m->o->foreground ? r : 0;
}

int monitor_run(const struct monitor_opts *o)
{
	struct monitor m;
	int r;

	monitor_init(&m, o);
	r = monitor_setup(&m);
	if (r == 0)
		r = boot(&m);
	if (r < 0) {
		if (m.run_dir)
			finish(&m);
		notify_ready(&m, r);
		return 1;
	}
	notify_ready(&m, 0);
	if (!o->foreground)
		detach_stdio(&m);
	return monitor_loop(&m);
}

/* The monitor's state from the handoff and its record (everything that
 * monitor_setup() and boot() made); -errno. */
static int resume_adopt(struct monitor *m, const struct handoff *h, struct resume_rec *rec)
{
	const struct sysc_paths *p = m->o->paths;
	struct stat st;
	int r;

	m->run_dir = paths_container_run(p, m->conf->name);
	m->key = paths_container_key(p, m->conf->name);
	m->rootfs = paths_container_rootfs(p, m->conf->name);
	m->entry = paths_container_dir(p, m->conf->name);
	m->shifted = strdup(rec->shifted);
	if (rec->mount_point)
		m->mount_point = m->run_dir ? str_printf("%s/rootfs", m->run_dir) : NULL;
	if (!m->run_dir || !m->key || !m->rootfs || !m->entry || !m->shifted ||
	    (rec->mount_point && !m->mount_point))
		return -ENOMEM;
	m->hooks = (struct hooks_ctx){.store = p->store, .conf = m->conf, .entry = m->entry};
	open_log(m);
	detach_stdio(m);
	m->run_dir_made = rec->run_dir_made;
	m->booted = rec->booted;
	m->net_recorded = rec->net;
	m->st.started = rec->started;
	m->st.monitor_pid = getpid();
	m->st.monitor_start = state_proc_starttime(getpid());
	m->st.state = STATE_RUNNING;
	memcpy(m->reboots, rec->reboots, sizeof(m->reboots));
	m->n_reboots = rec->n_reboots;
	m->listen_fd = h->listen;
	m->console_master = h->console;
	m->console_slave = rec->slave;
	m->keeper.pid = rec->keeper_pid;
	m->keeper.hold_fd = rec->keeper_fd;
	m->sup_exe = rec->sup;
	m->self_exe = h->exe;
	memcpy(m->conf_fd, rec->conf, sizeof(m->conf_fd));
	m->init.pid = h->pid;
	m->init.pidfd = h->pidfd;
	m->init.n_ttys = h->n_ttys;
	memcpy(m->init.tty_masters, h->ttys, sizeof(int) * h->n_ttys);
	memcpy(m->tty_client, h->tty_clients, sizeof(int) * (h->n_ttys + 1));
	memcpy(m->clients, h->clients, sizeof(m->clients));
	r = hooks_ns_adopt(&m->ns, rec->ns);
	if (r < 0)
		return r;
	r = console_ring_init(&m->ring, h->ring_cap, h->log, h->log_max);
	if (r == 0 && h->ring >= 0 && fstat(h->ring, &st) == 0 && st.st_size > 0) {
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		if (read_memfd(h->ring, &data, &len) == 0)
			console_ring_load(&m->ring, data, len);
	}
	if (r < 0)
		return r;
	if (cgroup_open(p->cgroup_parent, m->key, &m->cg) < 0)
		log_error("cannot open the cgroups of %s: they are left", m->conf->name);
	/* a reboot boots from the same backend */
	if (prepare_storage(m) < 0)
		m->storage = NULL;
	return 0;
}

int monitor_resume(int argc, char **argv)
{
	_cleanup_free_ char *data = NULL;
	struct resume_rec rec = {.slave = -1, .keeper_fd = -1, .sup = -1};
	struct sysc_paths *p = NULL;
	struct sysc_conf *conf = NULL;
	struct monitor_opts o = {.ready_fd = -1};
	struct monitor m;
	struct handoff h;
	size_t len = 0;
	int r = -EINVAL;

	/* named as before the handoff, in its log and in ps */
	log_set_program("sysc-start");
	prctl(PR_SET_NAME, "sysc-monitor");
	if (argc < 1 || handoff_parse(argv + 1, &h) < 0 || read_memfd(h.monitor, &data, &len) < 0 ||
	    record_parse(data, len, &rec) < 0) {
		fprintf(stderr, "%s: started by the sysc monitor only\n", argv[0]);
		return 2;
	}
	/* Back in the private mount namespace a backend made (storage.h), once
	 * more: a later storage_private_ns() must not leave this one, where the
	 * fds opened from now on (the console for a reboot) have their mounts. */
	r = rec.private_ns ? storage_private_ns() : 0;
	/* the same store (and the environment it was found with, kept) */
	if (r == 0)
		r = paths_load(rec.store, &p);
	if (r == 0)
		r = resume_conf(&rec, &conf);
	o.paths = p;
	o.conf = conf;
	o.cmd = rec.cmd;
	monitor_init(&m, &o);
	if (r == 0)
		r = resume_adopt(&m, &h, &rec);
	/* what was kept across exec goes back to close-on-exec: no hook gets it */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (h.ring >= 0)
		close(h.ring);
	close(h.monitor);
	if (r < 0) {
		/* init runs on; the keeper drains its console, and the next
		 * sysc-stop cleans up after it as after a monitor crash */
		log_error_errno(r, "cannot resume the monitor of %s: %m", rec.name);
		return 1;
	}
	if (h.event == HANDOFF_STOP) {
		m.stop_waiters[m.n_stop_waiters++] = h.stop_fd;
		begin_stop(&m, h.stop_timeout, h.stop_kill);
	}
	r = monitor_loop(&m);
	conf_free(conf);
	paths_free(p);
	strv_free(rec.cmd);
	return r;
}
