/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "archive/dl.h"
#include "util/log.h"

#include <dlfcn.h>
#include <errno.h>

struct archive_dl archive_dl;

/* the soname of the libarchive we were built against, then any */
static const char *const names[] = {"libarchive.so.13", "libarchive.so"};

int archive_dl_load(void)
{
	static int result = 1;
	void *h = NULL;

	if (result <= 0)
		return result;
	for (size_t i = 0; !h && i < sizeof(names) / sizeof(names[0]); i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		log_error("cannot load libarchive (package libarchive13): %s", dlerror());
		return result = -ENOENT;
	}
#define ARCHIVE_DL_LOAD(n)                                                                         \
	if (!(archive_dl.n##_fn = (__typeof__(archive_dl.n##_fn))dlsym(h, #n))) {                  \
		log_error("libarchive has no %s: %s", #n, dlerror());                              \
		return result = -ENOENT;                                                           \
	}
	ARCHIVE_DL_SYMBOLS(ARCHIVE_DL_LOAD)
#undef ARCHIVE_DL_LOAD
	return result = 0;
}
