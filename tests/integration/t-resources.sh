#!/bin/bash
# Resource policy: cgroup limits from the config are enforced (memory, pids,
# cpu), live changes, freeze, usage in sysc-info/sysc-top, rlimits, sysctls,
# oom_score_adj; bad values and keys the host cannot honour are refused.
. "$(dirname "$0")/lib.sh"

# a key of `sysc-info --format json` (numbers only)
info_num() {
	sysc-info "$1" --format json | grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

# CPU time of container $1 in usec, from its cgroup
cpu_usec() {
	info_num "$1" cpu_usec
}

# busy loop inside $1, in the background (killed with the container)
busy() {
	sysc-attach "$1" -- sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
	sleep 0.3
}

# share of one CPU (percent) used by $1 over $2 seconds
cpu_percent() {
	local a b
	a=$(cpu_usec "$1")
	sleep "$2"
	b=$(cpu_usec "$1")
	echo $(((b - a) / ($2 * 10000)))
}

test_memory_max_oom_inside() {
	sysc-create m1 -t busybox
	sysc-config m1 cgroup.memory.max 64M
	sysc-start m1
	local pid rc=0
	pid=$(info_num m1 pid)
	expect_eq "$(sysc-cgroup m1 memory.max)" 67108864 "memory.max"
	# a 200 MB allocation (the shell holds the whole string) is OOM-killed inside
	sysc-attach m1 -- sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}' \
		>"$T_ROOT/out" 2>&1 || rc=$?
	expect_eq "$rc" 137 "allocator exit status (SIGKILL)"
	grep -q survived "$T_ROOT/out" && t_die "the allocator survived"
	# the container and its init keep running and answer
	sysc-ls | grep -Eq '^m1 +RUNNING' || t_die "ls: $(sysc-ls)"
	expect_eq "$(info_num m1 pid)" "$pid" "init pid"
	expect_eq "$(sysc-attach m1 -- echo alive)" alive "attach after OOM"
	local peak
	peak=$(info_num m1 memory_peak_bytes)
	[[ $peak -le $((64 * 1024 * 1024)) ]] || t_die "peak $peak above the limit"
	sysc-stop m1
	expect_clean
}

test_pids_max_fork_bomb() {
	sysc-create p1 -t busybox
	sysc-config p1 cgroup.pids.max 100
	sysc-start p1
	# awk's system() survives failed forks: a bomb that keeps pids at the limit
	sysc-attach p1 -- awk 'BEGIN { while (1) system("sleep 1000 &") }' \
		</dev/null >/dev/null 2>&1 &
	local n i
	for i in $(seq 50); do
		n=$(info_num p1 pids)
		[[ $n -ge 100 ]] && break
		sleep 0.1
	done
	[[ $n -le 100 ]] || t_die "$n pids, above pids.max"
	[[ $n -ge 95 ]] || t_die "the bomb did not reach the limit ($n pids)"
	sleep 1
	n=$(info_num p1 pids)
	[[ $n -le 101 ]] || t_die "$n pids a second later"
	# attach still works while the pids are exhausted, and can end the bomb
	expect_eq "$(sysc-attach p1 -- echo alive)" alive "attach during the bomb"
	sysc-ls | grep -Eq '^p1 +RUNNING' || t_die "ls: $(sysc-ls)"
	sysc-stop -t 5 p1
	sysc-ls | grep -Eq '^p1 +STOPPED' || t_die "not stopped: $(sysc-ls)"
	expect_clean
}

test_cpu_max_half_cpu() {
	sysc-create c1 -t busybox
	sysc-config c1 cgroup.cpu.max "50000 100000"
	sysc-start c1
	expect_eq "$(sysc-cgroup c1 cpu.max)" "50000 100000" "cpu.max"
	busy c1
	busy c1
	local pct
	pct=$(cpu_percent c1 3)
	echo "two busy loops under cpu.max 50000 100000: $pct% of one CPU"
	[[ $pct -ge 35 && $pct -le 65 ]] || t_die "cpu use $pct%, expected about 50%"
	# sysc-top's batch mode sees the same
	sysc-top -b -n 1 -d 1 c1 | tee "$T_ROOT/top"
	grep -Eq '^c1 +RUNNING +[0-9.]+' "$T_ROOT/top" || t_die "top: $(cat "$T_ROOT/top")"
	# "%" form, live
	sysc-cgroup c1 cpu.max 20%
	expect_eq "$(sysc-cgroup c1 cpu.max)" "20000 100000" "cpu.max 20%"
	pct=$(cpu_percent c1 3)
	echo "under 20%: $pct%"
	[[ $pct -ge 10 && $pct -le 30 ]] || t_die "cpu use $pct%, expected about 20%"
	sysc-stop -k c1
	expect_clean
}

test_freeze() {
	sysc-create f1 -t busybox
	sysc-start f1
	busy f1
	sysc-freeze f1
	sysc-ls | grep -Eq '^f1 +FROZEN' || t_die "ls: $(sysc-ls)"
	sysc-info f1 | grep -Eq '^State: +FROZEN' || t_die "info: $(sysc-info f1)"
	local a b
	a=$(cpu_usec f1)
	sleep 1
	b=$(cpu_usec f1)
	[[ $((b - a)) -lt 10000 ]] || t_die "CPU time grew by $((b - a)) usec while frozen"
	expect_fail 'container f1 is frozen; sysc-unfreeze f1 first' sysc-attach f1 -- true
	expect_fail 'container f1 is frozen; sysc-unfreeze f1 first' sysc-console f1
	sysc-wait f1 -s FROZEN -t 2
	sysc-unfreeze f1
	sysc-ls | grep -Eq '^f1 +RUNNING' || t_die "ls: $(sysc-ls)"
	# it runs again: its CPU time grows by 0.3 s (however long a loaded
	# machine takes to give it that; the frozen check above is the strict one)
	a=$(cpu_usec f1)
	for _ in $(seq 300); do
		b=$(cpu_usec f1)
		[[ $((b - a)) -gt 300000 ]] && break
		sleep 0.1
	done
	[[ $((b - a)) -gt 300000 ]] || t_die "CPU time grew by only $((b - a)) usec in 30 s after thaw"
	# FROZEN survives the monitor; stop works from FROZEN
	sysc-freeze f1
	local mon
	mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/f1/state" | cut -d= -f2)
	kill -9 "$mon"
	while kill -0 "$mon" 2>/dev/null; do sleep 0.05; done
	sysc-ls | grep -Eq '^f1 +FROZEN' || t_die "ls: $(sysc-ls)"
	sysc-stop -t 5 f1
	sysc-ls | grep -Eq '^f1 +STOPPED' || t_die "ls: $(sysc-ls)"
	expect_fail 'container f1 is not running' sysc-freeze f1
	expect_clean
}

test_live_memory_max_and_save() {
	sysc-create l1 -t busybox
	sysc-config l1 cgroup.memory.max 512M
	sysc-start l1
	# 100 MB fits under 512M
	sysc-attach l1 -- sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo ok' |
		grep -qx ok || t_die "100 MB did not fit under 512M"
	# lowered live, without a restart: the same allocation is now killed
	sysc-cgroup l1 memory.max 64M
	expect_eq "$(sysc-cgroup l1 cgroup.memory.max)" 67108864 "live memory.max"
	local rc=0
	sysc-attach l1 -- sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo ok' \
		>/dev/null 2>&1 || rc=$?
	expect_eq "$rc" 137 "after the live change"
	# not saved: the config still says 512M
	expect_eq "$(sysc-config l1 cgroup.memory.max)" 512M "config unchanged"
	sysc-cgroup l1 pids.max 50 --save
	expect_eq "$(sysc-cgroup l1 pids.max)" 50 "pids.max"
	expect_eq "$(sysc-config l1 cgroup.pids.max)" 50 "saved"
	sysc-cgroup l1 cpu.weight 200
	expect_eq "$(sysc-cgroup l1 cpu.weight)" 200 "cpu.weight round trip"
	sysc-stop -k l1
	# a stopped container: --save only, without: an error
	expect_fail 'container l1 is not running \(--save changes its config only\)' \
		sysc-cgroup l1 memory.max 1G
	sysc-cgroup l1 memory.max 1G --save
	expect_eq "$(sysc-config l1 cgroup.memory.max)" 1G "saved while stopped"
	sysc-start l1
	expect_eq "$(sysc-cgroup l1 memory.max)" 1073741824 "applied at start"
	sysc-stop -k l1
	expect_clean
}

test_bad_values() {
	sysc-create v1 -t busybox
	expect_fail 'cgroup.memory.max: .*invalid' sysc-config v1 cgroup.memory.max -- -5M
	expect_fail 'cgroup.memory.max: .*invalid' sysc-config v1 cgroup.memory.max 12Q
	expect_fail 'cgroup.cpu.max: invalid cpu.max "50000"' sysc-config v1 cgroup.cpu.max 50000
	expect_fail 'cgroup.pids.max' sysc-config v1 cgroup.pids.max 0
	expect_fail 'cgroup.cpu.weight' sysc-config v1 cgroup.cpu.weight 20000
	sysc-start v1
	local before
	before=$(sysc-cgroup v1 memory.max)
	expect_fail 'cgroup.memory.max: .*invalid' sysc-cgroup v1 memory.max 12Q
	expect_fail 'cgroup.memory.max: (invalid|negative)' sysc-cgroup v1 memory.max -- -1
	expect_fail 'cgroup.cpu.max: invalid cpu.max "50000"' sysc-cgroup v1 cpu.max 50000
	expect_fail 'unknown cgroup key "memory.maxx"' sysc-cgroup v1 memory.maxx 1G
	expect_fail 'cgroup.cpuset.cpus: "64" is not within what the host allows' \
		sysc-cgroup v1 cpuset.cpus 64
	expect_eq "$(sysc-cgroup v1 memory.max)" "$before" "unchanged"
	expect_eq "$(sysc-cgroup v1 cpuset.cpus)" "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null ||
		cat /sys/fs/cgroup/cpuset.cpus.effective)" "cpuset unchanged"
	sysc-stop -k v1
	# at start: cpus the host lacks, a device that does not exist
	sysc-config v1 cgroup.cpuset.cpus 64
	expect_fail 'cgroup.cpuset.cpus: "64" is not within what the host allows' sysc-start v1
	expect_clean
	sysc-config v1 --unset cgroup.cpuset.cpus
	sysc-config v1 cgroup.io.max '/dev/nosuchdisk rbps=1M'
	expect_fail 'cgroup.io.max: /dev/nosuchdisk: No such file' sysc-start v1
	expect_clean
	sysc-ls | grep -Eq '^v1 +STOPPED' || t_die "ls: $(sysc-ls)"
}

test_host_cannot_honour() {
	# a key the host lacks fails the start, naming the key, leaving nothing
	local memsw=/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
	sysc-create h1 -t busybox
	if [[ -d /sys/fs/cgroup/memory && ! -e $memsw ]]; then
		sysc-config h1 cgroup.memory.max 64M
		sysc-config h1 cgroup.memory.swap.max 64M
		expect_fail 'cgroup.memory.swap.max: the host cannot honour it' sysc-start h1
	elif [[ -d /sys/fs/cgroup/memory ]]; then
		# hybrid: v1 limits swap only with memory (memsw = memory + swap)
		sysc-config h1 cgroup.memory.swap.max 64M
		expect_fail 'cgroup.memory.swap.max: cgroup v1 .* set cgroup.memory.max too' sysc-start h1
		expect_clean
		sysc-config h1 cgroup.memory.max 64M
		sysc-start h1
		expect_eq "$(sysc-cgroup h1 memory.swap.max)" 67108864 "swap.max"
		expect_eq "$(cat /sys/fs/cgroup/memory/$SYSC_CGROUP_PARENT/h1/memory.memsw.limit_in_bytes)" \
			134217728 "memsw = memory + swap"
		# raising memory.max keeps the swap allowance
		sysc-cgroup h1 memory.max 256M
		expect_eq "$(sysc-cgroup h1 memory.swap.max)" 67108864 "swap.max after raise"
		sysc-stop -k h1
	else
		t_skip "no v1 memory hierarchy to test against"
	fi
	expect_clean
}

test_rlimits_sysctl_oom() {
	sysc-create r1 -t busybox
	sysc-config r1 limits.nofile 1000:2000
	# raising: lowering needs CAP_SYS_RESOURCE, which the CI machines lack
	sysc-config r1 oom_score_adj 300
	cat >>"$SYSC_PATH/r1/config" <<'EOF'
sysctl = ( { key = "net.ipv4.ip_forward"; value = "1"; },
           { key = "kernel.shmmni"; value = "1234"; } );
EOF
	local pid host_init_adj
	host_init_adj=$(cat /proc/1/oom_score_adj)
	sysc-start r1
	pid=$(info_num r1 pid)
	# the container's init, not the host's
	expect_eq "$(cat /proc/1/oom_score_adj)" "$host_init_adj" "oom_score_adj of the host's PID 1"
	grep -E '^Max open files +1000 +2000' "/proc/$pid/limits" || t_die "$(grep files /proc/$pid/limits)"
	expect_eq "$(cat "/proc/$pid/oom_score_adj")" 300 "oom_score_adj of init"
	expect_eq "$(sysc-attach r1 -- cat /proc/sys/net/ipv4/ip_forward)" 1 "ip_forward inside"
	expect_eq "$(sysc-attach r1 -- cat /proc/sys/kernel/shmmni)" 1234 "shmmni inside"
	# the host's are untouched
	[[ $(cat /proc/sys/kernel/shmmni) != 1234 ]] || t_die "host shmmni changed"
	sysc-stop -k r1
	# a sysctl that is not namespaced is refused by name
	expect_fail 'sysctl "kernel.panic" is not namespaced' \
		sysc-config r1 sysctl '( { key = "kernel.panic"; value = "1"; } )'
	expect_clean
}

test_info_usage() {
	sysc-create i1 -t busybox
	sysc-config i1 cgroup.pids.max 77
	sysc-start i1
	sysc-info i1 | tee "$T_ROOT/info"
	grep -Eq '^Memory: +[0-9.]+ [KMG]?i?B' "$T_ROOT/info" || t_die "memory"
	grep -Eq '^Memory peak: +[0-9.]+' "$T_ROOT/info" || t_die "peak"
	grep -Eq '^CPU time: +[0-9.]+ s' "$T_ROOT/info" || t_die "cpu time"
	grep -Eq '^Processes: +[0-9]+' "$T_ROOT/info" || t_die "pids"
	grep -Eq '^Pids max: +77$' "$T_ROOT/info" || t_die "pids max"
	grep -Eq '^I/O read: +[0-9.]+' "$T_ROOT/info" || t_die "io read"
	grep -Eq '^I/O written: +[0-9.]+' "$T_ROOT/info" || t_die "io written"
	sysc-info i1 --format json | grep -q '"pids_max":77' || t_die "json"
	sysc-top -b -n 2 -d 0.2 | tee "$T_ROOT/top"
	expect_eq "$(grep -c '^NAME ' "$T_ROOT/top")" 2 "two tables"
	grep -Eq '^i1 +RUNNING' "$T_ROOT/top" || t_die "top"
	expect_fail 'container "nosuch" does not exist' sysc-top -b -n 1 -d 0.1 nosuch
	sysc-stop -k i1
	expect_clean
}

for t in test_memory_max_oom_inside test_pids_max_fork_bomb test_cpu_max_half_cpu test_freeze \
	test_live_memory_max_and_save test_bad_values test_host_cannot_honour \
	test_rlimits_sysctl_oom test_info_usage; do
	t_run "$t"
done
t_summary
