/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console keeper's own work, linked both into sysc (the in-process
 * fallback) and into the static sysc-supervisor (its keeper mode), so it uses nothing
 * but libc, the console ring and small utilities (no config, no paths).
 */
#pragma once

#include <stdint.h>

/* The fds the keeper executable gets them on. */
#define KEEPER_MASTER_FD 3
#define KEEPER_HOLD_FD	 4

/* Wait until the monitor writes a byte on hold (it ended normally) or the
 * pipe ends without one (it died); then drain master into log_path (rotated
 * at log_max) while the init recorded in state_path runs. */
void keeper_run(int master, int hold, const char *state_path, const char *log_path,
		uint64_t log_max);
