/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SIGINT/SIGTERM/SIGHUP during long operations (create, start): the handler
 * only records the signal; the operation notices, rolls back and exits. */
#pragma once

/* Install handlers (without SA_RESTART, so blocking calls return EINTR). */
void interrupt_install(void);
/* The signal received, or 0. */
int interrupt_pending(void);
