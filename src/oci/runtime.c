/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI runtime operations behind sysc-oci (runc's command line): create,
 * start, state, kill, delete, pause/resume, ps, list, update, features and
 * exec. Messages that clients match keep runc's words ("does not exist",
 * "container not running", "no such process").
 */
#include "oci/oci.h"
#include "cgroup/cgroup.h"
#include "security/devices.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Wait up to timeout_ms (-1: forever) for pid (not our child) to exit: 1 if
 * it did, 0 on timeout. */
static int wait_exit(pid_t pid, int timeout_ms)
{
	_cleanup_close_ int fd = pidfd_open_(pid);
	struct pollfd p;

	if (fd < 0)
		return errno == ESRCH ? 1 : negative_errno();
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	return poll(&p, 1, timeout_ms) > 0 ? 1 : 0;
}

static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (!path)
		return NULL;
	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(path);
	return str_printf("%s/%s", cwd, path);
}

static void now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* The container's cgroup: cgroupsPath "/a/b/c" or "a/b/c" (both under the
 * hierarchy's root), else sysc-oci/<id>. */
static int cgroup_location(const struct oci_opts *o, const struct oci_spec *s, const char *id,
			   char **ret_parent, char **ret_name)
{
	const char *path = s->cgroups_path;
	const char *slash;

	if (o->systemd_cgroup) {
		if (access("/run/systemd/system", F_OK) < 0)
			return log_error_errno(
				-EOPNOTSUPP, "--systemd-cgroup cannot be honoured: systemd is not "
					     "the init of this host (no /run/systemd/system); use "
					     "cgroupfs paths (no --systemd-cgroup)");
		return log_error_errno(-EOPNOTSUPP,
				       "--systemd-cgroup: cgroups through systemd's D-Bus API are "
				       "not supported by sysc-oci; use cgroupfs paths");
	}
	if (!path || !*path) {
		*ret_parent = strdup("sysc-oci");
		*ret_name = strdup(id);
	} else {
		while (*path == '/')
			path++;
		slash = strrchr(path, '/');
		*ret_parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
		*ret_name = strdup(slash ? slash + 1 : path);
	}
	if (!*ret_parent || !*ret_name)
		return -ENOMEM;
	if (!**ret_name)
		return log_error_errno(-EINVAL, "linux.cgroupsPath \"%s\" names no cgroup",
				       s->cgroups_path);
	return 0;
}

static int open_cgroup(const struct oci_state *st, struct cgroup_set **ret)
{
	return cgroup_open(*st->cgroup_parent ? st->cgroup_parent : NULL, st->cgroup_name, ret);
}

/* ---- hooks ---- */

static int hook_run(const struct oci_hook *h, const char *state_json)
{
	int in[2], status;
	pid_t pid;
	int r;

	if (pipe2(in, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		close(in[0]);
		close(in[1]);
		return r;
	}
	if (pid == 0) {
		char *const empty[] = {NULL};
		char *const argv0[] = {h->path, NULL};

		if (dup2(in[0], 0) < 0)
			_exit(126);
		execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : empty);
		fprintf(stderr, "%s: exec hook %s: %m\n", log_get_program(), h->path);
		_exit(127);
	}
	close(in[0]);
	signal(SIGPIPE, SIG_IGN);
	(void)fileio_write_all(in[1], state_json, strlen(state_json));
	close(in[1]);
	if (h->timeout > 0 && wait_exit(pid, h->timeout * 1000) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return log_error_errno(-ETIMEDOUT, "hook %s timed out after %d s", h->path,
				       h->timeout);
	}
	if (waitpid(pid, &status, 0) < 0)
		return negative_errno();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_error("hook %s failed (%s %d)", h->path,
			  WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -EIO;
	}
	return 0;
}

int oci_hooks_run(const struct oci_hook *hooks, size_t n, const char *state_json)
{
	for (size_t i = 0; i < n; i++) {
		int r = hook_run(&hooks[i], state_json);

		if (r < 0)
			return r;
	}
	return 0;
}

/* The config saved at create (the bundle may be gone by delete). */
static int saved_spec(const struct oci_state *st, struct oci_spec **ret)
{
	return oci_spec_load_from(st->dir, st->bundle, "", ret);
}

/* Poststart and poststop: a failure is a warning, the rest go on. */
static void hooks_warn(const struct oci_state *st, enum oci_hook_kind kind, enum oci_status status)
{
	_cleanup_(oci_spec_freep) struct oci_spec *s = NULL;
	_cleanup_free_ char *json = NULL;

	if (saved_spec(st, &s) < 0 || !s->hooks.n[kind])
		return;
	json = oci_state_json(st, status, false);
	if (!json)
		return;
	for (size_t i = 0; i < s->hooks.n[kind]; i++)
		if (hook_run(&s->hooks.list[kind][i], json) < 0)
			log_warn("%s hook %s failed; going on",
				 kind == OCI_HOOK_POSTSTART ? "poststart" : "poststop",
				 s->hooks.list[kind][i].path);
}

/* ---- create ---- */

struct create_ctx {
	const struct oci_spec *spec;
	struct oci_state *st;
};

static int write_start_state(const struct oci_state *st, const char *json)
{
	_cleanup_free_ char *path = str_printf("%s/" OCI_START_STATE, st->dir);
	int r;

	if (!path)
		return -ENOMEM;
	/* readable by init in a user namespace */
	r = fileio_replace_at(AT_FDCWD, path, json, strlen(json), 0644);
	if (r < 0 || (r = chmod(path, 0644) < 0 ? negative_errno() : 0) < 0)
		return log_error_errno(r, "cannot write %s: %m", path);
	return 0;
}

static int create_hooks(void *data, pid_t pid)
{
	struct create_ctx *c = data;
	_cleanup_free_ char *json = NULL;
	int r;

	c->st->pid = pid;
	json = oci_state_json(c->st, OCI_CREATED, false);
	if (!json)
		return -ENOMEM;
	c->st->pid = 0;
	/* the startContainer hooks run in the container, after the fifo: init
	 * reads their state from its state directory's fd (OCI_START_STATE) */
	if (c->spec->hooks.n[OCI_HOOK_START_CONTAINER] && (r = write_start_state(c->st, json)) < 0)
		return r;
	for (int k = OCI_HOOK_PRESTART; k <= OCI_HOOK_CREATE_CONTAINER; k++) {
		r = oci_hooks_run(c->spec->hooks.list[k], c->spec->hooks.n[k], json);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The cgroup device allow list: the config's rules, the devices every
 * container has, and the config's device nodes. */
static int apply_devices(struct cgroup_set *cg, const struct oci_spec *s)
{
	static const char *const base[] = {
		"c *:* m",   "b *:* m",	  "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",   "c 1:8 rwm",
		"c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
	};
	size_t nb = sizeof(base) / sizeof(*base);
	size_t n = s->resources.n_devices;
	_cleanup_free_ struct devices_rule *rules =
		calloc(n + nb + s->n_devices + 1, sizeof(*rules));

	if (!rules)
		return -ENOMEM;
	memcpy(rules, s->resources.devices, n * sizeof(*rules));
	for (size_t i = 0; i < nb; i++)
		if (devices_rule_parse(base[i], &rules[n]) == 0)
			n++;
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct oci_device *d = &s->devices[i];

		if (d->type != 'c' && d->type != 'b')
			continue;
		rules[n++] = (struct devices_rule){.type = d->type,
						   .major = (int32_t)d->major,
						   .minor = (int32_t)d->minor,
						   .access = DEVICES_MKNOD | DEVICES_READ |
							     DEVICES_WRITE};
	}
	return devices_cgroup_apply(cg, rules, n);
}

static int apply_resources(struct cgroup_set *cg, const struct oci_resources *res)
{
	for (size_t i = 0; i < res->n_limits; i++) {
		const struct cgroup_limit *l = &res->limits[i];
		int r;

		if (!strcmp(l->key, "cpu.shares"))
			r = cgroup_set_cpu_shares(cg, strtoull(l->value, NULL, 10));
		else
			r = cgroup_set_limit(cg, l->key, l->value);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A system container's init (systemd) manages its cgroup2 subtree: in a
 * user namespace it must own it (as sysc-start does). */
static int delegate_cgroup(struct cgroup_set *cg, const struct oci_spec *s)
{
	static const char *const files[] = {"", "/cgroup.procs", "/cgroup.subtree_control",
					    "/cgroup.threads"};
	uid_t uid = 0;
	gid_t gid = 0;

	if (!oci_spec_namespace(s, CLONE_NEWUSER))
		return 0;
	for (size_t i = 0; i < s->n_uid_mappings; i++)
		if (s->uid_mappings[i].container_id == 0)
			uid = s->uid_mappings[i].host_id;
	for (size_t i = 0; i < s->n_gid_mappings; i++)
		if (s->gid_mappings[i].container_id == 0)
			gid = s->gid_mappings[i].host_id;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		_cleanup_free_ char *path = str_printf("%s%s", cgroup_v2_path(cg), files[i]);

		if (!path)
			return -ENOMEM;
		if (chown(path, uid, gid) < 0 && errno != ENOENT)
			return log_error_errno(negative_errno(), "cannot delegate %s: %m", path);
	}
	return 0;
}

static int write_pid_file(const char *path, pid_t pid)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int dfd = -EBADF;
	char *slash, buf[16];
	int n, r;

	if (!copy)
		return -ENOMEM;
	slash = strrchr(copy, '/');
	if (slash == copy)
		dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else {
		*slash = '\0';
		dfd = open(copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (dfd < 0)
		return log_error_errno(negative_errno(), "cannot write the pid file %s: %m", path);
	n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = fileio_write_atomic_at(dfd, strrchr(path, '/') + 1, buf, (size_t)n, 0644);
	if (r < 0)
		return log_error_errno(r, "cannot write the pid file %s: %m", path);
	return 0;
}

static int connect_console(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return log_error_errno(-ENAMETOOLONG, "--console-socket %s: path too long", path);
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int r = negative_errno();

		close(fd);
		return log_error_errno(r, "--console-socket %s: cannot connect: %m", path);
	}
	return fd;
}

static int copy_config(const char *bundle, const char *dir)
{
	_cleanup_free_ char *src = str_printf("%s/config.json", bundle), *text = NULL;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t len;
	int r;

	if (!src || dfd < 0)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, src, &text, &len);
	if (r >= 0)
		r = fileio_replace_at(dfd, "config.json", text, len, 0600);
	return r < 0 ? log_error_errno(r, "cannot save the config in %s: %m", dir) : 0;
}

/* Everything create made, undone. */
static void create_rollback(const char *root, const char *id, pid_t pid, struct cgroup_set *cg)
{
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (pid > 0) {
		kill(pid, SIGKILL);
		wait_exit(pid, 5000);
	}
	if (cg)
		(void)cgroup_destroy(cg);
	if (rfd >= 0)
		(void)fileio_rm_rf_at(rfd, id);
}

static int check_bundle(const struct oci_create_opts *c, char **ret_bundle)
{
	char real[PATH_MAX];
	const char *b = c->bundle ? c->bundle : ".";
	struct stat st;

	if (stat(b, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("bundle %s does not exist or is not a directory", b);
		return -ENOENT;
	}
	if (!realpath(b, real))
		return log_error_errno(negative_errno(), "bundle %s: %m", b);
	*ret_bundle = strdup(real);
	return *ret_bundle ? 0 : -ENOMEM;
}

static int create_state_dir(const struct oci_opts *o, const char *id, char **ret_dir)
{
	_cleanup_free_ char *dir = str_printf("%s/%s", o->root, id), *fifo = NULL;
	int r;

	if (!dir)
		return -ENOMEM;
	r = fileio_mkdir_p(o->root, 0700);
	if (r < 0)
		return log_error_errno(r, "cannot make --root %s: %m", o->root);
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST)
			return log_error_errno(-EEXIST, "container with id exists: %s", id);
		return log_error_errno(negative_errno(), "cannot make %s: %m", dir);
	}
	fifo = str_printf("%s/exec.fifo", dir);
	/* writable by init in a user namespace: mode 0622 whatever the umask */
	if (!fifo || mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0) {
		r = fifo ? negative_errno() : -ENOMEM;
		rmdir(dir);
		return log_error_errno(r, "cannot make %s/exec.fifo: %m", dir);
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

int oci_create(const struct oci_opts *o, const char *id, const struct oci_create_opts *c)
{
	_cleanup_(oci_spec_freep) struct oci_spec *s = NULL;
	_cleanup_(oci_state_freep) struct oci_state *st = calloc(1, sizeof(*st));
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	_cleanup_free_ char *bundle = NULL, *pid_file = absolute(c->pid_file);
	_cleanup_close_ int console = -EBADF;
	struct create_ctx ctx;
	struct stat sb;
	char created[64];
	pid_t pid = 0;
	int r;

	if (!st)
		return -ENOMEM;
	if (oci_id_valid(id) < 0 || check_bundle(c, &bundle) < 0 || oci_spec_load(bundle, &s) < 0)
		return -EINVAL;
	if (!s->has_process)
		return log_error_errno(-EINVAL, "%s/config.json: process: missing", bundle);
	if (stat(s->root_path, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		log_error("rootfs (%s) does not exist", s->root_path);
		return -ENOENT;
	}
	if (s->process.apparmor && *s->process.apparmor)
		return log_error_errno(-EOPNOTSUPP,
				       "process.apparmorProfile \"%s\": AppArmor is "
				       "not enabled on this host",
				       s->process.apparmor);
	st->id = strdup(id);
	st->bundle = strdup(bundle);
	st->rootfs = strdup(s->root_path);
	st->annotations = strv_copy(s->annotations ? s->annotations : (char *[]){NULL});
	if (!st->id || !st->bundle || !st->rootfs || !st->annotations)
		return -ENOMEM;
	st->system_container = s->system_container;
	st->owner = getuid();
	now_rfc3339(created, sizeof(created));
	st->created = strdup(created);
	if (!st->created || cgroup_location(o, s, id, &st->cgroup_parent, &st->cgroup_name) < 0)
		return -EINVAL;
	if (c->console_socket && (console = connect_console(c->console_socket)) < 0)
		return console;
	r = create_state_dir(o, id, &st->dir);
	if (r < 0)
		return r;
	r = copy_config(bundle, st->dir);
	if (r < 0)
		goto fail;
	r = cgroup_create(*st->cgroup_parent ? st->cgroup_parent : NULL, st->cgroup_name, &cg);
	if (r < 0)
		goto fail;
	if ((r = apply_resources(cg, &s->resources)) < 0)
		goto fail;
	if (s->resources.has_devices && (r = apply_devices(cg, s)) < 0)
		goto fail;
	if (s->system_container && (r = delegate_cgroup(cg, s)) < 0)
		goto fail;
	if (chdir(bundle) < 0) {
		r = log_error_errno(negative_errno(), "cannot enter the bundle %s: %m", bundle);
		goto fail;
	}
	ctx = (struct create_ctx){.spec = s, .st = st};
	r = oci_init_create(
		&(struct oci_init_params){
			.spec = s,
			.id = id,
			.state_dir = st->dir,
			.console_sock = console,
			.no_pivot = c->no_pivot,
			.no_new_keyring = c->no_new_keyring,
			.preserve_fds = c->preserve_fds,
			.cg = cg,
			.runtime_hooks = create_hooks,
			.data = &ctx,
		},
		&pid);
	if (r < 0)
		goto fail;
	st->pid = pid;
	st->starttime = oci_pid_starttime(pid);
	if ((r = oci_state_save(st)) < 0)
		goto fail;
	if (pid_file && (r = write_pid_file(pid_file, pid)) < 0)
		goto fail;
	return 0;
fail:
	create_rollback(o->root, id, pid, cg);
	return r;
}

/* ---- start, state, kill, delete ---- */

#define OCI_HANDLER_GRACE_MS 200

static uint64_t boottime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* When start returned: kill uses it (see wait_for_handler). */
static void mark_started(const struct oci_state *st)
{
	_cleanup_close_ int dfd = open(st->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, boottime_ms());

	if (dfd >= 0)
		(void)fileio_replace_at(dfd, "started", buf, (size_t)n, 0600);
}

/* Does pid catch or ignore sig (SigCgt, SigIgn of /proc/PID/status)? A
 * process that is not the init of a PID namespace (NSpid ending in 1) gets
 * the default action anyway: true. */
static bool sig_handled(pid_t pid, int sig)
{
	char path[64], *text = NULL, *p, *nl;
	bool yes = false;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (fileio_read_at(AT_FDCWD, path, &text, NULL) < 0)
		return true;
	p = strstr(text, "NSpid:");
	nl = p ? strchr(p, '\n') : NULL;
	if (!p || !nl || nl - p < 2 || nl[-1] != '1' || (nl[-2] != '\t' && nl[-2] != ' ')) {
		free(text);
		return true;
	}
	for (const char *key = "SigIgn:\t"; key; key = key[3] == 'I' ? "SigCgt:\t" : NULL) {
		p = strstr(text, key);
		if (p && (strtoull(p + strlen(key), NULL, 16) >> (sig - 1)) & 1)
			yes = true;
	}
	free(text);
	return yes;
}

/* A PID namespace's init only gets the signals it handles (but SIGKILL and
 * SIGSTOP): one sent before the program installed its handler is dropped by
 * the kernel. Right after start (OCI_HANDLER_GRACE_MS), wait for the handler
 * so that `start; kill` does what it says; later the signal goes at once. */
static void wait_for_handler(const struct oci_state *st, int sig)
{
	_cleanup_free_ char *path = str_printf("%s/started", st->dir), *text = NULL;
	uint64_t started;

	if (sig == SIGKILL || sig == SIGSTOP || !path ||
	    fileio_read_at(AT_FDCWD, path, &text, NULL) < 0)
		return;
	started = strtoull(text, NULL, 10);
	while (boottime_ms() < started + OCI_HANDLER_GRACE_MS && !sig_handled(st->pid, sig))
		usleep(2000);
}

int oci_start(const struct oci_opts *o, const char *id)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_free_ char *fifo = NULL;
	_cleanup_close_ int fd = -EBADF, pfd = -EBADF;
	struct pollfd p[2];
	char c;
	int r = oci_state_load(o->root, id, &st);

	if (r < 0)
		return r;
	if (st->status == OCI_STOPPED)
		return log_error_errno(-EINVAL, "cannot start a container that has stopped");
	if (st->status != OCI_CREATED)
		return log_error_errno(-EINVAL, "cannot start an already running container");
	fifo = str_printf("%s/exec.fifo", st->dir);
	if (!fifo)
		return -ENOMEM;
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	pfd = pidfd_open_(st->pid);
	if (fd < 0 || pfd < 0)
		return log_error_errno(negative_errno(), "cannot start container %s: %m", id);
	p[0] = (struct pollfd){.fd = fd, .events = POLLIN};
	p[1] = (struct pollfd){.fd = pfd, .events = POLLIN};
	/* init's byte, then the end of file when its exec closed the fifo:
	 * start returns with the container's program running */
	for (bool got = false;;) {
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			n = read(fd, &c, 1);
			if (n == 1 && !got) {
				got = true;
				unlink(fifo);
				continue;
			}
			if (n == 0 && got)
				break;
		}
		if (p[1].revents)
			return log_error_errno(-ESRCH, "cannot start container %s: its init died",
					       id);
	}
	mark_started(st);
	hooks_warn(st, OCI_HOOK_POSTSTART, OCI_RUNNING);
	return 0;
}

int oci_print_state(const struct oci_opts *o, const char *id)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_free_ char *json = NULL;
	int r = oci_state_load(o->root, id, &st);

	if (r < 0)
		return r;
	json = oci_state_json(st, st->status, true);
	if (!json)
		return -ENOMEM;
	printf("%s\n", json);
	return 0;
}

int oci_kill(const struct oci_opts *o, const char *id, int sig, bool all)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	int r = oci_state_load(o->root, id, &st);

	if (r < 0)
		return r;
	/* CRI stops with SIGTERM, which systemd ignores: its halt signal */
	if (st->system_container && sig == SIGTERM)
		sig = SIGRTMIN + 3;
	if (all) {
		pid_t *pids = NULL;
		size_t n = 0;

		if (open_cgroup(st, &cg) < 0 || cgroup_pids(cg, &pids, &n) < 0)
			return log_error_errno(-ESRCH, "container not running");
		for (size_t i = 0; i < n; i++)
			(void)kill(pids[i], sig);
		free(pids);
		return 0;
	}
	if (st->status == OCI_STOPPED)
		return log_error_errno(-ESRCH, "container not running");
	wait_for_handler(st, sig);
	if (kill(st->pid, sig) < 0) {
		if (errno == ESRCH)
			return log_error_errno(-ESRCH, "no such process");
		return log_error_errno(negative_errno(), "cannot signal container %s: %m", id);
	}
	return 0;
}

int oci_delete(const struct oci_opts *o, const char *id, bool force)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	_cleanup_close_ int rfd = -EBADF;
	int r;

	r = oci_state_load(o->root, id, &st);
	if (r == -ENOENT && force && oci_id_valid(id) == 0) {
		/* nothing to delete; a half-made state directory goes too */
		rfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rfd >= 0)
			(void)fileio_rm_rf_at(rfd, id);
		return 0;
	}
	if (r < 0)
		return r;
	if ((st->status == OCI_RUNNING || st->status == OCI_PAUSED) && !force)
		return log_error_errno(-EBUSY, "cannot delete container %s that is not stopped: %s",
				       id, oci_status_name(st->status));
	if (open_cgroup(st, &cg) == 0) {
		if (st->status == OCI_PAUSED)
			(void)cgroup_freeze(cg, false);
		(void)cgroup_kill_all(cg, 5000);
	}
	if (st->status != OCI_STOPPED) {
		(void)kill(st->pid, SIGKILL);
		if (wait_exit(st->pid, 10000) == 0)
			return log_error_errno(-EBUSY, "container %s: init %d did not die", id,
					       (int)st->pid);
	}
	if (cg && (r = cgroup_destroy(cg)) < 0)
		return r;
	hooks_warn(st, OCI_HOOK_POSTSTOP, OCI_STOPPED);
	rfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 || (r = fileio_rm_rf_at(rfd, id)) < 0)
		return log_error_errno(rfd < 0 ? negative_errno() : r, "cannot remove %s: %m",
				       st->dir);
	return 0;
}

int oci_pause(const struct oci_opts *o, const char *id, bool pause)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	int r = oci_state_load(o->root, id, &st);

	if (r < 0)
		return r;
	if (pause && st->status != OCI_RUNNING && st->status != OCI_CREATED)
		return log_error_errno(-EINVAL, "container not running");
	if (!pause && st->status != OCI_PAUSED)
		return log_error_errno(-EINVAL, "container not paused");
	if ((r = open_cgroup(st, &cg)) < 0)
		return r;
	return cgroup_freeze(cg, pause);
}

/* ---- ps, list, update, features ---- */

static bool pid_in(pid_t pid, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int ps_table(const pid_t *pids, size_t n, char *const *ps_args)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *out = NULL, *err = NULL;
	char *line, *save = NULL;
	int pid_col = -1, r;

	if (strv_push(&argv, "ps") < 0)
		return -ENOMEM;
	if (ps_args && ps_args[0]) {
		for (size_t i = 0; ps_args[i]; i++)
			if (strv_push(&argv, ps_args[i]) < 0)
				return -ENOMEM;
	} else if (strv_push(&argv, "-ef") < 0)
		return -ENOMEM;
	r = proc_run_capture(argv, &out, &err);
	if (r != 0)
		return log_error_errno(-EIO, "ps failed: %s", err ? err : "");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (pid_col < 0) {
			/* the header: which column is PID */
			char *h = strdup(line), *tok, *s2 = NULL;
			int col = 0;

			for (tok = strtok_r(h, " \t", &s2); tok;
			     tok = strtok_r(NULL, " \t", &s2), col++)
				if (!strcmp(tok, "PID"))
					pid_col = col;
			free(h);
			if (pid_col < 0)
				return log_error_errno(-EINVAL, "ps printed no PID column");
			printf("%s\n", line);
			continue;
		}
		{
			const char *p = line;
			long v = -1;

			for (int col = 0; col <= pid_col && *p; col++) {
				while (*p == ' ' || *p == '\t')
					p++;
				if (col == pid_col)
					v = strtol(p, NULL, 10);
				while (*p && *p != ' ' && *p != '\t')
					p++;
			}
			if (v > 0 && pid_in((pid_t)v, pids, n))
				printf("%s\n", line);
		}
	}
	return 0;
}

int oci_ps(const struct oci_opts *o, const char *id, bool json, char *const *ps_args)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = oci_state_load(o->root, id, &st);

	if (r < 0)
		return r;
	if (st->status == OCI_STOPPED)
		return log_error_errno(-ESRCH, "container not running");
	if ((r = open_cgroup(st, &cg)) < 0 || (r = cgroup_pids(cg, &pids, &n)) < 0)
		return r;
	if (!json)
		return ps_table(pids, n, ps_args);
	printf("[");
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	printf("]\n");
	return 0;
}

int oci_list(const struct oci_opts *o, bool json, bool quiet)
{
	_cleanup_strv_ char **ids = NULL;
	int r = oci_state_list(o->root, &ids);
	bool first = true;

	if (r < 0)
		return r;
	if (json)
		printf("[");
	else if (!quiet)
		printf("%-20s %-8s %-8s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(oci_state_freep) struct oci_state *st = NULL;
		_cleanup_free_ char *s = NULL;

		if (oci_state_load(o->root, ids[i], &st) < 0)
			continue;
		if (quiet) {
			printf("%s\n", st->id);
		} else if (json) {
			s = oci_state_json(st, st->status, false);
			printf("%s%s", first ? "" : ",", s ? s : "{}");
		} else {
			printf("%-20s %-8d %-8s %-40s %-31s %s\n", st->id,
			       st->status == OCI_STOPPED ? 0 : (int)st->pid,
			       oci_status_name(st->status), st->bundle, st->created,
			       st->owner == 0 ? "root" : "-");
		}
		first = false;
	}
	if (json)
		printf("]\n");
	return 0;
}

int oci_update(const struct oci_opts *o, const char *id, const char *file)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	_cleanup_free_ char *text = NULL;
	struct oci_resources res;
	int r = oci_state_load(o->root, id, &st);

	if (r < 0)
		return r;
	if (st->status == OCI_STOPPED)
		return log_error_errno(-ESRCH, "container not running");
	if (!file || !strcmp(file, "-")) {
		size_t cap = 0, len = 0;
		ssize_t k;

		do {
			if (len + 4096 > cap) {
				char *t = realloc(text, cap = len + 65536);

				if (!t)
					return -ENOMEM;
				text = t;
			}
			k = read(0, text + len, cap - len - 1);
			if (k < 0)
				return log_error_errno(negative_errno(), "cannot read stdin: %m");
			len += (size_t)k;
		} while (k > 0);
		text[len] = '\0';
		file = "stdin";
	} else if ((r = fileio_read_at(AT_FDCWD, file, &text, NULL)) < 0)
		return log_error_errno(r, "cannot read %s: %m", file);
	if ((r = oci_resources_parse(file, text, &res)) < 0)
		return r;
	if ((r = open_cgroup(st, &cg)) == 0)
		r = apply_resources(cg, &res);
	if (r == 0 && res.has_devices) {
		struct oci_spec s = {.resources = res};

		r = apply_devices(cg, &s);
	}
	oci_resources_done(&res);
	return r;
}

int oci_features(void)
{
	printf("{\n"
	       "  \"ociVersionMin\": \"1.0.0\",\n"
	       "  \"ociVersionMax\": \"%s\",\n"
	       "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
	       "\"startContainer\", \"poststart\", \"poststop\"],\n"
	       "  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"defaults\", \"dev\", "
	       "\"diratime\", \"dirsync\", \"exec\", \"mand\", \"noatime\", \"nodev\", "
	       "\"nodiratime\", \"noexec\", \"nomand\", \"norelatime\", \"nostrictatime\", "
	       "\"nosuid\", \"private\", \"rbind\", \"relatime\", \"ro\", \"rprivate\", "
	       "\"rshared\", \"rslave\", \"runbindable\", \"rw\", \"shared\", \"slave\", "
	       "\"strictatime\", \"suid\", \"sync\", \"unbindable\"],\n"
	       "  \"linux\": {\n"
	       "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", "
	       "\"time\", \"user\", \"uts\"],\n"
	       "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, "
	       "\"systemdUser\": false},\n"
	       "    \"seccomp\": {\"enabled\": true, \"actions\": [\"SCMP_ACT_ALLOW\", "
	       "\"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
	       "\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_TRAP\", "
	       "\"SCMP_ACT_TRACE\"], \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", "
	       "\"SCMP_CMP_GT\", \"SCMP_CMP_LE\", \"SCMP_CMP_LT\", \"SCMP_CMP_MASKED_EQ\", "
	       "\"SCMP_CMP_NE\"]},\n"
	       "    \"apparmor\": {\"enabled\": false},\n"
	       "    \"selinux\": {\"enabled\": false}\n"
	       "  },\n"
	       "  \"annotations\": {\"" OCI_SYSTEM_ANNOTATION "\": \"true|false\"}\n"
	       "}\n",
	       OCI_VERSION);
	return 0;
}

/* ---- exec ---- */

static int parse_user_arg(const char *s, struct oci_process *pr)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':') || v > UINT32_MAX - 1)
		return log_error_errno(-EINVAL, "--user %s: must be UID[:GID]", s);
	pr->uid = (uid_t)v;
	if (*end == ':') {
		const char *g = end + 1;

		v = strtoul(g, &end, 10);
		if (errno || end == g || *end || v > UINT32_MAX - 1)
			return log_error_errno(-EINVAL, "--user %s: must be UID[:GID]", s);
		pr->gid = (gid_t)v;
	}
	return 0;
}

/* The process of exec: --process FILE, or the container's own process with
 * the command line's changes. */
static int exec_process(const struct oci_spec *s, const struct oci_exec_opts *e,
			struct oci_process *pr)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (e->process_file) {
		r = fileio_read_at(AT_FDCWD, e->process_file, &text, NULL);
		if (r < 0)
			return log_error_errno(r, "--process %s: %m", e->process_file);
		return oci_process_parse(e->process_file, text, pr);
	}
	*pr = (struct oci_process){
		.terminal = e->tty,
		.uid = s->process.uid,
		.gid = s->process.gid,
		.has_caps = s->process.has_caps,
		.cap_bounding = s->process.cap_bounding,
		.cap_effective = s->process.cap_effective,
		.cap_permitted = s->process.cap_permitted,
		.cap_ambient = s->process.cap_ambient,
		.no_new_privs = s->process.no_new_privs || e->no_new_privs,
	};
	pr->args = strv_copy(e->args);
	pr->env = strv_copy(s->process.env ? s->process.env : (char *[]){NULL});
	pr->cwd = strdup(e->cwd ? e->cwd : s->process.cwd);
	if (!pr->args || !pr->env || !pr->cwd)
		return -ENOMEM;
	for (size_t i = 0; e->env && e->env[i]; i++)
		if (strv_push(&pr->env, e->env[i]) < 0)
			return -ENOMEM;
	if (e->user && (r = parse_user_arg(e->user, pr)) < 0)
		return r;
	return 0;
}

/* The namespaces of pid that are not already ours. */
static int other_namespaces(pid_t pid)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {
		{"user", CLONE_NEWUSER},     {"mnt", CLONE_NEWNS},    {"pid", CLONE_NEWPID},
		{"net", CLONE_NEWNET},	     {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},
		{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
	};
	int flags = 0;

	for (size_t i = 0; i < sizeof(ns) / sizeof(*ns); i++) {
		char a[64], b[64];
		struct stat sa, sb;

		snprintf(a, sizeof(a), "/proc/self/ns/%s", ns[i].name);
		snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, ns[i].name);
		if (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
		    (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev))
			flags |= ns[i].flag;
	}
	return flags;
}

static _Noreturn void exec_child(const struct oci_state *st, const struct oci_spec *s,
				 const struct oci_process *pr, const struct oci_exec_opts *e,
				 struct cgroup_set *cg, int pidfd, int console, int report)
{
	int flags = other_namespaces(st->pid), status;
	void *prog = NULL;
	pid_t pid;

	if (cgroup_attach(cg, getpid()) < 0)
		_exit(126);
	if (setns(pidfd, flags) < 0) {
		log_error_errno(negative_errno(), "cannot enter container %s: %m", st->id);
		_exit(126);
	}
	pid = fork();
	if (pid < 0)
		_exit(126);
	if (pid == 0) {
		close(report);
		if (pr->terminal) {
			if (setsid() < 0 || oci_console_setup(console, false) < 0)
				_exit(126);
			close(console);
		}
		if (oci_seccomp_prepare(s->seccomp, &prog) < 0)
			_exit(126);
		oci_exec_process(pr, prog, e->preserve_fds);
		_exit(127);
	}
	(void)fileio_write_all(report, &pid, sizeof(pid));
	close(report);
	if (e->detach)
		_exit(0);
	if (waitpid(pid, &status, 0) < 0)
		_exit(126);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int oci_exec(const struct oci_opts *o, const char *id, const struct oci_exec_opts *e)
{
	_cleanup_(oci_state_freep) struct oci_state *st = NULL;
	_cleanup_(oci_spec_freep) struct oci_spec *s = NULL;
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	_cleanup_close_ int pidfd = -EBADF, console = -EBADF;
	_cleanup_free_ char *pid_file = absolute(e->pid_file);
	struct oci_process pr = {0};
	int report[2], status, r;
	pid_t child, pid = 0;

	if (oci_state_load(o->root, id, &st) < 0)
		return 1;
	if (st->status == OCI_STOPPED) {
		log_error("cannot exec in a stopped container");
		return 1;
	}
	if (st->status == OCI_PAUSED) {
		log_error("cannot exec in a paused container");
		return 1;
	}
	if (saved_spec(st, &s) < 0 || exec_process(s, e, &pr) < 0 || open_cgroup(st, &cg) < 0)
		goto fail;
	if (pr.terminal) {
		if (!e->console_socket) {
			log_error("--tty needs --console-socket");
			goto fail;
		}
		if ((console = connect_console(e->console_socket)) < 0)
			goto fail;
	}
	pidfd = pidfd_open_(st->pid);
	if (pidfd < 0) {
		log_error("container not running");
		goto fail;
	}
	if (pipe2(report, O_CLOEXEC) < 0)
		goto fail;
	child = fork();
	if (child < 0)
		goto fail;
	if (child == 0) {
		close(report[0]);
		exec_child(st, s, &pr, e, cg, pidfd, console, report[1]);
	}
	close(report[1]);
	r = (int)fileio_read_all(report[0], &pid, sizeof(pid));
	close(report[0]);
	if (r != sizeof(pid)) {
		waitpid(child, &status, 0);
		goto fail;
	}
	if (pid_file && write_pid_file(pid_file, pid) < 0) {
		kill(pid, SIGKILL);
		waitpid(child, &status, 0);
		goto fail;
	}
	oci_process_done(&pr);
	if (waitpid(child, &status, 0) < 0)
		return 1;
	if (e->detach)
		return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
fail:
	oci_process_done(&pr);
	return 1;
}
