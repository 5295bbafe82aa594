/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the libFuzzer targets of tests/fuzz (see tests/fuzz/run). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Messages are formatted (so their code runs) but not printed, unless
 * SYSC_FUZZ_VERBOSE=1 (to read what an input does when reproducing it). */
static inline void fuzz_quiet(void)
{
	const char *v = getenv("SYSC_FUZZ_VERBOSE");

	log_set_program("fuzz");
	if (!v || strcmp(v, "1") != 0)
		log_set_stderr(0);
}

/* The input as a NUL-terminated string (it ends at its first NUL byte). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}
