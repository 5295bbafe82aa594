/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Re-execute this program from a file that cannot be written, unless it
 * already runs from one. An attaching process runs host code while it is
 * visible in the container's PID namespace; through /proc/PID/exe root in
 * the container could open the host's sysc binary and overwrite it (the
 * CVE-2019-5736 class). The binary is executed from a detached read-only
 * overlay of its own directory (no copy: EROFS for any open for writing,
 * and no path leads to that mount), else from a sealed memfd copy. Returns
 * only on failure (-errno); argv is main()'s. (The static sysc-attach has
 * usually done the first already, before the C library started: preexec.c.)
 */
int attach_rexec_sealed(char **argv);
