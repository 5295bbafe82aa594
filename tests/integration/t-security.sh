#!/bin/bash
# The escape suite: with the default policy, every attempt below is made as
# root inside a container and must fail with the expected errno (checked by
# a small static probe, tests/integration/probe/syscall-probe.c, built here;
# it makes the i386 attempts with int 0x80). Also: systemd still boots to
# `running`, capabilities.keep/drop and seccomp profiles from the config.
. "$(dirname "$0")/lib.sh"
T_KEEP_RUNNING=1

PROBE_SRC=$T_SRC/tests/integration/probe/syscall-probe.c
ATTACKER_SRC=$T_SRC/tests/integration/probe/attach-attacker.c
# blocked by the default seccomp profile: EPERM on every ABI
DENIED="kexec_load kexec_file_load init_module finit_module delete_module open_by_handle_at bpf
	perf_event_open swapon swapoff iopl ioperm acct umount2_force=/dev/shm"
# dropped from the bounding set by default (bit numbers)
declare -A CAPBITS=([sys_module]=16 [sys_rawio]=17 [sys_time]=25 [audit_write]=29
	[audit_control]=30 [mac_override]=32 [mac_admin]=33 [syslog]=34 [wake_alarm]=35
	[block_suspend]=36 [audit_read]=37)

# probe CONTAINER [-32] ATTEMPT...: "NAME: ERRNO" lines (-32: through the
# kernel's i386 entry, int 0x80)
probe() {
	local c=$1
	shift
	[[ $1 == -32 ]] && { shift; set -- --i386 "$@"; }
	sysc-attach "$c" -- /sysc-probe "$@"
}

# expect_probe CONTAINER [-32] ERRNO ATTEMPT...
expect_probe() {
	local c=$1 bits="" want out a
	shift
	[[ $1 == -32 ]] && { bits=-32; shift; }
	want=$1
	shift
	out=$(probe "$c" $bits "$@")
	for a in "$@"; do
		grep -qxE "$a: ($want)" <<<"$out" || t_die "$c$bits: $a: expected $want: $(grep "^$a:" <<<"$out")"
	done
	echo "ok: $c$bits: $* -> $want"
}

install_probe() { # CONTAINER
	cp "$T_ROOT/probe" "$SYSC_PATH/$1/rootfs/sysc-probe"
}

capbnd() { # CONTAINER PROC-PATH
	sysc-attach "$1" -- cat "$2" | awk '/^CapBnd:/ {print $2}'
}

test_setup() {
	command -v gcc >/dev/null || t_die "gcc is missing (tests/setup installs build-essential)"
	gcc -static -O1 -o "$T_ROOT/probe" "$PROBE_SRC"
	sysc-create bb -t busybox
	install_probe bb
	sysc-start bb
	echo secret >"$T_ROOT/pw"
	sysc-create deb -t debian -- --root-password-file "$T_ROOT/pw"
	install_probe deb
	sysc-start deb
	wait_running deb
}

test_debian_running_with_default_policy() {
	wait_running deb
	[[ -z $(sysc-attach deb -- systemctl --failed --no-legend) ]] || t_die "failed units"
	sysc-attach deb -- grep -q '^Seccomp:[[:space:]]*2' /proc/1/status || t_die "init has no filter"
}

test_seccomp_denied_syscalls() {
	local c
	for c in bb deb; do
		# shellcheck disable=SC2086
		expect_probe $c EPERM $DENIED
		expect_probe $c EAFNOSUPPORT netlink_audit
		# the same calls without the blocked argument still reach the kernel
		expect_probe $c ok netlink_route
		expect_probe $c EINVAL umount2_plain=/etc
	done
}

test_seccomp_i386_abi() {
	# int 0x80 from the 64-bit probe: the i386 ABI of the filter, with no
	# 32-bit binary (a kernel may run i386 code yet refuse to exec i386 ELF)
	local host
	host=$("$T_ROOT/probe" --i386 getpid) # no filter here: the kernel's own answer
	case $host in
	"getpid: ok")
		expect_probe bb -32 ok getpid
		# shellcheck disable=SC2086
		expect_probe bb -32 EPERM ${DENIED/kexec_file_load/}
		expect_probe bb -32 n/a kexec_file_load # no i386 number
		# the arguments reach the kernel intact where the filter lets them
		expect_probe bb -32 EINVAL umount2_plain=/etc
		;;
	"getpid: SIGSEGV" | "getpid: ENOSYS")
		# the kernel has no i386 entry (IA32 emulation off or absent): no
		# filter answers there, and nothing gets through from a container
		# shellcheck disable=SC2086
		expect_probe bb -32 "${host#getpid: }" getpid ${DENIED/kexec_file_load/}
		echo "ok: this kernel has no i386 syscall entry (int 0x80: ${host#getpid: }), the filter's i386 rules are unreachable"
		;;
	*) t_die "int 0x80 getpid on the host: $host" ;;
	esac
}

test_seccomp_x32_abi() {
	# the filter answers before the kernel's syscall table: EPERM even where
	# the kernel lacks x32 (getpid, not filtered, shows the kernel's answer)
	expect_probe bb EPERM x32_init_module
	if zcat /proc/config.gz 2>/dev/null | grep -q '^CONFIG_X86_X32_ABI=y'; then
		expect_probe bb ok x32_getpid
	else
		expect_probe bb ENOSYS x32_getpid
	fi
}

test_capabilities_bounding() {
	local c p bnd cap
	for c in bb deb; do
		for p in /proc/1/status /proc/self/status; do
			bnd=$(capbnd $c $p)
			[[ -n $bnd ]] || t_die "no CapBnd in $p of $c"
			for cap in "${!CAPBITS[@]}"; do
				(((0x$bnd >> CAPBITS[$cap]) & 1)) && t_die "$c $p: cap_$cap in $bnd"
			done
			(((0x$bnd >> 21) & 1)) || t_die "$c $p: cap_sys_admin missing in $bnd"
			(((0x$bnd >> 27) & 1)) || t_die "$c $p: cap_mknod missing in $bnd"
			echo "ok: $c $p CapBnd $bnd"
		done
	done
	expect_probe bb EPERM settime syslog
}

test_devices() {
	local c
	for c in bb deb; do
		expect_probe $c EPERM mknod_sda mknod_mem mknod_sda=/tmp/sda
		expect_probe $c EEXIST mknod_null=/dev/null
		expect_probe $c ok open=/dev/null open=/dev/urandom open=/dev/zero
		expect_probe $c ENOENT open=/dev/mem open=/dev/kmsg
	done
}

test_devices_config() {
	local f
	f=$(cfg dev.conf <<EOF
mounts = ( { source = "/dev/kmsg"; target = "/mnt/kmsg"; options = "bind"; } );
devices = { create = [ "/dev/net/tun c 10:200 0666" ]; };
EOF
	)
	sysc-create bbdev -t busybox -f "$f"
	install_probe bbdev
	sysc-start bbdev
	# a host device bound in cannot be opened; a configured node can
	expect_probe bbdev EPERM open=/mnt/kmsg
	expect_probe bbdev ok open=/dev/net/tun
	sysc-attach bbdev -- ls -l /dev/net/tun | grep -q '^crw-rw-rw-' || t_die "tun mode"
	sysc-stop -k bbdev
	sysc-destroy bbdev
}

test_masked_and_readonly_paths() {
	local c p ro=EROFS
	# unprivileged, the files of the host's root are refused before the
	# read-only mount is even looked at
	[[ ${SYSC_TEST_PRIVILEGED:-0} == 1 ]] || ro='EROFS|EACCES'
	for c in bb deb; do
		for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/kallsyms; do
			[[ -e $p ]] || continue
			[[ -z $(sysc-attach $c -- cat $p) ]] || t_die "$c: $p is not masked"
		done
		[[ -z $(sysc-attach $c -- ls -A /sys/firmware) ]] || t_die "$c: /sys/firmware not masked"
		expect_probe $c "$ro" write=/proc/sys/kernel/domainname write=/proc/sys/vm/swappiness \
			write=/sys/class/net/lo/mtu
		expect_probe $c ok write=/proc/sys/net/ipv4/ip_forward
		if [[ -e /proc/sysrq-trigger ]]; then
			expect_probe $c "$ro" write=/proc/sysrq-trigger
		else
			expect_probe $c ENOENT write=/proc/sysrq-trigger
		fi
	done
}

test_host_not_reachable() {
	# host processes are neither visible nor signalable; the host's runtime
	# dir (control sockets) is not in the container's mount namespace
	expect_probe bb ESRCH kill=$$
	sysc-attach bb -- test ! -e "$SYSC_RUN_DIR" || t_die "host run dir visible"
}

test_bad_profile_fails_start() {
	local p f
	p=$(cfg bad.seccomp <<EOF
default allow
deny kexec_load
deny no_such_syscall
EOF
	)
	f=$(cfg badp.conf <<<"seccomp = { profile = \"$p\"; };")
	sysc-create bbbad -t busybox -f "$f"
	expect_fail "$p:3: unknown system call \"no_such_syscall\"" sysc-start bbbad
	printf 'default allow\nerrno EWHAT mkdir\n' >"$p"
	expect_fail "$p:2: unknown errno \"EWHAT\"" sysc-start bbbad
	[[ -z $(find /sys/fs/cgroup -maxdepth 4 -path "*$SYSC_CGROUP_PARENT/bbbad" 2>/dev/null) ]] ||
		t_die "cgroup left"
	[[ ! -e $SYSC_RUN_DIR/bbbad ]] || [[ -z $(ls -A "$SYSC_RUN_DIR/bbbad") ]] ||
		t_die "runtime files left: $(ls -A "$SYSC_RUN_DIR/bbbad")"
	sysc-destroy bbbad
}

test_custom_profile() {
	local p f out rc=0
	p=$(cfg mkdir.seccomp <<EOF
# no directories, with EACCES
default allow
errno EACCES mkdir mkdirat
EOF
	)
	f=$(cfg custom.conf <<<"seccomp = { profile = \"$p\"; allow_bpf = true; };")
	sysc-create bbc -t busybox -f "$f"
	install_probe bbc
	sysc-start bbc
	out=$(sysc-attach bbc -- mkdir /x 2>&1) || rc=$?
	[[ $rc != 0 && $out == *"Permission denied"* ]] || t_die "mkdir: rc $rc: $out"
	# the default profile's denials are gone with it; allow_bpf lets bpf reach the kernel
	expect_probe bbc EINVAL bpf
	sysc-stop -k bbc
	sysc-destroy bbc
}

test_capabilities_config() {
	local f bnd want=$(((1 << 0) | (1 << 21) | (1 << 8)))
	f=$(cfg keep.conf <<<'capabilities = { keep = [ "chown", "CAP_SYS_ADMIN", "cap_setpcap" ]; };')
	sysc-create bbk -t busybox -f "$f"
	sysc-start bbk
	expect_eq "$((0x$(capbnd bbk /proc/1/status)))" "$want" "CapBnd of init with keep"
	expect_eq "$((0x$(capbnd bbk /proc/self/status)))" "$want" "CapBnd of attach with keep"
	sysc-stop -k bbk
	sysc-config bbk capabilities.keep '[]'
	sysc-config bbk capabilities.drop '["net_raw", "sys_admin"]'
	sysc-start bbk
	bnd=$(capbnd bbk /proc/1/status)
	(((0x$bnd >> 13) & 1)) && t_die "net_raw kept: $bnd"
	(((0x$bnd >> 21) & 1)) && t_die "sys_admin kept: $bnd"
	# a drop list replaces the default one
	(((0x$bnd >> 16) & 1)) || t_die "sys_module expected in $bnd"
	sysc-stop -k bbk
	expect_fail 'unknown capability "sys_nothing"' sysc-config bbk capabilities.drop '["sys_nothing"]'
	f=$(cfg both.conf <<<'capabilities = { keep = [ "chown" ]; drop = [ "sys_time" ]; };')
	expect_fail 'mutually exclusive' sysc-create bbx -t busybox -f "$f"
	sysc-destroy bbk
}

test_no_new_privs() {
	local f
	f=$(cfg nnp.conf <<<'security = { no_new_privs = true; };')
	sysc-create bbn -t busybox -f "$f"
	sysc-start bbn
	sysc-attach bbn -- grep -q '^NoNewPrivs:[[:space:]]*1' /proc/1/status || t_die "init"
	sysc-attach bbn -- grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status || t_die "attach"
	sysc-stop -k bbn
	sysc-destroy bbn
	sysc-attach bb -- grep -q '^NoNewPrivs:[[:space:]]*0' /proc/1/status || t_die "default"
}

test_remount_host_fs() {
	# the container's / is a bind mount of a host filesystem: here a tmpfs
	# made for the test, so a successful escape would harm only that
	local fs=$T_ROOT/hostfs rc=0
	mkdir -p "$fs"
	mount -t tmpfs -o size=64m tmpfs "$fs"
	trap 'SYSC_PATH=$fs/store sysc-destroy -f rm1 >/dev/null 2>&1; umount "$fs" 2>/dev/null || true' EXIT
	SYSC_PATH=$fs/store sysc-create rm1 -t busybox >/dev/null
	SYSC_PATH=$fs/store sysc-start rm1
	SYSC_PATH=$fs/store sysc-attach rm1 -- /bin/mount -o remount,ro / 2>"$T_ROOT/remount.err" || rc=$?
	[[ $rc != 0 ]] || t_die "remount of / succeeded"
	grep -qi 'permission denied\|not permitted' "$T_ROOT/remount.err" ||
		t_die "remount failed for another reason: $(cat "$T_ROOT/remount.err")"
	touch "$fs/still-writable" || t_die "the host filesystem became read-only"
	# read-only binds (what systemd makes) still work
	SYSC_PATH=$fs/store sysc-attach rm1 -- /bin/sh -c \
		'mkdir -p /mnt/b && mount --bind /tmp /mnt/b && mount -o remount,bind,ro /mnt/b && ! touch /mnt/b/x 2>/dev/null' ||
		t_die "a read-only bind remount failed"
	SYSC_PATH=$fs/store sysc-stop -k rm1
	SYSC_PATH=$fs/store sysc-destroy rm1 >/dev/null
	umount "$fs"
	trap - EXIT
	# (this file keeps other containers running: check only rm1's traces)
	[[ -z $(find /sys/fs/cgroup -maxdepth 3 -path "*/$SYSC_CGROUP_PARENT/rm1") ]] ||
		t_die "cgroups of rm1 left"
	grep -q "$fs" /proc/self/mountinfo && t_die "mounts of $fs left"
	return 0
}

# Issue 23 (the class of runc's CVE-2024-21626 and CVE-2019-5736): while
# sysc-attach runs, nothing of it that the container can see may hold a host
# fd, be ptraceable by the container with host credentials, or run with them.
# An attacker (attach-attacker.c) runs as the container's root, watches /proc
# and goes for every new process (pidfd_getfd of fds 0-63, ptrace seize,
# /proc/PID/fd, cwd, root) during 100 attaches of each kind.
test_attach_leaks_nothing_to_the_container() {
	local d=$T_ROOT/canary root=$SYSC_PATH/bb/rootfs out sum i rc=0
	gcc -static -O1 -o "$T_ROOT/attacker" "$ATTACKER_SRC"
	cp "$T_ROOT/attacker" "$root/sysc-attacker"
	# reachable by anyone who gets to the host's / (T_ROOT is 0700)
	chmod 711 "$T_ROOT"
	mkdir -p "$d"
	chmod 755 "$d"
	echo "host-secret-$RANDOM$RANDOM" >"$d/secret"
	echo "host-readable-$RANDOM$RANDOM" >"$d/readable"
	: >"$d/writable"
	chmod 600 "$d/secret"
	chmod 644 "$d/readable"
	chmod 666 "$d/writable"
	# each command waits until the attacker went for it (its pid marked in /sysc-seen)
	rm -rf "$root/sysc-seen"
	mkdir -m 777 "$root/sysc-seen"
	sysc-attach bb -- /sysc-attacker "$d/secret" "$d/readable" "$d/writable" /sysc-seen \
		</dev/null >"$T_ROOT/attacker.out" 2>&1 &
	local apid=$!
	for i in $(seq 100); do
		grep -q '^ready' "$T_ROOT/attacker.out" && break
		sleep 0.1
	done
	grep -q '^ready' "$T_ROOT/attacker.out" || t_die "the attacker did not start: $(cat "$T_ROOT/attacker.out")"
	for i in $(seq 100); do
		sysc-attach bb -- /sysc-attacker --wait /sysc-seen </dev/null || rc="plain: $?"
		# (stdin closed: what sysc-attach opens must not take its number)
		sysc-attach bb -u daemon -- /sysc-attacker --wait /sysc-seen <&- || rc="-u: $?"
		script -qec "sysc-attach bb -- /sysc-attacker --wait /sysc-seen" /dev/null </dev/null \
			>"$T_ROOT/pty.out" || rc="pty: $?: $(cat "$T_ROOT/pty.out")"
	done
	touch "$root/sysc-seen/stop"
	wait "$apid" || t_die "the attacker failed: $(cat "$T_ROOT/attacker.out")"
	rm -rf "$root/sysc-seen" "$root/sysc-attacker"
	out=$(cat "$T_ROOT/attacker.out")
	sum=$(grep '^pids ' <<<"$out") || t_die "no summary from the attacker: $out"
	echo "attacker: $sum"
	grep '^HOST' <<<"$out" | head -5 || true
	[[ $rc == 0 ]] || t_die "an attach failed: $rc"
	# it saw the attaches (300 commands, and what started them)
	[[ $(awk '{print $2}' <<<"$sum") -ge 300 ]] || t_die "the attacker saw too few processes: $sum"
	[[ $sum == *" getfd 0 "* ]] || t_die "the attacker got fds: $sum"
	[[ $sum == *" hostdir 0 read 0 append 0 hostcred 0 anon 0" ]] || t_die "host reached: $sum"
	grep -q '^HOST' <<<"$out" && t_die "host reached: $(grep '^HOST' <<<"$out" | head -3)"
	[[ -s $d/writable ]] && t_die "the container appended to a host file: $(cat "$d/writable")"
	rm -rf "$d"
	chmod 700 "$T_ROOT"
}

test_leaves_nothing() {
	sysc-stop deb
	sysc-destroy deb
	sysc-stop -k bb
	sysc-destroy bb
	expect_store ""
	expect_clean
}

for t in test_setup test_debian_running_with_default_policy test_seccomp_denied_syscalls \
	test_seccomp_i386_abi test_seccomp_x32_abi test_capabilities_bounding test_devices \
	test_devices_config test_masked_and_readonly_paths test_host_not_reachable \
	test_bad_profile_fails_start test_custom_profile test_capabilities_config \
	test_no_new_privs test_remount_host_fs test_attach_leaks_nothing_to_the_container \
	test_leaves_nothing; do
	t_run "$t"
done
t_summary
