/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/template.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/interrupt.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int template_find(const struct sysc_paths *p, const char *name, char **ret_exe)
{
	_cleanup_free_ char *exe = NULL;

	if (strchr(name, '/'))
		exe = strdup(name);
	else
		exe = str_printf("%s/sysc-%s", p->templates, name);
	if (!exe)
		return -ENOMEM;
	if (access(exe, X_OK) < 0)
		return log_error_errno(-errno, "template \"%s\" not found: %s: %m", name, exe);
	*ret_exe = TAKE_PTR(exe);
	return 0;
}

int template_show_help(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *exe = NULL;
	int r = template_find(p, name, &exe);
	pid_t pid;

	if (r < 0)
		return r;
	pid = fork();
	if (pid < 0)
		return log_error_errno(-errno, "fork: %m");
	if (pid == 0) {
		execl(exe, exe, "--help", (char *)NULL);
		_exit(127);
	}
	r = proc_wait_killable(pid);
	return r == 0 ? 0 : -EPROTO;
}

/* Pid 1 of the template's PID namespace: run the template, reap everything,
 * exit with the template's status (the kernel then kills what is left). */
/* $SYSC_BIN: this sysc binary, for templates that call it back (sysc-tarball
 * runs `$SYSC_BIN archive-extract`). */
static void export_self(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		setenv("SYSC_BIN", self, 1);
	}
}

static _Noreturn void sandbox_init(char *const argv[], int out_fd)
{
	pid_t tpl;
	int status = 0;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(127);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		_exit(127);
	tpl = fork();
	if (tpl < 0)
		_exit(127);
	if (tpl == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0)
			_exit(127);
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(127);
		if (out_fd < 0 && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		export_self();
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot execute template %s: %m\n", argv[0]);
		_exit(127);
	}
	if (out_fd >= 0)
		close(out_fd);
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (p < 0 && errno == ECHILD)
			break;
		if (p == tpl) {
			status = st;
			break;
		}
	}
	_exit(proc_status_to_exit(status));
}

static _Noreturn void sandbox_outer(char *const argv[], int out_fd, pid_t parent)
{
	pid_t init;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0) {
		dprintf(STDERR_FILENO, "cannot create namespaces for the template: %m\n");
		_exit(127);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(127);
	init = fork();
	if (init < 0)
		_exit(127);
	if (init == 0)
		sandbox_init(argv, out_fd);
	if (out_fd >= 0)
		close(out_fd);
	int status = proc_wait_killable(init);
	_exit(status < 0 ? 127 : proc_status_to_exit(status));
}

/* Run argv sandboxed; stdout captured into *ret_out when asked, else shown
 * on stderr. Returns the exit status (>= 0) or -errno. */
static int run_sandboxed(char *const argv[], char **ret_out)
{
	int pipefd[2] = {-EBADF, -EBADF};
	_cleanup_free_ char *out = NULL;
	size_t len = 0, cap = 0;
	pid_t parent = getpid(), pid;
	int status;

	if (ret_out && pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		CLOSE_FD(pipefd[0]);
		CLOSE_FD(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		CLOSE_FD(pipefd[0]);
		sandbox_outer(argv, pipefd[1], parent);
	}
	CLOSE_FD(pipefd[1]);
	while (pipefd[0] >= 0) {
		if (cap - len < 1024) {
			char *n = realloc(out, cap + 4096);
			if (!n)
				break;
			out = n;
			cap += 4096;
		}
		ssize_t n = read(pipefd[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR && !interrupt_pending())
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	CLOSE_FD(pipefd[0]);
	if (interrupt_pending())
		kill(pid, SIGKILL);
	status = proc_wait_killable(pid);
	if (status < 0)
		return status;
	if (interrupt_pending())
		return -EINTR;
	if (ret_out) {
		if (!out && !(out = calloc(1, 1)))
			return -ENOMEM;
		out[len] = '\0';
		*ret_out = TAKE_PTR(out);
	}
	return proc_status_to_exit(status);
}

static int build_argv(const char *exe, const char *verb, const char *rootfs, const char *name,
		      char *const *args, char ***ret)
{
	_cleanup_strv_ char **argv = NULL;

	if (strv_push(&argv, exe) < 0 || strv_push(&argv, verb) < 0)
		return -ENOMEM;
	if (rootfs && (strv_push(&argv, "--rootfs") < 0 || strv_push(&argv, rootfs) < 0))
		return -ENOMEM;
	if (name && (strv_push(&argv, "--name") < 0 || strv_push(&argv, name) < 0))
		return -ENOMEM;
	for (size_t i = 0; args && args[i]; i++)
		if (strv_push(&argv, args[i]) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(argv);
	return 0;
}

static int template_failed(const char *exe, const char *verb, int st)
{
	if (st == -EINTR)
		return -EINTR;
	if (st < 0)
		return log_error_errno(st, "cannot run template %s: %m", exe);
	log_error("template %s failed during %s (exit status %d)", exe, verb, st);
	return -EPROTO;
}

void template_key_done(struct template_key *k)
{
	free(k->key);
	free(k->memo_path);
	free(k->memo);
	*k = (struct template_key){0};
}

/* The remembered keys: <cache>/.keys/<FNV-1a 64 of the stamp> holds the
 * stamp followed by what cache-key printed. The stamp names the template
 * file by path, device, inode, size, mtime and ctime (an edit or a reinstall
 * makes a new stamp) and every argument, each string length-prefixed, so
 * only the same template and arguments match it (a hash collision is a
 * miss). */
static char *memo_stamp(const char *exe, char *const *args, size_t *ret_len)
{
	_cleanup_free_ char *s = NULL;
	struct stat st;
	size_t n = 0;
	char *t;

	if (stat(exe, &st) < 0)
		return NULL;
	for (size_t i = 0; args && args[i]; i++)
		n++;
	s = str_printf("sysc-key-memo 1\n%zu:%s\n%llx %llx %lld %lld.%09ld %lld.%09ld\nargs %zu\n",
		       strlen(exe), exe, (unsigned long long)st.st_dev,
		       (unsigned long long)st.st_ino, (long long)st.st_size,
		       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		       (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, n);
	for (size_t i = 0; s && args && args[i]; i++) {
		t = str_printf("%s%zu:%s\n", s, strlen(args[i]), args[i]);
		free(s);
		s = t;
	}
	if (s)
		*ret_len = strlen(s);
	return TAKE_PTR(s);
}

static char *memo_path(const char *cache_dir, const char *stamp, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)stamp[i]) * 0x100000001b3ULL;
	return str_printf("%s/.keys/%016llx", cache_dir, (unsigned long long)h);
}

/* What cache-key printed for this stamp, or NULL. */
static char *memo_read(const char *path, const char *stamp, size_t len)
{
	_cleanup_free_ char *data = NULL;
	size_t n;

	if (fileio_read_at(AT_FDCWD, path, &data, &n) < 0 || n < len ||
	    memcmp(data, stamp, len) != 0)
		return NULL;
	return strdup(data + len);
}

/* The memo: the stamp, then what cache-key printed. */
static int memo_prepare(struct template_key *k, const char *path, const char *stamp, size_t len,
			const char *out)
{
	size_t olen = strlen(out);

	k->memo_path = strdup(path);
	k->memo = malloc(len + olen);
	if (!k->memo_path || !k->memo)
		return -ENOMEM;
	memcpy(k->memo, stamp, len);
	memcpy(k->memo + len, out, olen);
	k->memo_len = len + olen;
	return 0;
}

void template_key_remember(const struct template_key *k)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	if (!k->memo_path)
		return;
	dir = strdup(k->memo_path);
	if (!dir)
		return;
	*strrchr(dir, '/') = '\0';
	r = fileio_mkdir_p(dir, 0700);
	if (r == 0)
		r = fileio_replace_at(AT_FDCWD, k->memo_path, k->memo, k->memo_len, 0600);
	if (r < 0)
		log_debug("cannot remember the cache key in %s: %s", k->memo_path, strerror(-r));
}

/* cache-key's output: the key on the first line, then promise lines;
 * unknown lines are ignored (a newer template's promises). */
static int parse_key_output(const char *exe, char *out, bool *ret_memo, struct template_key *ret)
{
	char *line = out, *next;

	*ret_memo = false;
	ret->configure_identity = false;
	next = line + strcspn(line, "\n");
	if (*next)
		*next++ = '\0';
	for (const char *c = line; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    *c) ||
		    (c == line && *c == '.')) {
			log_error("template %s printed an invalid cache key \"%s\"", exe, line);
			return -EPROTO;
		}
	ret->key = strdup(line);
	if (!ret->key)
		return -ENOMEM;
	for (line = next; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (strcmp(line, "key-depends=options") == 0)
			*ret_memo = true;
		else if (strcmp(line, "configure=identity") == 0)
			ret->configure_identity = true;
	}
	return 0;
}

int template_cache_key(const char *exe, char *const *args, const char *cache_dir,
		       struct template_key *ret)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *out = NULL, *stamp = NULL, *path = NULL, *copy = NULL;
	size_t len = 0;
	bool memo;
	int r;

	if (cache_dir && (stamp = memo_stamp(exe, args, &len)) &&
	    (path = memo_path(cache_dir, stamp, len)) && (out = memo_read(path, stamp, len))) {
		r = parse_key_output(exe, out, &memo, ret);
		if (r == 0 && memo) {
			log_debug("cache key %s remembered in %s", ret->key, path);
			return 0;
		}
		template_key_done(ret);
		free(TAKE_PTR(out));
	}
	r = build_argv(exe, "cache-key", NULL, NULL, args, &argv);
	if (r < 0)
		return r;
	r = run_sandboxed(argv, &out);
	if (r != 0)
		return template_failed(exe, "cache-key", r);
	copy = strdup(out);
	if (!copy)
		return -ENOMEM;
	r = parse_key_output(exe, out, &memo, ret);
	if (r < 0)
		return r;
	if (memo && path)
		return memo_prepare(ret, path, stamp, len, copy);
	return 0;
}

int template_build(const char *exe, const char *rootfs, char *const *args)
{
	_cleanup_strv_ char **argv = NULL;
	int r = build_argv(exe, "build", rootfs, NULL, args, &argv);

	if (r < 0)
		return r;
	r = run_sandboxed(argv, NULL);
	return r == 0 ? 0 : template_failed(exe, "build", r);
}

int template_configure(const char *exe, const char *rootfs, const char *name, char *const *args,
		       char ***ret_settings)
{
	_cleanup_strv_ char **argv = NULL, **settings = NULL;
	_cleanup_free_ char *out = NULL;
	char *save = NULL;
	int r = build_argv(exe, "configure", rootfs, name, args, &argv);

	if (r < 0)
		return r;
	r = run_sandboxed(argv, &out);
	if (r != 0)
		return template_failed(exe, "configure", r);
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strchr(line, '=')) {
			log_error("template %s printed \"%s\"; expected KEY=VALUE lines", exe,
				  line);
			return -EPROTO;
		}
		if (strv_push(&settings, line) < 0)
			return -ENOMEM;
	}
	*ret_settings = TAKE_PTR(settings);
	return 0;
}
