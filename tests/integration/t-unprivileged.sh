#!/bin/bash
# Unprivileged containers (issue 11; the default): a user namespace with an
# id range of its own, the rootfs through an idmapped mount (no chown walk),
# cgroup delegation to the mapped root. Then the boot, console, attach,
# network, resource and escape test files run again with every container
# privileged (SYSC_TEST_PRIVILEGED=1), their results relayed here, so both
# kinds stay tested.
. "$(dirname "$0")/lib.sh"

UNPRIV=$(cfg unpriv.conf <<'EOF'
security = { privileged = false; };
EOF
)
PRIV=$(cfg priv.conf <<'EOF'
security = { privileged = true; };
EOF
)

test_debian_unprivileged() {
	local pid base u bad
	sysc-create ud -t debian -f "$UNPRIV" >"$T_ROOT/create.log" 2>&1 ||
		t_die "create: $(tail -n 3 "$T_ROOT/create.log")"
	base=$(host_base ud)
	[[ $base -ge 65536 ]] || t_die "no host range recorded: $(sysc-config ud idmap)"
	sysc-start ud
	wait_running ud
	pid=$(init_pid ud)
	# every process of the container runs as a host uid of its range
	bad=$(ps -o uid= --ppid "$pid" -p "$pid" | awk -v b="$base" '$1 < b || $1 >= b + 65536')
	[[ -z $bad ]] || t_die "processes outside the range $base+: $bad"
	expect_eq "$(stat -c %u /proc/"$pid")" "$base" "host uid of init"
	# root inside is root there, and uid 0 of the host is nobody
	expect_eq "$(sysc-attach ud -- id -u)" 0 "uid inside"
	expect_eq "$(sysc-attach ud -- stat -c %U /proc/1)" root "owner of init inside"
	expect_eq "$(sysc-attach ud -- cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" \
		"0 $base 65536" "uid_map inside"
	# a file root makes: the mapped uid as the host sees the container's
	# tree; on disk the rootfs stays unshifted (no chown walk at start)
	sysc-attach ud -- sh -c 'echo made >/root/made'
	expect_eq "$(stat -c %u /proc/"$pid"/root/root/made)" "$base" "host owner of the new file"
	expect_eq "$(stat -c %u "$SYSC_PATH/ud/rootfs/root/made")" 0 "on-disk owner"
	# the container's cgroup is delegated to its root
	local v2=/sys/fs/cgroup
	[[ -d $v2/unified ]] && v2=$v2/unified
	expect_eq "$(stat -c %u "$v2/$SYSC_CGROUP_PARENT/ud")" "$base" "owner of the cgroup"
	expect_eq "$(stat -c %u "$v2/$SYSC_CGROUP_PARENT/ud/cgroup.procs")" "$base" "owner of cgroup.procs"
	sysc-ls | grep -Eq "^ud +RUNNING +dir +0:$base:65536 " || t_die "ls: $(sysc-ls)"
	sysc-info ud | grep -Eq "^UID map: +0:$base:65536\$" || t_die "info: $(sysc-info ud)"
	sysc-stop ud
	expect_clean
}

test_ranges_are_distinct() {
	local a b c
	sysc-create r1 -t busybox -f "$UNPRIV" >/dev/null 2>&1
	sysc-create r2 -t busybox -f "$UNPRIV" >/dev/null 2>&1
	sysc-copy r1 r3 >/dev/null 2>&1
	a=$(host_base r1) b=$(host_base r2) c=$(host_base r3)
	[[ $a != "$b" && $a != "$c" && $b != "$c" ]] || t_die "ranges overlap: $a $b $c"
	for x in "$a" "$b" "$c"; do
		(((x - a) % 65536 == 0)) || t_die "range $x is not a block of 65536"
	done
	# stable: a restart keeps the recorded range
	sysc-start r2
	sysc-stop r2
	expect_eq "$(host_base r2)" "$b" "range after a start"
	# a privileged container switched to unprivileged gets one at its start
	sysc-create r4 -t busybox -f "$PRIV" >/dev/null 2>&1
	[[ -z $(sysc-config r4 idmap) ]] || t_die "a privileged container got an idmap"
	sysc-config r4 security.privileged false
	sysc-start r4
	[[ -n $(host_base r4) ]] || t_die "no range allocated at start"
	[[ $(stat -c %u /proc/"$(init_pid r4)") == "$(host_base r4)" ]] || t_die "init not in the range"
	sysc-stop r4
	# an idmap without privileged = false is refused, naming both keys
	sysc-config r4 security.privileged true
	expect_fail 'idmap is set but security.privileged is true' sysc-start r4
	expect_clean
}

test_host_files_and_devices_stay_out_of_reach() {
	local d=$T_ROOT/shared dev img=$T_ROOT/disk.img
	mkdir -p "$d/open"
	echo secret >"$d/rootfile"
	chmod 644 "$d/rootfile"
	chmod 1777 "$d/open"
	truncate -s 8M "$img"
	dev=$(losetup --find --show "$img")
	trap 'losetup -d "$dev"' EXIT
	sysc-create hf -t busybox -f "$(cfg hf.conf <<EOF
security = { privileged = false; };
mounts = ( { source = "$d"; target = "/shared"; options = "bind"; },
	   { source = "$dev"; target = "/dev/hostdisk"; options = "bind"; } );
EOF
)" >/dev/null 2>&1
	sysc-start hf
	# a host root-owned file exposed by a bind mount: readable, not writable
	expect_eq "$(sysc-attach hf -- /bin/cat /shared/rootfile)" secret "read through the bind"
	sysc-attach hf -- /bin/sh -c 'echo pwned >/shared/rootfile' 2>/dev/null &&
		t_die "root inside wrote a host root-owned file"
	expect_eq "$(cat "$d/rootfile")" secret "host file after the attempt"
	sysc-attach hf -- /bin/sh -c 'chmod 666 /shared/rootfile' 2>/dev/null &&
		t_die "root inside changed a host root-owned file's mode"
	# what it may create belongs to its own range on the host
	sysc-attach hf -- /bin/sh -c 'echo mine >/shared/open/made'
	expect_eq "$(stat -c %u "$d/open/made")" "$(host_base hf)" "host owner of a file made inside"
	# a host device, visible inside, cannot be opened, made or mounted
	sysc-attach hf -- /bin/sh -c 'test -b /dev/hostdisk' || t_die "the device is not visible"
	sysc-attach hf -- /bin/sh -c 'exec 3</dev/hostdisk' 2>/dev/null &&
		t_die "root inside opened a host block device"
	sysc-attach hf -- /bin/sh -c "mknod /tmp/sda b $(stat -c '%t %T' "$dev" | awk '{ printf "%d %d", strtonum("0x" $1), strtonum("0x" $2) }')" 2>/dev/null &&
		t_die "root inside made a device node"
	sysc-attach hf -- /bin/sh -c 'mount -t ext4 /dev/hostdisk /mnt' 2>/dev/null &&
		t_die "root inside mounted a host device"
	sysc-stop hf
	losetup -d "$dev"
	trap - EXIT
	expect_clean
}

test_idmapped_bind_mount() {
	local d=$T_ROOT/home
	mkdir -p "$d"
	echo hello >"$d/note"
	chown -R 1000:1000 "$d"
	# option idmap: the host's 1000 is 1000 inside too
	sysc-create im -t busybox -f "$(cfg im.conf <<EOF
security = { privileged = false; };
mounts = ( { source = "$d"; target = "/home/user"; options = "bind,idmap"; } );
EOF
)" >/dev/null 2>&1
	sysc-start im
	expect_eq "$(sysc-attach im -- /bin/stat -c %u /home/user/note)" 1000 "owner inside (idmapped)"
	sysc-attach im -- /bin/sh -c 'echo more >/home/user/new && chown 1000:1000 /home/user/new'
	expect_eq "$(stat -c %u:%g "$d/new")" 1000:1000 "owner on the host"
	sysc-stop im
	# without idmap, the same files are nobody's inside
	sysc-config im mounts "( { source = \"$d\"; target = \"/home/user\"; options = \"bind\"; } )"
	sysc-start im
	expect_eq "$(sysc-attach im -- /bin/stat -c %u /home/user/note)" 65534 "owner inside (plain bind)"
	sysc-stop im
	# idmap on a privileged container is an error naming the mount
	sysc-create ip -t busybox -f "$(cfg ip.conf <<EOF
security = { privileged = true; };
mounts = ( { source = "$d"; target = "/home/user"; options = "bind,idmap"; } );
EOF
)" >/dev/null 2>&1
	expect_fail "option idmap needs an unprivileged container" sysc-start ip
	expect_clean
}

test_backends() {
	# overlay: its layers are idmapped (an overlay mount cannot be)
	local ovl=$T_ROOT/ovl
	sysc-create ov -t busybox -B overlay -f "$UNPRIV" >/dev/null 2>&1
	sysc-start ov
	sysc-attach ov -- /bin/sh -c 'echo x >/root/x; rm /bin/vi'
	expect_eq "$(sysc-attach ov -- /bin/stat -c %u /root/x)" 0 "owner inside (overlay)"
	sysc-stop ov
	expect_eq "$(stat -c %u "$SYSC_PATH/ov/storage/upper/root/x")" 0 "on-disk owner in the upper layer"
	[[ -z $(ls -A "$SYSC_PATH/ov/rootfs") ]] || t_die "overlay left visible on the host"
	sysc-start ov
	sysc-attach ov -- /bin/sh -c '! test -e /bin/vi' || t_die "whiteout lost"
	sysc-stop ov
	expect_clean
}

# the start of an unprivileged container costs no more than a privileged one
test_start_time() {
	local t0 i p=() u=()
	sysc-create tp -t busybox -f "$PRIV" >/dev/null 2>&1
	sysc-create tu -t busybox -f "$UNPRIV" >/dev/null 2>&1
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		sysc-start tp
		p+=($((($(date +%s%N) - t0) / 1000000)))
		sysc-stop -k tp
		t0=$(date +%s%N)
		sysc-start tu
		u+=($((($(date +%s%N) - t0) / 1000000)))
		sysc-stop -k tu
	done
	echo "# busybox start, median of 5: privileged $(printf '%s\n' "${p[@]}" | sort -n | sed -n 3p) ms, unprivileged $(printf '%s\n' "${u[@]}" | sort -n | sed -n 3p) ms" >>"$T_ROOT/timings"
	expect_clean
}

# A store on FUSE (bindfs), whose mounts cannot be idmapped: the owners on
# disk are shifted once at the first start and recorded (rootfs.shifted);
# copies, exports and a return to privileged follow the record.
FUSE_BACK=$T_ROOT/fuse-back FUSE_STORE=$T_ROOT/fuse-store
mkdir -p "$FUSE_BACK" "$FUSE_STORE"
bindfs "$FUSE_BACK" "$FUSE_STORE" || { echo "FAIL: setup: bindfs $FUSE_STORE"; exit 1; }
T_LOOP_MOUNTS+=("$FUSE_STORE") T_STORES+=("$FUSE_STORE") T_HELPER_RE="^[0-9]+ bindfs "

test_shift_fallback() {
	local out base base2
	export SYSC_PATH=$FUSE_STORE
	sysc-create sf -t busybox -f "$UNPRIV" >/dev/null 2>&1
	base=$(host_base sf)
	out=$(sysc-start sf 2>&1)
	[[ $out == *"has no idmapped mounts"* ]] || t_die "no chown-shift fallback: $out"
	expect_eq "$(sysc-config sf rootfs.shifted)" "b:0:$base:65536" "recorded shift"
	expect_eq "$(stat -c %u:%g "$FUSE_BACK/sf/rootfs/bin/busybox")" "$base:$base" "on-disk owner"
	expect_eq "$(sysc-attach sf -- /bin/stat -c %u:%g /bin/busybox)" 0:0 "owner inside"
	sysc-attach sf -- /bin/sh -c 'echo made >/root/made'
	expect_eq "$(stat -c %u "$FUSE_BACK/sf/rootfs/root/made")" "$base" "on-disk owner of a new file"
	# a reboot (same monitor) knows it is done
	sysc-stop -r sf
	sysc-wait sf -s RUNNING -t 10
	expect_eq "$(grep -c 'shifting the owners' "$FUSE_BACK/sf/monitor.log")" 1 "shifts in the log after a reboot"
	sysc-stop sf
	# done once: a second start shifts nothing
	out=$(sysc-start sf 2>&1)
	[[ $out != *shifting* ]] || t_die "shifted again: $out"
	sysc-stop sf
	# an export holds the container's own ids
	sysc-export sf "$T_ROOT/sf.tar" --compression none >/dev/null 2>&1
	expect_eq "$(tar --numeric-owner -tvf "$T_ROOT/sf.tar" rootfs/root/made | awk '{ print $2 }')" \
		0/0 "owner in the archive"
	# a copy gets a range of its own, its owners follow at its first start
	sysc-copy sf sf2 >/dev/null 2>&1
	base2=$(host_base sf2)
	[[ $base2 != "$base" ]] || t_die "the copy shares range $base"
	sysc-start sf2 >/dev/null 2>&1
	expect_eq "$(stat -c %u "$FUSE_BACK/sf2/rootfs/root/made")" "$base2" "on-disk owner in the copy"
	expect_eq "$(sysc-attach sf2 -- /bin/stat -c %u /root/made)" 0 "owner inside the copy"
	sysc-stop sf2
	# privileged again: the owners go back
	sysc-config sf --unset idmap
	sysc-config sf security.privileged true
	sysc-start sf >/dev/null 2>&1
	expect_eq "$(stat -c %u "$FUSE_BACK/sf/rootfs/root/made")" 0 "on-disk owner, privileged"
	expect_eq "$(sysc-config sf rootfs.shifted)" "" "record cleared"
	sysc-stop sf
	expect_clean
}

t_run test_debian_unprivileged
t_run test_shift_fallback
t_run test_ranges_are_distinct
t_run test_host_files_and_devices_stay_out_of_reach
t_run test_idmapped_bind_mount
t_run test_backends
t_run test_start_time
[[ -f $T_ROOT/timings ]] && cat "$T_ROOT/timings"

# --------------------------------------------------- the same suites, privileged
relay() { # FILE: run it with every container privileged, count its results
	local out
	out=$(SYSC_TEST_PRIVILEGED=1 SYSC_TEST_CACHE=${SYSC_TEST_CACHE:-} bash "$(dirname "$0")/$1" 2>&1)
	sed -n "s/^\(PASS\|FAIL\|SKIP\): /\1: [privileged] $1: /p" <<<"$out"
	grep -A40 '^FAIL: ' <<<"$out" | grep '^    |' | head -n 60
	T_PASSED=$((T_PASSED + $(grep -c '^PASS: ' <<<"$out")))
	T_FAILED=$((T_FAILED + $(grep -c '^FAIL: ' <<<"$out")))
	T_SKIPPED=$((T_SKIPPED + $(grep -c '^SKIP: ' <<<"$out")))
	if ! grep -q "^# $1: .* passed" <<<"$out"; then
		echo "FAIL: [privileged] $1 did not run to its end"
		T_FAILED=$((T_FAILED + 1))
	fi
}
if [[ -z ${T_ONLY:-} ]]; then
	for f in t-boot.sh t-console.sh t-network.sh t-resources.sh t-security.sh; do
		relay "$f"
	done
fi
t_summary
