#!/bin/bash
# The lvm backend (issue 9): the development machines' kernel has no
# device-mapper, so this file boots a QEMU guest (tests/qemu/run-vm, Debian
# kernel, the host's / as the guest's root, a fresh sparse scratch disk) and
# runs its own second half in there (SYSC_QEMU_GUEST=1): sysc-storage init
# lvm, containers as thin snapshots of a template volume, copy, snapshot and
# restore, growing, rollback of a failed create, a Debian container booting
# on lvm, an unprivileged container (idmapped ext4), and nothing left behind.
. "$(dirname "$0")/lib.sh"

VG=sysctest
POOL=sysc-pool

# ---------------------------------------------------------------- guest half

# volumes of the test's VG other than the pool and template volumes
lvs_of() { # [all]
	lvs --noheadings -o lv_name "$VG" 2>/dev/null | tr -d ' ' | sort |
		if [[ ${1:-} == all ]]; then cat; else grep -v -e "^$POOL\$" -e '^sysc-cache-' || true; fi
}

expect_no_volumes() {
	local left
	left=$(lvs_of)
	[[ -z $left ]] || t_die "volumes left: $left"
	grep -Eq "/dev/(mapper/$VG-|$VG/)" /proc/self/mountinfo &&
		t_die "a volume is mounted: $(grep -E "/dev/(mapper/$VG-|$VG/)" /proc/self/mountinfo)"
	return 0
}

# the recorded volume of an entry, as VG/LV
volume_of() {
	cat "$SYSC_PATH/$1/storage/volume"
}

fs_uuid() {
	blkid -p -s UUID -o value "/dev/$1"
}

test_unconfigured() {
	expect_fail 'lvm.vg is not set in sysc.conf; run sysc-storage init lvm' \
		sysc-create u -B lvm -t busybox
	expect_store ""
}

test_init_refuses() {
	local used
	used=$(qemu_disk used) || t_die "no scratch disk 'used'"
	mkfs.ext4 -q -F "$used"
	expect_fail "$used is not empty \(TYPE=\"?ext4\"?\): refusing" \
		sysc-storage init lvm --vg "$VG" --device "$used"
	expect_fail "volume group $VG does not exist: give --device" sysc-storage init lvm --vg "$VG"
	expect_fail 'invalid volume group name' sysc-storage init lvm --vg -x --device "$used"
	local rc=0
	sysc-storage init lvm >/dev/null 2>&1 || rc=$?
	expect_eq "$rc" 2 "exit status without --vg"
	[[ -z $(vgs --noheadings -o vg_name 2>/dev/null) ]] || t_die "a volume group was made: $(vgs)"
	! grep -Eq '^[^#]*(vg|thinpool) *=' "$SYSC_CONF_DIR/sysc.conf" ||
		t_die "sysc.conf changed: $(cat "$SYSC_CONF_DIR/sysc.conf")"
}

test_init() {
	local disk t0
	disk=$(qemu_disk lvm) || t_die "no scratch disk 'lvm'"
	t0=$(date +%s.%N)
	sysc-storage init lvm --vg "$VG" --device "$disk"
	qemu_timing "sysc-storage init lvm (pvcreate, vgcreate, thin pool): $(qemu_since "$t0") s"
	expect_eq "$(lvs --noheadings -o lv_attr "$VG/$POOL" | tr -d ' ' | cut -c1)" t "pool attr"
	expect_eq "$(lvs --noheadings -o lv_when_full "$VG/$POOL" | tr -d ' ')" error "pool when full"
	grep -Eq 'vg *= *"sysctest"' "$SYSC_CONF_DIR/sysc.conf" || t_die "sysc.conf: $(cat "$SYSC_CONF_DIR/sysc.conf")"
	grep -Eq "thinpool *= *\"$POOL\"" "$SYSC_CONF_DIR/sysc.conf" || t_die "sysc.conf: $(cat "$SYSC_CONF_DIR/sysc.conf")"
	# the other keys of sysc.conf are kept
	grep -Eq 'default_backend' "$SYSC_CONF_DIR/sysc.conf" || t_die "sysc.conf lost keys: $(cat "$SYSC_CONF_DIR/sysc.conf")"
	# again: the existing VG and pool are used as they are
	sysc-storage init lvm --vg "$VG"
	expect_eq "$(lvs_of all)" "$POOL" "volumes after init"
	# a volume that is not a thin pool is refused
	lvcreate -q -y -T "$VG/$POOL" -V 64M -n notapool >/dev/null
	expect_fail "$VG/notapool exists and is not a thin pool" \
		sysc-storage init lvm --vg "$VG" --thinpool notapool
	lvremove -q -f "$VG/notapool"
}

test_busybox_thin() {
	local t0 vb vb2 vc cache
	t0=$(date +%s.%N)
	sysc-create b -B lvm -t busybox
	qemu_timing "lvm create, cold (dir cache + template volume + snapshot): $(qemu_since "$t0") s"
	t0=$(date +%s.%N)
	sysc-create b2 -B lvm -t busybox
	qemu_timing "lvm thin create from warm cache: $(qemu_since "$t0") s"
	vb=$(volume_of b) vb2=$(volume_of b2)
	[[ $vb == $VG/sysc-b-* && $vb2 == $VG/sysc-b2-* ]] || t_die "volumes: $vb $vb2"
	cache=$(lvs_of all | grep '^sysc-cache-busybox-.*-ext4-')
	expect_eq "$(lvs --noheadings -o origin "$vb" | tr -d ' ')" "$cache" "origin of b's volume"
	! lvs_of all | grep -q -- '-tmp$' || t_die "temporary volume left: $(lvs_of all)"
	# each copy has its own filesystem UUID
	local u1 u2 u3
	u1=$(fs_uuid "$vb") u2=$(fs_uuid "$vb2") u3=$(fs_uuid "$VG/$cache")
	[[ -n $u1 && $u1 != "$u2" && $u1 != "$u3" && $u2 != "$u3" ]] || t_die "fs UUIDs: $u1 $u2 $u3"
	sysc-ls | grep -Eq '^b +STOPPED +lvm' || t_die "ls: $(sysc-ls)"
	# nothing of the create is mounted on the host
	expect_clean

	# boot, write a file, stop
	sysc-start b
	inside b /bin/sh -c 'echo hello-lvm >/etc/hello && sync'
	inside b /bin/grep -Eq "^/dev/$VG/sysc-b-[0-9a-f]+ / ext4 " /proc/mounts ||
		t_die "rootfs inside: $(inside b /bin/cat /proc/mounts | head -n 3)"
	grep -q "$T_ROOT" /proc/self/mountinfo && t_die "the rootfs is mounted on the host"
	sysc-stop b
	expect_clean

	# copy: a thin snapshot of b's volume, booted
	t0=$(date +%s.%N)
	sysc-copy b c
	qemu_timing "sysc-copy (thin snapshot): $(qemu_since "$t0") s"
	vc=$(volume_of c)
	expect_eq "$(lvs --noheadings -o origin "$vc" | tr -d ' ')" "${vb#*/}" "origin of c's volume"
	[[ $(fs_uuid "$vc") != "$u1" ]] || t_die "the copy kept b's filesystem UUID"
	sysc-start c
	expect_eq "$(inside c /bin/cat /etc/hello)" hello-lvm "file in the copy"
	sysc-stop c

	# snapshot (read-only volume), change, restore
	t0=$(date +%s.%N)
	sysc-snapshot b -n s1
	qemu_timing "sysc-snapshot: $(qemu_since "$t0") s"
	local vs
	vs=$(volume_of b/snapshots/s1)
	expect_eq "$(lvs --noheadings -o lv_attr "$vs" | tr -d ' ' | cut -c2)" r "snapshot volume permission"
	sysc-start b
	inside b /bin/rm /etc/hello
	sysc-stop b
	t0=$(date +%s.%N)
	sysc-snapshot b -r s1
	qemu_timing "sysc-snapshot -r: $(qemu_since "$t0") s"
	[[ $(volume_of b) != "$vb" ]] || t_die "restore kept the old volume"
	lvs "$vb" >/dev/null 2>&1 && t_die "the replaced volume $vb is left"
	sysc-start b
	expect_eq "$(inside b /bin/cat /etc/hello)" hello-lvm "file after restore"
	sysc-stop b

	# destroy everything: only the pool and the template volume remain
	sysc-destroy b
	sysc-destroy b2
	sysc-destroy c
	expect_store ""
	expect_no_volumes
	expect_clean
}

test_grow_xfs() {
	local f v t0
	f=$(cfg big.conf <<-EOF
		rootfs = { fstype = "xfs"; size = "12G"; };
	EOF
	)
	t0=$(date +%s.%N)
	sysc-create x -B lvm -t busybox -f "$f"
	qemu_timing "lvm create xfs 12G (xfs template volume, snapshot, grow): $(qemu_since "$t0") s"
	v=$(volume_of x)
	expect_eq "$(blkid -p -s TYPE -o value "/dev/$v")" xfs "filesystem"
	expect_eq "$(lvs --noheadings --units g --nosuffix -o lv_size "$v" | tr -d ' ')" 12.00 "volume size"
	sysc-start x
	local st gb
	st=$(inside x /bin/busybox stat -f -c '%T %b %S' / 2>&1)
	gb=$(awk '{ printf "%d", $2 * $3 / 1073741824 }' <<<"$st")
	if [[ $st != xfs* ]] || ((gb < 11)); then
		t_die "filesystem not grown: stat -f: $st"
	fi
	sysc-stop x
	sysc-destroy x
	expect_no_volumes
	expect_clean
}

test_failed_create_rolls_back() {
	local f before
	before=$(lvs_of all)
	# too small for xfs: mkfs fails after the volume was made
	f=$(cfg tiny.conf <<-EOF
		rootfs = { fstype = "xfs"; size = "64M"; };
	EOF
	)
	expect_fail 'cannot make a filesystem on volume .*mkfs.xfs failed' \
		sysc-create t -B lvm -t busybox -f "$f"
	expect_store ""
	expect_eq "$(lvs_of all)" "$before" "volumes after a failed create"
	expect_clean
}

# a create that runs out of pool space half-way through the copy (rootfs.size
# below the template volume's: a new volume filled by a copy) rolls back
test_full_pool_rolls_back() {
	[[ -n ${SYSC_QEMU_DEBIAN_CACHE:-} ]] || t_skip "no Debian template cache: ${SYSC_QEMU_DEBIAN_WHY:-}"
	local f before
	before=$(lvs_of all)
	# a pool of 32 MiB: the thin volume's writes fail half-way
	trap 'lvremove -q -f "$VG/smallpool" >/dev/null 2>&1 || true' EXIT
	lvcreate -q -y --type thin-pool -L 32M -n smallpool "$VG" >/dev/null
	lvchange -q --errorwhenfull y "$VG/smallpool"
	mkdir "$T_ROOT/etc2"
	cp "$SYSC_CONF_DIR"/* "$T_ROOT/etc2/"
	sed -i "s/thinpool = \"$POOL\"/thinpool = \"smallpool\"/" "$T_ROOT/etc2/sysc.conf"
	grep -q smallpool "$T_ROOT/etc2/sysc.conf" || t_die "sysc.conf: $(cat "$T_ROOT/etc2/sysc.conf")"
	f=$(cfg mid.conf <<-EOF
		rootfs = { size = "1G"; };
	EOF
	)
	expect_fail 'Input/output error|No space left on device|Read-only file system' \
		env SYSC_CONF_DIR="$T_ROOT/etc2" SYSC_CACHE_DIR="$SYSC_QEMU_DEBIAN_CACHE" \
		sysc-create t -B lvm -t debian -f "$f"
	expect_store ""
	local left
	left=$(lvs --noheadings -o lv_name,pool_lv "$VG" | awk '$2 == "smallpool"')
	[[ -z $left ]] || t_die "volumes left in the small pool: $left"
	# (a pool that ran full may report errors as it goes)
	lvremove -q -f "$VG/smallpool" || echo "lvremove smallpool: exit $?"
	! lvs "$VG/smallpool" >/dev/null 2>&1 || t_die "cannot remove the small pool"
	expect_eq "$(lvs_of all)" "$before" "volumes after a full pool"
	expect_clean
}

test_debian_on_lvm() {
	[[ -n ${SYSC_QEMU_DEBIAN_CACHE:-} ]] || t_skip "no Debian template cache: ${SYSC_QEMU_DEBIAN_WHY:-}"
	local t0
	t0=$(date +%s.%N)
	SYSC_CACHE_DIR=$SYSC_QEMU_DEBIAN_CACHE sysc-create d -B lvm -t debian >"$T_ROOT/d.log" 2>&1 ||
		t_die "create: $(tail -n 5 "$T_ROOT/d.log")"
	qemu_timing "Debian lvm create, cold (template volume filled from the cache): $(qemu_since "$t0") s"
	t0=$(date +%s.%N)
	sysc-start d
	wait_running d 300
	qemu_timing "Debian on lvm start -> running: $(qemu_since "$t0") s"
	sysc-attach d -- findmnt -n -o SOURCE,FSTYPE / | grep -Eq "^/dev/$VG/sysc-d-[0-9a-f]+ +ext4" ||
		t_die "root inside: $(sysc-attach d -- findmnt -n -o SOURCE,FSTYPE /)"
	sysc-stop d
	sysc-destroy d
	# (the dir cache is on a read-only disk: its template volume goes by hand)
	local lv
	for lv in $(lvs_of all | grep '^sysc-cache-debian'); do
		lvremove -q -f "$VG/$lv"
	done
	expect_no_volumes
	expect_clean
}

# an inode's owner (UID:GID) and ctime on an unmounted ext4 volume, as
# stored on disk
disk_inode() { # VG/LV PATH
	debugfs -R "stat $2" "/dev/$1" 2>/dev/null |
		awk '$1 == "User:" { u = $2 ":" $4 } $1 == "ctime:" { c = $2 } END { print u, c }'
}

# unprivileged on a thin volume: ext4 is idmapped (no chown walk), init
# runs as the container's host range, what its root makes is 0 on disk
test_unprivileged_on_lvm() {
	local v base pid before after
	sysc-create un -B lvm -t busybox -f "$(cfg unpriv.conf <<<'security = { privileged = false; };')" \
		>"$T_ROOT/un.log" 2>&1 || t_die "create: $(tail -n 3 "$T_ROOT/un.log")"
	v=$(volume_of un)
	base=$(host_base un)
	[[ $base -ge 65536 ]] || t_die "no host range recorded: $(sysc-config un idmap)"
	before=$(disk_inode "$v" /bin/busybox)
	expect_eq "${before% *}" 0:0 "on-disk owner of /bin/busybox after create"
	sysc-start un
	pid=$(init_pid un)
	expect_eq "$(stat -c %u:%g "/proc/$pid")" "$base:$base" "host uid:gid of init"
	expect_eq "$(sysc-attach un -- /bin/cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" \
		"0 $base 65536" "uid_map inside"
	sysc-attach un -- /bin/grep -Eq "^/dev/$VG/sysc-un-[0-9a-f]+ / ext4 " /proc/mounts ||
		t_die "rootfs inside: $(sysc-attach un -- /bin/cat /proc/mounts | head -n 3)"
	sysc-attach un -- /bin/sh -c 'echo made >/root/made && sync'
	expect_eq "$(sysc-attach un -- /bin/stat -c %u:%g /root/made)" 0:0 "owner inside"
	# through the container's tree (its idmapped mount), the host sees its range
	expect_eq "$(stat -c %u:%g "/proc/$pid/root/root/made")" "$base:$base" "host owner through the container"
	expect_eq "$(stat -c %u "/proc/$pid/root/bin/busybox")" "$base" "host owner of /bin/busybox through the container"
	grep -q "$T_ROOT" /proc/self/mountinfo && t_die "the rootfs is mounted on the host"
	sysc-stop un
	expect_clean
	# on disk: 0, and no file was chowned (a walk there and back changes ctime)
	expect_eq "$(disk_inode "$v" /root/made | cut -d' ' -f1)" 0:0 "on-disk owner of the file made inside"
	after=$(disk_inode "$v" /bin/busybox)
	expect_eq "$after" "$before" "on-disk owner and ctime of /bin/busybox after a start"
	sysc-destroy un
	expect_store ""
	expect_no_volumes
	expect_clean
}

test_cache_rm_removes_template_volumes() {
	local key
	key=$("$SYSC_TEMPLATE_DIR/sysc-busybox" cache-key)
	lvs_of all | grep -q '^sysc-cache-busybox' || t_die "no busybox template volume: $(lvs_of all)"
	sysc-cache rm "$key"
	expect_eq "$(lvs_of all)" "$POOL" "volumes after sysc-cache rm"
}

# LVM without udev (host.md): lvm.conf in a private LVM_SYSTEM_DIR
lvm_setup() {
	modprobe dm-thin-pool || return 1
	export LVM_SYSTEM_DIR=/run/sysc-lvm-test
	mkdir -p "$LVM_SYSTEM_DIR"
	cat >"$LVM_SYSTEM_DIR/lvm.conf" <<-'EOF'
		activation { udev_sync = 0 udev_rules = 0 verify_udev_operations = 0 monitoring = 0 }
		devices { obtain_device_list_from_udev = 0 external_device_info_source = "none" use_devicesfile = 0
			global_filter = [ "a|^/dev/vd|", "r|.*|" ] }
		backup { backup = 0 archive = 0 }
		global { use_lvmpolld = 0 }
	EOF
}

guest_main() {
	if ! lvm_setup; then
		echo "FAIL: lvm_setup: no device-mapper thin provisioning in the guest"
		T_FAILED=$((T_FAILED + 1))
		t_summary
		return
	fi
	qemu_mount_debian_cache
	qemu_guest_run test_unconfigured test_init_refuses test_init test_busybox_thin test_grow_xfs \
		test_failed_create_rolls_back test_full_pool_rolls_back test_debian_on_lvm \
		test_unprivileged_on_lvm test_cache_rm_removes_template_volumes
}

if qemu_guest; then
	guest_main
else
	# (the guest runs for ~5 min under TCG)
	: "${SYSC_QEMU_TIMEOUT:=600}"
	qemu_host_main --append cgroup_no_v1=all --mem 3072 --scratch lvm=16G --scratch used=64M
fi
