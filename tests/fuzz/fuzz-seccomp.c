/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp profile parser (seccomp.profile = "/path" names a file in this
 * format): the input is a profile text; a profile that parses is built into
 * a libseccomp filter and compiled to BPF, never installed; also with
 * seccomp.allow_bpf when it names bpf (the only case that changes).
 */
#include "security/seccomp.h"
#include "tests/fuzz/fuzz.h"
#include "util/cleanup.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_string(data, size);
	struct seccomp_profile *p = NULL;

	if (!text || seccomp_profile_parse("fuzz.seccomp", text, &p) < 0)
		return 0;
	for (int allow_bpf = 0; allow_bpf < (strstr(text, "bpf") ? 2 : 1); allow_bpf++) {
		void *ctx = NULL, *prog = NULL;
		if (seccomp_build(p, allow_bpf, &ctx) < 0)
			continue;
		if (seccomp_compile(ctx, &prog) == 0)
			free(prog);
		seccomp_ctx_free(ctx);
	}
	seccomp_profile_free(p);
	return 0;
}
