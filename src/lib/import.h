/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-import: a new container from an archive made by sysc-export. */
#pragma once

struct sysc_paths;

struct import_opts {
	const char *file;    /* "-": stdin */
	const char *name;    /* NULL: the archive's config name */
	const char *backend; /* NULL: sysc.conf default_backend */
	int devices;	     /* enum tar_devices */
	char **allow;	     /* --allow KEY: settings of the archive's config accepted */
};

int import_container(const struct sysc_paths *p, const struct import_opts *o);
/* Extract a plain rootfs tarball into the existing empty directory dir
 * (for the tarball template: `sysc archive-extract`). */
int import_rootfs_tarball(const char *file, const char *dir, int devices);
