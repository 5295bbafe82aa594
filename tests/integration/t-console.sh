#!/bin/bash
# Console and attach: login on the console, ttys, escape, busy tty,
# detach/reattach; attach exit codes, stdio pass-through, pty, env, user.
. "$(dirname "$0")/lib.sh"
T_KEEP_RUNNING=1

# A console client fed from a fifo, its output collected in a file.
con_open() { # NAME [ARGS...]
	CON_IN=$T_ROOT/con.in.$RANDOM
	CON_OUT=$T_ROOT/con.out.$RANDOM
	CON_MARK=0
	mkfifo "$CON_IN"
	sysc-console "$@" <"$CON_IN" >"$CON_OUT" 2>&1 &
	CON_PID=$!
	exec {CON_FD}>"$CON_IN"
}

con_send() {
	printf "$1" >&"$CON_FD"
}

# wait until the console output (from offset CON_MARK on) matches a regex
con_expect() {
	local re=$1 tries=${2:-150}
	for _ in $(seq "$tries"); do
		tail -c +"${CON_MARK:-0}" "$CON_OUT" | tr -d '\r' | grep -Eq -- "$re" && return 0
		sleep 0.1
	done
	t_die "console never showed /$re/; got: $(tail -c 400 "$CON_OUT" | tr -d '\r')"
}

con_mark() {
	CON_MARK=$(($(stat -c %s "$CON_OUT") + 1))
}

# a root shell on the open console, logging in when needed
con_login() {
	con_send '\r'
	con_expect 'root@deb:~#|deb login:'
	if ! tail -c 200 "$CON_OUT" | grep -q 'root@deb:~#'; then
		con_mark
		con_send 'root\r'
		con_expect 'Password:'
		con_send 'secret\r'
		con_expect 'root@deb:~#'
	fi
}

con_close() { # detach with the escape (default Ctrl-a q) and check the exit
	local esc=${1:-'\001'} rc=0
	con_send "${esc}q"
	exec {CON_FD}>&-
	wait "$CON_PID" || rc=$?
	expect_eq "$rc" 0 "console client exit status"
}

test_setup() {
	echo secret >"$T_ROOT/pw"
	printf 'console = { ttys = 2; };\n' >"$T_ROOT/ttys.conf" # the default is 0
	sysc-create deb -t debian -f "$T_ROOT/ttys.conf" -- --root-password-file "$T_ROOT/pw"
	sysc-start deb
	wait_running deb
	sysc-create bb -t busybox
	sysc-start bb
}

test_console_login() {
	con_open deb
	con_send '\r'
	con_expect 'deb login:'
	con_send 'root\r'
	con_expect 'Password:'
	con_send 'secret\r'
	con_expect 'root@deb:~#'
	con_mark
	con_send 'echo MARK-$((6*7)); tty\r'
	con_expect 'MARK-42'
	con_expect '/dev/console'
	con_close
	sysc-ls | grep -Eq '^deb +RUNNING' || t_die "detach stopped it"
}

test_console_busy_and_reattach() {
	local getty_before getty_after
	getty_before=$(sysc-attach deb -- systemctl show -p MainPID --value console-getty)
	con_open deb
	con_send '\r'
	con_expect 'root@deb:~#|login:'
	expect_fail 'tty 0 of deb is in use' sysc-console deb
	con_close
	# detach and reattach many times: the guest never notices
	for _ in $(seq 10); do
		con_open deb
		con_send '\r'
		con_expect 'root@deb:~#|login:'
		con_close
	done
	getty_after=$(sysc-attach deb -- systemctl show -p MainPID --value console-getty)
	expect_eq "$getty_after" "$getty_before" "console-getty pid"
	expect_eq "$(sysc-attach deb -- systemctl is-system-running)" running "state"
}

test_console_escape() {
	con_open deb
	con_login
	con_mark
	# Ctrl-a Ctrl-a sends one Ctrl-a
	con_send 'cat -v\r'
	sleep 0.3
	con_send '\001\001\r'
	con_expect '\^A'
	con_send '\004'
	con_close
	# input typed just before the detach, in the same write, still goes in
	con_open deb
	con_login
	con_send 'echo BEFORE-DETACH-$((2+3))\r\001q'
	exec {CON_FD}>&-
	wait "$CON_PID"
	sleep 0.5
	sysc-console deb --log | tr -d '\r' | grep -q 'BEFORE-DETACH-5' ||
		t_die "input before the detach was lost: $(sysc-console deb --log | tail -c 300)"
	# another prefix
	con_open deb -e b
	con_login
	con_close '\002'
}

test_ttys_and_log() {
	con_open deb -t 1
	con_send '\r'
	con_expect 'deb login:'
	con_close
	expect_fail 'deb has no tty 9' sysc-console deb -t 9
	sysc-console deb --log | grep -q 'Reached target' || t_die "--log lacks boot messages"
	expect_fail 'container nosuch does not exist|"nosuch" does not exist' sysc-console nosuch
}

test_attach_exit_status() {
	local rc=0
	sysc-attach bb -- /bin/sh -c 'exit 7' || rc=$?
	expect_eq "$rc" 7 "exit status"
	rc=0
	sysc-attach bb -- /bin/sh -c 'kill -TERM $$' || rc=$?
	expect_eq "$rc" 143 "killed by SIGTERM"
	rc=0
	sysc-attach bb -- /nonexistent 2>/dev/null || rc=$?
	expect_eq "$rc" 127 "not found"
	rc=0
	sysc-attach deb -- true || rc=$?
	expect_eq "$rc" 0 "true"
}

test_attach_stdio() {
	head -c 100000000 /dev/urandom >"$T_ROOT/big"
	expect_eq "$(sysc-attach deb -- sha256sum <"$T_ROOT/big" | cut -d' ' -f1)" \
		"$(sha256sum <"$T_ROOT/big" | cut -d' ' -f1)" "sha256 of 100 MB through stdin"
	rm -f "$T_ROOT/big"
	expect_eq "$(sysc-attach deb -- seq 1 300000 | md5sum)" "$(seq 1 300000 | md5sum)" \
		"long output"
	expect_eq "$(sysc-attach bb -- /bin/sh -c 'echo out; echo err >&2' 2>/dev/null)" out stdout
	expect_eq "$(sysc-attach bb -- /bin/sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)" err stderr
	expect_eq "$(echo hello | sysc-attach bb -- /bin/cat)" hello "stdin EOF"
	# binary-safe both ways
	head -c 1000000 /dev/urandom >"$T_ROOT/bin"
	cmp "$T_ROOT/bin" <(sysc-attach bb -- /bin/cat <"$T_ROOT/bin") || t_die "binary round trip"
}

test_attach_namespaces_and_cgroup() {
	local pid
	pid=$(init_pid deb)
	expect_eq "$(sysc-attach deb -- readlink /proc/self/ns/pid)" "$(readlink /proc/$pid/ns/pid)" "pid ns"
	expect_eq "$(sysc-attach deb -- readlink /proc/self/ns/net)" "$(readlink /proc/$pid/ns/net)" "net ns"
	expect_eq "$(sysc-attach deb -- hostname)" deb hostname
	sysc-attach deb -- cat /proc/self/cgroup | grep -qx '0::/sysc.attach' ||
		t_die "cgroup: $(sysc-attach deb -- cat /proc/self/cgroup)"
	# it is a process of the container: visible to the container's ps
	sysc-attach deb -- sh -c 'ps -e -o pid= | wc -l' >/dev/null
	attach_in_every_cgroup deb
	attach_in_every_cgroup bb
}

# Seen from the host while it runs, an attached command is in every one of
# the container's cgroups (the v2 leaf; on hybrid hosts each v1 hierarchy:
# init's cgroup there) and holds no fd but its stdio (none of the tasks
# files or cgroup directories). It is sysc-attach's child (CLONE_PARENT):
# the intermediate that made it is gone.
attach_in_every_cgroup() { # NAME
	local name=$1 init apid cmd="" want="" line p
	init=$(init_pid "$name")
	sysc-attach "$name" -- sleep 30 </dev/null >/dev/null 2>&1 &
	apid=$!
	for _ in $(seq 100); do
		cmd=$(pgrep -x sleep -P "$apid") && [[ $(pgrep -P "$apid") == "$cmd" ]] && break
		sleep 0.1
	done
	[[ -n $cmd ]] || t_die "no attached sleep under sysc-attach $apid"
	expect_eq "$(pgrep -P "$apid")" "$cmd" "sysc-attach's children: the command only"
	while IFS= read -r line; do
		if [[ $line == 0::* ]]; then
			want+="0::/$SYSC_CGROUP_PARENT/$name/sysc.attach"$'\n'
		else
			want+="${line%%:/*}:/$SYSC_CGROUP_PARENT/$name"$'\n'
			grep -qxF "${line%%:/*}:/$SYSC_CGROUP_PARENT/$name" /proc/"$init"/cgroup ||
				t_die "init of $name is not in ${line%%:/*}:/$SYSC_CGROUP_PARENT/$name"
		fi
	done </proc/self/cgroup
	expect_eq "$(cat /proc/"$cmd"/cgroup)"$'\n' "$want" "cgroups of attached process $cmd"
	expect_eq "$(ls /proc/"$cmd"/fd | sort -n | tr '\n' ' ')" "0 1 2 " "fds of attached process $cmd"
	kill "$cmd"
	wait "$apid" 2>/dev/null || true
}

# Issue 20: the intermediate is born in the v2 leaf (CLONE_INTO_CGROUP) and
# moves itself into each v1 hierarchy ("0" to its tasks file): nothing
# writes its pid to a cgroup.procs, which takes the kernel's global
# threadgroup rwsem and waits for an RCU grace period (doc/benchmarks.md).
# The trace event of every move names the mover and the moved.
test_attach_moves_itself() {
	local tr=/sys/kernel/tracing inst moves n=0 line
	if [[ ! -d $tr/instances ]]; then
		# (a host where tracefs is not mounted: the test mounts it itself)
		tr=$T_ROOT/tracefs
		mkdir -p "$tr"
		mount -t tracefs tracefs "$tr" || t_die "cannot mount tracefs on $tr"
	fi
	inst=$tr/instances/sysc-test-$$
	mkdir "$inst" || t_die "cannot make trace instance $inst"
	# the instance, and a tracefs mounted here, go also when the test fails
	# (expanded now: the locals are gone at exit; set -e holds in the trap)
	# shellcheck disable=SC2064
	trap "rmdir '$inst' 2>/dev/null || true; [[ '$tr' != '$T_ROOT/tracefs' ]] || umount '$tr'" EXIT
	echo 1 >"$inst/events/cgroup/cgroup_attach_task/enable"
	sysc-attach bb -- /bin/true
	echo 0 >"$inst/events/cgroup/cgroup_attach_task/enable"
	moves=$(grep -E " dst_path=/$SYSC_CGROUP_PARENT/bb(/sysc.attach)? " "$inst/trace")
	rmdir "$inst" || t_die "cannot remove trace instance $inst"
	while IFS= read -r line; do
		[[ -z $line ]] && continue
		n=$((n + 1))
		[[ $line =~ -([0-9]+)\ +\[.*\ pid=([0-9]+)\  ]] || t_die "trace line: $line"
		[[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
			t_die "moved by another process: $line"
		[[ $line == *" dst_path=/$SYSC_CGROUP_PARENT/bb/sysc.attach "* ]] &&
			t_die "migrated into the v2 leaf: $line"
	done <<<"$moves"
	expect_eq "$n" "$(grep -vc '^0::' /proc/self/cgroup)" "moves (one per v1 hierarchy)"
}

test_attach_env_user_cwd() {
	local env
	env=$(FOO=bar sysc-attach deb -- env)
	grep -qx 'container=sysc' <<<"$env" || t_die "env: $env"
	grep -qx 'HOME=/root' <<<"$env" || t_die "HOME: $env"
	grep -q '^FOO=' <<<"$env" && t_die "FOO leaked into a clean env"
	FOO=bar sysc-attach deb --keep-env -- env | grep -qx 'FOO=bar' || t_die "--keep-env"
	sysc-attach deb -e X=1 -e Y=a=b -- env | grep -qx 'Y=a=b' || t_die "-e"
	expect_eq "$(sysc-attach deb -u nobody -- id -u)" 65534 "-u nobody"
	expect_eq "$(sysc-attach deb -u 65534 -- id -un)" nobody "-u 65534"
	expect_eq "$(sysc-attach deb --cwd /etc -- pwd)" /etc "--cwd"
	local rc=0
	sysc-attach deb -u bogus -- id 2>"$T_ROOT/err" || rc=$?
	expect_eq "$rc" 125 "unknown user"
	grep -q 'user "bogus" does not exist' "$T_ROOT/err" || t_die "$(cat "$T_ROOT/err")"
	rc=0
	sysc-attach deb -- sh -c 'echo SHELL' >/dev/null || rc=$?
	# without CMD: root's login shell, reading commands from stdin
	expect_eq "$(echo 'echo "SHELL:$0"' | sysc-attach deb)" "SHELL:-bash" "login shell"
}

test_attach_pty() {
	command -v script >/dev/null || t_skip "script(1) not installed"
	local out
	# script(1) sends an EOF character (echoed as ^@) when its own stdin
	# ends early: keep its stdin open while the command runs
	out=$(sleep 2 | script -qec "sysc-attach deb -- tty" /dev/null | tr -d '\r')
	[[ $out == /dev/pts/* ]] || t_die "tty inside: $(od -c <<<"$out" | head -n 2)"
	local rc=0
	sleep 2 | script -qec "sysc-attach deb -- sh -c 'exit 3'" /dev/null >/dev/null || rc=$?
	expect_eq "$rc" 3 "exit status through a pty"
}

# tmux with a private server: a real terminal driving sysc-console
tm() {
	tmux -L "sysc-test-$$" "$@"
}

tm_wait() { # REGEX: wait until the pane shows it
	for _ in $(seq 150); do
		tm capture-pane -p | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	t_die "terminal never showed /$1/: $(tm capture-pane -p | tail -n 8)"
}

test_console_real_terminal() {
	command -v tmux >/dev/null || t_die "tmux is not installed (tests/setup installs it)"
	trap 'tm kill-server 2>/dev/null || true' EXIT
	tm new-session -d -x 100 -y 30 "bash --norc --noprofile"
	tm send-keys "PS1='host\$ '; stty -a > $T_ROOT/stty.before; clear" Enter
	tm_wait '^host\$'
	tm send-keys "sysc-console deb" Enter
	tm_wait 'Connected to the console of deb'
	tm send-keys Enter
	tm_wait 'root@deb:~#|deb login:'
	if ! tm capture-pane -p | grep -q 'root@deb:~#'; then
		tm send-keys root Enter
		tm_wait 'Password:'
		tm send-keys secret Enter
		tm_wait 'root@deb:~#'
	fi
	tm send-keys "clear; stty size" Enter
	tm_wait '^30 100'
	# the window size follows the terminal (SIGWINCH)
	tm resize-window -x 120 -y 40
	sleep 0.5
	tm send-keys "clear; stty size" Enter
	tm_wait '^40 120'
	tm send-keys "clear; echo MARK-\$((6*7))" Enter
	tm_wait '^MARK-42'
	tm send-keys C-a q
	tm_wait 'Detached from deb'
	# back in the host shell, with the terminal as it was
	tm send-keys "clear; stty -a > $T_ROOT/stty.after; echo RESTORED" Enter
	tm_wait '^RESTORED'
	diff <(sed 's/rows [0-9]*; columns [0-9]*;//' "$T_ROOT/stty.before") \
		<(sed 's/rows [0-9]*; columns [0-9]*;//' "$T_ROOT/stty.after") ||
		t_die "terminal settings not restored"
	# a second getty on tty 1
	tm send-keys "clear; sysc-console deb -t 1" Enter
	tm_wait 'Connected to tty 1 of deb'
	tm send-keys Enter
	tm_wait 'deb login:'
	tm send-keys C-a q
	tm_wait 'Detached from deb'
	tm kill-server
}

test_attach_no_fd_leak() {
	# the caller's extra descriptors never reach the container
	local fds
	fds=$(sysc-attach deb -- ls /proc/self/fd 7</dev/null 9>"$T_ROOT/nine" | sort -n | tr '\n' ' ')
	expect_eq "$fds" "0 1 2 3 " "descriptors inside (3 is ls's own)"
}

test_attach_same_policy_as_init() {
	local want have
	want=$(sysc-attach deb -- grep -E '^(CapBnd|CapEff|CapPrm|Seccomp|NoNewPrivs):' /proc/1/status)
	have=$(sysc-attach deb -- grep -E '^(CapBnd|CapEff|CapPrm|Seccomp|NoNewPrivs):' /proc/self/status)
	expect_eq "$have" "$want" "capabilities and seccomp of an attached process vs init"
	grep -q '^Seccomp:.*2' <<<"$have" || t_die "no seccomp filter: $have"
}

test_attach_exe_not_writable() {
	# attaching processes run from a detached read-only overlay of the binary
	# (rexec.c), not the host's file: sysc-attach (its own executable) and
	# `sysc attach` (the multi-call one)
	local bin=$T_ROOT/hostbin sum sum_multi pid exe err form
	mkdir -p "$bin"
	cp "$(command -v sysc-attach)" "$bin/sysc-attach"
	cp "$(command -v sysc)" "$bin/sysc"
	sum=$(sha256sum <"$bin/sysc-attach")
	sum_multi=$(sha256sum <"$bin/sysc")
	for form in sysc-attach sysc; do
		if [[ $form == sysc ]]; then
			"$bin/sysc" attach deb -- sleep 3 &
		else
			"$bin/sysc-attach" deb -- sleep 3 &
		fi
		local apid=$!
		sleep 1
		# the sleeper's parent (its intermediate has exited), and any other
		# process of sysc's under it
		for pid in $(pgrep -P "$apid") $apid; do
			[[ $(cat /proc/"$pid"/comm) == sleep ]] && continue
			exe=$(readlink /proc/"$pid"/exe)
			[[ $exe == "/$form" ]] || t_die "$form: attach process $pid runs $exe"
			# not even the host's root can open it for writing
			err=$( (printf X >>/proc/"$pid"/exe) 2>&1) && t_die "wrote into /proc/$pid/exe"
			[[ $err == *"Read-only file system"* ]] || t_die "writing /proc/$pid/exe: $err"
		done
		wait "$apid"
	done
	# an attacker inside racing every new process cannot write either
	sysc-attach deb -- sh -c 'end=$((SECONDS+6)); while [ $SECONDS -lt $end ]; do
		for p in /proc/[0-9]*; do printf X 2>/dev/null >>$p/exe && echo "WROTE $p"; done; done' \
		>"$T_ROOT/attacker" 2>&1 &
	local attacker=$!
	for _ in $(seq 30); do "$bin/sysc-attach" deb -- true; done
	wait "$attacker"
	grep -q WROTE "$T_ROOT/attacker" && t_die "attacker wrote: $(head -n 3 "$T_ROOT/attacker")"
	expect_eq "$(sha256sum <"$bin/sysc-attach")" "$sum" "host binary checksum"
	expect_eq "$(sha256sum <"$bin/sysc")" "$sum_multi" "host multi-call binary checksum"
}

test_attach_is_static() {
	# attach executes itself twice (the second time from the sealed copy):
	# its own static executable loads no shared library either time
	# (doc/architecture.md, "Attach"); `sysc attach` is the same code
	local exe
	exe=$(command -v sysc-attach)
	[[ ! -L $exe ]] || t_die "$exe is a link (to $(readlink "$exe"))"
	readelf -lW "$exe" | grep -q 'Requesting program interpreter' &&
		t_die "$exe is dynamically linked: $(readelf -lW "$exe" | grep interpreter)"
	expect_eq "$(sysc attach deb -- cat /etc/hostname)" deb "sysc attach (multi-call)"
}

test_attach_seals_before_libc() {
	# sysc-attach's entry point (src/attach/preexec.c) re-executes it from
	# the sealed overlay before the C library starts: the execveat comes
	# before the C library's first system call of its own (arch_prctl, for
	# thread-local storage), so the library starts once per attach
	local trace first
	[[ $(uname -m) == x86_64 ]] || t_die "preexec.c is x86_64 only; this host is $(uname -m)"
	trace=$(strace -e trace=execveat,arch_prctl,fsopen sysc-attach deb -- true 2>&1 >/dev/null)
	first=$(grep -m1 -oE '^(execveat|arch_prctl|fsopen)' <<<"$trace")
	expect_eq "$first" fsopen "first of fsopen/execveat/arch_prctl: $trace"
	grep -qE '^execveat\(.*AT_EMPTY_PATH\) = 0' <<<"$trace" || t_die "no execveat: $trace"
	expect_eq "$(grep -m1 -oE '^(execveat|arch_prctl)' <<<"$trace")" execveat "before the C library: $trace"
	expect_eq "$(grep -c '^execveat' <<<"$trace")" 1 "one re-execution"
	expect_eq "$(sysc-attach deb -- cat /etc/hostname)" deb "attach works"
}

# The policy of an attached process is the one init got at start, saved by
# the monitor in the runtime directory; a config change applies at the next
# start, to init and attach alike.
test_attach_policy_is_the_started_one() {
	local cfg=$SYSC_PATH/deb/config want have
	want=$(sysc-attach deb -- grep -E '^(CapBnd|Seccomp|NoNewPrivs):' /proc/1/status)
	cp -p "$cfg" "$T_ROOT/deb.config"
	# net_raw dropped, and nothing of the default drop list
	printf 'capabilities = { drop = [ "net_raw" ]; };\n' >>"$cfg"
	have=$(sysc-attach deb -- grep -E '^(CapBnd|Seccomp|NoNewPrivs):' /proc/self/status) || {
		cp -p "$T_ROOT/deb.config" "$cfg"
		t_die "attach failed after the config changed"
	}
	cp -p "$T_ROOT/deb.config" "$cfg"
	expect_eq "$have" "$want" "attached process after a config change vs init"
}

test_attach_saved_policy_checked() {
	local pol=$SYSC_RUN_DIR/deb/policy rc want have
	[[ -f $pol ]] || t_die "no $pol"
	expect_eq "$(stat -c '%a %U' "$pol")" "600 root" "policy file mode and owner"
	want=$(sysc-attach deb -- grep CapBnd /proc/1/status)
	cp -p "$pol" "$T_ROOT/policy"
	# writable by others: refused, naming the file
	chmod 666 "$pol"
	rc=0
	sysc-attach deb -- true 2>"$T_ROOT/err" || rc=$?
	chmod 600 "$pol"
	expect_eq "$rc" 125 "attach with a world-writable policy file"
	grep -q "$pol is not sysc's" "$T_ROOT/err" || t_die "message: $(cat "$T_ROOT/err")"
	# damaged: refused
	printf 'SYSCPOL1 garbage' >"$pol"
	rc=0
	sysc-attach deb -- true 2>"$T_ROOT/err" || rc=$?
	cp -p "$T_ROOT/policy" "$pol"
	expect_eq "$rc" 125 "attach with a damaged policy file"
	grep -q "$pol: not a policy sysc saved" "$T_ROOT/err" || t_die "message: $(cat "$T_ROOT/err")"
	# none (a container an older sysc started): the config's, which is init's here
	mv "$pol" "$T_ROOT/policy.moved"
	rc=0
	have=$(sysc-attach deb -- grep CapBnd /proc/self/status) || rc=$?
	mv "$T_ROOT/policy.moved" "$pol"
	expect_eq "$rc" 0 "attach without a saved policy"
	expect_eq "$have" "$want" "CapBnd from the config vs init's"
	expect_eq "$(sysc-attach deb -- grep CapBnd /proc/self/status)" "$want" "restored"
}

test_stopped_container() {
	sysc-stop bb
	local rc=0
	sysc-attach bb -- true 2>"$T_ROOT/err" || rc=$?
	expect_eq "$rc" 125 "attach to a stopped container"
	grep -q 'container bb is not running' "$T_ROOT/err" || t_die "$(cat "$T_ROOT/err")"
	expect_fail 'container bb is not running' sysc-console bb
}

test_leaves_nothing() {
	sysc-stop deb
	sysc-destroy deb
	sysc-destroy -f bb
	expect_store ""
	expect_clean
}

for t in test_setup test_console_login test_console_busy_and_reattach test_console_escape \
	test_ttys_and_log test_attach_exit_status test_attach_stdio \
	test_attach_namespaces_and_cgroup test_attach_env_user_cwd test_attach_pty \
	test_console_real_terminal test_attach_no_fd_leak test_attach_same_policy_as_init \
	test_attach_exe_not_writable test_attach_is_static test_attach_seals_before_libc \
	test_attach_policy_is_the_started_one \
	test_attach_saved_policy_checked test_attach_moves_itself \
	test_stopped_container test_leaves_nothing; do
	t_run "$t"
done
t_summary
