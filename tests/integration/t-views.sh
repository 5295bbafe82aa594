#!/bin/bash
# What the guest sees of its resources: lxcfs's views of /proc and
# /sys/devices/system/cpu (resources.views, lxcfs_dir), and its memory limit
# found as the JVM finds it (/proc/self/cgroup + /proc/self/mountinfo: on
# this hybrid host through the v1 hierarchies mounted at /run/host/cgroup).
# Each test starts its own lxcfs on a mount point it makes and stops it by
# PID; never one it did not start.
. "$(dirname "$0")/lib.sh"

command -v lxcfs >/dev/null || { echo "FAIL: setup: lxcfs is not installed (tests/setup)"; exit 1; }

LIMIT_SRC=$T_SRC/tests/integration/probe/cgroup-limit.c
gcc -static -O1 -o "$T_ROOT/cgroup-limit" "$LIMIT_SRC" ||
	{ echo "FAIL: setup: cannot build $LIMIT_SRC"; exit 1; }

# one lxcfs for the file, in the foreground (its PID is $!), mounted
# outside $T_ROOT so that nothing ever removes a tree through it (its cgroup
# view reaches the host's cgroups); stopped by PID at the end or at exit
LXCFS_DIR=$(mktemp -d /var/tmp/sysc-test-lxcfs.XXXXXX) LXCFS_PID=
trap 'lxcfs_stop; t_cleanup_all' EXIT

lxcfs_start() {
	local i
	lxcfs -f -l --enable-cfs -p "$LXCFS_DIR.pid" "$LXCFS_DIR" >"$T_ROOT/lxcfs.log" 2>&1 &
	LXCFS_PID=$!
	for i in $(seq 100); do
		[[ -e $LXCFS_DIR/proc/meminfo ]] && break
		sleep 0.05
	done
	[[ -e $LXCFS_DIR/proc/meminfo ]] || { echo "FAIL: setup: lxcfs did not come up: $(tail -n 3 "$T_ROOT/lxcfs.log")"; exit 1; }
}

set_lxcfs_dir() {
	sed -i '/^lxcfs_dir = /d' "$SYSC_CONF_DIR/sysc.conf"
	echo "lxcfs_dir = \"$1\";" >>"$SYSC_CONF_DIR/sysc.conf"
}

lxcfs_stop() {
	if [[ -n $LXCFS_PID ]]; then
		kill "$LXCFS_PID"
		wait "$LXCFS_PID" 2>/dev/null
		LXCFS_PID=
	fi
	# lxcfs unmounts when it ends; if it could not, lazily
	if grep -q " $LXCFS_DIR " /proc/self/mountinfo; then
		umount -l "$LXCFS_DIR"
	fi
	rm -f "$LXCFS_DIR.pid"
	rmdir "$LXCFS_DIR" 2>/dev/null
	return 0
}

# MemTotal of /proc/meminfo in MiB, inside $1 (as procps's free -m shows
# it; busybox's free asks sysinfo(2), which lxcfs cannot change)
mem_total() {
	sysc-attach "$1" -- awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo
}

host_mem_total() {
	awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo
}

# the host's CPUs, as /proc/cpuinfo lists them
host_cpus() {
	grep -c '^processor' /proc/cpuinfo
}

# first field of /proc/uptime, whole seconds
uptime_s() {
	cut -d. -f1 "${1:-/proc/uptime}"
}

# a busybox container with 512M and one CPU's quota; $2 = privileged?
make_limited() {
	printf 'security = { privileged = %s; };\n' "$2" >"$T_ROOT/$1.conf"
	sysc-create "$1" -t busybox -f "$T_ROOT/$1.conf" >/dev/null
	sysc-config "$1" cgroup.memory.max 512M
	sysc-config "$1" cgroup.cpu.max "100000 100000"
}

check_views() { # NAME
	local c=$1 u0 u1 in
	u0=$(uptime_s)
	sysc-start "$c"
	expect_eq "$(mem_total "$c")" 512 "$c: MemTotal"
	expect_eq "$(sysc-attach "$c" -- grep -c '^processor' /proc/cpuinfo)" 1 "$c: processors in /proc/cpuinfo"
	expect_eq "$(sysc-attach "$c" -- cat /sys/devices/system/cpu/online)" 0 "$c: online CPUs"
	expect_eq "$(sysc-attach "$c" -- nproc)" 1 "$c: nproc (pinned to one CPU)"
	# the container's uptime: no more than the time since its start
	in=$(sysc-attach "$c" -- cut -d. -f1 /proc/uptime)
	u1=$(uptime_s)
	[[ $in -le $((u1 - u0 + 1)) ]] || t_die "$c: uptime $in, but started within $((u1 - u0 + 1)) s"
	# /proc/stat lists one CPU, loadavg and swaps are lxcfs's
	expect_eq "$(sysc-attach "$c" -- grep -c '^cpu[0-9]' /proc/stat)" 1 "$c: cpus in /proc/stat"
	sysc-attach "$c" -- grep -q lxcfs /proc/self/mountinfo || t_die "$c: no lxcfs mount inside"
	# a live limit shows at once
	sysc-cgroup "$c" memory.max 256M
	expect_eq "$(mem_total "$c")" 256 "$c: MemTotal after sysc-cgroup"
	# the views are read-only
	sysc-attach "$c" -- sh -c 'echo x > /proc/meminfo' 2>/dev/null && t_die "$c: /proc/meminfo writable"
	sysc-stop "$c"
}

test_views_lxcfs() {
	set_lxcfs_dir "$LXCFS_DIR"
	make_limited vu false
	make_limited vp true
	check_views vu
	check_views vp
	# views = "off": the host's files
	local u0 in host_mb
	sysc-config vu resources.views off
	u0=$(uptime_s)
	sysc-start vu
	host_mb=$(host_mem_total)
	expect_eq "$(mem_total vu)" "$host_mb" "views off: MemTotal"
	expect_eq "$(sysc-attach vu -- grep -c '^processor' /proc/cpuinfo)" "$(host_cpus)" "views off: processors"
	in=$(sysc-attach vu -- cut -d. -f1 /proc/uptime)
	[[ $in -ge $u0 ]] || t_die "views off: uptime $in is not the host's (>= $u0)"
	sysc-attach vu -- grep -q lxcfs /proc/self/mountinfo && t_die "views off: lxcfs mounted inside"
	sysc-stop vu
	sysc-destroy -f vu
	sysc-destroy -f vp
	expect_clean
}

test_views_lxcfs_absent() {
	mkdir -p "$T_ROOT/no-lxcfs"
	set_lxcfs_dir "$T_ROOT/no-lxcfs"
	make_limited va false
	# "auto" without lxcfs: the host's files
	sysc-start va
	expect_eq "$(mem_total va)" "$(host_mem_total)" "auto without lxcfs"
	sysc-stop va
	# "lxcfs" required but absent: an error naming what to start, nothing left
	sysc-config va resources.views lxcfs
	expect_fail "resources.views is \"lxcfs\" but no lxcfs is mounted on $T_ROOT/no-lxcfs: start lxcfs" \
		sysc-start va
	sysc-ls | grep -Eq '^va +STOPPED' || t_die "not stopped: $(sysc-ls)"
	sysc-destroy -f va
	expect_clean
	expect_fail "resources.views: .*auto" sysc-create vb -t busybox -f <(echo 'resources = { views = "yes"; };')
}

# the memory limit, found inside as the JVM finds it
test_limit_readable_inside() {
	local c out
	for c in lu lp; do
		make_limited $c $([[ $c == lp ]] && echo true || echo false)
		cp "$T_ROOT/cgroup-limit" "$SYSC_PATH/$c/rootfs/cgroup-limit"
		sysc-start $c
		out=$(sysc-attach $c -- /cgroup-limit)
		echo "$c: $out"
		[[ $out == *" 536870912" ]] || t_die "$c: limit inside: $out"
		# read-only: the guest cannot raise its limit
		if sysc-attach $c -- sh -c 'echo -1 > /run/host/cgroup/memory/memory.limit_in_bytes' 2>/dev/null; then
			t_die "$c: memory.limit_in_bytes writable inside"
		fi
		sysc-cgroup $c memory.max 256M
		out=$(sysc-attach $c -- /cgroup-limit)
		[[ $out == *" 268435456" ]] || t_die "$c: live limit inside: $out"
		sysc-stop $c
	done
	expect_clean
}

# systemd boots as before (unified mode: cgroup2 at /sys/fs/cgroup) with
# the views and the v1 hierarchies; procps's free and the runtime-style
# probe see the limits
test_debian_views() {
	set_lxcfs_dir "$LXCFS_DIR"
	sysc-create dv -t debian >/dev/null
	sysc-config dv cgroup.memory.max 512M
	sysc-config dv cgroup.cpu.max "100000 100000"
	cp "$T_ROOT/cgroup-limit" "$SYSC_PATH/dv/rootfs/usr/local/bin/cgroup-limit"
	sysc-start dv
	expect_eq "$(sysc-wait dv --booted -t 120)" running "sysc-wait --booted"
	expect_eq "$(sysc-attach dv -- stat -f -c %T /sys/fs/cgroup)" cgroup2fs "/sys/fs/cgroup"
	expect_eq "$(sysc-attach dv -- free -m | awk '/^Mem:/ { print $2 }')" 512 "free -m"
	expect_eq "$(sysc-attach dv -- getconf _NPROCESSORS_ONLN)" 1 "_NPROCESSORS_ONLN"
	expect_eq "$(sysc-attach dv -- nproc)" 1 "coreutils nproc"
	local out
	out=$(sysc-attach dv -- cgroup-limit)
	[[ $out == *" 536870912" ]] || t_die "limit inside: $out"
	sysc-stop dv
	sysc-destroy -f dv
	expect_clean
}

# CPUs of the affinity mask inside, as coreutils and busybox nproc count them
nproc_in() {
	sysc-attach "$1" -- nproc
}

# resources.cpu_pinning: a CPU quota pins to ceil(QUOTA / PERIOD) CPUs, the
# least used ones, at start and on a live cpu.max; an explicit
# cgroup.cpuset.cpus wins; "off" leaves every CPU
test_cpu_pinning() {
	local host a b
	host=$(host_cpus)
	[[ $host -ge 2 ]] || t_die "this test needs at least 2 CPUs (the host has $host)"
	make_limited na false
	make_limited nb false
	sysc-start na
	expect_eq "$(nproc_in na)" 1 "na: nproc with cpu.max 100000 100000"
	sysc-start nb
	expect_eq "$(nproc_in nb)" 1 "nb: nproc with cpu.max 100000 100000"
	# the second one goes to the CPU the first one leaves free
	a=$(sysc-cgroup na cpuset.cpus) b=$(sysc-cgroup nb cpuset.cpus)
	[[ $a != "$b" ]] || t_die "na and nb both pinned to CPU $a"
	# live: two CPUs' quota, then one, then none
	sysc-cgroup na cpu.max "200000 100000"
	expect_eq "$(nproc_in na)" 2 "na: nproc after live cpu.max 200000 100000"
	sysc-cgroup na cpu.max "100000 100000"
	expect_eq "$(nproc_in na)" 1 "na: nproc after live cpu.max 100000 100000"
	expect_eq "$(sysc-cgroup na cpuset.cpus)" "$a" "na: back on the CPU nb leaves free"
	sysc-cgroup na cpu.max max
	expect_eq "$(nproc_in na)" "$host" "na: nproc after live cpu.max max"
	sysc-stop nb
	sysc-stop na
	# an explicit cgroup.cpuset.cpus wins, at start and live
	sysc-config na cgroup.cpuset.cpus "0-1"
	sysc-start na
	expect_eq "$(nproc_in na)" 2 "explicit cpuset.cpus: nproc"
	sysc-cgroup na cpu.max "100000 100000"
	expect_eq "$(nproc_in na)" 2 "explicit cpuset.cpus: nproc after live cpu.max"
	sysc-stop na
	# "off": every CPU, whatever the quota
	sysc-config na --unset cgroup.cpuset.cpus
	sysc-config na resources.cpu_pinning off
	sysc-start na
	expect_eq "$(nproc_in na)" "$host" "cpu_pinning off: nproc"
	sysc-cgroup na cpu.max "100000 100000"
	expect_eq "$(nproc_in na)" "$host" "cpu_pinning off: nproc after live cpu.max"
	sysc-stop na
	sysc-destroy -f na
	sysc-destroy -f nb
	expect_clean
	expect_fail "resources.cpu_pinning: .*auto" sysc-create nc -t busybox -f <(echo 'resources = { cpu_pinning = "on"; };')
}

# the file's lxcfs, stopped by PID (in this shell, whose child it is):
# nothing of it is left
test_lxcfs_stopped() {
	! kill -0 "$LXCFS_STOPPED" 2>/dev/null || t_die "lxcfs $LXCFS_STOPPED still runs"
	grep -q " $LXCFS_DIR " /proc/self/mountinfo && t_die "$LXCFS_DIR still mounted"
	[[ ! -e $LXCFS_DIR ]] || t_die "$LXCFS_DIR left"
	expect_clean
}

lxcfs_start
t_run test_views_lxcfs_absent
t_run test_views_lxcfs
t_run test_limit_readable_inside
t_run test_debian_views
t_run test_cpu_pinning
LXCFS_STOPPED=$LXCFS_PID
lxcfs_stop
t_run test_lxcfs_stopped
t_summary
