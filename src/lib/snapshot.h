/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Snapshots of stopped containers: <store>/<name>/snapshots/<snap>/. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

/* Snapshot stopped container name as snap_name (NULL: snap0, snap1, ...);
 * prints the snapshot's name. */
int snapshot_create(const struct sysc_paths *p, const char *name, const char *comment,
		    const char *snap_name);
/* Print the snapshots of name: a table, or JSON. */
int snapshot_list(const struct sysc_paths *p, const char *name, bool json);
/* Restore snap into the stopped container (new_name NULL or name), or into
 * a new container new_name. */
int snapshot_restore(const struct sysc_paths *p, const char *name, const char *snap,
		     const char *new_name);
int snapshot_destroy(const struct sysc_paths *p, const char *name, const char *snap);
