#!/bin/bash
# The btrfs backend on a btrfs filesystem of its own (an image file in T_ROOT,
# loop-mounted, holding the store): read-only cache subvolumes, rootfs
# snapshots, nested subvolumes, busybox and Debian boots, failures and
# leftovers; at the end the loop device and the mount are gone.
. "$(dirname "$0")/lib.sh"

for tool in mkfs.btrfs btrfs losetup; do
	command -v "$tool" >/dev/null || { echo "FAIL: setup: $tool is not installed (btrfs-progs, util-linux)"; exit 1; }
done

BT_MNT=$T_ROOT/btrfs
BT_IMG=$T_ROOT/btrfs.btrfs.img # t_loopfs's name for it
t_loopfs btrfs 3G "$BT_MNT" || { echo "FAIL: setup: cannot make a loop btrfs in $T_ROOT"; exit 1; }
export SYSC_PATH=$BT_MNT/store
T_STORES=("$SYSC_PATH" "$T_ROOT/plain")

# unmount; the loop device goes with the mount (autoclear), not at once
bt_teardown() {
	t_reset all
	if mountpoint -q "$BT_MNT"; then
		umount "$BT_MNT" || return 1
	fi
	for _ in $(seq 50); do
		[[ -n $(losetup -j "$BT_IMG") ]] || return 0
		sleep 0.1
	done
	echo "unmounted, but its loop device is still there after 5 s: $(losetup -j "$BT_IMG")"
	return 1
}

# subvolume paths of the loop filesystem, one per line, sorted (use as
# x=$(subvols), so that a failure fails the test)
subvols() {
	btrfs subvolume list "$BT_MNT" | sed 's/.* path //' | sort
}

# the only subvolumes left are derived template caches
expect_only_cache_subvols() {
	local all left
	all=$(subvols)
	left=$(grep -v '^store/\.cache/btrfs-[^/]*/rootfs$' <<<"$all" || true)
	[[ -z $left ]] || t_die "subvolumes left: $left"
}

# count_subvols REGEX
count_subvols() {
	local all
	all=$(subvols)
	grep -c -- "$1" <<<"$all" || true
}

is_subvol() {
	btrfs subvolume show "$1" >/dev/null 2>&1
}

ro_prop() {
	btrfs property get -ts "$1" ro | cut -d= -f2
}

ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# timings are printed at the end as "# ..." lines (never pass/fail)
timing() {
	echo "# $*" >>"$T_ROOT/timings"
}

test_create_btrfs_and_best() {
	sysc-create b1 -t busybox -B btrfs
	local cache t0
	cache=$(ls -d "$SYSC_PATH"/.cache/btrfs-busybox-*/rootfs)
	is_subvol "$cache" || t_die "derived cache $cache is not a subvolume"
	expect_eq "$(ro_prop "$cache")" true "derived cache read-only"
	is_subvol "$SYSC_PATH/b1/rootfs" || t_die "rootfs of b1 is not a subvolume"
	expect_eq "$(ro_prop "$SYSC_PATH/b1/rootfs")" false "rootfs of b1 read-only"
	[[ -x $SYSC_PATH/b1/rootfs/bin/busybox ]] || t_die "no busybox in the rootfs"
	expect_eq "$(cat "$SYSC_PATH/b1/rootfs/etc/hostname")" b1 hostname
	# best picks btrfs on btrfs; a warm derived cache is not made again
	t0=$(date +%s%N)
	sysc-create b2 -t busybox -B best >"$T_ROOT/b2.log" 2>&1 || t_die "$(cat "$T_ROOT/b2.log")"
	timing "sysc-create -B best, busybox, warm btrfs cache: $(ms_since "$t0") ms"
	grep -q 'read-only btrfs subvolume' "$T_ROOT/b2.log" && t_die "derived cache made twice"
	is_subvol "$SYSC_PATH/b2/rootfs" || t_die "rootfs of b2 is not a subvolume"
	sysc-ls | grep -Eq '^b1 +STOPPED +btrfs ' || t_die "ls: $(sysc-ls)"
	sysc-ls | grep -Eq '^b2 +STOPPED +btrfs ' || t_die "ls: $(sysc-ls)"
	expect_eq "$(count_subvols "^store/.cache/btrfs-busybox-")" 1 "derived caches"
	# writes stay in their own container
	echo one >"$SYSC_PATH/b1/rootfs/etc/mine"
	[[ ! -e $SYSC_PATH/b2/rootfs/etc/mine && ! -e $cache/etc/mine ]] || t_die "write leaked"
	sysc-destroy b1
	sysc-destroy b2
	expect_store ".cache"
	expect_only_cache_subvols
}

test_not_btrfs() {
	local plain=$T_ROOT/plain
	mkdir -p "$plain"
	SYSC_PATH=$plain expect_fail "store $plain is not on a btrfs filesystem" \
		sysc-create n1 -t busybox -B btrfs
	[[ -z $(ls -A "$plain") ]] || t_die "failed create left $(ls -A "$plain")"
	# best falls back to dir there
	SYSC_PATH=$plain sysc-create n2 -t busybox -B best
	SYSC_PATH=$plain sysc-ls | grep -Eq '^n2 +STOPPED +dir ' || t_die "best did not pick dir"
	SYSC_PATH=$plain sysc-destroy n2
}

test_busybox_boot_write_stop() {
	sysc-create b3 -t busybox -B btrfs
	sysc-start b3
	inside b3 /bin/sh -c 'echo written-inside >/etc/inside'
	sysc-stop b3
	expect_eq "$(cat "$SYSC_PATH/b3/rootfs/etc/inside")" written-inside "file written inside"
	# root's inside, root's on disk (unprivileged: the idmapped mount unshifts it)
	expect_eq "$(stat -c %u:%g "$SYSC_PATH/b3/rootfs/etc/inside")" 0:0 "on-disk owner of the file"
	[[ ! -e $(ls -d "$SYSC_PATH"/.cache/btrfs-busybox-*/rootfs)/etc/inside ]] ||
		t_die "write reached the cache"
	expect_clean
	sysc-destroy b3
	expect_only_cache_subvols
}

test_nested_subvolumes_destroyed() {
	sysc-create b4 -t busybox -B btrfs
	local r=$SYSC_PATH/b4/rootfs pid
	# made while it runs, through its root, by the container's root (as the
	# guest's own tools would)
	sysc-start b4
	pid=$(init_pid b4)
	as_root_of b4 mkdir -p "/proc/$pid/root/var/lib"
	as_root_of b4 btrfs subvolume create "/proc/$pid/root/var/lib/machines" >/dev/null
	sysc-stop b4
	expect_eq "$(stat -c %u:%g "$r/var/lib/machines")" 0:0 "on-disk owner of the subvolume made inside"
	# nested deeper, and read-only ones (a read-only parent too)
	btrfs subvolume create "$r/var/lib/machines/inner" >/dev/null
	echo data >"$r/var/lib/machines/inner/f"
	btrfs subvolume snapshot -r "$r/var/lib/machines/inner" "$r/var/lib/machines/ro" >/dev/null
	btrfs subvolume create "$r/portables" >/dev/null
	btrfs subvolume create "$r/portables/x" >/dev/null
	btrfs property set -ts "$r/portables" ro true
	expect_eq "$(count_subvols '^store/b4/rootfs/')" 5 "nested subvolumes made"
	sysc-destroy b4
	expect_store ".cache"
	expect_only_cache_subvols
	# destroying a container whose own rootfs is read-only works too
	sysc-create b5 -t busybox -B btrfs
	btrfs subvolume create "$SYSC_PATH/b5/rootfs/mnt/sub" >/dev/null
	btrfs property set -ts "$SYSC_PATH/b5/rootfs" ro true
	sysc-destroy b5
	expect_only_cache_subvols
}

test_failing_create_leaves_nothing() {
	# no cache: an empty subvolume the failing template half fills
	expect_fail 'sysc-testtpl failed during build' \
		sysc-create f1 -t testtpl -B btrfs -- --no-cache --fail-build
	expect_store ".cache"
	expect_only_cache_subvols
	# from a cache: a bad template suggestion fails after the snapshot
	local f
	f=$(cfg bad.conf <<<'cgroup = { memory = { max = "12XB"; }; };')
	expect_fail 'cgroup.memory.max' sysc-create f2 -t busybox -B btrfs -f "$f"
	expect_store ".cache"
	expect_only_cache_subvols
	expect_clean
}

test_derived_cache_leftovers_and_staleness() {
	local key=btrfs-stale-$$ d
	sysc-create s1 -t testtpl -B btrfs -- --key "$key"
	d=$SYSC_PATH/.cache/btrfs-$key
	is_subvol "$d/rootfs" || t_die "no derived cache for $key"
	# a killed derivation's leftover (a subvolume, read-only) is swept under the lock
	mkdir "$SYSC_PATH/.cache/.build-btrfs-$key"
	btrfs subvolume create "$SYSC_PATH/.cache/.build-btrfs-$key/rootfs" >/dev/null
	btrfs property set -ts "$SYSC_PATH/.cache/.build-btrfs-$key/rootfs" ro true
	# the template cache is rebuilt (removed, made again): derived again, from the new one
	rm -rf "${SYSC_CACHE_DIR:?}/$key"
	sysc-create s2 -t testtpl -B btrfs -- --key "$key" >"$T_ROOT/s2.log" 2>&1 ||
		t_die "$(cat "$T_ROOT/s2.log")"
	grep -q 'read-only btrfs subvolume of template cache' "$T_ROOT/s2.log" ||
		t_die "stale derived cache reused: $(cat "$T_ROOT/s2.log")"
	[[ ! -e $SYSC_PATH/.cache/.build-btrfs-$key ]] || t_die "build leftover not swept"
	expect_eq "$(count_subvols "^store/.cache/.*$key")" 1 "derived caches of $key"
	grep -q "^$SYSC_CACHE_DIR/$key/rootfs " "$d/source" || t_die "source: $(cat "$d/source")"
	sysc-destroy s1
	sysc-destroy s2
	rm -rf "${SYSC_CACHE_DIR:?}/$key" "$SYSC_CACHE_DIR/$key".*lock
	expect_only_cache_subvols
}

test_killed_create_swept() {
	# killed while the template fills a new empty subvolume (no cache)
	sysc-create k1 -t testtpl -B btrfs -- --no-cache --slow 60 >"$T_ROOT/k1.log" 2>&1 &
	local pid=$! left
	for _ in $(seq 100); do
		grep -q 'built half' "$T_ROOT/k1.log" && break
		sleep 0.1
	done
	grep -q 'built half' "$T_ROOT/k1.log" || t_die "template never started: $(cat "$T_ROOT/k1.log")"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	left=$(subvols)
	grep -q '^store/\.create-k1-[^/]*/rootfs$' <<<"$left" || t_die "no leftover subvolume: $left"
	# the next command sweeps the leftover, subvolume included
	sysc-create k2 -t busybox -B btrfs >"$T_ROOT/k2.log" 2>&1 || t_die "$(cat "$T_ROOT/k2.log")"
	grep -q 'cannot remove leftover' "$T_ROOT/k2.log" && t_die "sweep failed: $(cat "$T_ROOT/k2.log")"
	sysc-destroy k2
	expect_store ".cache"
	expect_only_cache_subvols
}

test_size_is_a_qgroup_limit() {
	local f
	f=$(cfg size.conf <<<'rootfs = { size = "64M"; };')
	# quotas off: created, with a warning saying why there is no limit
	sysc-create q1 -t busybox -B btrfs -f "$f" >"$T_ROOT/q1.log" 2>&1 || t_die "$(cat "$T_ROOT/q1.log")"
	grep -q 'rootfs.size of q1 not applied: quotas are not enabled' "$T_ROOT/q1.log" ||
		t_die "no warning: $(cat "$T_ROOT/q1.log")"
	sysc-destroy q1
	btrfs quota enable "$BT_MNT"
	trap 'btrfs quota disable "$BT_MNT"' EXIT
	sysc-create q2 -t busybox -B btrfs -f "$f" >"$T_ROOT/q2.log" 2>&1 || t_die "$(cat "$T_ROOT/q2.log")"
	grep -q 'not applied' "$T_ROOT/q2.log" && t_die "limit not applied: $(cat "$T_ROOT/q2.log")"
	local id
	id=$(btrfs subvolume show "$SYSC_PATH/q2/rootfs" | awk '$1 == "Subvolume" && $2 == "ID:" { print $3 }')
	btrfs qgroup show -r --raw "$BT_MNT" | grep -Eq "^0/$id +[0-9]+ +[0-9]+ +67108864( |$)" ||
		t_die "qgroup 0/$id: $(btrfs qgroup show -r --raw "$BT_MNT")"
	# writing past the limit fails
	if dd if=/dev/zero of="$SYSC_PATH/q2/rootfs/big" bs=1M count=100 conv=fsync 2>"$T_ROOT/dd.err"; then
		t_die "wrote 100M into a 64M rootfs"
	fi
	grep -q 'Disk quota exceeded' "$T_ROOT/dd.err" || t_die "dd: $(cat "$T_ROOT/dd.err")"
	sysc-destroy q2
	expect_only_cache_subvols
}

test_debian_boots_on_btrfs() {
	local t0 pid cache
	# the Debian cache of the run (SYSC_TEST_CACHE), else a debootstrap here
	sysc-create dw -t debian -B btrfs >"$T_ROOT/dw.log" 2>&1 || t_die "$(tail -n 5 "$T_ROOT/dw.log")"
	cache=$(ls -d "$SYSC_PATH"/.cache/btrfs-debian-*/rootfs)
	expect_eq "$(ro_prop "$cache")" true "Debian derived cache read-only"
	t0=$(date +%s%N)
	sysc-create d1 -t debian -B btrfs -v >"$T_ROOT/d1.log" 2>&1 || t_die "$(tail -n 5 "$T_ROOT/d1.log")"
	timing "sysc-create -B btrfs, Debian, warm btrfs cache: $(ms_since "$t0") ms" \
		"($(grep -o 'rootfs made in .*' "$T_ROOT/d1.log"))"
	sysc-destroy dw
	is_subvol "$SYSC_PATH/d1/rootfs" || t_die "rootfs of d1 is not a subvolume"
	[[ -u $SYSC_PATH/d1/rootfs/usr/bin/passwd ]] || t_die "setuid bit lost"
	sysc-start d1
	wait_running d1
	sysc-attach d1 -- sh -c 'echo from-debian >/root/note'
	pid=$(init_pid d1)
	as_root_of d1 btrfs subvolume create "/proc/$pid/root/var/lib/portables" >/dev/null
	sysc-stop d1
	expect_eq "$(cat "$SYSC_PATH/d1/rootfs/root/note")" from-debian "file written inside"
	expect_eq "$(stat -c %u:%g "$SYSC_PATH/d1/rootfs/root/note")" 0:0 "on-disk owner of the file"
	is_subvol "$SYSC_PATH/d1/rootfs/var/lib/portables" || t_die "subvolume made inside is not one"
	expect_eq "$(stat -c %u:%g "$SYSC_PATH/d1/rootfs/var/lib/portables")" 0:0 "on-disk owner of the subvolume"
	expect_clean
	sysc-destroy d1
	expect_store ".cache"
	expect_only_cache_subvols
}

# create, boot, write, stop, nested subvolume, snapshot (read-only
# subvolumes), change, restore (writable again), copy -s (a snapshot), boot
# the clone, destroy all: no subvolume left. $1 template, $2 prefix
btrfs_cycle() {
	local tpl=$1 n=$2 snap t0
	sysc-create "$n" -t "$tpl" -B btrfs >"$T_ROOT/create.log" 2>&1 ||
		t_die "create: $(tail -n 3 "$T_ROOT/create.log")"
	sysc-start "$n"
	[[ $tpl == debian ]] && wait_running "$n"
	sysc-attach "$n" -- /bin/sh -c 'echo one >/root/mark; rm -f /bin/sync'
	sysc-stop "$n"
	btrfs subvolume create "$SYSC_PATH/$n/rootfs/root/nested" >/dev/null
	echo inner >"$SYSC_PATH/$n/rootfs/root/nested/f"
	t0=$(date +%s%N)
	expect_eq "$(sysc-snapshot "$n" -c 'before the change' 2>/dev/null)" snap0 "snapshot name"
	timing "btrfs $tpl snapshot: $(ms_since "$t0") ms"
	snap=$SYSC_PATH/$n/snapshots/snap0/rootfs
	is_subvol "$snap" || t_die "snapshot is not a subvolume"
	expect_eq "$(ro_prop "$snap")" true "snapshot read-only"
	is_subvol "$snap/root/nested" || t_die "nested subvolume not in the snapshot"
	expect_eq "$(ro_prop "$snap/root/nested")" true "nested subvolume of the snapshot read-only"
	expect_eq "$(cat "$snap/root/nested/f")" inner "nested file in the snapshot"
	sysc-start "$n"
	sysc-attach "$n" -- /bin/sh -c 'echo two >/root/mark; echo new >/root/other; rm /root/nested/f'
	sysc-stop "$n"
	sysc-snapshot "$n" -r snap0
	expect_eq "$(ro_prop "$SYSC_PATH/$n/rootfs")" false "restored rootfs read-only"
	expect_eq "$(ro_prop "$SYSC_PATH/$n/rootfs/root/nested")" false "restored nested read-only"
	sysc-start "$n"
	[[ $tpl == debian ]] && wait_running "$n"
	expect_eq "$(sysc-attach "$n" -- /bin/cat /root/mark)" one "file after restore"
	expect_eq "$(sysc-attach "$n" -- /bin/cat /root/nested/f)" inner "nested file after restore"
	sysc-attach "$n" -- /bin/sh -c '! test -e /root/other' || t_die "a file made after the snapshot survived the restore"
	sysc-attach "$n" -- /bin/sh -c '! test -e /bin/sync' || t_die "a file deleted before the snapshot came back"
	sysc-attach "$n" -- /bin/sh -c 'echo w >/root/nested/w' || t_die "restored nested subvolume not writable"
	sysc-stop "$n"
	t0=$(date +%s%N)
	sysc-copy -s "$n" "$n-clone"
	timing "btrfs $tpl copy -s: $(ms_since "$t0") ms"
	is_subvol "$SYSC_PATH/$n-clone/rootfs" || t_die "clone is not a subvolume"
	is_subvol "$SYSC_PATH/$n-clone/rootfs/root/nested" || t_die "nested subvolume not cloned"
	sysc-start "$n-clone"
	[[ $tpl == debian ]] && wait_running "$n-clone"
	expect_eq "$(sysc-attach "$n-clone" -- /bin/cat /root/mark)" one "file in the clone"
	expect_eq "$(sysc-attach "$n-clone" -- /bin/hostname)" "$n-clone" "hostname of the clone"
	sysc-attach "$n-clone" -- /bin/sh -c 'echo clone >/root/mark'
	sysc-stop "$n-clone"
	expect_eq "$(cat "$SYSC_PATH/$n/rootfs/root/mark")" one "original after the clone changed"
	sysc-destroy "$n"
	sysc-destroy "$n-clone"
	expect_store ".cache"
	expect_only_cache_subvols
	expect_clean
}

test_btrfs_busybox_cycle() {
	btrfs_cycle busybox bc
}

test_btrfs_debian_cycle() {
	btrfs_cycle debian dc
}

test_cache_rm_removes_the_subvolume() {
	sysc-create cr1 -t testtpl -B btrfs -- --key btrfs-rm-$$
	is_subvol "$SYSC_PATH/.cache/btrfs-btrfs-rm-$$/rootfs" || t_die "no derived cache"
	sysc-destroy cr1
	sysc-cache rm "btrfs-rm-$$"
	[[ ! -e $SYSC_PATH/.cache/btrfs-btrfs-rm-$$ ]] || t_die "derived cache left"
	[[ ! -e $SYSC_CACHE_DIR/btrfs-rm-$$ ]] || t_die "template cache left"
	expect_only_cache_subvols
}

test_plain_rootfs_and_cross_backend_copies() {
	# a btrfs container whose rootfs is a plain directory (made by hand),
	# holding a subvolume: copied (not snapshotted), and destroyed whole
	sysc-create pl -t busybox -B btrfs
	btrfs subvolume delete "$SYSC_PATH/pl/rootfs" >/dev/null
	cp -a "$(ls -d "$SYSC_PATH"/.cache/btrfs-busybox-*/rootfs)" "$SYSC_PATH/pl/rootfs"
	btrfs subvolume create "$SYSC_PATH/pl/rootfs/mnt/sub" >/dev/null
	expect_fail 'rootfs of pl is not a btrfs subvolume' sysc-copy -s pl pl2
	sysc-copy pl pl2
	is_subvol "$SYSC_PATH/pl2/rootfs" || t_die "copy of a plain rootfs is not a subvolume"
	sysc-destroy pl
	sysc-destroy pl2
	expect_only_cache_subvols
	# btrfs -> dir -> btrfs
	sysc-create cb -t busybox -B btrfs
	echo mark >"$SYSC_PATH/cb/rootfs/root/mark"
	sysc-copy cb cb-dir -B dir
	is_subvol "$SYSC_PATH/cb-dir/rootfs" && t_die "dir copy is a subvolume"
	sysc-copy cb-dir cb-back -B btrfs
	is_subvol "$SYSC_PATH/cb-back/rootfs" || t_die "btrfs copy is not a subvolume"
	expect_eq "$(cat "$SYSC_PATH/cb-back/rootfs/root/mark")" mark "file after two copies"
	sysc-ls | grep -Eq '^cb-back +STOPPED +btrfs ' || t_die "ls: $(sysc-ls)"
	sysc-destroy cb
	sysc-destroy cb-dir
	sysc-destroy cb-back
	expect_store ".cache"
	expect_only_cache_subvols
}

test_teardown_leaves_nothing() {
	local why
	why=$(bt_teardown 2>&1) || t_die "cannot unmount $BT_MNT: $why $(grep " $BT_MNT " /proc/self/mountinfo)"
	mountpoint -q "$BT_MNT" && t_die "$BT_MNT still mounted"
	grep -q " $BT_MNT " /proc/self/mountinfo && t_die "mount of $BT_MNT left"
	[[ -z $(losetup -j "$BT_IMG") ]] || t_die "loop device left: $(losetup -j "$BT_IMG")"
	expect_clean
	expect_no_loops
}

t_run test_create_btrfs_and_best
t_run test_not_btrfs
t_run test_busybox_boot_write_stop
t_run test_nested_subvolumes_destroyed
t_run test_failing_create_leaves_nothing
t_run test_derived_cache_leftovers_and_staleness
t_run test_killed_create_swept
t_run test_size_is_a_qgroup_limit
t_run test_debian_boots_on_btrfs
t_run test_btrfs_busybox_cycle
t_run test_btrfs_debian_cycle
t_run test_cache_rm_removes_the_subvolume
t_run test_plain_rootfs_and_cross_backend_copies
t_run test_teardown_leaves_nothing
[[ -f $T_ROOT/timings ]] && cat "$T_ROOT/timings"
t_summary
