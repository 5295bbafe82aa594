/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct sysc_paths;

struct create_opts {
	const char *name;
	const char *template;	    /* name or path */
	const char *backend;	    /* NULL: sysc.conf default_backend, else "best" */
	const char *config_file;    /* -f FILE, or NULL */
	char *const *template_args; /* after "--" */
};

/* Create a container atomically: everything is built under a hidden work
 * directory in the store and renamed into place at the end; on any failure
 * or interrupt nothing is left. Logs its progress and its errors. */
int create_container(const struct sysc_paths *p, const struct create_opts *o);
