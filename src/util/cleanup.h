/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scope-bound cleanup of resources: every resource a function owns is
 * declared with one of these attributes; ownership moves with TAKE_PTR/TAKE_FD. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* A NULL-terminated array of strings. */
static inline void cleanup_strvp(char ***strv)
{
	if (*strv) {
		for (char **s = *strv; *s; s++)
			free(*s);
		free(*strv);
	}
}

/* Define "static inline void funcp(type *p)", which calls func(*p) unless *p is
 * NULL, for _cleanup_(funcp): DEFINE_CLEANUP_FUNC(struct sysc_conf *, conf_free)
 * defines conf_freep. Put it next to func's declaration, once. */
#define DEFINE_CLEANUP_FUNC(type, func)                                                            \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

#define _cleanup_free_	   _cleanup_(cleanup_freep)
#define _cleanup_close_	   _cleanup_(cleanup_closep)
#define _cleanup_fclose_   _cleanup_(cleanup_fclosep)
#define _cleanup_closedir_ _cleanup_(cleanup_closedirp)
#define _cleanup_strv_	   _cleanup_(cleanup_strvp)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -EBADF;                                                                     \
		_tf;                                                                               \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Close fd and set it to -EBADF. */
#define CLOSE_FD(fd)                                                                               \
	do {                                                                                       \
		if ((fd) >= 0)                                                                     \
			close(fd);                                                                 \
		(fd) = -EBADF;                                                                     \
	} while (0)
