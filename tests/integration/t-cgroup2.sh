#!/bin/bash
# A pure cgroup v2 host (issue 4): the development machines have hybrid
# cgroups, so this file boots a QEMU guest (tests/qemu/run-vm, Debian kernel
# with cgroup_no_v1=all, the host's / as the guest's root) and runs its own
# second half in there (SYSC_QEMU_GUEST=1): busybox and Debian containers
# boot, attach, stop and leave no cgroup behind. The guest's PASS/FAIL lines
# are relayed here and counted with the host's own.
. "$(dirname "$0")/lib.sh"

# the host's cgroup dirs of this file (none when clean)
cg_dirs() {
	find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort
}

# ---------------------------------------------------------------- guest half

test_host_is_pure_v2() {
	expect_eq "$(stat -fc %T /sys/fs/cgroup)" cgroup2fs "/sys/fs/cgroup"
	! grep -q ' cgroup ' /proc/self/mounts || t_die "v1 hierarchies: $(grep ' cgroup ' /proc/self/mounts)"
	[[ ! -e /sys/fs/cgroup/unified ]] || t_die "a hybrid layout"
	local c
	for c in cpu io memory pids; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || t_die "no $c controller: $(cat /sys/fs/cgroup/cgroup.controllers)"
	done
	grep -qw nsdelegate /proc/self/mountinfo || t_die "not mounted as systemd does (nsdelegate)"
}

test_busybox_cgroup() {
	local cg=/sys/fs/cgroup/$SYSC_CGROUP_PARENT/b pid c
	sysc-create b -t busybox || t_die "sysc-create b -t busybox failed"
	sysc-start b || t_die "sysc-start b failed"
	sysc-ls | grep -Eq '^b +RUNNING' || t_die "ls: $(sysc-ls)"
	pid=$(init_pid b)
	expect_eq "$(cat /proc/"$pid"/cgroup)" "0::/$SYSC_CGROUP_PARENT/b" "cgroup of init"
	sysc-info b | grep -Eq "^Cgroup: +/$SYSC_CGROUP_PARENT/b\$" || t_die "info: $(sysc-info b)"
	sysc-info b | grep -Eq '^Memory: +[0-9.]+ *[KMG]i?B' || t_die "no memory stats: $(sysc-info b)"
	# delegated: every controller of the host is available to the container
	for c in cpu io memory pids; do
		grep -qw "$c" "$cg/cgroup.controllers" || t_die "$c not delegated: $(cat "$cg/cgroup.controllers")"
	done
	# inside: rooted at its own cgroup, which it may subdivide
	expect_eq "$(inside b /bin/cat /proc/1/cgroup)" "0::/" "cgroup of init inside"
	inside b /bin/grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || t_die "no cgroup2 inside"
	expect_eq "$(inside b /bin/cat /sys/fs/cgroup/cgroup.controllers)" "$(cat "$cg/cgroup.controllers")" \
		"controllers inside"
	inside b /bin/mkdir /sys/fs/cgroup/sub
	[[ -d $cg/sub ]] || t_die "no child cgroup made inside"
	inside b /bin/rmdir /sys/fs/cgroup/sub
	sysc-stop b || t_die "sysc-stop b failed"
	[[ ! -e $cg ]] || t_die "$cg left after stop"
	kill -0 "$pid" 2>/dev/null && t_die "init $pid still alive"
	expect_clean
}

test_attach_leaf() {
	local cg=/sys/fs/cgroup/$SYSC_CGROUP_PARENT/a
	sysc-create a -t busybox || t_die "sysc-create a -t busybox failed"
	sysc-start a || t_die "sysc-start a failed"
	expect_eq "$(sysc-attach a -- /bin/cat /proc/self/cgroup)" "0::/sysc.attach" "cgroup of attach (inside)"
	# seen from the host while it runs
	sysc-attach a -- /bin/sleep 30 &
	local spid=$! seen="" p
	for _ in $(seq 100); do
		seen=$(cat "$cg/sysc.attach/cgroup.procs" 2>/dev/null)
		for p in $seen; do
			[[ $(cat /proc/"$p"/comm 2>/dev/null) == sleep ]] && break 2
		done
		sleep 0.1
	done
	[[ -n $seen ]] || t_die "nothing in $cg/sysc.attach"
	# the command (and, while it lives, sysc-attach's intermediate)
	for p in $seen; do
		expect_eq "$(cat /proc/"$p"/cgroup)" "0::/$SYSC_CGROUP_PARENT/a/sysc.attach" "cgroup of $p"
		grep -qx "$p" "$cg/cgroup.procs" && t_die "attached process $p in the container's own cgroup"
	done
	pgrep -x sleep | grep -qxF -f <(echo "$seen") || t_die "the sleep is not in $cg/sysc.attach"
	# stop with an attached process still running: cgroup.kill takes it along
	sysc-stop a || t_die "sysc-stop a failed"
	wait "$spid" 2>/dev/null || true
	[[ ! -e $cg ]] || t_die "$cg left after stop: $(find "$cg")"
	expect_clean
}

test_attach_after_systemd_style_delegation() {
	# what systemd does as the container's init: move itself to init.scope,
	# then enable controllers in its root's subtree_control. From then on
	# the container's cgroup may hold no process (no-internal-process rule),
	# and attach must still work.
	local cg=/sys/fs/cgroup/$SYSC_CGROUP_PARENT/s
	sysc-create s -t busybox || t_die "sysc-create s -t busybox failed"
	sysc-start s || t_die "sysc-start s failed"
	# (busybox init's children too: under systemd there are none yet)
	inside s /bin/sh -c 'cd /sys/fs/cgroup && mkdir init.scope &&
		for p in $(cat cgroup.procs); do echo $p >init.scope/cgroup.procs || exit 1; done &&
		echo "+memory +pids" >cgroup.subtree_control' || t_die "delegation inside"
	grep -qw memory "$cg/cgroup.subtree_control" || t_die "subtree_control: $(cat "$cg/cgroup.subtree_control")"
	expect_eq "$(cat "$cg/cgroup.procs")" "" "processes in the inner node"
	expect_eq "$(sysc-attach s -- /bin/cat /proc/self/cgroup)" "0::/sysc.attach" "attach after delegation"
	[[ -e $cg/sysc.attach/memory.max ]] || t_die "the attach leaf has no memory controller"
	echo 1 | sysc-attach s -- /bin/sh -c 'read x; exit $((x + 41))' && t_die "exit status lost"
	local rc=0
	sysc-attach s -- /bin/sh -c 'exit 42' || rc=$?
	expect_eq "$rc" 42 "exit status of attach"
	# and after the first attach made the leaf (enable more, attach again)
	inside s /bin/sh -c 'echo "+cpu +io" >/sys/fs/cgroup/cgroup.subtree_control' || t_die "more controllers"
	expect_eq "$(sysc-attach s -- /bin/cat /proc/self/cgroup)" "0::/sysc.attach" "attach again"
	sysc-stop s || t_die "sysc-stop s failed"
	[[ ! -e $cg ]] || t_die "$cg left after stop: $(find "$cg" -type d)"
	expect_clean
}

test_limits_and_freeze() {
	# limits are written to the v2 files themselves (no v1 translation here)
	local cg=/sys/fs/cgroup/$SYSC_CGROUP_PARENT/l
	sysc-create l -t busybox || t_die "sysc-create l failed"
	sysc-config l cgroup.memory.max 64M || t_die "config memory.max"
	sysc-config l cgroup.pids.max 100 || t_die "config pids.max"
	sysc-start l || t_die "sysc-start l failed"
	expect_eq "$(cat "$cg/memory.max")" 67108864 "memory.max"
	expect_eq "$(cat "$cg/pids.max")" 100 "pids.max"
	sysc-cgroup l cpu.max "50000 100000" || t_die "live cpu.max"
	expect_eq "$(cat "$cg/cpu.max")" "50000 100000" "cpu.max"
	expect_eq "$(sysc-cgroup l memory.max)" 67108864 "sysc-cgroup memory.max"
	# freeze is recursive: the attach leaf and subgroups made inside too
	inside l /bin/mkdir /sys/fs/cgroup/inner || t_die "mkdir inside"
	sysc-attach l -- /bin/sleep 60 </dev/null >/dev/null 2>&1 &
	sysc-freeze l || t_die "sysc-freeze l failed"
	sysc-ls | grep -Eq '^l +FROZEN' || t_die "ls: $(sysc-ls)"
	grep -qx 'frozen 1' "$cg/cgroup.events" || t_die "events: $(cat "$cg/cgroup.events")"
	sysc-unfreeze l || t_die "sysc-unfreeze l failed"
	grep -qx 'frozen 0' "$cg/cgroup.events" || t_die "events: $(cat "$cg/cgroup.events")"
	sysc-ls | grep -Eq '^l +RUNNING' || t_die "ls: $(sysc-ls)"
	sysc-freeze l || t_die "second sysc-freeze failed"
	sysc-stop l || t_die "stop from FROZEN failed"
	wait
	[[ ! -e $cg ]] || t_die "$cg left after stop"
	expect_clean
}

# the delegated tree shows the container's limit to a program that finds
# it as the JVM does (/proc/self/cgroup, /proc/self/mountinfo, walking up
# from its own cgroup: sysc-attach's leaf has none of its own)
test_limit_readable_inside() {
	local out
	gcc -static -O1 -o "$T_ROOT/cgroup-limit" "$T_SRC/tests/integration/probe/cgroup-limit.c" ||
		t_die "cannot build the probe"
	sysc-create r -t busybox || t_die "sysc-create r failed"
	sysc-config r cgroup.memory.max 64M || t_die "config memory.max"
	cp "$T_ROOT/cgroup-limit" "$SYSC_PATH/r/rootfs/cgroup-limit"
	sysc-start r || t_die "sysc-start r failed"
	out=$(sysc-attach r -- /cgroup-limit) || t_die "probe: $out"
	expect_eq "$out" "v2 /sys/fs/cgroup 67108864" "limit found inside"
	sysc-cgroup r memory.max 32M || t_die "live memory.max"
	expect_eq "$(sysc-attach r -- /cgroup-limit)" "v2 /sys/fs/cgroup 33554432" "live limit found inside"
	sysc-stop r || t_die "sysc-stop r failed"
	expect_clean
}

# resources.cpu_pinning on the v2 cpuset controller: a quota pins to
# ceil(QUOTA / PERIOD) CPUs, the least used; nproc inside counts them
test_cpu_pinning() {
	local cg=/sys/fs/cgroup/$SYSC_CGROUP_PARENT
	[[ $(nproc) -ge 2 ]] || t_die "needs 2 CPUs (the guest has $(nproc))"
	for c in pa pb; do
		sysc-create $c -t busybox || t_die "sysc-create $c failed"
		sysc-config $c cgroup.cpu.max "100000 100000" || t_die "config cpu.max"
		sysc-start $c || t_die "sysc-start $c failed"
		expect_eq "$(sysc-attach $c -- nproc)" 1 "$c: nproc"
	done
	[[ $(cat "$cg/pa/cpuset.cpus") != "$(cat "$cg/pb/cpuset.cpus")" ]] ||
		t_die "pa and pb both on CPU $(cat "$cg/pa/cpuset.cpus")"
	sysc-cgroup pa cpu.max "200000 100000" || t_die "live cpu.max"
	expect_eq "$(sysc-attach pa -- nproc)" 2 "pa: nproc after live cpu.max 200000 100000"
	sysc-stop pb || t_die "sysc-stop pb failed"
	sysc-stop pa || t_die "sysc-stop pa failed"
	sysc-config pa resources.cpu_pinning off || t_die "config cpu_pinning"
	sysc-start pa || t_die "sysc-start pa failed"
	expect_eq "$(sysc-attach pa -- nproc)" "$(nproc)" "pa: nproc with cpu_pinning off"
	sysc-stop pa || t_die "sysc-stop pa failed"
	expect_clean
}

test_attach_pids_exhausted() {
	# forking into a full pids cgroup fails, moving in does not: attach then
	# forks its command outside the container's cgroup and moves it in, which
	# only an unprivileged container allows here (the v2 cgroup holds the
	# device program too, and a privileged root could ptrace the command
	# before it is moved); a privileged one is refused with a reason
	local cg=/sys/fs/cgroup/$SYSC_CGROUP_PARENT c n out rc
	printf 'security = { privileged = true; };\n' >"$T_ROOT/priv.conf"
	sysc-create pu -t busybox || t_die "sysc-create pu failed"
	sysc-create pp -t busybox -f "$T_ROOT/priv.conf" || t_die "sysc-create pp failed"
	for c in pu pp; do
		sysc-config $c cgroup.pids.max 20 || t_die "config pids.max"
		sysc-start $c || t_die "sysc-start $c failed"
		sysc-attach $c -- awk 'BEGIN { while (1) system("sleep 1000 &") }' \
			</dev/null >/dev/null 2>&1 &
		for _ in $(seq 100); do
			n=$(cat "$cg/$c/pids.current")
			[[ $n -ge 20 ]] && break
			sleep 0.1
		done
		[[ $n -ge 20 ]] || t_die "$c: the bomb did not reach the limit ($n pids)"
	done
	expect_eq "$(sysc-attach pu -- echo alive)" alive "attach during the bomb (unprivileged)"
	rc=0
	out=$(sysc-attach pp -- echo alive 2>&1) || rc=$?
	expect_eq "$rc" 125 "attach during the bomb (privileged)"
	grep -q 'pids.max is reached' <<<"$out" || t_die "no reason given: $out"
	for c in pu pp; do
		sysc-stop -k $c || t_die "sysc-stop -k $c failed"
	done
	wait
	expect_clean
}

test_start_stop_cycles() {
	local before after
	sysc-create c -t busybox || t_die "sysc-create c -t busybox failed"
	before=$(cg_dirs)
	for _ in 1 2 3 4 5; do
		sysc-start c || t_die "sysc-start c failed"
		sysc-attach c -- /bin/true || t_die "sysc-attach c -- /bin/true failed"
		sysc-stop c || t_die "sysc-stop c failed"
	done
	after=$(cg_dirs)
	expect_eq "$after" "$before" "cgroups after 5 start/stop cycles"
	sysc-start c || t_die "sysc-start c failed"
	sysc-stop -k c || t_die "sysc-stop -k c failed"
	expect_eq "$(cg_dirs)" "$before" "cgroups after a kill"
	expect_clean
}

test_debian_systemd() {
	[[ -n ${SYSC_QEMU_DEBIAN_CACHE:-} ]] || t_skip "no Debian template cache: ${SYSC_QEMU_DEBIAN_WHY:-}"
	local cg=/sys/fs/cgroup/$SYSC_CGROUP_PARENT/d t0 pid
	t0=$(date +%s.%N)
	SYSC_CACHE_DIR=$SYSC_QEMU_DEBIAN_CACHE sysc-create d -t debian >"$T_ROOT/d.log" 2>&1 ||
		t_die "create: $(tail -n 5 "$T_ROOT/d.log")"
	grep -q 'using template cache debian-' "$T_ROOT/d.log" || t_die "cache not used: $(cat "$T_ROOT/d.log")"
	qemu_timing "Debian create from the cache: $(qemu_since "$t0") s"
	t0=$(date +%s.%N)
	sysc-start d || t_die "sysc-start d failed"
	wait_running d 300
	qemu_timing "Debian start -> running: $(qemu_since "$t0") s"
	pid=$(init_pid d)
	expect_eq "$(cat /proc/"$pid"/cgroup)" "0::/$SYSC_CGROUP_PARENT/d/init.scope" "systemd's cgroup"
	grep -qw memory "$cg/cgroup.subtree_control" || t_die "systemd enabled no memory controller below: $(cat "$cg/cgroup.subtree_control")"
	[[ -d $cg/system.slice ]] || t_die "no system.slice"
	expect_eq "$(sysc-attach d -- cat /proc/self/cgroup)" "0::/sysc.attach" "attach under systemd"
	sysc-attach d -- systemctl is-system-running | grep -qx running || t_die "systemctl via attach"
	t0=$(date +%s.%N)
	sysc-stop d || t_die "sysc-stop d failed"
	qemu_timing "Debian stop: $(qemu_since "$t0") s"
	[[ ! -e $cg ]] || t_die "$cg left after stop"
	expect_clean
	sysc-destroy d || t_die "sysc-destroy d failed"
}

# ----------------------------------------------------------------- host half

# The lanes work wherever the source tree is: the guest mounts its own
# /tmp, /run and /dev/shm over the host's, and run-vm shows the job's
# directories (its script's, the working one, --share) on top at their paths.
test_vm_shows_hidden_dirs() {
	local d s other out rc=0
	command -v qemu-system-x86_64 >/dev/null || t_die "qemu-system-x86_64 not installed"
	d=$(mktemp -d /tmp/sysc-qemu-job.XXXXXX)
	s=$(mktemp -d /dev/shm/sysc-qemu-share.XXXXXX)
	other=$(mktemp -d /tmp/sysc-qemu-other.XXXXXX)
	# shellcheck disable=SC2064 # (the paths now: the locals are gone at exit)
	trap "rm -rf $(printf '%q ' "$d" "$s" "$other")" EXIT
	echo shared >"$s/data"
	cat >"$d/job.sh" <<'EOF'
echo "pwd: $PWD"
echo "data: $(cat "$1/data")"
if [[ -e $2 ]]; then echo "other: visible"; else echo "other: hidden"; fi
echo new >written && echo "write: ok"
EOF
	out=$(cd "$d" && TMPDIR=$T_ROOT "$T_SRC/tests/qemu/run-vm" --timeout 300 --share "$s" --share /run \
		job.sh "$s" "$other" 2>&1) || rc=$?
	echo "$out"
	expect_eq "$rc" 0 "run-vm status"
	grep -qx "pwd: $d" <<<"$out" || t_die "not run in $d"
	grep -qx "data: shared" <<<"$out" || t_die "--share $s not seen"
	# only what the job needs: the rest of the guest's /tmp is its own
	grep -qx "other: hidden" <<<"$out" || t_die "the host's $other seen in the guest"
	grep -qx "write: ok" <<<"$out" || t_die "cannot write in $d in the guest"
	[[ ! -e $d/written ]] || t_die "a write in the guest reached the host's $d"
	# (a directory that holds the guest's own mounts is refused, with a word why)
	grep -q "cannot show the host's /run in the guest: it would hide the guest's /run/" <<<"$out" ||
		t_die "no word about --share /run"
}

guest_main() {
	qemu_mount_debian_cache
	qemu_guest_run test_host_is_pure_v2 test_busybox_cgroup test_attach_leaf \
		test_attach_after_systemd_style_delegation test_limits_and_freeze test_limit_readable_inside \
		test_cpu_pinning test_attach_pids_exhausted \
		test_start_stop_cycles \
		test_debian_systemd
}

if qemu_guest; then
	guest_main
else
	t_run test_vm_shows_hidden_dirs
	qemu_host_main --append cgroup_no_v1=all --mem 3072
fi
