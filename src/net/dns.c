/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One dnsmasq per managed bridge, kept running by a supervisor of sysc's.
 *
 * net_dns_ensure() forks (twice, so it belongs to no command or monitor)
 * "sysc-dns BRIDGE": it runs dnsmasq in the foreground, restarts it when it
 * dies (after 0.1 s, doubling up to 5 s while it keeps dying young), passes
 * SIGHUP on, stops it on SIGTERM; when the bridge is gone (deleted, or
 * renamed: an rtnetlink message about the ifindex it started with, so also a
 * bridge deleted and made again under its name) it stops it, removes
 * <run>/net/BRIDGE and exits at once.
 *
 * Deleting the last name of the bridge's network namespace (ip netns del)
 * does not stop it, and nothing could tell it to: the supervisor and
 * dnsmasq are in that namespace (dnsmasq must be, for its sockets), so they
 * keep it, and with it the bridge, alive: the bridge is never deleted, and
 * the kernel says nothing when the other references go (a name is a mount
 * in any mount namespace, an open fd, or another process in it; none can
 * be counted from here). `sysc-net delete` before deleting the namespace,
 * or deleting the bridge through the supervisor's namespace (nsenter -t
 * PID -n ip link del BRIDGE), ends both.
 *
 * A killed supervisor leaves its dnsmasq serving (PR_SET_PDEATHSIG would not
 * survive dnsmasq's change of user); the next net_dns_ensure() or net_dns_host_add() (each
 * container start on the bridge) finds no supervisor, stops that dnsmasq by its pid file and starts
 * both again from the saved configuration. Changes go through <run>/.locks/.net-BRIDGE. */
#include "net/dns.h"
#include "net/nl.h"
#include "lib/state.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/name.h"
#include "util/strv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DNSMASQ	       "/usr/sbin/dnsmasq"
#define DNS_DOMAIN     "sysc"
#define DNS_USER       "nobody"
#define READY_WAIT_MS  5000
#define STOP_WAIT_MS   5000
#define RESTART_MIN_MS 100
#define RESTART_MAX_MS 5000
#define RAN_LONG_MS    10000
#define LEASE_TIME     "1h"

struct saved_bridge {
	char name[IF_NAMESIZE];
	char domain[254];
	char addr4[64];
	char addr6[64];
};

static char *dns_dir(const char *run_dir, const char *bridge)
{
	return str_printf("%s/net/%s", run_dir, bridge);
}

static bool bridge_name_ok(const char *s)
{
	return s && *s && strlen(s) < IF_NAMESIZE && !strpbrk(s, "/: \t\n") && strcmp(s, ".") &&
	       strcmp(s, "..");
}

/* <run>/.locks/.net-BRIDGE, held until the fd is closed; how: LOCK_EX, or
 * LOCK_EX | LOCK_NB for -EWOULDBLOCK (not logged) when it is taken */
static int dns_lock(const char *run_dir, const char *bridge, int how)
{
	_cleanup_free_ char *dir = str_printf("%s/.locks", run_dir);
	_cleanup_free_ char *path = str_printf("%s/.locks/.net-%s", run_dir, bridge);
	int fd, r;

	if (!dir || !path)
		return -ENOMEM;
	r = fileio_mkdir_p(run_dir, 0755); /* as the monitor makes it */
	if (r == 0)
		r = fileio_mkdir_p(dir, 0700);
	if (r < 0)
		return log_error_errno(r, "cannot create %s: %m", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", path);
	if (flock(fd, how) < 0) {
		r = -errno;
		close(fd);
		return r == -EWOULDBLOCK ? r : log_error_errno(r, "cannot lock %s: %m", path);
	}
	return fd;
}

/* "a.b.c.d[/len]" -> address text without the length; false if invalid */
static bool addr_text(const char *s, int family, char *ret, size_t size, unsigned *ret_len)
{
	unsigned char buf[16];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t n = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
	char *end;

	if (!s || n == 0 || n >= size)
		return false;
	memcpy(ret, s, n);
	ret[n] = '\0';
	if (inet_pton(family, ret, buf) != 1)
		return false;
	if (ret_len) {
		unsigned long len = slash ? strtoul(slash + 1, &end, 10) : 0;
		if (!slash || *end || end == slash + 1 || len > (family == AF_INET ? 32u : 128u))
			return false;
		*ret_len = (unsigned)len;
	}
	return true;
}

/* the network of addr/len, as text */
static void network_text(int family, const char *addr, unsigned len, char *ret, size_t size)
{
	unsigned char b[16];

	inet_pton(family, addr, b);
	for (unsigned i = 0; i < (family == AF_INET ? 4u : 16u); i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;
		if (bits < 8)
			b[i] &= (unsigned char)(0xff00 >> bits);
	}
	inet_ntop(family, b, ret, (socklen_t)size);
}

/* dnsmasq drops to nobody when that user can read <dir> (every directory
 * above it searchable by others, as /run/sysc is); root else. */
static bool reachable_by_others(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (!realpath(dir, path))
		return false;
	for (char *p = path + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (stat(path, &st) < 0 || !(st.st_mode & S_IXOTH))
			return false;
		*p = c;
		if (c == '\0')
			return true;
	}
}

static int upstream_servers(const char *own4, const char *own6, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512], addr[INET6_ADDRSTRLEN + 1];
	size_t len = 0;
	char *s = NULL;
	FILE *m = open_memstream(&s, &len);

	if (!m)
		return -ENOMEM;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned char b[16];
		if (sscanf(line, " nameserver %46s", addr) != 1)
			continue;
		/* not itself; a scoped address needs a syntax of its own: skipped */
		if ((own4 && !strcmp(addr, own4)) || (own6 && !strcmp(addr, own6)))
			continue;
		if (inet_pton(AF_INET, addr, b) == 1 || inet_pton(AF_INET6, addr, b) == 1)
			fprintf(m, "server=%s\n", addr);
	}
	if (fclose(m) != 0) {
		free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

static int render_conf(const char *dir, const struct saved_bridge *b, char **ret)
{
	char a4[INET_ADDRSTRLEN + 1] = "", a6[INET6_ADDRSTRLEN + 1] = "";
	char net[INET6_ADDRSTRLEN + 1];
	_cleanup_free_ char *servers = NULL;
	unsigned len4 = 0, len6 = 0;
	uint32_t mask;
	bool has4 = *b->addr4, has6 = *b->addr6;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	size_t size = 0;
	char *s = NULL;
	FILE *m;
	int r;

	if ((has4 && !addr_text(b->addr4, AF_INET, a4, sizeof(a4), &len4)) ||
	    (has6 && !addr_text(b->addr6, AF_INET6, a6, sizeof(a6), &len6)))
		return log_error_errno(-EINVAL, "invalid address of bridge %s: \"%s\"", b->name,
				       has4 && !*a4 ? b->addr4 : b->addr6);
	r = upstream_servers(has4 ? a4 : NULL, has6 ? a6 : NULL, &servers);
	if (r < 0)
		return r;
	if (reachable_by_others(dir) && (pw = getpwnam(DNS_USER)))
		gr = getgrgid(pw->pw_gid);
	m = open_memstream(&s, &size);
	if (!m)
		return -ENOMEM;
	fprintf(m,
		"# written by sysc for bridge %s (net_dns_ensure); changes are overwritten\n"
		"interface=%s\nexcept-interface=lo\nbind-dynamic\n"
		"pid-file=%s/dnsmasq.pid\nuser=%s\n",
		b->name, b->name, dir, pw && gr ? pw->pw_name : "root");
	if (pw && gr)
		fprintf(m, "group=%s\n", gr->gr_name);
	fprintf(m,
		"no-hosts\nno-resolv\nstrict-order\nno-negcache\ndomain-needed\n%s"
		"domain=%s\nlocal=/%s/\nhostsdir=%s/hosts.d\n",
		servers ? servers : "", b->domain, b->domain, dir);
	if (has4) {
		network_text(AF_INET, a4, len4, net, sizeof(net));
		mask = len4 ? 0xffffffffu << (32 - len4) : 0;
		fprintf(m,
			"dhcp-range=%s,static,%u.%u.%u.%u,%s\ndhcp-hostsdir=%s/dhcp.d\n"
			"dhcp-leasefile=%s/leases\ndhcp-authoritative\n",
			net, mask >> 24, mask >> 16 & 0xff, mask >> 8 & 0xff, mask & 0xff,
			LEASE_TIME, dir, dir);
	}
	if (has6 && len6 == 64) {
		network_text(AF_INET6, a6, len6, net, sizeof(net));
		fprintf(m, "enable-ra\ndhcp-range=%s,ra-only,64,%s\n", net, LEASE_TIME);
	} else if (has6) {
		log_warn("bridge %s: router advertisements need a /64 (%s): none sent", b->name,
			 b->addr6);
	}
	fputs("quiet-dhcp\nquiet-ra\nlog-facility=-\n", m);
	if (fclose(m) != 0) {
		free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

/* ---------------------------------------------------------- supervisor */

/* <run>/net, once its last bridge is gone */
static void rmdir_net(const char *run_dir)
{
	_cleanup_free_ char *net = str_printf("%s/net", run_dir);

	if (net)
		rmdir(net);
}

static pid_t read_pid_file(const char *path, uint64_t *ret_start)
{
	_cleanup_free_ char *data = NULL;
	unsigned long long start = 0;
	size_t len;
	int pid = 0;

	if (fileio_read_at(AT_FDCWD, path, &data, &len) < 0)
		return 0;
	if (sscanf(data, "%d %llu", &pid, &start) < 1 || pid <= 1)
		return 0;
	if (ret_start)
		*ret_start = start;
	return pid;
}

/* the supervisor's pid when it runs (pid and start time match), else 0 */
static pid_t supervisor_pid(const char *dir)
{
	_cleanup_free_ char *path = str_printf("%s/supervisor.pid", dir);
	uint64_t start = 0;
	pid_t pid = path ? read_pid_file(path, &start) : 0;

	if (pid > 0 && kill(pid, 0) == 0 && state_proc_starttime(pid) == start)
		return pid;
	return 0;
}

/* dnsmasq's pid when its pid file names a live dnsmasq, else 0 */
static pid_t dnsmasq_pid(const char *dir)
{
	_cleanup_free_ char *path = str_printf("%s/dnsmasq.pid", dir);
	_cleanup_free_ char *comm_path = NULL, *comm = NULL;
	pid_t pid = path ? read_pid_file(path, NULL) : 0;
	size_t len;

	if (pid <= 0 || !(comm_path = str_printf("/proc/%d/comm", (int)pid)))
		return 0;
	if (fileio_read_at(AT_FDCWD, comm_path, &comm, &len) < 0 || strcmp(comm, "dnsmasq\n"))
		return 0;
	return pid;
}

static pid_t spawn_dnsmasq(const char *dir)
{
	_cleanup_free_ char *conf = str_printf("--conf-file=%s/dnsmasq.conf", dir);
	pid_t pid;
	sigset_t none;

	if (!conf)
		return -ENOMEM;
	pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execl(DNSMASQ, "dnsmasq", "--keep-in-foreground", conf, (char *)NULL);
	log_error_errno(-errno, "cannot run " DNSMASQ ": %m");
	_exit(127);
}

static void supervise_setup(const char *dir, const char *bridge)
{
	_cleanup_free_ char *log_path = str_printf("%s/dnsmasq.log", dir);
	int fd = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char title[32] /* (the kernel keeps its first 15 characters) */;

	if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(1);
	syscall(SYS_close_range, 3, ~0U, 0);
	log_set_fd(-1);
	log_set_rotate(NULL, 0);
	log_set_stderr(1);
	log_set_program("sysc-dns");
	snprintf(title, sizeof(title), "sysc-dns %s", bridge);
	prctl(PR_SET_NAME, title);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	if (chdir("/") < 0)
		_exit(1);
}

/* by the intermediate child, so the file exists once it has exited */
static int write_supervisor_pid(const char *dir, pid_t pid)
{
	_cleanup_free_ char *path = str_printf("%s/supervisor.pid", dir);
	_cleanup_free_ char *line =
		str_printf("%d %llu\n", (int)pid, (unsigned long long)state_proc_starttime(pid));

	if (!path || !line)
		return -ENOMEM;
	return fileio_write_atomic_at(AT_FDCWD, path, line, strlen(line), 0644);
}

static void supervise_reap(pid_t *child, int64_t started, unsigned *delay)
{
	struct timespec now;
	int status;
	pid_t w;

	while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
		if (w != *child)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t ran = now.tv_sec * 1000 + now.tv_nsec / 1000000 - started;
		*delay = ran >= RAN_LONG_MS ? RESTART_MIN_MS
			 : *delay == 0
				 ? RESTART_MIN_MS
				 : (*delay * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : *delay * 2);
		*child = 0;
		if (WIFSIGNALED(status))
			log_warn("dnsmasq killed by signal %d; restarting it", WTERMSIG(status));
		else
			log_warn("dnsmasq exited with status %d; restarting it",
				 WEXITSTATUS(status));
	}
}

/* The bridge was deleted without net_dns_stop() (e.g. by ip link del). Its
 * directory goes only with the lock free at once: whoever holds it (a
 * net_dns_stop(), a net_dns_ensure() starting this supervisor or one for a
 * bridge of the same name made meanwhile, a net_dns_host_add()) finds this
 * supervisor gone and tidies up or starts afresh. */
static __attribute__((noreturn)) void supervise_gone(const char *run_dir, const char *dir,
						     const char *bridge, pid_t child)
{
	_cleanup_close_ int lock = dns_lock(run_dir, bridge, LOCK_EX | LOCK_NB);

	log_info("bridge %s is gone; stopping dnsmasq", bridge);
	if (child > 0 && kill(child, SIGTERM) == 0)
		waitpid(child, NULL, 0);
	if (lock >= 0) {
		fileio_rm_rf_at(AT_FDCWD, dir);
		rmdir_net(run_dir);
	}
	_exit(0);
}

/* The bridge's ifindex, watched for its deletion or renaming on *watch; 0
 * when there is no such bridge. Watched first, so that no deletion goes
 * unseen between the two. */
static int watch_bridge(const char *bridge, struct nl_sock **watch)
{
	int r = net_nl_watch_links(watch);

	if (r < 0) {
		log_error_errno(r, "cannot watch the links of bridge %s: %m", bridge);
		_exit(1);
	}
	return (int)if_nametoindex(bridge);
}

static __attribute__((noreturn)) void supervise(const char *run_dir, const char *dir,
						const char *bridge)
{
	unsigned delay = 0; /* the restart delay */
	bool pending = false;
	int64_t started = 0;
	struct nl_sock *watch = NULL;
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	pid_t child = 0;
	sigset_t set;
	int ifindex;

	supervise_setup(dir, bridge);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_SETMASK, &set, NULL);
	pfd[0] = (struct pollfd){.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK),
				 .events = POLLIN};
	if (pfd[0].fd < 0) {
		log_error_errno(-errno, "cannot watch the signals of the DNS supervisor of %s: %m",
				bridge);
		_exit(1);
	}
	ifindex = watch_bridge(bridge, &watch);
	if (ifindex == 0)
		supervise_gone(run_dir, dir, bridge, 0);
	pfd[1] = (struct pollfd){.fd = net_nl_fd(watch), .events = POLLIN};
	for (;;) {
		struct timespec ts;
		int n;

		if (child == 0 && !pending) {
			if (net_nl_link_gone(watch, ifindex, bridge) > 0)
				supervise_gone(run_dir, dir, bridge, 0);
			clock_gettime(CLOCK_MONOTONIC, &ts);
			started = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
			child = spawn_dnsmasq(dir);
			if (child < 0)
				child = 0, pending = true, delay = RESTART_MAX_MS;
			continue;
		}
		n = poll(pfd, 2, child == 0 ? (int)delay : -1);
		if (n == 0)
			pending = false; /* the restart delay is over */
		if (n <= 0)
			continue;
		if (pfd[1].revents && net_nl_link_gone(watch, ifindex, bridge) > 0)
			supervise_gone(run_dir, dir, bridge, child);
		while (read(pfd[0].fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			int s = (int)si.ssi_signo;
			if (s == SIGTERM || s == SIGINT) {
				if (child > 0 && kill(child, SIGTERM) == 0)
					waitpid(child, NULL, 0);
				_exit(0);
			} else if (s == SIGHUP) {
				if (child > 0)
					kill(child, SIGHUP);
			} else if (s == SIGCHLD) {
				supervise_reap(&child, started, &delay);
				pending = child == 0;
			}
		}
	}
}

static int start_supervisor(const char *run_dir, const char *dir, const char *bridge)
{
	int status;
	pid_t a = fork();

	if (a < 0)
		return log_error_errno(-errno, "cannot fork the DNS supervisor of %s: %m", bridge);
	if (a == 0) {
		pid_t b;
		setsid();
		b = fork();
		if (b == 0)
			supervise(run_dir, dir, bridge);
		if (b < 0 || write_supervisor_pid(dir, b) < 0) {
			if (b > 0)
				kill(b, SIGKILL);
			_exit(1);
		}
		_exit(0);
	}
	if (waitpid(a, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return log_error_errno(-ECHILD, "cannot start the DNS supervisor of %s", bridge);
	return 0;
}

/* Until a dnsmasq other than old runs (its pid file is written once it
 * listens); -ETIMEDOUT when none does in time. */
static int wait_dnsmasq(const char *dir, const char *bridge, pid_t old)
{
	_cleanup_free_ char *log_path = str_printf("%s/dnsmasq.log", dir), *log = NULL;
	char *last;
	size_t len;

	for (int waited = 0; waited < READY_WAIT_MS; waited += 20) {
		pid_t pid = dnsmasq_pid(dir);
		if (pid > 0 && pid != old)
			return 0;
		if (supervisor_pid(dir) == 0)
			break;
		usleep(20000);
	}
	/* its last words, e.g. "failed to create listening socket ..." */
	if (!log_path || fileio_read_at(AT_FDCWD, log_path, &log, &len) < 0)
		return log_error_errno(-ETIMEDOUT, "dnsmasq for bridge %s did not start", bridge);
	while (len > 0 && log[len - 1] == '\n')
		log[--len] = '\0';
	last = strrchr(log, '\n');
	return log_error_errno(-ETIMEDOUT, "dnsmasq for bridge %s did not start: %s", bridge,
			       last ? last + 1 : log);
}

static void wait_gone(pid_t pid, int ms)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd >= 0)
		poll(&p, 1, ms);
}

/* ------------------------------------------------------------ saved state */

static int save_bridge(const char *dir, const struct saved_bridge *b)
{
	_cleanup_free_ char *path = str_printf("%s/bridge", dir);
	_cleanup_free_ char *s = str_printf("%s\n%s\n%s\n%s\n", b->name, b->domain,
					    *b->addr4 ? b->addr4 : "-", *b->addr6 ? b->addr6 : "-");

	if (!path || !s)
		return -ENOMEM;
	return fileio_write_atomic_at(AT_FDCWD, path, s, strlen(s), 0644);
}

static int load_bridge(const char *dir, struct saved_bridge *b)
{
	_cleanup_free_ char *path = str_printf("%s/bridge", dir);
	_cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;

	memset(b, 0, sizeof(*b));
	if (!f)
		return -errno;
	if (fscanf(f, "%15s %253s %63s %63s", b->name, b->domain, b->addr4, b->addr6) != 4)
		return -EINVAL;
	if (!strcmp(b->addr4, "-"))
		*b->addr4 = '\0';
	if (!strcmp(b->addr6, "-"))
		*b->addr6 = '\0';
	return 0;
}

static int make_dirs(const char *run_dir, const char *dir)
{
	_cleanup_free_ char *net = str_printf("%s/net", run_dir);
	_cleanup_free_ char *h = str_printf("%s/hosts.d", dir);
	_cleanup_free_ char *d = str_printf("%s/dhcp.d", dir);
	int r;

	if (!net || !h || !d)
		return -ENOMEM;
	r = fileio_mkdir_p(net, 0755);
	if (r == 0)
		r = fileio_mkdir_p(h, 0755);
	if (r == 0)
		r = fileio_mkdir_p(d, 0755);
	/* explicit modes, whatever the umask: dnsmasq reads them as nobody */
	if (r == 0 && (chmod(net, 0755) < 0 || chmod(dir, 0755) < 0 || chmod(h, 0755) < 0 ||
		       chmod(d, 0755) < 0))
		r = -errno;
	if (r < 0)
		return log_error_errno(r, "cannot create %s: %m", dir);
	return 0;
}

/* with the lock held: write the configuration, start or restart as needed */
static int ensure_locked(const char *run_dir, const char *dir, const struct saved_bridge *b)
{
	_cleanup_free_ char *conf = NULL, *old = NULL;
	_cleanup_free_ char *conf_path = str_printf("%s/dnsmasq.conf", dir);
	bool changed;
	pid_t sup, dm;
	size_t len;
	int r;

	if (!conf_path)
		return -ENOMEM;
	if (access(DNSMASQ, X_OK) < 0)
		return log_warn_errno(
			-ENOENT,
			"bridge %s gets no DNS, DHCP or router advertisements: " DNSMASQ
			" is not installed (package dnsmasq-base)",
			b->name);
	r = make_dirs(run_dir, dir);
	if (r == 0)
		r = render_conf(dir, b, &conf);
	if (r < 0)
		return r;
	changed = fileio_read_at(AT_FDCWD, conf_path, &old, &len) < 0 || strcmp(old, conf) != 0;
	if (changed) {
		r = save_bridge(dir, b);
		if (r == 0)
			r = fileio_write_atomic_at(AT_FDCWD, conf_path, conf, strlen(conf), 0644);
		if (r < 0)
			return log_error_errno(r, "cannot write %s: %m", conf_path);
	}
	sup = supervisor_pid(dir);
	dm = dnsmasq_pid(dir);
	if (sup > 0) /* held by a net_dns_host_add() that did not finish */
		kill(sup, SIGCONT);
	if (sup > 0 && !changed)
		return 0;
	if (sup > 0) { /* the supervisor starts it again with the new configuration */
		log_debug("bridge %s: restarting dnsmasq (configuration changed)", b->name);
		if (dm > 0)
			kill(dm, SIGTERM);
	} else {
		if (dm > 0) { /* outlived a killed supervisor: make way for a new one */
			log_debug("bridge %s: stopping dnsmasq %d (no supervisor)", b->name,
				  (int)dm);
			kill(dm, SIGTERM);
			wait_gone(dm, STOP_WAIT_MS);
		}
		r = start_supervisor(run_dir, dir, b->name);
		if (r < 0)
			return r;
	}
	return wait_dnsmasq(dir, b->name, dm);
}

int net_dns_ensure(const char *run_dir, const struct net_dns_bridge *b)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *dir = NULL;
	struct saved_bridge s = {0};
	const char *domain = b->domain ? b->domain : DNS_DOMAIN;
	int r;

	if (!bridge_name_ok(b->name))
		return log_error_errno(-EINVAL, "invalid bridge name \"%s\"",
				       b->name ? b->name : "");
	if (!name_hostname_valid(domain))
		return log_error_errno(-EINVAL, "invalid DNS domain \"%s\" of bridge %s", domain,
				       b->name);
	if (!b->addr4 && !b->addr6)
		return log_error_errno(-EINVAL, "bridge %s has no address for DNS to listen on",
				       b->name);
	if ((b->addr4 && strlen(b->addr4) >= sizeof(s.addr4)) ||
	    (b->addr6 && strlen(b->addr6) >= sizeof(s.addr6)))
		return log_error_errno(-EINVAL, "invalid address of bridge %s", b->name);
	snprintf(s.name, sizeof(s.name), "%s", b->name);
	snprintf(s.domain, sizeof(s.domain), "%s", domain);
	snprintf(s.addr4, sizeof(s.addr4), "%s", b->addr4 ? b->addr4 : "");
	snprintf(s.addr6, sizeof(s.addr6), "%s", b->addr6 ? b->addr6 : "");
	dir = dns_dir(run_dir, b->name);
	if (!dir)
		return -ENOMEM;
	lock = dns_lock(run_dir, b->name, LOCK_EX);
	if (lock < 0)
		return lock;
	r = ensure_locked(run_dir, dir, &s);
	if (r < 0 && supervisor_pid(dir) == 0) {
		fileio_rm_rf_at(AT_FDCWD, dir);
		rmdir_net(run_dir);
	}
	return r;
}

/* ------------------------------------------------------------------ hosts */

static bool dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Write DIR/SUB/NAME (via a temporary file outside SUB: dnsmasq watches SUB).
 * Returns 1 when an older, different version was replaced. */
static int put_file(const char *dir, const char *sub, const char *name, const char *data)
{
	_cleanup_free_ char *tmp = str_printf("%s/.%s-%s.tmp", dir, sub, name);
	_cleanup_free_ char *path = str_printf("%s/%s/%s", dir, sub, name);
	_cleanup_free_ char *old = NULL;
	size_t len;
	bool had;
	int fd, r;

	if (!tmp || !path)
		return -ENOMEM;
	had = fileio_read_at(AT_FDCWD, path, &old, &len) == 0;
	if (had && !strcmp(old, data))
		return 0;
	/* runtime data (tmpfs, made again at each start): no fsync */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	r = fd < 0 ? -errno : fileio_write_all(fd, data, strlen(data));
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return log_error_errno(r, "cannot write %s: %m", path);
	}
	return had ? 1 : 0;
}

static int del_file(const char *dir, const char *sub, const char *name)
{
	_cleanup_free_ char *path = str_printf("%s/%s/%s", dir, sub, name);

	if (!path)
		return -ENOMEM;
	if (unlink(path) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return log_error_errno(-errno, "cannot remove %s: %m", path);
}

/* dnsmasq keeps DHCP hosts that went away or changed until SIGHUP */
static void reload(const char *dir)
{
	pid_t sup = supervisor_pid(dir);

	if (sup > 0)
		kill(sup, SIGHUP);
}

/* append "ADDR NAME NAME.DOMAIN\n" to *s; *s NULL on ENOMEM */
static void str_append_line(char **s, const char *addr, const char *name, const char *domain)
{
	char *n = str_printf("%s%s %s %s.%s\n", *s, addr, name, name, domain);

	free(*s);
	*s = n;
}

static int host_records(const struct net_dns_host *h, const char *domain, char **ret_hosts,
			char **ret_dhcp)
{
	char a4[INET_ADDRSTRLEN + 1] = "", a6[INET6_ADDRSTRLEN + 1] = "";
	unsigned char mac[6];

	if (!h->name || !name_hostname_valid(h->name) || strchr(h->name, '.'))
		return log_warn_errno(-EINVAL, "\"%s\" is not a DNS name: not registered",
				      h->name ? h->name : "");
	if ((h->ipv4 && !addr_text(h->ipv4, AF_INET, a4, sizeof(a4), NULL)) ||
	    (h->ipv6 && !addr_text(h->ipv6, AF_INET6, a6, sizeof(a6), NULL)))
		return log_error_errno(-EINVAL, "invalid address of %s: \"%s\"", h->name,
				       h->ipv4 && !*a4 ? h->ipv4 : h->ipv6);
	if (h->mac && sscanf(h->mac, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1],
			     &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
		return log_error_errno(-EINVAL, "invalid MAC of %s: \"%s\"", h->name, h->mac);
	*ret_hosts = strdup("");
	if (*ret_hosts && *a4)
		str_append_line(ret_hosts, a4, h->name, domain);
	if (*ret_hosts && *a6)
		str_append_line(ret_hosts, a6, h->name, domain);
	*ret_dhcp = h->mac && *a4 ? str_printf("%02x:%02x:%02x:%02x:%02x:%02x,%s,%s\n", mac[0],
					       mac[1], mac[2], mac[3], mac[4], mac[5], a4, h->name)
				  : strdup("");
	return *ret_hosts && *ret_dhcp ? 0 : -ENOMEM;
}

/* dnsmasq does not give a configured address that is still leased to
 * another MAC (a container that had it before, e.g. a destroyed one whose
 * pool address was handed out again). The leases of DHCP (a dhcp.d line)
 * held by another MAC: how many; with drop, also removed from the lease
 * file (which dnsmasq reads at start only). */
static int foreign_leases(const char *dir, const char *dhcp, bool drop)
{
	_cleanup_free_ char *path = str_printf("%s/leases", dir), *data = NULL, *keep = NULL;
	char mac[18], ip[INET_ADDRSTRLEN], *save = NULL;
	size_t len, n = 0;
	int found = 0, r;

	if (!path || sscanf(dhcp, "%17[^,],%15[^,],", mac, ip) != 2)
		return -ENOMEM;
	if (fileio_read_at(AT_FDCWD, path, &data, &len) < 0)
		return 0;
	keep = calloc(1, len + 1);
	if (!keep)
		return -ENOMEM;
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char lmac[64], lip[64];
		if (sscanf(l, "%*s %63s %63s", lmac, lip) == 2 && !strcmp(lip, ip) &&
		    strcasecmp(lmac, mac) != 0) {
			found++;
			continue;
		}
		n += (size_t)sprintf(keep + n, "%s\n", l);
	}
	if (!found || !drop)
		return found;
	r = fileio_write_atomic_at(AT_FDCWD, path, keep, n, 0644);
	if (r < 0)
		return log_error_errno(r, "cannot write %s: %m", path);
	return found;
}

/* The directory of bridge's DNS server (*ret_dir) and its lock (*ret_lock, an
 * fd to close): 1; 0 when there is no directory (no server); -errno. */
static int dns_dir_locked(const char *run_dir, const char *bridge, char **ret_dir, int *ret_lock)
{
	_cleanup_free_ char *dir = dns_dir(run_dir, bridge);
	int lock;

	if (!dir)
		return -ENOMEM;
	if (!dir_exists(dir))
		return 0;
	lock = dns_lock(run_dir, bridge, LOCK_EX);
	if (lock < 0)
		return lock;
	*ret_dir = TAKE_PTR(dir);
	*ret_lock = lock;
	return 1;
}

/* Stop dnsmasq with its supervisor held (SIGSTOP), so the lease file can be
 * edited with nobody writing it and before a new dnsmasq reads it. */
static pid_t hold_dnsmasq(const char *dir, pid_t sup)
{
	pid_t dm = dnsmasq_pid(dir);

	kill(sup, SIGSTOP);
	if (dm > 0 && kill(dm, SIGTERM) == 0)
		wait_gone(dm, STOP_WAIT_MS);
	return dm;
}

int net_dns_host_add(const char *run_dir, const char *bridge, const struct net_dns_host *h)
{
	_cleanup_free_ char *dir = NULL, *hosts = NULL, *dhcp = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct saved_bridge b;
	int r, changed = 0, foreign = 0;
	pid_t sup, old = 0;

	if (!bridge_name_ok(bridge))
		return -EINVAL;
	r = dns_dir_locked(run_dir, bridge, &dir, &lock);
	if (r <= 0)
		return r;
	if (!dir_exists(dir)) /* stopped meanwhile */
		return 0;
	r = load_bridge(dir, &b);
	if (r < 0)
		return log_error_errno(r, "cannot read %s/bridge: %m", dir);
	r = host_records(h, b.domain, &hosts, &dhcp);
	if (r < 0)
		return r;
	sup = supervisor_pid(dir);
	if (sup == 0) {
		log_info("the DNS server of bridge %s is not running; starting it", bridge);
		r = ensure_locked(run_dir, dir, &b);
		if (r < 0)
			return r;
		sup = supervisor_pid(dir);
	}
	/* checked before our files make dnsmasq rewrite the lease file */
	if (*dhcp && sup > 0 && foreign_leases(dir, dhcp, false) > 0) {
		log_debug("bridge %s: dropping old leases of %s's address", bridge, h->name);
		old = hold_dnsmasq(dir, sup);
		foreign = foreign_leases(dir, dhcp, true);
	}
	r = put_file(dir, "hosts.d", h->name, hosts);
	if (r == 0)
		changed = *dhcp ? put_file(dir, "dhcp.d", h->name, dhcp)
				: del_file(dir, "dhcp.d", h->name);
	if (old || foreign) { /* the supervisor starts dnsmasq again, reading all */
		kill(sup, SIGCONT);
		return r < 0 ? r : changed < 0 ? changed : wait_dnsmasq(dir, bridge, old);
	}
	if (r < 0 || changed < 0)
		return r < 0 ? r : changed;
	if (changed > 0)
		reload(dir);
	return 0;
}

int net_dns_host_remove(const char *run_dir, const char *bridge, const char *name)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r, d;

	if (!bridge_name_ok(bridge) || !name || !*name || strchr(name, '/') || *name == '.')
		return -EINVAL;
	r = dns_dir_locked(run_dir, bridge, &dir, &lock);
	if (r <= 0)
		return r;
	r = del_file(dir, "hosts.d", name);
	d = del_file(dir, "dhcp.d", name);
	if (d > 0)
		reload(dir);
	return r < 0 ? r : d < 0 ? d : 0;
}

int net_dns_stop(const char *run_dir, const char *bridge)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int lock = -EBADF;
	pid_t sup, dm;
	int r;

	if (!bridge_name_ok(bridge))
		return -EINVAL;
	r = dns_dir_locked(run_dir, bridge, &dir, &lock);
	if (r <= 0)
		return r;
	sup = supervisor_pid(dir);
	dm = dnsmasq_pid(dir);
	if (sup > 0 && kill(sup, SIGTERM) == 0) {
		wait_gone(sup, STOP_WAIT_MS);
		if (supervisor_pid(dir) == sup) {
			log_warn("the DNS supervisor of %s (pid %d) did not stop; killing it",
				 bridge, (int)sup);
			kill(sup, SIGKILL);
		}
	}
	if (dm > 0 && dnsmasq_pid(dir) == dm) { /* without a supervisor: by its pid file */
		kill(dm, SIGTERM);
		wait_gone(dm, STOP_WAIT_MS);
	}
	r = fileio_rm_rf_at(AT_FDCWD, dir);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "cannot remove %s: %m", dir);
	rmdir_net(run_dir);
	return 0;
}
