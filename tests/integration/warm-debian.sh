#!/bin/bash
# Make the Debian template cache in SYSC_TEST_CACHE (a create and a
# destroy in a private store), for files that run in a network namespace
# of their own (lib.sh, T_PRIVATE_NETNS) and so cannot run debootstrap.
. "$(dirname "$0")/lib.sh"
sysc-create warm -t debian >"$T_ROOT/warm.log" 2>&1 || {
	tail -n 5 "$T_ROOT/warm.log"
	exit 1
}
sysc-destroy -f warm >/dev/null
