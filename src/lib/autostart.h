/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-autostart: start the containers with autostart.enabled at boot, in
 * ascending autostart.order (then name), waiting autostart.delay seconds
 * after each; stop or kill them in the reverse order. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

enum autostart_action {
	AUTOSTART_START,
	AUTOSTART_STOP, /* clean shutdown */
	AUTOSTART_KILL,
};

struct autostart_opts {
	enum autostart_action action;
	bool all;	     /* every enabled container, whatever its group */
	char *const *groups; /* these groups ("" = no group); NULL: no group only */
	bool list;	     /* print what would be done, do nothing */
	int timeout;	     /* stop: seconds before SIGKILL (<= 0: init.stop_timeout) */
};

/* Go through every selected container; a failure of one (logged) does not
 * stop the others. Returns 0, or the first error. */
int autostart_run(const struct sysc_paths *p, const struct autostart_opts *o);
