/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TEMPORARY: the lvm backend is being written (issue 9); this file is replaced. */
#include "storage/storage.h"
#include "util/log.h"

#include <errno.h>

static int lvm_usable(const struct storage_ctx *ctx, bool explain)
{
	if (explain)
		log_error("the lvm backend is not built yet");
	return 0;
}

static int lvm_unavailable(const struct storage_ctx *ctx, int entry_fd)
{
	return log_error_errno(-EOPNOTSUPP, "the lvm backend is not built yet");
}

const struct storage_ops storage_lvm_ops = {
	.name = "lvm",
	.usable = lvm_usable,
	.create_empty = lvm_unavailable,
	.destroy = lvm_unavailable,
};
