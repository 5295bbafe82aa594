#!/bin/bash
# sysc-autostart: order and delay, groups, -L, -s/-k in reverse order,
# failures reported while the others go on.
. "$(dirname "$0")/lib.sh"

BIN=$T_ROOT/bin
LOG=$T_ROOT/events
mkdir -p "$BIN"

timing() { # shown after the tests, whatever their result
	echo "# $*" >>"$T_ROOT/timings"
}
# rec: a pre_start/stop hook appending "MOMENT NAME" to the events file
cat >"$BIN/rec" <<'EOS'
#!/bin/sh
echo "$SYSC_HOOK $SYSC_NAME" >>"$1"
EOS
chmod +x "$BIN/rec"

mk() { # NAME ENABLED ORDER DELAY GROUP [EXTRA CONFIG]
	local conf
	conf=$(cfg "$1.conf" <<EOC
autostart = { enabled = $2; order = $3; delay = $4; group = "$5"; };
hooks = { pre_start = ["$BIN/rec $LOG"]; stop = ["$BIN/rec $LOG"]; };
${6:-}
EOC
)
	sysc-create "$1" -t busybox -f "$conf" >/dev/null
}

events() { # MOMENT: the names in the order of that moment's events
	grep "^$1 " "$LOG" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//'
}

state() {
	sysc-info "$1" --format json | grep -o '"state":"[A-Z]*"' | cut -d'"' -f4
}

# init's start time in clock ticks since boot (field 22 of /proc/PID/stat)
init_ticks() {
	awk '{ print $22 }' "/proc/$(init_pid "$1")/stat"
}

setup() {
	rm -f "$LOG"
	mk a1 true 10 2 ""
	mk a2 true 5 0 ""
	mk a3 true 20 0 ""
	mk off false 1 0 ""
	mk w1 true 1 0 web
	mk w2 true 30 0 db
}

test_list() {
	setup
	sysc-autostart -L >"$T_ROOT/l"
	expect_eq "$(awk 'NR > 1 { print $1 }' "$T_ROOT/l" | tr '\n' ' ')" "a2 a1 a3 " "-L order"
	head -n 1 "$T_ROOT/l" | grep -Eq '^NAME +ORDER +DELAY +GROUP' || t_die "header: $(head -n 1 "$T_ROOT/l")"
	grep -Eq '^a1 +10 +2 +-$' "$T_ROOT/l" || t_die "a1 line: $(cat "$T_ROOT/l")"
	expect_eq "$(sysc-autostart -L -a | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "w1 a2 a1 a3 w2 " "-L -a"
	expect_eq "$(sysc-autostart -L -g web | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "w1 " "-L -g web"
	expect_eq "$(sysc-autostart -L -g db,web | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "w1 w2 " "-L -g db,web"
	expect_eq "$(sysc-autostart -L -g web -g db | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "w1 w2 " "-L -g web -g db"
	expect_eq "$(sysc-autostart -L -g ,web | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "w1 a2 a1 a3 " "-L -g ,web"
	expect_eq "$(sysc-autostart -L -s | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "a3 a1 a2 " "-L -s"
	# -L does nothing
	[[ ! -e $LOG ]] || t_die "-L started something: $(cat "$LOG")"
	for n in a1 a2 a3 w1 w2; do expect_eq "$(state $n)" STOPPED "$n"; done
}

test_start_order_delay_and_stop() {
	local t1 t3 hz
	setup
	sysc-autostart
	expect_eq "$(events pre_start)" "a2 a1 a3" "start order"
	for n in a1 a2 a3; do expect_eq "$(state $n)" RUNNING "$n"; done
	for n in off w1 w2; do expect_eq "$(state $n)" STOPPED "$n"; done
	# the init start times follow the order; a3 began at least a1's delay (2 s) after a1
	hz=$(getconf CLK_TCK)
	t1=$(init_ticks a1)
	t3=$(init_ticks a3)
	(($(init_ticks a2) <= t1 && t1 <= t3)) || t_die "start times out of order: a2 $(init_ticks a2) a1 $t1 a3 $t3"
	((t3 - t1 >= 2 * hz)) || t_die "a3 started $((t3 - t1)) ticks after a1, delay is 2 s ($((2 * hz)) ticks)"
	timing "a3 started $(((t3 - t1) * 1000 / hz)) ms after a1 (autostart.delay = 2)"
	# again: running ones are left alone
	sysc-autostart
	expect_eq "$(events pre_start)" "a2 a1 a3" "second run started nothing"
	# clean shutdown in reverse order
	sysc-autostart -s
	expect_eq "$(events stop)" "a3 a1 a2" "stop order"
	for n in a1 a2 a3; do expect_eq "$(state $n)" STOPPED "$n"; done
	expect_clean
}

test_groups_and_kill() {
	setup
	sysc-autostart -g web
	expect_eq "$(events pre_start)" "w1" "-g web"
	sysc-autostart -a
	expect_eq "$(events pre_start)" "w1 a2 a1 a3 w2" "-a"
	# -k only the db group; then everything else, reverse order
	sysc-autostart -k -g db
	expect_eq "$(state w2)" STOPPED w2
	expect_eq "$(state w1)" RUNNING w1
	sysc-autostart -k -a
	expect_eq "$(events stop)" "w2 a3 a1 a2 w1" "kill order"
	expect_clean
}

test_failure_goes_on() {
	setup
	sysc-config a1 init.cmd '["/sbin/nosuchinit"]' >/dev/null
	expect_fail 'init /sbin/nosuchinit not found in rootfs of a1' sysc-autostart
	expect_eq "$(state a2)" RUNNING a2
	expect_eq "$(state a3)" RUNNING a3
	expect_eq "$(state a1)" STOPPED a1
	sysc-autostart 2>"$T_ROOT/err" && t_die "exit 0 with a failing container"
	grep -q 'a1: start failed' "$T_ROOT/err" || t_die "no per-container error: $(cat "$T_ROOT/err")"
	sysc-autostart -s
	expect_clean
}

test_usage() {
	local rc=0
	sysc-autostart -s -k 2>/dev/null || rc=$?
	expect_eq "$rc" 2 "-s -k"
	rc=0
	sysc-autostart extra 2>/dev/null || rc=$?
	expect_eq "$rc" 2 "extra argument"
	mk g1 true 1 0 ""
	expect_fail 'may only contain' sysc-config g1 autostart.group "a b"
}

t_run test_list
t_run test_start_order_delay_and_stop
t_run test_groups_and_kill
t_run test_failure_goes_on
t_run test_usage
[[ -f $T_ROOT/timings ]] && cat "$T_ROOT/timings"
t_summary
