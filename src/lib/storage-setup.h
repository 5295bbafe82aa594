/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Setting up a storage backend for the host (sysc-storage init). */
#pragma once

struct sysc_paths;

#define STORAGE_LVM_DEFAULT_POOL "sysc-pool"

/* Make (or reuse) volume group vg (on device, when it must be made) and
 * thin pool pool (NULL: STORAGE_LVM_DEFAULT_POOL), then record lvm.vg and
 * lvm.thinpool in <conf_dir>/sysc.conf. Logs its errors. */
int storage_setup_lvm(const struct sysc_paths *p, const char *vg, const char *device,
		      const char *pool);
