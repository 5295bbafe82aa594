/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-export: a stopped container, or one of its snapshots, with its
 * config as one tar archive (see doc/architecture.md, "Archives"):
 *
 *   sysc-archive   "format=2" and what made it (first entry)
 *   config         the container's config
 *   rootfs/...     the root filesystem
 *   sysc-checksum  "fnv64=HEX": tar_writer_sum() of everything before it:
 *                  sysc-archive, config, rootfs/ (last entry; format 1: of
 *                  rootfs/ only)
 */
#pragma once

struct sysc_paths;

#define EXPORT_FORMAT_VERSION 2

struct export_opts {
	const char *name;
	const char *snapshot; /* or NULL */
	const char *file;     /* "-": stdout */
	int compression;      /* enum tar_compression; TAR_COMPRESSION_AUTO: from file's name */
};

int export_container(const struct sysc_paths *p, const struct export_opts *o);
