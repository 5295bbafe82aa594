/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state of an OCI container: <root>/<id>/ holds state.json (ours, not
 * runc's format), config.json (the bundle's, as created: hooks for start and
 * delete), and exec.fifo while init waits for `start`. The status is judged
 * each time from init's pid and start time, the fifo and the freezer.
 */
#include "oci/oci.h"
#include "cgroup/cgroup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
	return names[s];
}

int oci_id_valid(const char *id)
{
	if (!id || !*id || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, "..") ||
	    strlen(id) > 1024) {
		log_error("invalid container id \"%s\"", id ? id : "");
		return -EINVAL;
	}
	for (const char *p = id; *p; p++)
		if (*p < 0x21 || *p == 0x7f) {
			log_error("invalid container id \"%s\": no spaces or control characters",
				  id);
			return -EINVAL;
		}
	return 0;
}

/* Field 22 of /proc/PID/stat, 0 when the process is gone or a zombie. */
uint64_t oci_pid_starttime(pid_t pid)
{
	char path[64], *text = NULL, *p;
	unsigned long long t = 0;
	char state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || fileio_read_at(AT_FDCWD, path, &text, NULL) < 0)
		return 0;
	p = strrchr(text, ')');
	/* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
	 * stime cutime cstime priority nice threads itrealvalue starttime" */
	if (!p ||
	    sscanf(p + 1,
		   " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %*s %llu",
		   &state, &t) != 2 ||
	    state == 'Z' || state == 'X')
		t = 0;
	free(text);
	return t;
}

static int str_field(struct json_object *o, const char *key, char **ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EBADMSG;
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : -ENOMEM;
}

static int judge(struct oci_state *st)
{
	char fifo[PATH_MAX];

	if (oci_pid_starttime(st->pid) != st->starttime) {
		st->status = OCI_STOPPED;
		return 0;
	}
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
	if (access(fifo, F_OK) == 0)
		st->status = OCI_CREATED;
	else if (cgroup_is_frozen(st->cgroup_parent, st->cgroup_name))
		st->status = OCI_PAUSED;
	else
		st->status = OCI_RUNNING;
	return 0;
}

static int parse_state(const char *path, const char *text, struct oci_state *st)
{
	struct json_object *o = json_tokener_parse(text), *v;
	int r = -EBADMSG;

	if (!o)
		goto fail;
	if (str_field(o, "bundle", &st->bundle) < 0 || str_field(o, "rootfs", &st->rootfs) < 0 ||
	    str_field(o, "created", &st->created) < 0 ||
	    str_field(o, "cgroup_parent", &st->cgroup_parent) < 0 ||
	    str_field(o, "cgroup_name", &st->cgroup_name) < 0)
		goto fail;
	if (!json_object_object_get_ex(o, "pid", &v))
		goto fail;
	st->pid = (pid_t)json_object_get_int(v);
	if (!json_object_object_get_ex(o, "starttime", &v))
		goto fail;
	st->starttime = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "owner", &v))
		st->owner = (uid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "system_container", &v))
		st->system_container = json_object_get_boolean(v);
	st->annotations = calloc(1, sizeof(char *));
	if (!st->annotations) {
		r = -ENOMEM;
		goto fail;
	}
	if (json_object_object_get_ex(o, "annotations", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val)
		{
			if (strv_push(&st->annotations, k) < 0 ||
			    strv_push(&st->annotations, json_object_get_string(val)) < 0) {
				r = -ENOMEM;
				goto fail;
			}
		}
	}
	json_object_put(o);
	return 0;
fail:
	json_object_put(o);
	return log_error_errno(r, "%s: damaged state file: %m", path);
}

int oci_state_load(const char *root, const char *id, struct oci_state **ret)
{
	_cleanup_(oci_state_freep) struct oci_state *st = calloc(1, sizeof(*st));
	_cleanup_free_ char *path = NULL, *text = NULL;
	int r;

	if (!st)
		return -ENOMEM;
	if (oci_id_valid(id) < 0)
		return -EINVAL;
	st->id = strdup(id);
	st->dir = str_printf("%s/%s", root, id);
	path = str_printf("%s/%s/state.json", root, id);
	if (!st->id || !st->dir || !path)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, path, &text, NULL);
	if (r == -ENOENT || r == -ENOTDIR) {
		log_error("container \"%s\" does not exist", id);
		return -ENOENT;
	}
	if (r < 0)
		return log_error_errno(r, "cannot read %s: %m", path);
	r = parse_state(path, text, st);
	if (r < 0)
		return r;
	judge(st);
	*ret = TAKE_PTR(st);
	return 0;
}

static struct json_object *annotations_json(char *const *a)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && a && a[i]; i += 2)
		json_object_object_add(o, a[i], json_object_new_string(a[i + 1]));
	return o;
}

int oci_state_save(const struct oci_state *st)
{
	struct json_object *o = json_object_new_object();
	_cleanup_close_ int dfd = -EBADF;
	const char *text;
	int r;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "starttime", json_object_new_uint64(st->starttime));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	json_object_object_add(o, "owner", json_object_new_int64(st->owner));
	json_object_object_add(o, "cgroup_parent", json_object_new_string(st->cgroup_parent));
	json_object_object_add(o, "cgroup_name", json_object_new_string(st->cgroup_name));
	json_object_object_add(o, "system_container",
			       json_object_new_boolean(st->system_container));
	json_object_object_add(o, "annotations", annotations_json(st->annotations));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	dfd = open(st->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? negative_errno()
		    : fileio_replace_at(dfd, "state.json", text, strlen(text), 0600);
	json_object_put(o);
	if (r < 0)
		return log_error_errno(r, "cannot write %s/state.json: %m", st->dir);
	return 0;
}

char *oci_state_json(const struct oci_state *st, enum oci_status status, bool pretty)
{
	struct json_object *o = json_object_new_object();
	char *s;

	if (!o)
		return NULL;
	json_object_object_add(o, "ociVersion", json_object_new_string(OCI_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid", json_object_new_int(status == OCI_STOPPED ? 0 : st->pid));
	json_object_object_add(o, "status", json_object_new_string(oci_status_name(status)));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	json_object_object_add(o, "owner", json_object_new_string(""));
	if (st->annotations && st->annotations[0])
		json_object_object_add(o, "annotations", annotations_json(st->annotations));
	s = strdup(json_object_to_json_string_ext(
		o, pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				    JSON_C_TO_STRING_NOSLASHESCAPE
			  : JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

void oci_state_free(struct oci_state *st)
{
	if (!st)
		return;
	free(st->id);
	free(st->dir);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_parent);
	free(st->cgroup_name);
	strv_free(st->annotations);
	free(st);
}

int oci_state_list(const char *root, char ***ret)
{
	_cleanup_strv_ char **l = calloc(1, sizeof(char *));
	DIR *d;
	struct dirent *e;

	if (!l)
		return -ENOMEM;
	d = opendir(root);
	if (!d) {
		if (errno == ENOENT) {
			*ret = TAKE_PTR(l);
			return 0;
		}
		return log_error_errno(negative_errno(), "cannot list %s: %m", root);
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/state.json", root, e->d_name);
		if (access(path, F_OK) == 0 && strv_push(&l, e->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	*ret = TAKE_PTR(l);
	return 0;
}
