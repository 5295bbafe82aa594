/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/hooks.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/paths.h"
#include "userns/userns.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HOOK_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const moment_names[HOOK_MOMENT_MAX] = {
	[HOOK_PRE_START] = "pre_start", [HOOK_PRE_MOUNT] = "pre_mount",
	[HOOK_MOUNT] = "mount",		[HOOK_START] = "start",
	[HOOK_STOP] = "stop",		[HOOK_POST_STOP] = "post_stop",
	[HOOK_CREATE] = "create",	[HOOK_CLONE] = "clone",
	[HOOK_DESTROY] = "destroy",
};

const char *hook_moment_name(enum hook_moment m)
{
	return m < HOOK_MOMENT_MAX ? moment_names[m] : "?";
}

char *const *hooks_list(const struct sysc_conf *conf, enum hook_moment m)
{
	switch (m) {
	case HOOK_PRE_START:
		return conf->hooks.pre_start;
	case HOOK_PRE_MOUNT:
		return conf->hooks.pre_mount;
	case HOOK_MOUNT:
		return conf->hooks.mount;
	case HOOK_START:
		return conf->hooks.start;
	case HOOK_STOP:
		return conf->hooks.stop;
	case HOOK_POST_STOP:
		return conf->hooks.post_stop;
	case HOOK_CREATE:
		return conf->hooks.create;
	case HOOK_CLONE:
		return conf->hooks.clone;
	case HOOK_DESTROY:
		return conf->hooks.destroy;
	default:
		return NULL;
	}
}

static int push_var(char ***env, const char *var, const char *value)
{
	_cleanup_free_ char *s = NULL;

	if (!value)
		return 0;
	s = str_printf("%s=%s", var, value);
	return s ? strv_push(env, s) : -ENOMEM;
}

static int build_env(const struct hooks_ctx *ctx, const char *entry, enum hook_moment m,
		     char ***ret)
{
	_cleanup_strv_ char **env = NULL;
	_cleanup_free_ char *config = str_printf("%s/config", entry);
	_cleanup_free_ char *facts = str_printf("%s/facts", entry);
	_cleanup_free_ char *rootfs = str_printf("%s/rootfs", entry);
	int r;

	if (!config || !facts || !rootfs)
		return -ENOMEM;
	r = strv_push(&env, HOOK_PATH);
	r = r ?: push_var(&env, "SYSC_NAME", ctx->conf->name);
	r = r ?: push_var(&env, "SYSC_HOOK", hook_moment_name(m));
	r = r ?: push_var(&env, "SYSC_PATH", ctx->store);
	r = r ?: push_var(&env, "SYSC_CONFIG", config);
	r = r ?: push_var(&env, "SYSC_FACTS", facts);
	r = r ?: push_var(&env, "SYSC_ROOTFS", rootfs);
	r = r ?: push_var(&env, "SYSC_ROOTFS_MOUNT", ctx->rootfs_mount);
	r = r ?: push_var(&env, "SYSC_TARGET", ctx->target);
	for (size_t i = 0; r == 0 && ctx->env && ctx->env[i]; i++)
		r = strv_push(&env, ctx->env[i]);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(env);
	return 0;
}

/* "PATH ARG..." split at blanks. */
static int split_words(const char *s, char ***ret)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *copy = strdup(s);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (strv_push(&argv, w) < 0)
			return -ENOMEM;
	if (!argv)
		return -EINVAL;
	*ret = TAKE_PTR(argv);
	return 0;
}

/* The hook's output, one log line each (debug: in the log, on stderr with -v). */
static void log_output(const char *exe, const char *moment, const char *out)
{
	while (out && *out) {
		size_t n = strcspn(out, "\n");
		log_debug("hook %s (%s): %.*s", exe, moment, (int)n, out);
		out += n + (out[n] == '\n');
	}
}

static int report(const struct hooks_ctx *ctx, const char *exe, const char *moment, int r,
		  const char *out)
{
	_cleanup_free_ char *tail = proc_tail_lines(out, 3);
	char why[384], msg[1280];
	int ret;

	if (r == -ETIMEDOUT) {
		snprintf(why, sizeof(why), "timed out after %u s (killed)",
			 ctx->conf->hooks.timeout);
		ret = -ETIMEDOUT;
	} else if (r > 128) {
		snprintf(why, sizeof(why), "killed by signal %d", r - 128);
		ret = -ECANCELED;
	} else if (r > 0) {
		snprintf(why, sizeof(why), "exit %d", r);
		ret = -ECANCELED;
	} else if (r == -EACCES && userns_enabled(ctx->conf) &&
		   (!strcmp(moment, "pre_mount") || !strcmp(moment, "mount"))) {
		errno = -r;
		snprintf(why, sizeof(why),
			 "cannot execute it: %m (the pre_mount and mount hooks of an unprivileged "
			 "container run as its root, host uid %u: the hook and the directories "
			 "above it must be readable and searchable by others)",
			 userns_to_host(ctx->conf, 'u', 0));
		ret = r;
	} else {
		errno = -r;
		snprintf(why, sizeof(why), "cannot execute it: %m");
		ret = r;
	}
	snprintf(msg, sizeof(msg), "hook %s (%s) failed: %s%s%s", exe, moment, why,
		 tail && *tail ? ": " : "", tail ? tail : "");
	if (ctx->error && ctx->error_size)
		snprintf(ctx->error, ctx->error_size, "%s", msg);
	log_error("%s", msg);
	return ret;
}

static int run_one(const struct hooks_ctx *ctx, const char *hook, char *const *env,
		   const char *moment)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *out = NULL;
	struct proc_run_opts o = {.envp = env, .timeout_ms = ctx->conf->hooks.timeout * 1000U};
	int r = split_words(hook, &argv);

	if (r < 0)
		return log_error_errno(r, "hook \"%s\" (%s) is empty", hook, moment);
	o.argv = argv;
	log_debug("running hook %s (%s) of %s", hook, moment, ctx->conf->name);
	r = proc_run_timed(&o, &out);
	log_output(argv[0], moment, out);
	if (r != 0)
		return report(ctx, argv[0], moment, r, out);
	return 0;
}

int hooks_run(const struct hooks_ctx *ctx, enum hook_moment m)
{
	char *const *list = hooks_list(ctx->conf, m);
	_cleanup_free_ char *entry_buf = NULL, *logp = NULL;
	_cleanup_strv_ char **env = NULL;
	const char *entry = ctx->entry;
	int r, logfd = -1;

	if (!list || !list[0])
		return 0;
	if (!entry)
		entry = entry_buf = str_printf("%s/%s", ctx->store, ctx->conf->name);
	if (!entry)
		return log_error_errno(-ENOMEM, "out of memory");
	r = build_env(ctx, entry, m, &env);
	if (r < 0)
		return log_error_errno(r, "out of memory");
	/* outside the monitor: the container's log for this run only */
	if (log_get_fd() < 0 && (logp = str_printf("%s/monitor.log", entry))) {
		logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (logfd >= 0) {
			log_set_fd(logfd);
			log_set_rotate(logp, ctx->conf->monitor.log_size);
		}
	}
	for (size_t i = 0; list[i] && r == 0; i++)
		r = run_one(ctx, list[i], env, hook_moment_name(m));
	if (logfd >= 0) {
		log_set_fd(-1);
		log_set_rotate(NULL, 0);
		close(logfd);
	}
	return r;
}

int hooks_run_new(const struct sysc_paths *p, const char *entry, enum hook_moment m,
		  char *const *env)
{
	_cleanup_free_ char *config = str_printf("%s/config", entry);
	struct sysc_conf *conf = NULL;
	int r;

	if (!config)
		return log_error_errno(-ENOMEM, "out of memory");
	r = facts_load_conf(p, config, &conf);
	if (r < 0)
		return r;
	r = hooks_run(
		&(struct hooks_ctx){.store = p->store, .conf = conf, .entry = entry, .env = env},
		m);
	conf_free(conf);
	return r;
}

static const char *const ns_names[HOOKS_N_NS] = {"mnt", "pid", "net", "uts", "ipc", "cgroup"};

void hooks_ns_init(struct hooks_ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	for (int i = 0; i < HOOKS_N_NS; i++)
		ns->fd[i] = -EBADF;
}

void hooks_ns_close(struct hooks_ns *ns)
{
	for (int i = 0; i < HOOKS_N_NS; i++) {
		CLOSE_FD(ns->fd[i]);
		free(ns->env[i]);
		ns->env[i] = NULL;
	}
}

/* env[n]: SYSC_NS_<NAME>=/proc/<pid>/fd/<fd> for namespace i; -ENOMEM. */
static int ns_env(struct hooks_ns *ns, int n, int i)
{
	char upper[16];

	for (size_t k = 0; k <= strlen(ns_names[i]); k++)
		upper[k] = (char)(ns_names[i][k] >= 'a' && ns_names[i][k] <= 'z'
					  ? ns_names[i][k] - 'a' + 'A'
					  : ns_names[i][k]);
	ns->env[n] = str_printf("SYSC_NS_%s=/proc/%d/fd/%d", upper, (int)getpid(), ns->fd[i]);
	return ns->env[n] ? 0 : -ENOMEM;
}

int hooks_ns_open(struct hooks_ns *ns, pid_t pid)
{
	int n = 0;

	hooks_ns_close(ns);
	for (int i = 0; i < HOOKS_N_NS; i++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* a kernel without this namespace type */
			return log_error_errno(-errno, "cannot open %s: %m", path);
		}
		ns->fd[i] = fd;
		if (ns_env(ns, n++, i) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	return 0;
}

int hooks_ns_adopt(struct hooks_ns *ns, const int fd[HOOKS_N_NS])
{
	int n = 0;

	hooks_ns_close(ns);
	for (int i = 0; i < HOOKS_N_NS; i++) {
		if (fd[i] < 0)
			continue;
		ns->fd[i] = fd[i];
		if (ns_env(ns, n++, i) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	return 0;
}
