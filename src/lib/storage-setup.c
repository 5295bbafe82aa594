/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/storage-setup.h"
#include "config/config.h"
#include "lib/paths.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <string.h>

static int record_lvm(const char *file, const char *vg, const char *pool)
{
	struct conf_edit *ed = NULL;
	int r = conf_global_edit_open(file, &ed);

	if (r == 0)
		r = conf_edit_set(ed, "lvm.vg", vg);
	if (r == 0)
		r = conf_edit_set(ed, "lvm.thinpool", pool);
	if (r == 0)
		r = conf_edit_write(ed, NULL, file);
	conf_edit_free(ed);
	return r;
}

int storage_setup_lvm(const struct sysc_paths *p, const char *vg, const char *device,
		      const char *pool)
{
	_cleanup_free_ char *file = str_printf("%s/sysc.conf", p->conf_dir);
	int r;

	if (!file)
		return -ENOMEM;
	if (!pool)
		pool = STORAGE_LVM_DEFAULT_POOL;
	r = storage_lvm_prepare(vg, device, pool);
	if (r < 0)
		return r;
	r = fileio_mkdir_p(p->conf_dir, 0755);
	if (r < 0)
		return log_error_errno(r, "cannot create %s: %m", p->conf_dir);
	r = record_lvm(file, vg, pool);
	if (r < 0)
		return r;
	log_info("lvm backend ready: thin pool %s/%s, recorded in %s (rootfs.backend = \"lvm\" "
		 "or default_backend = \"lvm\" uses it)",
		 vg, pool, file);
	return 0;
}
