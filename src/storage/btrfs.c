/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TEMPORARY: the btrfs backend is being written (issue 9); this file is replaced. */
#include "storage/storage.h"
#include "util/log.h"

#include <errno.h>

static int btrfs_usable(const struct storage_ctx *ctx, bool explain)
{
	if (explain)
		log_error("the btrfs backend is not built yet");
	return 0;
}

static int btrfs_unavailable(const struct storage_ctx *ctx, int entry_fd)
{
	return log_error_errno(-EOPNOTSUPP, "the btrfs backend is not built yet");
}

const struct storage_ops storage_btrfs_ops = {
	.name = "btrfs",
	.usable = btrfs_usable,
	.create_empty = btrfs_unavailable,
	.destroy = btrfs_unavailable,
};
