#!/bin/bash
# A real Debian: cold and warm template cache, concurrent creates, boot of
# systemd to `running`, reboot and poweroff inside, monitor crash.
. "$(dirname "$0")/lib.sh"
T_KEEP_CONTAINERS=1
# this file tests the cold cache: its own, whatever other files built before
export SYSC_CACHE_DIR=$T_ROOT/cache

test_cold_cache_concurrent_creates() {
	# two creates of different names from a cold cache: one debootstrap
	sysc-create d1 -t debian >"$T_ROOT/d1.log" 2>&1 &
	local a=$!
	sleep 0.5
	sysc-create d2 -t debian >"$T_ROOT/d2.log" 2>&1 &
	local b=$!
	wait $a || t_die "d1: $(tail -n 5 "$T_ROOT/d1.log")"
	wait $b || t_die "d2: $(tail -n 5 "$T_ROOT/d2.log")"
	expect_eq "$(cat "$T_ROOT/d1.log" "$T_ROOT/d2.log" | grep -c 'building template cache')" 1 \
		"cache builds"
	expect_eq "$(cat "$T_ROOT/d1.log" "$T_ROOT/d2.log" | grep -c 'running debootstrap')" 1 \
		"debootstrap runs"
	grep -q 'I: Retrieving\|I: Extracting' "$T_ROOT/d1.log" "$T_ROOT/d2.log" ||
		t_die "debootstrap progress not shown"
	for n in d1 d2; do
		[[ $(readlink "$SYSC_PATH/$n/rootfs/sbin/init") == */systemd ]] ||
			t_die "$n: /sbin/init is not systemd"
		expect_eq "$(cat "$SYSC_PATH/$n/rootfs/etc/hostname")" "$n" "$n hostname"
		[[ ! -s $SYSC_PATH/$n/rootfs/etc/machine-id ]] || t_die "$n: machine-id not empty"
	done
	expect_store "d1 d2"
}

test_warm_cache_create() {
	trap 'sysc-destroy -f d3 >/dev/null 2>&1 || true' EXIT
	sysc-create d3 -t debian >"$T_ROOT/d3.log" 2>&1 || t_die "$(cat "$T_ROOT/d3.log")"
	grep -q 'using template cache debian-' "$T_ROOT/d3.log" || t_die "cache not used"
	grep -q 'debootstrap' "$T_ROOT/d3.log" && t_die "debootstrap ran again"
	[[ $(readlink "$SYSC_PATH/d3/rootfs/sbin/init") == */systemd ]] || t_die "no systemd"
	# the copy keeps owners, modes, setuid bits and file capabilities
	[[ -u $SYSC_PATH/d3/rootfs/usr/bin/passwd ]] || t_die "setuid bit lost"
	local cache
	cache=$(ls -d "$SYSC_CACHE_DIR"/debian-*/rootfs | head -n 1)
	(cd "$cache" && find . -xdev \( -type d -printf '%p %U %G %m %y\n' \) -o -printf '%p %U %G %m %s %y\n' | sort) >"$T_ROOT/a.lst"
	(cd "$SYSC_PATH/d3/rootfs" && find . -xdev \( -type d -printf '%p %U %G %m %y\n' \) -o -printf '%p %U %G %m %s %y\n' | sort) >"$T_ROOT/b.lst"
	diff <(grep -v -E '^\./etc/(hostname|hosts|shadow|machine-id)' "$T_ROOT/a.lst") \
		<(grep -v -E '^\./etc/(hostname|hosts|shadow|machine-id)' "$T_ROOT/b.lst") ||
		t_die "copy differs from the cache"
	if command -v getcap >/dev/null; then
		expect_eq "$(cd "$cache" && getcap -r . 2>/dev/null | sort)" \
			"$(cd "$SYSC_PATH/d3/rootfs" && getcap -r . 2>/dev/null | sort)" "file capabilities"
	fi
	sysc-destroy d3
}

test_unreachable_mirror() {
	# a private cold cache, so debootstrap really runs against the bad mirror
	SYSC_CACHE_DIR=$T_ROOT/cold-cache expect_fail 'sysc-debian failed during build' \
		sysc-create m1 -t debian -- --mirror http://127.0.0.1:9/debian
	expect_store "d1 d2"
	[[ -z $(ls -A "$T_ROOT/cold-cache" | grep -v '\.lock$') ]] ||
		t_die "cache leftovers: $(ls -A "$T_ROOT/cold-cache")"
	expect_clean
}

test_sigkill_during_debootstrap() {
	local log=$T_ROOT/k.log pid
	SYSC_CACHE_DIR=$T_ROOT/kill-cache sysc-create k1 -t debian >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -q 'I: ' "$log" && break
		sleep 0.1
	done
	grep -q 'I: ' "$log" || t_die "debootstrap did not start: $(cat "$log")"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	sleep 0.5
	pgrep -f "debootstrap.*$T_ROOT/kill-cache" >/dev/null && t_die "debootstrap survived"
	grep -q "$T_ROOT/kill-cache" /proc/self/mountinfo && t_die "mounts left"
	# the next create of the name sweeps the leftovers and works
	sysc-create k1 -t busybox
	sysc-destroy k1
	expect_store "d1 d2"
	expect_clean
}

test_boot_to_running() {
	sysc-start d1
	# sysc-wait --booted: systemd's own verdict once it has finished booting
	expect_eq "$(sysc-wait d1 --booted -t 120)" running "sysc-wait --booted"
	wait_running d1
	expect_eq "$(inside d1 cat /proc/1/comm)" systemd "pid 1"
	expect_eq "$(inside d1 hostname)" d1 hostname
	expect_eq "$(inside d1 cat /run/systemd/container)" sysc "container id"
	inside d1 systemd-detect-virt -c >/dev/null || t_die "not detected as a container"
	# only the container's processes
	inside d1 ps -e -o comm= | grep -qx 'sshd\|cron\|bash' && true
	local n
	n=$(inside d1 ps -e --no-headers | wc -l)
	[[ $n -lt 30 ]] || t_die "$n processes visible"
	# its own cgroup, in every v1 hierarchy too
	grep -q "^0::/$SYSC_CGROUP_PARENT/d1" "/proc/$(init_pid d1)/cgroup" || t_die "$(cat "/proc/$(init_pid d1)/cgroup")"
	sysc-info d1 | grep -Eq '^Memory: +[0-9.]+ MiB' || t_die "memory: $(sysc-info d1)"
	sysc-stop d1
	expect_clean
}

test_reboot_and_poweroff_inside() {
	sysc-start d2
	wait_running d2
	local before
	before=$(init_pid d2)
	inside d2 systemctl reboot
	for _ in $(seq 200); do
		local now
		now=$(init_pid d2 2>/dev/null || true)
		[[ -n $now && $now != "$before" ]] && break
		sleep 0.1
	done
	[[ $(init_pid d2) != "$before" ]] || t_die "did not reboot"
	sysc-wait d2 -s RUNNING -t 30
	wait_running d2
	inside d2 systemctl poweroff
	sysc-wait d2 -s STOPPED -t 60
	expect_clean
}

test_stop_reboot_command() {
	sysc-start d1
	wait_running d1
	local before
	before=$(init_pid d1)
	sysc-stop -r d1
	[[ $(init_pid d1) != "$before" ]] || t_die "sysc-stop -r did not reboot"
	wait_running d1
	sysc-stop d1
	expect_clean
}

test_stop_while_booting() {
	# a stop racing a booting systemd must still stop, cleanly
	sysc-start d1
	sysc-stop -t 20 d1
	sysc-ls | grep -Eq '^d1 +STOPPED' || t_die "$(sysc-ls)"
	expect_clean
}

test_monitor_killed_systemd() {
	sysc-start d2
	wait_running d2
	kill -KILL "$(grep '^monitor_pid=' "$SYSC_RUN_DIR/d2/state" | cut -d= -f2)"
	sleep 0.3
	sysc-ls | grep -Eq '^d2 +RUNNING' || t_die "$(sysc-ls)"
	expect_eq "$(inside d2 systemctl is-system-running)" running "after monitor kill"
	# the console outlives the monitor (its keeper drains it into console.log):
	# systemd's halt completes and init exits by itself, not by SIGKILL at
	# the stop timeout
	local log=$SYSC_PATH/d2/console.log out
	: >"$log"
	out=$(sysc-stop d2 2>&1) || t_die "stop: $out"
	[[ $out != *"killing it"* ]] || t_die "init did not halt: $out"
	grep -q 'Starting .*systemd-halt.service' "$log" || t_die "no halt service: $(tail -n 5 "$log")"
	grep -q '^Halting system' "$log" || t_die "systemd did not halt: $(tail -n 5 "$log")"
	expect_clean
}

# a unit that fails at boot: sysc-wait --booted prints systemd's verdict,
# exits 1 and names the failed unit (a degraded guest is not left to pass as
# booted, nor to be found out by hand)
test_degraded_says_why() {
	local u b out
	sysc-create dg -t debian >/dev/null || t_die "cannot create dg"
	u=$SYSC_PATH/dg/rootfs/etc/systemd/system
	printf '[Service]\nType=oneshot\nExecStart=/bin/false\n[Install]\nWantedBy=multi-user.target\n' \
		>"$u/sysc-fails.service"
	ln -s ../sysc-fails.service "$u/multi-user.target.wants/sysc-fails.service"
	b=$(host_base dg)
	[[ -z $b ]] || chown -h "$b:$b" "$u/sysc-fails.service" "$u/multi-user.target.wants/sysc-fails.service"
	sysc-start dg
	out=$(sysc-wait dg --booted -t 120 2>"$T_ROOT/dg.err") && t_die "sysc-wait --booted passed a degraded guest"
	expect_eq "$out" degraded "systemd's verdict on stdout"
	grep -q 'dg: systemd inside is degraded, not running; failed units: sysc-fails.service' "$T_ROOT/dg.err" ||
		t_die "the failed unit is not named: $(cat "$T_ROOT/dg.err")"
	sysc-stop dg
	sysc-destroy dg
	expect_clean
}

test_leaves_nothing() {
	sysc-destroy d1
	sysc-destroy d2
	expect_store ""
	expect_clean
}

for t in test_cold_cache_concurrent_creates test_warm_cache_create test_unreachable_mirror \
	test_sigkill_during_debootstrap test_boot_to_running test_reboot_and_poweroff_inside \
	test_stop_reboot_command test_stop_while_booting test_monitor_killed_systemd \
	test_degraded_says_why test_leaves_nothing; do
	t_run "$t"
done
t_summary
