#!/bin/bash
# security.nesting (issue 18): container runtimes inside a container.
# Uncovered proc and sysfs in /dev/.sysc (root inside only) so nested user
# namespaces may mount fresh ones, /dev/fuse and /dev/net/tun, an id range
# of 262144 allocated host-wide, sysc inside sysc; off, all of it fails as
# before. The escape tests (t-security.sh) run again with nesting on.
. "$(dirname "$0")/lib.sh"

NEST=$(cfg nest.conf <<'EOF2'
security = { privileged = false; nesting = true; };
init = { halt_signal = "SIGUSR2"; };
EOF2
)
FLAT=$(cfg flat.conf <<'EOF2'
security = { privileged = false; nesting = false; };
init = { halt_signal = "SIGUSR2"; };
EOF2
)

# count of a container's (only) idmap line
idmap_count() {
	sysc-config "$1" idmap | awk '/count =/ { gsub(";", ""); print $3; exit }'
}

# local_repo ROOT PKG...: a local apt repository in ROOT/root/local with
# the packages that `apt-get install PKG...` needs on top of that rootfs
# (resolved against its dpkg status, fetched from the host's apt sources,
# kept in the test cache for the next run), as t-package.sh does
local_repo() {
	local root=$1 need key dir
	shift
	apt-get -s -o Dir::State::status="$root/var/lib/dpkg/status" install --no-install-recommends \
		"$@" >"$T_ROOT/sim.out" 2>&1 || t_die "apt-get -s: $(tail -n 5 "$T_ROOT/sim.out")"
	need=$(awk '/^Inst / { print $2 }' "$T_ROOT/sim.out" | sort)
	key=$(sha256sum <<<"$need" | cut -c1-12)
	dir=$SYSC_CACHE_DIR/t-nesting-debs-$key
	if [[ ! -f $dir/Packages ]]; then
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
		# shellcheck disable=SC2086 # (one package per word)
		(cd "$dir.tmp" && apt-get download $need) >"$T_ROOT/dl.out" 2>&1 ||
			t_die "apt-get download: $(tail -n 5 "$T_ROOT/dl.out")"
		(cd "$dir.tmp" && dpkg-scanpackages . /dev/null >Packages) 2>/dev/null
		mv "$dir.tmp" "$dir"
	fi
	mkdir -p "$root/root/local" "$root/root/local.d"
	cp "$dir"/*.deb "$dir/Packages" "$root/root/local/"
	echo 'deb [trusted=yes] file:/root/local ./' >"$root/root/local.list"
}

# install PKG... in the running container NAME from its local repository
local_install() {
	local name=$1
	shift
	local apt=(apt-get -o Dir::Etc::SourceList=/root/local.list -o Dir::Etc::SourceParts=/root/local.d
		-o APT::Sandbox::User=root)
	sysc-attach "$name" -- "${apt[@]}" update >"$T_ROOT/update.out" 2>&1 ||
		t_die "apt-get update: $(cat "$T_ROOT/update.out")"
	sysc-attach "$name" -- env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y \
		--no-install-recommends "$@" >"$T_ROOT/install.out" 2>&1 ||
		t_die "apt-get install: $(tail -n 20 "$T_ROOT/install.out")"
}

# sysc of this tree, run inside the container "outer" against a store of
# its own there
IN_ENV=(-e PATH=/opt/sysc:/usr/sbin:/usr/bin:/sbin:/bin -e SYSC_PATH=/var/lib/sysc-in
	-e SYSC_RUN_DIR=/run/sysc-in -e SYSC_STATE_DIR=/var/lib/sysc-in/.host
	-e SYSC_CONF_DIR=/etc/sysc-in -e SYSC_TEMPLATE_DIR=/opt/sysc/templates
	-e SYSC_CACHE_DIR=/var/cache/sysc-in)
in_o() {
	sysc-attach outer "${IN_ENV[@]}" -- "$@"
}

# the host uids of the processes in the container "outer"'s cgroups (host
# uids are not unique across test runs: each has its own id registry)
outer_uids() {
	local v2=/sys/fs/cgroup p
	[[ -d $v2/unified ]] && v2=$v2/unified
	find "$v2/$SYSC_CGROUP_PARENT/outer" -name cgroup.procs -exec cat {} + 2>/dev/null |
		while read -r p; do stat -c %u "/proc/$p" 2>/dev/null || true; done
}

test_sysc_inside_sysc() {
	local root base ib pid log=$T_ROOT/inner.log
	sysc-create outer -t debian -f "$(cfg outer.conf <<EOF2
security = { privileged = false; nesting = true; };
mounts = ( { source = "$T_BUILD"; target = "/opt/sysc"; type = "none"; options = "bind,ro"; } );
EOF2
)" >"$T_ROOT/create.log" 2>&1 || t_die "create: $(tail -n 5 "$T_ROOT/create.log")"
	root=$SYSC_PATH/outer/rootfs
	base=$(host_base outer)
	# the libraries of the in-tree sysc, and busybox for its template
	local_repo "$root" libconfig9 libcap2 libseccomp2 libnl-3-200 libnl-route-3-200 \
		libbtrfsutil1 busybox-static libnftables1 dnsmasq-base
	mkdir -p "$root/etc/sysc-in"
	cp "$T_SRC/config/default.conf" "$T_SRC/config/sysc.conf" "$root/etc/sysc-in/"
	sed -i 's|^path = .*|path = "/var/lib/sysc-in";|' "$root/etc/sysc-in/sysc.conf"
	printf 'init = { halt_signal = "SIGUSR2"; };\n' >"$root/root/inner.conf"
	sysc-start outer
	wait_running outer
	local_install outer libconfig9 libcap2 libseccomp2 libnl-3-200 libnl-route-3-200 \
		libbtrfsutil1 busybox-static libnftables1 dnsmasq-base

	# a user of the outer's own, with Debian's subordinate ids 100000:65536
	sysc-attach outer -- useradd -m u1
	in_o sysc-create inner -t busybox -f /root/inner.conf >"$log" 2>&1 ||
		t_die "create inside: $(cat "$log")"
	# its ids come from the outer container's own (uid_map), above its
	# users and outside u1's subordinate ids
	ib=$(in_o sysc-config inner idmap | awk '/host =/ { gsub(";", ""); print $3; exit }')
	((ib >= 165536 && ib + 65536 <= 262144)) || t_die "inner range $ib: not in 165536-262143"
	in_o sysc-start inner >"$log" 2>&1 || t_die "start inside: $(cat "$log")"
	# what it did instead of what a user namespace cannot
	grep -q 'idmapped mount of its rootfs is refused' "$log" || t_die "start: $(cat "$log")"
	grep -q 'shifting the owners' "$log" || t_die "start: $(cat "$log")"
	grep -q 'no BPF program in a user namespace' "$log" || t_die "start: $(cat "$log")"
	expect_eq "$(in_o sysc-attach inner -- echo hi)" hi "attach inside"
	expect_eq "$(in_o sysc-attach inner -- cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" \
		"0 $ib 65536" "uid_map of the inner container"
	# on the host: the outer's range, offset by the inner's
	pid=$(in_o sysc-info inner --format json | grep -o '"pid":[0-9]*' | cut -d: -f2)
	[[ -n $pid ]] || t_die "no inner init pid"
	expect_eq "$(in_o stat -c %u /proc/"$pid")" "$ib" "owner of the inner init, as the outer sees it"
	expect_eq "$(sysc-attach outer -- sh -c "stat -c %u /proc/$pid" | head -n 1)" "$ib" "owner seen by the outer's root"
	outer_uids | grep -qx $((base + ib)) ||
		t_die "no process of outer with host uid $((base + ib)) (outer base $base + inner base $ib)"
	# on the inner sysc's own default network, made in the outer's netns
	in_o sysc-attach inner -- ip -4 -o addr show dev eth0 | grep -q ' inet 10\.' ||
		t_die "inner eth0: $(in_o sysc-attach inner -- ip addr 2>&1)"
	in_o sysc-stop inner
	in_o sysc-destroy inner
	in_o sysc-net delete sysc0
	# nothing left inside: mounts, cgroups, runtime files, processes
	[[ -z $(in_o grep sysc-in /proc/self/mountinfo) ]] || t_die "mounts left inside"
	in_o test -d /sys/fs/cgroup/sysc && t_die "cgroups left inside: $(in_o find /sys/fs/cgroup/sysc)"
	! in_o ls -A /run/sysc-in | grep -qv '^\.\?locks$' || t_die "runtime files left inside"
	! outer_uids | grep -qx $((base + ib)) || t_die "inner processes left"

	# nesting off: the inner start fails as before
	sysc-stop outer
	sysc-config outer security.nesting false
	sysc-start outer
	wait_running outer
	in_o sysc-create inner -t busybox -f /root/inner.conf >"$log" 2>&1 ||
		t_die "create inside without nesting: $(cat "$log")"
	in_o sysc-start inner >"$log" 2>&1 && t_die "inner start worked without nesting"
	echo "# without nesting: $(grep -i error "$log" | head -n 1)"
	in_o sysc-destroy -f inner >/dev/null 2>&1
	sysc-stop outer
	expect_clean
}

# podman from Debian inside (no registry: an image imported from a busybox
# tarball), as root and as a user made with plain useradd, with limits on
# a hybrid host through the container's own v1 hierarchies
test_podman_inside() {
	local root bb=$T_ROOT/bbimg
	sysc-create pod -t debian -f "$(cfg pod.conf <<'EOF2'
security = { privileged = false; nesting = true; };
EOF2
)" >"$T_ROOT/create.log" 2>&1 || t_die "create: $(tail -n 5 "$T_ROOT/create.log")"
	root=$SYSC_PATH/pod/rootfs
	local_repo "$root" podman runc crun uidmap
	mkdir -p "$bb/bin"
	cp /bin/busybox "$bb/bin/"
	for a in sh echo cat; do ln -s busybox "$bb/bin/$a"; done
	tar -C "$bb" -cf "$root/srv/bb.tar" .
	chmod 644 "$root/srv/bb.tar"
	# the runtime podman's cgroupfs manager drives (no systemd cgroup
	# manager); rlimits the container cannot raise (host.md)
	mkdir -p "$root/etc/containers"
	cat >"$root/etc/containers/containers.conf" <<'EOF2'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF2
	sysc-start pod
	wait_running pod
	local_install pod podman runc crun uidmap
	sysc-attach pod -- useradd -m u1
	expect_eq "$(sysc-attach pod -- grep '^u1:' /etc/subuid)" "u1:100000:65536" "u1's subordinate ids"
	sysc-attach pod -- podman import /srv/bb.tar bb >/dev/null 2>&1 || t_die "podman import as root"
	sysc-attach -u u1 pod -- podman import /srv/bb.tar bb >/dev/null 2>&1 || t_die "podman import as u1"

	expect_eq "$(sysc-attach pod -- podman run --rm --network none bb echo hi 2>&1)" hi "podman as root"
	expect_eq "$(sysc-attach -u u1 pod -- podman run --rm --network none bb echo hi 2>&1 | tail -n 1)" \
		hi "podman as u1"
	expect_eq "$(sysc-attach pod -- podman run --rm --network none -m 64m --cpus 0.5 --pids-limit 100 bb \
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
		/sys/fs/cgroup/pids/pids.max 2>&1)" "$(printf '67108864\n50000\n100')" "limits of podman's container"
	sysc-attach pod -- unshare -Urmpf --mount-proc true || t_die "unshare --mount-proc in Debian"
	# the container's own limits stay out of its reach
	sysc-attach pod -- sh -c 'echo -1 >/sys/fs/cgroup/memory/memory.limit_in_bytes' 2>/dev/null &&
		t_die "the container changed its own memory limit"
	sysc-attach pod -- sh -c 'echo max >/sys/fs/cgroup/pids/pids.max' 2>/dev/null &&
		t_die "the container changed its own pids limit"

	# nesting off: what needed it fails, as before
	sysc-stop pod
	sysc-config pod security.nesting false
	sysc-start pod
	wait_running pod
	sysc-attach pod -- podman run --rm --network none -m 64m bb echo hi >/dev/null 2>&1 &&
		t_die "podman -m worked without nesting"
	sysc-attach -u u1 pod -- podman run --rm --network none bb echo hi >/dev/null 2>&1 &&
		t_die "rootless podman worked without nesting"
	sysc-attach pod -- unshare -Urmpf --mount-proc true 2>/dev/null &&
		t_die "unshare --mount-proc worked without nesting"
	sysc-stop pod
	expect_clean
}

# NAME1 with nesting on, NAME2 with it off, both started
start_nested_and_flat() {
	sysc-create "$1" -t busybox -f "$NEST" >/dev/null 2>&1
	sysc-create "$2" -t busybox -f "$FLAT" >/dev/null 2>&1
	sysc-start "$1"
	sysc-start "$2"
}

test_fresh_proc_in_nested_userns() {
	start_nested_and_flat n1 f1
	# a new user, mount and pid namespace with a fresh proc, as podman and
	# rootless runtimes make them
	sysc-attach n1 -- unshare -Urmpf --mount-proc true ||
		t_die "unshare --mount-proc failed with nesting on"
	expect_eq "$(sysc-attach n1 -- unshare -Urmpf --mount-proc cat /proc/1/comm)" cat \
		"pid 1 of the fresh proc"
	# and a fresh sysfs (read-only, as /sys is) in a new network namespace
	sysc-attach n1 -- unshare -Urmn sh -c 'mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /mnt && test -d /mnt/class/net/lo' ||
		t_die "no fresh sysfs with nesting on"
	# nesting off: refused as before
	sysc-attach f1 -- unshare -Urmpf --mount-proc true 2>/dev/null &&
		t_die "unshare --mount-proc worked with nesting off"
	sysc-attach f1 -- test -e /dev/.sysc && t_die "/dev/.sysc with nesting off"
	sysc-stop n1
	sysc-stop f1
	expect_clean
}

test_uncovered_mounts_are_root_only() {
	sysc-create n2 -t busybox -f "$NEST" >/dev/null 2>&1
	sysc-start n2
	sysc-attach n2 -- sh -c 'echo u1:x:1000:1000::/:/bin/sh >>/etc/passwd'
	expect_eq "$(sysc-attach n2 -- stat -c '%a %U' /dev/.sysc)" "700 root" "mode of /dev/.sysc"
	sysc-attach n2 -- test -r /dev/.sysc/proc/1/status || t_die "root cannot read /dev/.sysc/proc"
	sysc-attach n2 -- test -d /dev/.sysc/sys/kernel || t_die "no sysfs in /dev/.sysc/sys"
	sysc-attach -u u1 n2 -- ls /dev/.sysc/proc >/dev/null 2>&1 &&
		t_die "a user inside listed /dev/.sysc/proc"
	sysc-attach -u u1 n2 -- cat /dev/.sysc/sys/kernel/uevent_seqnum >/dev/null 2>&1 &&
		t_die "a user inside read /dev/.sysc/sys"
	# the uncovered proc is still the container's: no host process in it
	expect_eq "$(sysc-attach n2 -- cat /dev/.sysc/proc/1/comm)" init "pid 1 of the uncovered proc"
	# what the masks hid stays the host root's: no write to a global
	# sysctl, no read of timer_list or the firmware tables (no kcore on
	# this kernel), kernel addresses zeroed
	sysc-attach n2 -- test -f /dev/.sysc/proc/sys/vm/drop_caches || t_die "no vm.drop_caches"
	sysc-attach n2 -- sh -c 'echo 1 >/dev/.sysc/proc/sys/vm/drop_caches' 2>/dev/null &&
		t_die "root inside wrote vm.drop_caches through the uncovered proc"
	sysc-attach n2 -- test -e /dev/.sysc/proc/timer_list || t_die "no timer_list in the uncovered proc"
	sysc-attach n2 -- sh -c 'cat /dev/.sysc/proc/timer_list' >/dev/null 2>&1 &&
		t_die "root inside read timer_list"
	[[ -z $(sysc-attach n2 -- cat /dev/.sysc/proc/kallsyms | awk '$1 !~ /^0+$/' | head -n 1) ]] ||
		t_die "kernel addresses in the uncovered kallsyms"
	if [[ -e /sys/firmware/acpi/tables/DSDT ]]; then
		sysc-attach n2 -- sh -c 'cat /dev/.sysc/sys/firmware/acpi/tables/DSDT' >/dev/null 2>&1 &&
			t_die "root inside read the ACPI DSDT"
	fi
	sysc-stop n2
	expect_clean
}

test_fuse_and_tun() {
	start_nested_and_flat n3 f3
	expect_eq "$(sysc-attach n3 -- stat -c '%F %t:%T %a' /dev/fuse)" "character special file a:e5 666" "/dev/fuse"
	expect_eq "$(sysc-attach n3 -- stat -c '%F %t:%T %a' /dev/net/tun)" "character special file a:c8 666" "/dev/net/tun"
	# openable: the device policy allows them
	sysc-attach n3 -- sh -c 'exec 3<>/dev/fuse' || t_die "cannot open /dev/fuse"
	sysc-attach n3 -- sh -c 'exec 3<>/dev/net/tun' || t_die "cannot open /dev/net/tun"
	sysc-attach f3 -- test -e /dev/fuse && t_die "/dev/fuse with nesting off"
	sysc-attach f3 -- test -e /dev/net/tun && t_die "/dev/net/tun with nesting off"
	sysc-stop n3
	sysc-stop f3
	expect_clean
}

test_privileged_nesting_refused() {
	sysc-create pn -t busybox -f "$(cfg pn.conf <<'EOF2'
security = { privileged = true; nesting = true; };
init = { halt_signal = "SIGUSR2"; };
EOF2
)" >/dev/null 2>&1
	expect_fail 'pn: security.nesting needs security.privileged = false' sysc-start pn
	expect_clean
}

test_id_ranges() {
	local s2=$T_ROOT/store2 a b c
	T_STORES+=("$s2")
	sysc-create r1 -t busybox -f "$NEST" >/dev/null 2>&1
	sysc-create r2 -t busybox -f "$FLAT" >/dev/null 2>&1
	SYSC_PATH=$s2 sysc-create r3 -t busybox -f "$NEST" >/dev/null 2>&1
	expect_eq "$(idmap_count r1)" 262144 "ids of a nesting container"
	expect_eq "$(idmap_count r2)" 65536 "ids of a container without nesting"
	expect_eq "$(SYSC_PATH=$s2 idmap_count r3)" 262144 "ids of a nesting container in store 2"
	a=$(host_base r1) b=$(host_base r2) c=$(SYSC_PATH=$s2 host_base r3)
	# no two overlap, whatever the store
	((b >= a + 262144 || a >= b + 65536)) || t_die "r1 $a and r2 $b overlap"
	((c >= a + 262144 || a >= c + 262144)) || t_die "r1 $a and r3 (store 2) $c overlap"
	((c >= b + 65536 || b >= c + 262144)) || t_die "r2 $b and r3 (store 2) $c overlap"
	# nesting turned on later: a bigger range at the next start
	sysc-config r2 security.nesting true
	sysc-start r2
	expect_eq "$(idmap_count r2)" 262144 "ids after nesting was turned on"
	expect_eq "$(sysc-attach r2 -- cat /proc/self/uid_map | awk '{ print $1, $3 }')" "0 262144" "uid_map inside"
	b=$(host_base r2)
	((b >= a + 262144 || a >= b + 262144)) || t_die "r1 $a and the grown r2 $b overlap"
	((c >= b + 262144 || b >= c + 262144)) || t_die "r3 $c and the grown r2 $b overlap"
	sysc-stop r2
	SYSC_PATH=$s2 sysc-destroy r3
	expect_clean
}

# The escape tests, every container with nesting on.
test_escape_suite_with_nesting() {
	local out
	out=$(T_ONLY='' SYSC_TEST_NESTING=1 SYSC_TEST_CACHE=${SYSC_TEST_CACHE:-} bash "$(dirname "$0")/t-security.sh" 2>&1)
	grep -q '^# t-security.sh: [1-9][0-9]* passed, 0 failed, 0 skipped' <<<"$out" ||
		t_die "t-security.sh with nesting on: $(grep -E '^(FAIL|SKIP|#)' <<<"$out")"
}

# ------------------------------------------ pure cgroup v2 (QEMU guest)
# Debian's 6.1 kernel with cgroup_no_v1=all (tests/qemu, as t-cgroup2.sh):
# there the monitor cannot clone a node out of a detached tmpfs (before
# 6.15), and delegation is the container's own cgroup2 subtree.
test_nesting_pure_v2() {
	sysc-create n1 -t busybox -f "$NEST" >/dev/null 2>&1
	sysc-start n1
	expect_eq "$(sysc-attach n1 -- stat -c '%t:%T' /dev/fuse)" "a:e5" "/dev/fuse"
	sysc-attach n1 -- sh -c 'exec 3<>/dev/net/tun' || t_die "cannot open /dev/net/tun"
	sysc-attach n1 -- test -e /dev/.sysc-node && t_die "scratch mount point left in /dev"
	sysc-attach n1 -- unshare -Urmpf --mount-proc true || t_die "unshare --mount-proc"
	# the container's root enables controllers below it (its processes in
	# a leaf first: no internal processes) and limits a child
	# shellcheck disable=SC2016 # (expanded inside)
	sysc-attach n1 -- sh -c 'mkdir /sys/fs/cgroup/init &&
		for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo $p >/sys/fs/cgroup/init/cgroup.procs; done &&
		echo "+memory +pids" >/sys/fs/cgroup/cgroup.subtree_control &&
		mkdir /sys/fs/cgroup/job && echo 67108864 >/sys/fs/cgroup/job/memory.max' ||
		t_die "no memory controller for the container's subtree: $(sysc-attach n1 -- cat /sys/fs/cgroup/cgroup.controllers)"
	expect_eq "$(sysc-attach n1 -- cat /sys/fs/cgroup/job/memory.max)" 67108864 "memory.max below the container"
	sysc-attach n1 -- sh -c 'echo max >/sys/fs/cgroup/memory.max' 2>/dev/null &&
		t_die "the container changed its own memory.max"
	sysc-stop n1
	expect_clean
}

if qemu_guest; then
	qemu_guest_run test_nesting_pure_v2
else
	t_run test_fresh_proc_in_nested_userns
	t_run test_uncovered_mounts_are_root_only
	t_run test_fuse_and_tun
	t_run test_privileged_nesting_refused
	t_run test_id_ranges
	t_run test_podman_inside
	t_run test_sysc_inside_sysc
	t_run test_escape_suite_with_nesting
	qemu_host_main --append cgroup_no_v1=all
fi
