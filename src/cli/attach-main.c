/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-attach as an executable of its own, linked statically: attaching
 * executes it twice (the second time from a sealed copy, attach/rexec.h),
 * and a static executable starts in a fraction of the multi-call binary's
 * time, which loads eight shared libraries each time (doc/architecture.md,
 * "Attach"). `sysc attach` runs the same code in the multi-call binary. */
#include "attach/attach.h"
#include "attach/rexec.h"
#include "cli/cli.h"
#include "util/log.h"

int main(int argc, char **argv)
{
	if (attach_rexec_sealed(argv) < 0)
		return ATTACH_EXIT_FAILURE;
	log_set_program("sysc-attach");
	argv[0] = (char *)"sysc-attach";
	return cmd_attach(argc, argv);
}
