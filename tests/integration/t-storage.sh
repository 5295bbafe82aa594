#!/bin/bash
# Storage (issue 9): the overlay and dir backends, sysc-copy, sysc-snapshot
# and sysc-cache. Overlay containers live on an ext4 filesystem this file
# makes (a loop-mounted image); the full cycle (create, boot, write, stop,
# snapshot, change, restore, clone, boot the clone, destroy: nothing left)
# runs with busybox and with Debian on both backends. btrfs and lvm have
# their own files (t-btrfs.sh, t-lvm.sh).
. "$(dirname "$0")/lib.sh"

OVL=$T_ROOT/ovl SMALL=$T_ROOT/small
t_loopfs ext4 1G "$OVL" || { echo "FAIL: setup: cannot make the loop filesystem"; exit 1; }
t_loopfs tmpfs 24m "$SMALL" || { echo "FAIL: setup: cannot mount a small tmpfs"; exit 1; }
T_STORES+=("$OVL/store" "$SMALL/store")

# the store on the loop filesystem for overlay tests, the default one else
on_loop() {
	export SYSC_PATH=$OVL/store
}

timing() {
	echo "# $*" >>"$T_ROOT/timings"
}

ms_since() { # $1: date +%s%N
	echo $((($(date +%s%N) - $1) / 1000000))
}

mounts_of() {
	grep -c "$T_ROOT" /proc/self/mountinfo || true
}

# create, boot, write, stop, snapshot, change, restore, clone, boot the
# clone, destroy all; nothing left. $1 backend, $2 template, $3 prefix
storage_cycle() {
	local b=$1 tpl=$2 n=$3 t0 m0
	m0=$(mounts_of)
	t0=$(date +%s%N)
	sysc-create "$n" -t "$tpl" -B "$b" >"$T_ROOT/create.log" 2>&1 ||
		t_die "create: $(tail -n 3 "$T_ROOT/create.log")"
	timing "$b $tpl create: $(ms_since "$t0") ms"
	expect_eq "$(sysc-info "$n" --format json | grep -o '"backend":"[^"]*"')" "\"backend\":\"$b\"" backend
	sysc-start "$n"
	[[ $tpl == debian ]] && wait_running "$n"
	sysc-attach "$n" -- /bin/sh -c 'echo one >/root/mark; rm -f /bin/sync'
	sysc-stop "$n"
	expect_eq "$(mounts_of)" "$m0" "mounts after stop"
	[[ $b != overlay ]] || [[ -z $(ls -A "$SYSC_PATH/$n/rootfs") ]] ||
		t_die "the overlay is visible on the host after stop"
	expect_eq "$(sysc-snapshot "$n" -c 'before the change' 2>/dev/null)" snap0 "snapshot name"
	sysc-snapshot "$n" -L | grep -Eq '^snap0 .* before the change$' || t_die "list: $(sysc-snapshot "$n" -L)"
	sysc-start "$n"
	sysc-attach "$n" -- /bin/sh -c 'echo two >/root/mark; echo new >/root/other'
	sysc-stop "$n"
	sysc-snapshot "$n" -r snap0
	sysc-start "$n"
	[[ $tpl == debian ]] && wait_running "$n"
	expect_eq "$(sysc-attach "$n" -- /bin/cat /root/mark)" one "file after restore"
	sysc-attach "$n" -- /bin/sh -c '! test -e /root/other' || t_die "a file made after the snapshot survived the restore"
	sysc-attach "$n" -- /bin/sh -c '! test -e /bin/sync' || t_die "a file deleted before the snapshot came back"
	sysc-stop "$n"
	t0=$(date +%s%N)
	sysc-copy "$n" "$n-clone"
	timing "$b $tpl copy: $(ms_since "$t0") ms"
	sysc-start "$n-clone"
	[[ $tpl == debian ]] && wait_running "$n-clone"
	expect_eq "$(sysc-attach "$n-clone" -- /bin/cat /root/mark)" one "file in the clone"
	expect_eq "$(sysc-attach "$n-clone" -- /bin/hostname)" "$n-clone" "hostname of the clone"
	[[ $(sysc-config "$n" uuid) != "$(sysc-config "$n-clone" uuid)" ]] || t_die "the clone has the same uuid"
	# the clone is independent of its original
	sysc-attach "$n-clone" -- /bin/sh -c 'echo clone >/root/mark'
	sysc-stop "$n-clone"
	sysc-start "$n"
	expect_eq "$(sysc-attach "$n" -- /bin/cat /root/mark)" one "original after the clone changed"
	sysc-stop "$n"
	sysc-destroy "$n"
	sysc-destroy "$n-clone"
	expect_store
	expect_eq "$(mounts_of)" "$m0" "mounts at the end"
	expect_clean
}

test_overlay_busybox_cycle() {
	on_loop
	storage_cycle overlay busybox ob
}

test_dir_busybox_cycle() {
	storage_cycle dir busybox db
}

test_overlay_debian_cycle() {
	on_loop
	storage_cycle overlay debian od
}

test_dir_debian_cycle() {
	storage_cycle dir debian dd
}

test_overlay_layout() {
	on_loop
	sysc-create lay -t busybox -B overlay >/dev/null 2>&1
	local e=$SYSC_PATH/lay
	[[ -d $e/storage/upper && -d $e/storage/work ]] || t_die "no upper/work: $(ls -R "$e" | head)"
	expect_eq "$(cat "$e/storage/lower")" "$(ls -d "$SYSC_CACHE_DIR"/busybox-*/rootfs)" "lower layer"
	[[ -z $(ls -A "$e/rootfs") ]] || t_die "rootfs is not an empty mount point"
	# writes go to the upper layer; the cache is never written
	sysc-start lay
	sysc-attach lay -- /bin/sh -c 'echo x >/etc/motd-test'
	sysc-stop lay
	[[ -f $e/storage/upper/etc/motd-test ]] || t_die "write not in the upper layer"
	[[ ! -e $(cat "$e/storage/lower")/etc/motd-test ]] || t_die "the cache was written"
	sysc-destroy lay
	expect_clean
}

test_cache_in_use() {
	on_loop
	local key
	sysc-create cu1 -t busybox -B overlay >/dev/null 2>&1
	sysc-snapshot cu1 >/dev/null 2>&1
	key=$(basename "$(dirname "$(cat "$SYSC_PATH/cu1/storage/lower")")")
	sysc-cache ls | grep -Eq "^$key .* cu1, cu1/snap0\$" || t_die "ls: $(sysc-cache ls)"
	expect_fail "template cache $key is in use by: cu1, cu1/snap0" sysc-cache rm "$key"
	[[ -d $SYSC_CACHE_DIR/$key/rootfs ]] || t_die "the cache went"
	# a dir container does not hold the cache
	sysc-destroy cu1
	sysc-create cu2 -t busybox -B dir >/dev/null 2>&1
	sysc-cache rm "$key"
	[[ ! -e $SYSC_CACHE_DIR/$key ]] || t_die "cache still there"
	sysc-start cu2
	sysc-stop cu2
	expect_fail 'no template cache "nosuch"' sysc-cache rm nosuch
	# the next create builds it again
	sysc-create cu3 -t busybox -B overlay >/dev/null 2>&1
	[[ -d $SYSC_CACHE_DIR/$key/rootfs ]] || t_die "cache not rebuilt"
}

test_copy_across_backends() {
	on_loop
	sysc-create xa -t busybox -B overlay >/dev/null 2>&1
	sysc-start xa
	# a deletion (an overlay whiteout) and a new file must both carry over
	sysc-attach xa -- /bin/sh -c 'rm /bin/sync; mkdir -p /srv/d; echo data >/srv/d/f; chmod 4711 /srv/d/f'
	sysc-stop xa
	sysc-copy xa xd -B dir
	[[ ! -e $SYSC_PATH/xd/rootfs/bin/sync ]] || t_die "a deleted file came back in the dir copy"
	expect_eq "$(stat -c %a "$SYSC_PATH/xd/rootfs/srv/d/f")" 4711 "mode in the dir copy"
	[[ ! -e $SYSC_PATH/xd/storage ]] || t_die "overlay state in a dir container"
	sysc-copy xd xo -B overlay
	sysc-start xo
	expect_eq "$(sysc-attach xo -- /bin/cat /srv/d/f)" data "file after two copies"
	sysc-attach xo -- /bin/sh -c '! test -e /bin/sync' || t_die "deleted file back after two copies"
	sysc-stop xo
	expect_eq "$(sysc-ls --format json | grep -o '"backend":"[a-z]*"' | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" "1 2 " "backends (1 dir, 2 overlay)"
	expect_clean
}

test_copy_errors() {
	sysc-create ce -t busybox >/dev/null 2>&1
	sysc-create ce2 -t busybox >/dev/null 2>&1
	expect_fail 'container "nosuch" does not exist' sysc-copy nosuch x
	expect_fail 'container "ce2" already exists' sysc-copy ce ce2
	expect_fail 'cannot copy ce onto itself' sysc-copy ce ce
	expect_fail 'invalid container name' sysc-copy ce 'bad/name'
	expect_fail 'dir backend of ce cannot make copy-on-write snapshots' sysc-copy -s ce x
	expect_fail 'unknown storage backend "zfs"' sysc-copy -B zfs ce x
	sysc-start ce
	expect_fail 'container ce is RUNNING: stop it before copying it' sysc-copy ce x
	sysc-stop ce
	expect_store ce ce2
	expect_clean
}

test_snapshot_errors() {
	sysc-create se -t busybox >/dev/null 2>&1
	expect_fail 'container se has no snapshot "snap7"' sysc-snapshot se -r snap7
	expect_fail 'container se has no snapshot "snap7"' sysc-snapshot se -d snap7
	expect_fail 'invalid snapshot name' sysc-snapshot se -r ../se
	expect_fail 'container "nosuch" does not exist' sysc-snapshot nosuch
	sysc-snapshot se -n keep -c 'named' >/dev/null 2>&1
	expect_fail 'already has a snapshot "keep"' sysc-snapshot se -n keep
	sysc-start se
	expect_fail 'container se is RUNNING: stop it before using its snapshots' sysc-snapshot se
	expect_fail 'container se is RUNNING' sysc-snapshot se -r keep
	sysc-stop se
	# restore into a new container; -d removes only the snapshot
	sysc-snapshot se -r keep -N se-old
	expect_store se se-old
	sysc-snapshot se -d keep
	[[ -z $(ls -A "$SYSC_PATH/se/snapshots") ]] || t_die "snapshot left: $(ls -A "$SYSC_PATH/se/snapshots")"
	sysc-snapshot se -L --format json | grep -qx '\[\]' || t_die "json list: $(sysc-snapshot se -L --format json)"
	expect_clean
}

# a full disk half-way through a create, a copy and a snapshot: clear error,
# nothing left, the original untouched
test_full_disk_rolls_back() {
	local small=$SMALL
	export SYSC_PATH=$small/store
	# Debian (~300 MB) does not fit in 24 MB
	expect_fail 'No space left on device' sysc-create full -t debian -B dir
	expect_store
	sysc-create bb -t busybox -B dir >/dev/null 2>&1
	# fill the rest, so copy and snapshot of bb run out of space
	dd if=/dev/zero of="$small/filler" bs=1M count=64 2>/dev/null || true
	expect_fail 'No space left on device' sysc-copy bb bb2
	expect_fail 'No space left on device' sysc-snapshot bb
	expect_store bb
	# not even an empty snapshots/ (the first snapshot made it)
	[[ ! -e $SYSC_PATH/bb/snapshots ]] ||
		t_die "snapshot leftovers: snapshots/ with '$(ls -A "$SYSC_PATH/bb/snapshots")'"
	rm -f "$small/filler"
	sysc-start bb
	sysc-stop bb
	sysc-destroy bb
	expect_clean
}

test_interrupted_copy_leaves_nothing() {
	sysc-create ic -t debian -B dir >/dev/null 2>&1
	sysc-copy ic ic2 >/dev/null 2>&1 &
	local pid=$!
	# until the hidden work entry exists, then SIGINT
	for _ in $(seq 200); do
		ls -A "$SYSC_PATH" | grep -q '^\.create-ic2-' && break
		sleep 0.02
	done
	kill -INT "$pid"
	wait "$pid" && t_die "an interrupted copy succeeded" || true
	expect_store ic
	expect_clean
}

t_run test_overlay_layout
t_run test_overlay_busybox_cycle
t_run test_dir_busybox_cycle
t_run test_overlay_debian_cycle
t_run test_dir_debian_cycle
t_run test_cache_in_use
t_run test_copy_across_backends
t_run test_copy_errors
t_run test_snapshot_errors
t_run test_full_disk_rolls_back
t_run test_interrupted_copy_leaves_nothing
[[ -f $T_ROOT/timings ]] && cat "$T_ROOT/timings"
t_summary
