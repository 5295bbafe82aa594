#!/bin/bash
# Booting: start/stop/wait with busybox init; bad input; monitor crash;
# start/stop cycles leave the host as it was.
. "$(dirname "$0")/lib.sh"

# run a command inside a running container (attach arrives with sysc-attach)

host_snapshot() {
	echo "mounts $(wc -l </proc/self/mountinfo)"
	# (ours only: other test runs on the machine make and remove theirs)
	echo "cgroups $(find /sys/fs/cgroup -type d -path "*/$SYSC_CGROUP_PARENT*" 2>/dev/null | wc -l)"
	echo "links $(ip -o link | wc -l)"
}

test_busybox_boots_and_stops() {
	sysc-create b1 -t busybox
	sysc-start b1
	sysc-ls | grep -Eq '^b1 +RUNNING' || t_die "ls: $(sysc-ls)"
	local pid
	pid=$(init_pid b1)
	[[ $pid -gt 1 ]] || t_die "no init pid"
	sysc-info b1 | grep -Eq "^Cgroup: +/$SYSC_CGROUP_PARENT/b1" || t_die "info: $(sysc-info b1)"
	# init is in the container's cgroup of every hierarchy: v2, and each v1
	# one of a hybrid host, which init's process joins itself (cgroup.h)
	local procs hier=0
	for procs in /sys/fs/cgroup/"$SYSC_CGROUP_PARENT"/b1/cgroup.procs \
		/sys/fs/cgroup/*/"$SYSC_CGROUP_PARENT"/b1/cgroup.procs; do
		[[ -e $procs ]] || continue
		grep -qx "$pid" "$procs" || t_die "init $pid is not in $procs"
		hier=$((hier + 1))
	done
	[[ $hier -gt 0 ]] || t_die "no cgroup of b1 found"
	# PID 1 inside is busybox init; only the container's processes; own hostname
	expect_eq "$(inside b1 /bin/cat /proc/1/comm)" init "pid 1"
	expect_eq "$(inside b1 /bin/hostname)" b1 hostname
	local nproc
	nproc=$(inside b1 /bin/sh -c 'ls -d /proc/[0-9]* | wc -l')
	[[ $nproc -lt 10 ]] || t_die "$nproc processes visible inside"
	inside b1 /bin/sh -c 'tr "\0" "\n" </proc/1/environ' | grep -qx container=sysc || t_die "env"
	expect_eq "$(inside b1 /bin/cat /run/host/container-manager)" sysc "container-manager"
	# the rootfs is not mounted on the host
	grep -q "$SYSC_PATH/b1/rootfs" /proc/self/mountinfo && t_die "rootfs mounted on the host"
	sysc-wait b1 -s RUNNING -t 5
	sysc-stop b1
	sysc-ls | grep -Eq '^b1 +STOPPED' || t_die "not stopped: $(sysc-ls)"
	kill -0 "$pid" 2>/dev/null && t_die "init $pid still alive"
	expect_clean
}

test_start_errors() {
	expect_fail 'container "nosuch" does not exist' sysc-start nosuch
	sysc-create b2 -t busybox
	sysc-start b2
	expect_fail 'container b2 is already RUNNING' sysc-start b2
	sysc-stop b2
	expect_fail 'container b2 is not running' sysc-stop b2
	# a rootfs without its init
	sysc-config b2 init.cmd '["/sbin/nosuchinit"]'
	expect_fail 'init /sbin/nosuchinit not found in rootfs of b2' sysc-start b2
	expect_clean
	# an init that exits at once
	sysc-config b2 --unset init.cmd
	expect_fail 'init /bin/false of b2 exited at once' sysc-start b2 -- /bin/false
	expect_clean
	# an init the kernel cannot execute: said on sysc-start's stderr
	printf 'junk' >"$SYSC_PATH/b2/rootfs/bin/junk" && chmod 755 "$SYSC_PATH/b2/rootfs/bin/junk"
	expect_fail 'cannot execute init /bin/junk in b2: Exec format error' sysc-start b2 -- /bin/junk
	expect_clean
	# a broken config
	echo 'bogus_key = 1;' >>"$SYSC_PATH/b2/config"
	expect_fail "config:[0-9]+: bogus_key: unknown key" sysc-start b2
	expect_clean
	sysc-ls | grep -Eq '^b2 +BROKEN' || t_die "ls shows $(sysc-ls)"
	sysc-destroy -f b2
}

# sysc-start reads the container's config once, under its lock (not once to
# check it, again for its id range and a third time to run it)
test_start_reads_config_once() {
	local mon i
	sysc-create rc1 -t busybox
	strace -o "$T_ROOT/start.strace" -e trace=open,openat sysc-start rc1 ||
		t_die "sysc-start under strace failed"
	expect_eq "$(grep -cF "\"$SYSC_PATH/rc1/config\"" "$T_ROOT/start.strace")" 1 \
		"sysc-start's opens of the config"
	mon=$(awk -F= '$1 == "monitor_pid" { print $2 }' "$SYSC_RUN_DIR/rc1/state")
	sysc-stop rc1
	# (the monitor answers the stop before it exits: wait for it)
	for i in $(seq 200); do kill -0 "$mon" 2>/dev/null || break; sleep 0.05; done
	expect_clean
}

test_running_container_protected() {
	sysc-create b3 -t busybox
	sysc-start b3
	expect_fail 'container b3 is RUNNING; stop it first' sysc-destroy b3
	expect_store b3
	sysc-destroy -f b3
	expect_store ""
	expect_clean
}

test_monitor_killed() {
	sysc-create b4 -t busybox
	sysc-start b4
	local mon
	mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/b4/state" | cut -d= -f2)
	local keeper
	keeper=$(pgrep -P "$mon" -x sysc-keeper) || t_die "no console keeper"
	# what is killed is the static supervisor
	monitor_is_supervisor b4
	# the keeper is the static supervisor's executable, not a fork of sysc: it maps
	# no shared library (issue 20, monitor memory)
	[[ $(readlink /proc/"$keeper"/exe) == "$T_BUILD/sysc-supervisor" ]] ||
		t_die "keeper runs $(readlink /proc/"$keeper"/exe)"
	! grep -q '\.so' /proc/"$keeper"/maps || t_die "keeper maps $(grep -o '/.*\.so[^ ]*' /proc/"$keeper"/maps | sort -u)"
	kill -KILL "$mon"
	sleep 0.2
	sysc-ls | grep -Eq '^b4 +RUNNING' || t_die "after monitor kill: $(sysc-ls)"
	sysc-info b4 | grep -q 'gone' || t_die "info: $(sysc-info b4)"
	expect_eq "$(inside b4 /bin/cat /proc/1/comm)" init "still running"
	# the console is not hung up: writes go on and land in console.log
	inside b4 /bin/sh -c 'echo after-the-monitor >/dev/console' || t_die "console hung up"
	# (the keeper writes it out as it reads it: give it the time it needs)
	for _ in $(seq 100); do
		grep -q after-the-monitor "$SYSC_PATH/b4/console.log" && break
		sleep 0.1
	done
	grep -q after-the-monitor "$SYSC_PATH/b4/console.log" || t_die "console not drained"
	sysc-stop b4
	sysc-ls | grep -Eq '^b4 +STOPPED' || t_die "after stop: $(sysc-ls)"
	grep -q 'The system is going down' "$SYSC_PATH/b4/console.log" || t_die "no shutdown output"
	# the keeper went with the container (a zombie until PID 1 reaps it)
	[[ ! -e /proc/$keeper/stat || $(awk '{print $3}' /proc/"$keeper"/stat) == Z ]] ||
		t_die "console keeper $keeper left"
	expect_clean
}

# issue 20: once RUNNING, the monitor (same pid) runs the small static
# sysc-supervisor and maps no shared library
monitor_is_supervisor() { # NAME
	local mon
	mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/$1/state" | cut -d= -f2)
	[[ -n $mon && $(readlink /proc/"$mon"/exe) == "$T_BUILD/sysc-supervisor" ]] ||
		t_die "the monitor of $1 runs $(readlink /proc/"$mon"/exe)"
	! grep -q '\.so' /proc/"$mon"/maps ||
		t_die "the monitor of $1 maps $(grep -o '/[^ ]*\.so[^ ]*' /proc/"$mon"/maps | sort -u | tr '\n' ' ')"
}

until_in() { # FILE REGEX: wait for it (10 s)
	for _ in $(seq 100); do
		tr -d '\r' <"$1" | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	t_die "never /$2/ in $1: $(tail -c 300 "$1" | tr -d '\r')"
}

# Every duty goes through the supervisor: the console (in and out), its log,
# attach, a reboot (after which the monitor is the supervisor again), stop.
test_monitor_is_static_supervisor() {
	# (overlay: its monitor works in a private mount namespace, kept across exec)
	sysc-create b11 -t busybox -B overlay
	sysc-start b11
	local mon
	mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/b11/state" | cut -d= -f2)
	monitor_is_supervisor b11
	local in=$T_ROOT/b11.in out=$T_ROOT/b11.out fd pid rc=0
	mkfifo "$in"
	sysc-console b11 <"$in" >"$out" 2>&1 &
	pid=$!
	exec {fd}>"$in"
	printf '\r' >&"$fd"
	until_in "$out" 'root@b11:/#'
	printf 'echo SUP-$((6*7))\r' >&"$fd"
	until_in "$out" 'SUP-42'
	printf '\001q' >&"$fd"
	exec {fd}>&-
	wait "$pid" || rc=$?
	expect_eq "$rc" 0 "console client exit status"
	sysc-console b11 --log | grep -q 'SUP-42' ||
		t_die "--log: $(sysc-console b11 --log | tail -c 200)"
	expect_eq "$(sysc-attach b11 -- /bin/echo attached)" attached "attach"
	local before
	before=$(init_pid b11)
	# a reboot uses the config as loaded at start, as the whole monitor did
	sysc-config b11 hostname b11-changed
	sysc-stop -r b11
	expect_eq "$(inside b11 /bin/hostname)" b11 "hostname after the reboot"
	sysc-ls | grep -Eq '^b11 +RUNNING' || t_die "after reboot: $(sysc-ls)"
	[[ $(init_pid b11) != "$before" ]] || t_die "no new init after reboot"
	expect_eq "$(grep '^monitor_pid=' "$SYSC_RUN_DIR/b11/state" | cut -d= -f2)" "$mon" "monitor pid"
	monitor_is_supervisor b11
	sysc-stop b11
	sysc-ls | grep -Eq '^b11 +STOPPED' || t_die "after stop: $(sysc-ls)"
	# (it answers the stop, then exits)
	for _ in $(seq 50); do
		kill -0 "$mon" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$mon" 2>/dev/null && t_die "monitor $mon still alive"
	expect_clean
}

# Without the static executable beside sysc (nor installed), the monitor
# stays whole, as before, and its keeper is a fork.
test_monitor_whole_without_supervisor() {
	local bin=$T_ROOT/bin
	mkdir -p "$bin"
	cp "$T_BUILD/sysc" "$bin/sysc"
	ln -sf sysc "$bin/sysc-start"
	ln -sf sysc "$bin/sysc-stop"
	sysc-create b12 -t busybox
	"$bin/sysc-start" b12
	local mon keeper
	mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/b12/state" | cut -d= -f2)
	expect_eq "$(readlink /proc/"$mon"/exe)" "$bin/sysc" "monitor executable"
	keeper=$(pgrep -P "$mon" -x sysc-keeper) || t_die "no console keeper"
	expect_eq "$(readlink /proc/"$keeper"/exe)" "$bin/sysc" "keeper executable"
	expect_eq "$(sysc-attach b12 -- /bin/echo attached)" attached "attach"
	"$bin/sysc-stop" b12
	sysc-ls | grep -Eq '^b12 +STOPPED' || t_die "after stop: $(sysc-ls)"
	rm -r "$bin"
	expect_clean
}

test_kill_and_timeout() {
	sysc-create b5 -t busybox
	# an init that ignores the halt signal: the stop timeout kills it
	sysc-config b5 init.halt_signal SIGWINCH
	sysc-start b5
	local t0=$SECONDS
	sysc-stop -t 1 b5
	[[ $((SECONDS - t0)) -lt 10 ]] || t_die "stop -t 1 took $((SECONDS - t0)) s"
	expect_clean
	sysc-start b5
	sysc-stop -k b5
	expect_clean
}

test_poweroff_and_reboot_inside() {
	sysc-create b6 -t busybox
	sysc-start b6
	local before
	before=$(init_pid b6)
	# (busybox init's SIGTERM to every process may end the command itself
	# before it exits: what counts is the reboot, checked below)
	inside b6 /bin/busybox reboot || true
	sysc-wait b6 -s STOPPED -t 1 2>/dev/null && t_die "reboot stopped it"
	for _ in $(seq 100); do
		[[ $(init_pid b6) != "$before" && -n $(init_pid b6) ]] && break
		sleep 0.1
	done
	[[ $(init_pid b6) != "$before" ]] || t_die "no new init after reboot"
	sysc-wait b6 -s RUNNING -t 10
	inside b6 /bin/busybox poweroff || true
	sysc-wait b6 -s STOPPED -t 15
	expect_clean
}

test_monitor_keeps_no_caller_fds() {
	sysc-create b8 -t busybox
	# the command substitution's pipe is also fd 7 of sysc-start: the monitor
	# must not keep it, or $(...) would wait for the container's whole life
	local out
	out=$(timeout 10 sysc-start b8 7>&1) || t_die "sysc-start under \$(...) did not return"
	local mon
	mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/b8/state" | cut -d= -f2)
	local fds
	fds=$(ls /proc/"$mon"/fd | sort -n | tr '\n' ' ')
	[[ ! -e /proc/$mon/fd/7 || $(readlink /proc/"$mon"/fd/7) != pipe:* ]] ||
		t_die "monitor kept the caller's fd 7: $fds"
	sysc-stop b8
	expect_clean
}

test_foreground() {
	sysc-create b7 -t busybox
	# -F: on the console until the container stops (poweroff typed there)
	(sleep 2; printf '\r'; sleep 0.5; printf 'poweroff\r'; sleep 8) |
		timeout 30 sysc-start -F b7 >"$T_ROOT/fg.out" 2>&1 || t_die "sysc-start -F: $(cat "$T_ROOT/fg.out")"
	grep -q 'Requesting system poweroff' "$T_ROOT/fg.out" || t_die "console: $(cat "$T_ROOT/fg.out")"
	sysc-ls | grep -Eq '^b7 +STOPPED' || t_die "$(sysc-ls)"
	expect_clean
}

test_cycles_leave_host_unchanged() {
	sysc-create c1 -t busybox
	sysc-start c1 && sysc-stop -k c1
	local before after
	before=$(host_snapshot)
	for _ in $(seq 20); do
		sysc-start c1
		sysc-stop -k c1
	done
	after=$(host_snapshot)
	expect_eq "$after" "$before" "host after 20 start/stop cycles"
	expect_clean
}

# sysc-stop returns once the monitor has exited: nothing of it (its log
# fd, its keeper, its mount namespace) holds the store when the caller goes
# on to destroy the container or unmount the store's filesystem
test_stop_returns_after_monitor() {
	local mon i
	sysc-create b13 -t busybox
	for i in $(seq 20); do
		sysc-start b13
		mon=$(grep '^monitor_pid=' "$SYSC_RUN_DIR/b13/state" | cut -d= -f2)
		[[ -n $mon ]] || t_die "no monitor pid in the state of b13"
		if ((i % 2)); then sysc-stop b13; else sysc-stop -k b13; fi
		[[ ! -e /proc/$mon ]] || [[ $(cut -d')' -f2 "/proc/$mon/stat" | cut -d' ' -f2) == Z ]] ||
			t_die "cycle $i: monitor $mon still runs after sysc-stop returned: $(cat /proc/$mon/stat)"
	done
	sysc-destroy b13
	expect_clean
}

# an init that reboots the container at once, forever
REBOOT_LOOP=(/bin/busybox sh -c 'sleep 0.1; /bin/busybox reboot -f')

test_reboot_loop_stopped() {
	sysc-create b9 -t busybox
	sysc-config b9 init.reboot_burst 3
	sysc-config b9 init.reboot_interval 60
	sysc-start b9 -- "${REBOOT_LOOP[@]}"
	# the 4th reboot within the interval stops it instead of booting again
	sysc-wait b9 -s STOPPED -t 30 || t_die "still rebooting: $(tail -n 3 "$SYSC_PATH/b9/monitor.log")"
	expect_eq "$(grep -c 'init of b9 rebooted' "$SYSC_PATH/b9/monitor.log")" 4 reboots
	sysc-info b9 | grep -Eq '^State: +STOPPED$' || t_die "info: $(sysc-info b9)"
	sysc-info b9 | grep -Eq '^Stop reason: +reboot loop: more than 3 reboots within 60 s' ||
		t_die "info: $(sysc-info b9)"
	sysc-info b9 --format json | grep -q '"stop_reason":"reboot loop: more than 3 reboots' ||
		t_die "json: $(sysc-info b9 --format json)"
	expect_clean
	# the reason goes with the next start; a container stopped on request has none
	sysc-start b9
	sysc-info b9 | grep -q 'Stop reason' && t_die "reason kept at start: $(sysc-info b9)"
	sysc-stop b9
	sysc-info b9 | grep -q 'Stop reason' && t_die "reason after a stop: $(sysc-info b9)"
	expect_clean
}

test_monitor_log_rotated() {
	sysc-create b10 -t busybox
	# each boot logs ~5 KB (a pre_start hook's output: one monitor.log line each)
	local hook=$T_ROOT/chatty-hook
	printf '#!/bin/sh\necho boot >>%s/boots\nfor i in $(seq 80); do echo "line $i of a chatty pre_start hook ........................"; done\n' \
		"$T_ROOT" >"$hook"
	chmod +x "$hook"
	sysc-config b10 hooks.pre_start "[\"$hook\"]"
	sysc-config b10 init.reboot_burst 0
	sysc-config b10 monitor.log_size 16K
	sysc-start b10 -- "${REBOOT_LOOP[@]}"
	for _ in $(seq 300); do
		[[ $(wc -l <"$T_ROOT/boots") -ge 12 ]] && break
		sleep 0.1
	done
	[[ $(wc -l <"$T_ROOT/boots") -ge 12 ]] || t_die "only $(wc -l <"$T_ROOT/boots") boots"
	sysc-stop -k b10
	# ~60 KB were logged through a 16 KB bound: one old file is kept, none
	# is larger than the bound and a line
	local f size
	expect_eq "$(cd "$SYSC_PATH/b10" && echo monitor.log*)" "monitor.log monitor.log.1" "log files"
	for f in monitor.log monitor.log.1; do
		size=$(stat -c %s "$SYSC_PATH/b10/$f")
		[[ $size -le $((16384 + 4096)) ]] || t_die "$f has $size bytes"
	done
	grep -q 'chatty pre_start hook' "$SYSC_PATH/b10/monitor.log.1" || t_die "rotated log lost the hook's lines"
	expect_clean
}

for t in test_busybox_boots_and_stops test_start_errors test_start_reads_config_once test_running_container_protected \
	test_monitor_killed test_kill_and_timeout test_poweroff_and_reboot_inside test_foreground test_monitor_keeps_no_caller_fds \
	test_cycles_leave_host_unchanged test_stop_returns_after_monitor test_reboot_loop_stopped test_monitor_log_rotated \
	test_monitor_is_static_supervisor test_monitor_whole_without_supervisor; do
	t_run "$t"
done
t_summary
