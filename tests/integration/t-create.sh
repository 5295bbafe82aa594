#!/bin/bash
# Foundation: create/destroy/ls/info/config with busybox and a test
# template; bad input; interrupted and concurrent creates.
. "$(dirname "$0")/lib.sh"

# no unfinished cache build, and no cache for KEY (its build never finished)
expect_no_cache_leftovers() {
	local left
	left=$(ls -A "$SYSC_CACHE_DIR" | grep -E "^\.build-|^$1\$" || true)
	[[ -z $left ]] || t_die "cache leftovers: $left"
}

test_create_busybox() {
	sysc-create b1 -t busybox
	expect_store "b1"
	[[ -x $SYSC_PATH/b1/rootfs/bin/busybox ]] || t_die "no busybox in rootfs"
	[[ -L $SYSC_PATH/b1/rootfs/sbin/init ]] || t_die "no /sbin/init"
	expect_eq "$(cat "$SYSC_PATH/b1/rootfs/etc/hostname")" b1 hostname
	sysc-ls | grep -Eq "^b1 +STOPPED +dir +$(idmap_col b1) +no +-" || t_die "ls: $(sysc-ls)"
	sysc-ls --format json | grep -q '"name":"b1","state":"STOPPED","backend":"dir"' ||
		t_die "ls json: $(sysc-ls --format json)"
	sysc-info b1 | grep -Eq '^State: +STOPPED' || t_die "info: $(sysc-info b1)"
	sysc-info b1 --format json | grep -q '"template":"busybox"' || t_die "info json"
	# template suggestion applied, uuid generated
	expect_eq "$(sysc-config b1 init.halt_signal)" SIGUSR2 halt_signal
	sysc-config b1 uuid | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-' || t_die "uuid"
	# both command forms
	sysc ls | grep -q '^b1 ' || t_die "sysc ls"
	sysc-destroy b1
	expect_store ""
}

test_name_taken() {
	sysc-create b1 -t busybox
	local before
	before=$(sysc-config b1 uuid)
	expect_fail 'container "b1" already exists' sysc-create b1 -t busybox
	expect_eq "$(sysc-config b1 uuid)" "$before" "uuid after failed create"
	expect_store "b1"
	sysc-destroy b1
}

test_invalid_names() {
	expect_fail 'invalid container name "a/b"' sysc-create a/b -t busybox
	expect_fail 'invalid container name "\.\."' sysc-create .. -t busybox
	expect_fail 'invalid container name ".x"' sysc-create .x -t busybox
	expect_fail 'invalid container name "a b"' sysc-create "a b" -t busybox
	expect_fail 'longer than 64' sysc-create "$(printf 'a%.0s' {1..65})" -t busybox
	expect_fail 'invalid container name' sysc-destroy ../etc
	expect_store ""
}

test_missing_template() {
	expect_fail 'template "nosuch" not found' sysc-create n1 -t nosuch
	expect_store ""
}

test_usage_errors() {
	local rc=0
	sysc-create 2>/dev/null || rc=$?
	expect_eq "$rc" 2 "exit status without NAME"
	rc=0
	sysc-create n1 2>/dev/null || rc=$?
	expect_eq "$rc" 2 "exit status without -t"
	rc=0
	sysc-ls --bogus 2>/dev/null || rc=$?
	expect_eq "$rc" 2 "exit status with an unknown option"
	sysc-create --help | grep -q 'Usage: sysc-create' || t_die "--help"
	expect_store ""
}

test_bad_config_files() {
	local f
	f=$(cfg unknown.conf <<<'cgroup = { memory = { maxx = "1G"; }; };')
	expect_fail "unknown.conf:1: cgroup.memory.maxx: .*did you mean \"cgroup.memory.max\"" \
		sysc-create n1 -t busybox -f "$f"
	f=$(cfg type.conf <<<'console = { ttys = "four"; };')
	expect_fail 'type.conf:1: console.ttys: .*(expected|integer)' sysc-create n1 -t busybox -f "$f"
	f=$(cfg value.conf <<<'cgroup = { memory = { max = "12XB"; }; };')
	expect_fail 'value.conf:1: cgroup.memory.max: .*12XB' sysc-create n1 -t busybox -f "$f"
	printf 'init = {\n  stop_timeout = 5;\n  halt_signal = ;\n};\n' >"$T_ROOT/syntax.conf"
	expect_fail 'syntax.conf:3: .*syntax error' sysc-create n1 -t busybox -f "$T_ROOT/syntax.conf"
	expect_store ""
	# a good file is merged into the container's config
	f=$(cfg good.conf <<<'cgroup = { pids = { max = 100; }; }; autostart = { enabled = true; };')
	sysc-create g1 -t busybox -f "$f"
	expect_eq "$(sysc-config g1 cgroup.pids.max)" 100 "pids.max from -f"
	sysc-ls | grep -Eq "^g1 +STOPPED +dir +$(idmap_col g1) +yes" || t_die "autostart column: $(sysc-ls)"
	sysc-destroy g1
}

test_config_get_set() {
	sysc-create c1 -t busybox
	local sum
	sysc-config c1 cgroup.memory.max 512M
	sysc-config c1 cgroup.memory.max | grep -Eq '^(512M|536870912)$' || t_die "get after set"
	sum=$(md5sum <"$SYSC_PATH/c1/config")
	expect_fail 'cgroup.memory.max: .*12XB' sysc-config c1 cgroup.memory.max 12XB
	expect_fail 'did you mean "cgroup.memory.max"' sysc-config c1 cgroup.memroy.max 1G
	expect_fail 'cannot be changed' sysc-config c1 name other
	expect_eq "$(md5sum <"$SYSC_PATH/c1/config")" "$sum" "config after failed sets"
	sysc-config c1 --unset cgroup.memory.max
	sysc-config c1 | grep -q 'name = "c1"' || t_die "dump"
	expect_fail 'does not exist' sysc-config nosuch
	sysc-destroy c1
}

test_destroy_unknown() {
	expect_fail 'container "nosuch" does not exist' sysc-destroy nosuch
}

test_template_fails_halfway() {
	expect_fail 'template .*sysc-testtpl failed during build' \
		sysc-create f1 -t testtpl -- --fail-build
	expect_store ""
	expect_no_cache_leftovers testtpl-fail
	expect_clean
}

# start a create that blocks in the template, and wait for it to get there
# the slow template's sleep, told from anyone else's on the machine
SLOW=$((600000 + $$ % 100000))
start_slow_create() {
	local name=$1 log=$2
	sysc-create "$name" -t testtpl -- --slow "$SLOW" >"$log" 2>&1 &
	CREATE_PID=$!
	for _ in $(seq 100); do
		grep -q 'built half' "$log" && return 0
		sleep 0.1
	done
	t_die "template never started: $(cat "$log")"
}

test_sigint_during_create() {
	start_slow_create s1 "$T_ROOT/s1.log"
	kill -INT "$CREATE_PID"
	local rc=0
	wait "$CREATE_PID" || rc=$?
	[[ $rc != 0 ]] || t_die "interrupted create exited 0"
	grep -q 'interrupted\|rolling back' "$T_ROOT/s1.log" || true
	expect_store ""
	pgrep -f "sleep $SLOW\$" >/dev/null && t_die "template's sleep survived"
	expect_clean
	expect_no_cache_leftovers testtpl-slow
}

test_sigkill_during_create() {
	start_slow_create k1 "$T_ROOT/k1.log"
	kill -KILL "$CREATE_PID"
	wait "$CREATE_PID" 2>/dev/null || true
	sleep 0.3
	pgrep -f "sleep $SLOW\$" >/dev/null && t_die "template's sleep survived SIGKILL of sysc-create"
	# the hidden work dir is left; the next command sweeps it and the name works
	sysc-create k1 -t busybox
	expect_store "k1"
	sysc-destroy k1
	expect_store ""
	expect_clean
}

test_concurrent_same_name() {
	local a b ra=0 rb=0
	# the cache it builds goes with it: the cache dir may be shared by the
	# files of a run (SYSC_TEST_CACHE), and the tests above need none
	trap 'rm -rf "${SYSC_CACHE_DIR:?}/testtpl-slow"' EXIT
	sysc-create x1 -t testtpl -- --slow 2 >"$T_ROOT/a.log" 2>&1 &
	a=$!
	sysc-create x1 -t testtpl -- --slow 2 >"$T_ROOT/b.log" 2>&1 &
	b=$!
	wait $a || ra=$?
	wait $b || rb=$?
	if [[ $ra == 0 ]]; then
		[[ $rb != 0 ]] || t_die "both creates succeeded"
		grep -q 'already exists' "$T_ROOT/b.log" || t_die "loser said: $(cat "$T_ROOT/b.log")"
	else
		[[ $rb == 0 ]] || t_die "both creates failed: $(cat "$T_ROOT/a.log" "$T_ROOT/b.log")"
		grep -q 'already exists' "$T_ROOT/a.log" || t_die "loser said: $(cat "$T_ROOT/a.log")"
	fi
	expect_store "x1"
	sysc-destroy x1
}

test_uncached_template() {
	sysc-create u1 -t testtpl -- --no-cache
	[[ -x $SYSC_PATH/u1/rootfs/bin/busybox ]] || t_die "rootfs not built"
	sysc-destroy u1
}

# a template's promises (templates/README.md): the cache key is remembered
# per template file and options, and sysc writes the identity itself
test_template_promises() {
	local log=$T_ROOT/promise.log tpl=$SYSC_TEMPLATE_DIR/sysc-testtpl n
	trap 'rm -rf "${SYSC_CACHE_DIR:?}"/testtpl-promise*' EXIT
	: >"$log"
	sysc-create p1 -t testtpl -- --promise --log "$log"
	expect_eq "$(tr '\n' ' ' <"$log")" "cache-key build " "template runs, first create"
	sysc-create p2 -t testtpl -- --promise --log "$log"
	expect_eq "$(tr '\n' ' ' <"$log")" "cache-key build " "template runs, second create"
	for n in p1 p2; do
		expect_eq "$(cat "$SYSC_PATH/$n/rootfs/etc/hostname")" "$n" "$n hostname"
		grep -qx "127.0.1.1	$n" "$SYSC_PATH/$n/rootfs/etc/hosts" || t_die "$n: /etc/hosts"
		[[ -f $SYSC_PATH/$n/rootfs/etc/machine-id && ! -s $SYSC_PATH/$n/rootfs/etc/machine-id ]] ||
			t_die "$n: machine-id not emptied"
		[[ ! -e $SYSC_PATH/$n/rootfs/etc/ssh/ssh_host_ed25519_key ]] || t_die "$n: ssh host key kept"
		[[ -e $SYSC_PATH/$n/rootfs/etc/ssh/sshd_config ]] || t_die "$n: sshd_config removed"
	done
	[[ $(sysc-config p1 uuid) != $(sysc-config p2 uuid) ]] || t_die "same uuid"
	# an edited template is asked again; other options are another key
	touch "$tpl"
	sysc-create p3 -t testtpl -- --promise --log "$log"
	expect_eq "$(tr '\n' ' ' <"$log")" "cache-key build cache-key " "after an edit"
	sysc-create p4 -t testtpl -- --promise --log "$log" --key testtpl-promise2
	expect_eq "$(tr '\n' ' ' <"$log")" "cache-key build cache-key cache-key build " "other options"
	# the template would refuse a name that is no host name; so does sysc
	expect_fail 'container name "p_5" is not a valid host name' \
		sysc-create p_5 -t testtpl -- --promise --log "$log"
	# a key is remembered only once its cache was made
	expect_fail 'failed during build' sysc-create p6 -t testtpl -- --promise --fail-build
	if grep -lsF -- "--fail-build" "$SYSC_CACHE_DIR"/.keys/*; then
		t_die "the key of a failed build was remembered"
	fi
	for n in p1 p2 p3 p4; do sysc-destroy "$n"; done
	expect_store ""
}

test_disk_full() {
	local small=$T_ROOT/small
	mkdir -p "$small"
	mount -t tmpfs -o size=1m tmpfs "$small"
	trap 'umount "$small" 2>/dev/null || true' EXIT
	# busybox alone is bigger than 1 MB: the copy runs out of space
	SYSC_PATH=$small expect_fail 'No space left on device' sysc-create full1 -t busybox
	expect_eq "$(ls -A "$small")" "" "store after a full disk"
	umount "$small"
	trap - EXIT
	expect_clean
}

# Two stores (another --path / SYSC_PATH) with a container of the same name:
# nothing of one is seen or touched from the other (state, attach, stop,
# destroy -f), and they get different host id ranges.
STORE2=$T_ROOT/store2
T_STORES+=("$STORE2")
in2() { SYSC_PATH=$STORE2 "$@"; }
test_two_stores_same_name() {
	sysc-create same -t busybox >/dev/null
	in2 sysc-create same -t busybox >/dev/null
	echo A >"$SYSC_PATH/same/rootfs/marker"
	echo B >"$STORE2/same/rootfs/marker"
	sysc-start same
	local pa pb
	pa=$(init_pid same)
	# never started in store 2: stopped there
	in2 sysc-ls | grep -Eq '^same +STOPPED ' || t_die "store 2: $(in2 sysc-ls)"
	in2 expect_fail 'container same is not running' sysc-attach same -- true
	in2 expect_fail 'container same is not running' sysc-stop same
	in2 sysc-destroy -f same
	kill -0 "$pa" || t_die "destroy -f in store 2 killed store 1's same"
	sysc-ls | grep -Eq '^same +RUNNING ' || t_die "store 1: $(sysc-ls)"
	# both running at once, each attach in its own
	in2 sysc-create same -t busybox >/dev/null
	echo B >"$STORE2/same/rootfs/marker"
	in2 sysc-start same
	pb=$(in2 init_pid same)
	[[ -n $pb && $pb != "$pa" ]] || t_die "init of store 2's same: '$pb' (store 1's: $pa)"
	expect_eq "$(sysc-attach same -- cat /marker)" A "attach in store 1"
	expect_eq "$(in2 sysc-attach same -- cat /marker)" B "attach in store 2"
	# different id ranges, though each store alone would pick its first
	[[ $(host_base same) != "$(in2 host_base same)" ]] ||
		t_die "both stores gave same the host ids $(host_base same)"
	# stop in one leaves the other running
	in2 sysc-stop same
	in2 sysc-ls | grep -Eq '^same +STOPPED ' || t_die "store 2: $(in2 sysc-ls)"
	kill -0 "$pa" || t_die "stop in store 2 stopped store 1's same"
	sysc-ls | grep -Eq '^same +RUNNING ' || t_die "store 1: $(sysc-ls)"
	in2 sysc-start same
	sysc-stop same
	in2 sysc-ls | grep -Eq '^same +RUNNING ' || t_die "store 2 after a stop in 1: $(in2 sysc-ls)"
	grep -c " same $STORE2\$" "$SYSC_STATE_DIR/idmap" | grep -qx 1 ||
		t_die "registry: $(cat "$SYSC_STATE_DIR/idmap")"
	in2 sysc-destroy -f same
	sysc-destroy same
	# destroyed: their ranges are free again
	[[ -z $(grep -v '^#' "$SYSC_STATE_DIR/idmap") ]] || t_die "registry: $(cat "$SYSC_STATE_DIR/idmap")"
	expect_clean
}

# Container names that are also names of sysc's own files (lock dir,
# control socket, mount point of the runtime dir) work side by side.
test_names_like_sysc_files() {
	local n mon pid
	for n in locks rootfs control state; do
		sysc-create "$n" -t busybox >/dev/null
	done
	sysc-start locks
	sysc-start rootfs
	sysc-start control
	sysc-start state
	sysc-ls | grep -Ec ' RUNNING ' | grep -qx 4 || t_die "$(sysc-ls)"
	# locks crashes (monitor and init killed); its next start cleans up
	# the stale state, and only its own
	mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/locks/state" | cut -d= -f2)
	pid=$(init_pid locks)
	kill -9 "$mon" "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	sysc-start locks
	sysc-ls | grep -Ec ' RUNNING ' | grep -qx 4 || t_die "after the cleanup: $(sysc-ls)"
	sysc-config rootfs init.stop_timeout 5 >/dev/null 2>&1 ||
		t_die "config change of a running rootfs: $(sysc-config rootfs init.stop_timeout 5 2>&1)"
	for n in locks rootfs control state; do
		sysc-stop "$n"
		sysc-destroy "$n"
	done
	expect_clean
}

test_leaves_nothing() {
	expect_store ""
	expect_clean
}

for t in test_create_busybox test_name_taken test_invalid_names test_missing_template \
	test_usage_errors test_bad_config_files test_config_get_set test_destroy_unknown \
	test_template_fails_halfway test_sigint_during_create test_sigkill_during_create \
	test_concurrent_same_name test_uncached_template test_template_promises test_disk_full test_two_stores_same_name \
	test_names_like_sysc_files test_leaves_nothing; do
	t_run "$t"
done
t_summary
