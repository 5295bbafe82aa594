/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A new container's host identity inside its rootfs, written by sysc itself
 * for templates whose configure step would do only this (cache-key's
 * `configure=identity`, templates/README.md). */
#pragma once

/* /etc/hostname = NAME, /etc/hosts naming NAME (tpl_write_identity of
 * templates/sysc-template-lib.sh), an empty /etc/machine-id (systemd makes
 * one from the container's uuid) and no /etc/ssh/ssh_host_* keys. Every path
 * is resolved inside rootfs (openat2 RESOLVE_IN_ROOT, no symlink followed at
 * the end). Logs; -errno. */
int rootfs_identity_write(const char *rootfs, const char *name);
