/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct sysc_paths;

/* Print a container's recent console output: the monitor's ring buffer when
 * it runs, else the tail of the console log file (boot messages of the last
 * run). */
int console_print_log(const struct sysc_paths *p, const char *name);
