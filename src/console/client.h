/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The user's side of a console: raw terminal, escape prefix (Ctrl-a q
 * detaches, Ctrl-a Ctrl-a sends Ctrl-a), window size passed on. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

#define CONSOLE_ESCAPE_DEFAULT 1 /* Ctrl-a */

/* Attach stdin/stdout to tty (0 = console) of a running container until the
 * user detaches or the container stops. Returns 0, or -errno (logged). */
int console_client_attach(const struct sysc_paths *p, const char *name, int tty, int escape,
			  bool quiet);
