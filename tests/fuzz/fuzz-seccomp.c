/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp profile parser (seccomp.profile = "/path" names a file in this
 * format): the input is a profile text; a profile that parses is built into
 * a libseccomp filter and compiled to BPF, never installed; also with
 * seccomp.allow_bpf when it names bpf (the only case that changes). The
 * filter must hold exactly the ABIs of the profile's arch line (or the
 * host's).
 */
#include <seccomp.h>
#include <stdbool.h>

#include "security/seccomp.h"
#include "tests/fuzz/fuzz.h"
#include "util/cleanup.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void check_arches(const struct seccomp_profile *p, void *ctx)
{
	static const uint32_t known[] = {SCMP_ARCH_X86_64,  SCMP_ARCH_X86,    SCMP_ARCH_X32,
					 SCMP_ARCH_AARCH64, SCMP_ARCH_ARM,    SCMP_ARCH_PPC64LE,
					 SCMP_ARCH_S390X,   SCMP_ARCH_RISCV64};
	uint32_t host[8];
	const uint32_t *a = p->arches;
	size_t n = p->n_arches;

	if (!a) {
		n = seccomp_host_arches(host, ARRAY_SIZE(host));
		a = host;
	}
	for (size_t k = 0; k < ARRAY_SIZE(known); k++) {
		bool listed = false;
		for (size_t i = 0; i < n; i++)
			listed |= a[i] == known[k];
		if (listed != (seccomp_arch_exist(ctx, known[k]) == 0))
			abort();
	}
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
		check_arches(p, ctx);
		if (seccomp_compile(ctx, &prog) == 0)
			free(prog);
		seccomp_ctx_free(ctx);
	}
	seccomp_profile_free(p);
	return 0;
}
