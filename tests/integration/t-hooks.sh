#!/bin/bash
# Hooks (sysc-hooks(7)): every moment with its environment, output in the
# container's log, failures and timeouts that abort the step and leave
# nothing behind, and the hooks shipped in hooks/.
# (its create = true bridge only in a network namespace of its own)
T_PRIVATE_NETNS=1
. "$(dirname "$0")/lib.sh"

ABR=shk$$ # bridge made by create = true for the rollback test
BIN=$T_ROOT/bin
OUT=$T_ROOT/out
HOOKS=$T_SRC/hooks
mkdir -p "$BIN" "$OUT"
# an unprivileged container's pre_mount and mount hooks run as its root
# (a host uid of its range): they must reach the hooks and files here
chmod 755 "$T_ROOT"
chmod 1777 "$OUT"

# host uid of container id $2 of container $1 ($2 itself when privileged)
host_id() {
	local base
	base=$(sysc-config "$1" idmap | awk '/host =/ { gsub(";", ""); print $3; exit }')
	echo $((${base:-0} + $2))
}

timing() { # shown after the tests, whatever their result
	echo "# $*" >>"$T_ROOT/timings"
}

hk_cleanup() {
	ip link del "$ABR" 2>/dev/null
	ip link del vs-f2-0 2>/dev/null
	return 0
}
trap 'hk_cleanup; t_cleanup_all' EXIT

# record DIR: writes its environment to DIR/<moment>.env, appends the moment
# to DIR/order, and a few facts about where it runs
cat >"$BIN/record" <<'EOS'
#!/bin/sh
out=$1
env | grep -E '^(SYSC_|PATH=)' | sort >"$out/$SYSC_HOOK.env"
echo "$SYSC_HOOK" >>"$out/order"
# (the next hook may run as an unprivileged container's root)
chmod 666 "$out/order" 2>/dev/null || true
case $SYSC_HOOK in
pre_mount | mount)
	if [ -e "$SYSC_ROOTFS_MOUNT/proc/self/stat" ]; then echo yes; else echo no; fi >"$out/$SYSC_HOOK.proc"
	# in the container's mount namespace, not the host's
	readlink /proc/self/ns/mnt >"$out/$SYSC_HOOK.mntns"
	;;
stop)
	nsenter --uts="$SYSC_NS_UTS" hostname >"$out/stop.hostname"
	nsenter --net="$SYSC_NS_NET" ip -o link show lo | grep -c 'lo:' >"$out/stop.lo"
	;;
esac
echo "recorded $SYSC_HOOK of $SYSC_NAME"
EOS
cat >"$BIN/fail" <<'EOS'
#!/bin/sh
echo "first line"
echo "boom: $SYSC_HOOK of $SYSC_NAME went wrong" >&2
exit "${1:-1}"
EOS
cat >"$BIN/hang" <<'EOS'
#!/bin/sh
echo "hanging"
sleep 3217 &
wait
EOS
chmod +x "$BIN"/*

expect_file_eq() { # FILE CONTENT
	[[ -f $1 ]] || t_die "no $1"
	expect_eq "$(cat "$1")" "$2" "$1"
}

# VAR=VALUE must be a line of FILE
expect_env() { # FILE VAR=VALUE...
	local f=$1
	shift
	[[ -f $f ]] || t_die "no $f"
	for kv in "$@"; do
		grep -qxF -- "$kv" "$f" || t_die "$f lacks $kv: $(tr '\n' ' ' <"$f")"
	done
}

wait_for_line() { # FILE LINE
	for _ in $(seq 100); do
		grep -qxF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	t_die "$1 never got '$2': $(cat "$1" 2>/dev/null | tr '\n' ' ')"
}

# a busybox container NAME whose config gets the hooks given as lines of stdin
hooked() { # NAME
	local conf
	conf=$(cfg "$1.conf" <<EOC
hooks = {
$(cat)
};
EOC
)
	sysc-create "$1" -t busybox -f "$conf" >/dev/null
}

# the start hook inside the container (a path in its root)
start_hook_script() { # NAME
	cat >"$SYSC_PATH/$1/rootfs/hook-start" <<'EOS'
#!/bin/sh
/bin/busybox env | /bin/busybox grep -E '^(SYSC_|PATH=)' | /bin/busybox sort >/hook-start.env
/bin/busybox hostname >/hook-start.hostname
/bin/busybox test -e /bin/busybox && echo yes >/hook-start.inside
/bin/busybox grep -E '^(CapBnd|Seccomp|NoNewPrivs):' /proc/self/status >/hook-start.status
echo "start hook inside $SYSC_NAME"
EOS
	chmod +x "$SYSC_PATH/$1/rootfs/hook-start"
}

test_every_moment() {
	local r="$BIN/record $OUT" e=$SYSC_PATH/h1 ns
	rm -f "$OUT"/*
	hooked h1 <<EOC
  create = ["$r"]; clone = ["$r"]; destroy = ["$r"];
  pre_start = ["$r"]; pre_mount = ["$r"]; mount = ["$r"]; start = ["/hook-start"];
  stop = ["$r"]; post_stop = ["$r"];
EOC
	# create: before the container appears, in its hidden work entry
	expect_env "$OUT/create.env" SYSC_NAME=h1 SYSC_HOOK=create "SYSC_PATH=$SYSC_PATH" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	grep -Eq "^SYSC_ROOTFS=$SYSC_PATH/\.create-h1-[^/]+/rootfs$" "$OUT/create.env" ||
		t_die "create rootfs: $(cat "$OUT/create.env")"
	grep -Eq "^SYSC_CONFIG=$SYSC_PATH/\.create-h1-[^/]+/config$" "$OUT/create.env" ||
		t_die "create config"
	grep -Eq "^SYSC_FACTS=$SYSC_PATH/\.create-h1-[^/]+/facts$" "$OUT/create.env" ||
		t_die "create facts"
	start_hook_script h1
	sysc-start h1
	expect_eq "$(tr '\n' ' ' <"$OUT/order")" "create pre_start pre_mount mount " order
	for m in pre_start pre_mount mount; do
		expect_env "$OUT/$m.env" SYSC_NAME=h1 "SYSC_HOOK=$m" "SYSC_PATH=$SYSC_PATH" \
			"SYSC_CONFIG=$e/config" "SYSC_FACTS=$e/facts" "SYSC_ROOTFS=$e/rootfs"
		! grep -q '^SYSC_TARGET=' "$OUT/$m.env" || t_die "$m has SYSC_TARGET"
	done
	! grep -q '^SYSC_ROOTFS_MOUNT=' "$OUT/pre_start.env" || t_die "pre_start has SYSC_ROOTFS_MOUNT"
	# (unprivileged: where the container's root can reach it)
	local mnt=$e/rootfs
	[[ $(sysc-config h1 security.privileged) == true ]] || mnt=$SYSC_RUN_DIR/h1/rootfs
	expect_env "$OUT/pre_mount.env" "SYSC_ROOTFS_MOUNT=$mnt"
	expect_env "$OUT/mount.env" "SYSC_ROOTFS_MOUNT=$mnt"
	# pre_mount before the API filesystems, mount after; both in the container's mount ns
	expect_file_eq "$OUT/pre_mount.proc" no
	expect_file_eq "$OUT/mount.proc" yes
	[[ $(cat "$OUT/mount.mntns") != $(readlink /proc/self/ns/mnt) ]] || t_die "mount hook in the host's mount namespace"
	expect_eq "$(cat "$OUT/mount.mntns")" "$(readlink "/proc/$(init_pid h1)/ns/mnt")" "mount hook's mount ns"
	# start: inside, just before init
	expect_env "$e/rootfs/hook-start.env" SYSC_NAME=h1 SYSC_HOOK=start SYSC_ROOTFS_MOUNT=/
	expect_file_eq "$e/rootfs/hook-start.hostname" h1
	expect_file_eq "$e/rootfs/hook-start.inside" yes
	# a program of the container's: under init's bounding set and seccomp filter
	expect_eq "$(cat "$e/rootfs/hook-start.status")" \
		"$(grep -E '^(CapBnd|Seccomp|NoNewPrivs):' "/proc/$(init_pid h1)/status")" \
		"bounding set and seccomp of the start hook vs init"
	grep -q '^Seccomp:.*2' "$e/rootfs/hook-start.status" || t_die "start hook without a seccomp filter"
	# the hooks' output is in the container's log
	grep -q 'hook .*record (pre_start): recorded pre_start of h1' "$e/monitor.log" || t_die "log: $(cat "$e/monitor.log")"
	grep -q 'hook /hook-start (start): start hook inside h1' "$e/monitor.log" || t_die "log: start"
	sysc-stop h1
	expect_eq "$(tr '\n' ' ' <"$OUT/order")" "create pre_start pre_mount mount stop post_stop " order
	expect_env "$OUT/stop.env" SYSC_NAME=h1 SYSC_HOOK=stop SYSC_TARGET=stop
	grep -Eq '^SYSC_NS_NET=/proc/[0-9]+/fd/[0-9]+$' "$OUT/stop.env" || t_die "stop: no SYSC_NS_NET"
	for ns in MNT PID UTS IPC CGROUP; do
		grep -Eq "^SYSC_NS_$ns=/proc/" "$OUT/stop.env" || t_die "stop: no SYSC_NS_$ns"
	done
	# the stop hook entered the container's namespaces
	expect_file_eq "$OUT/stop.hostname" h1
	expect_file_eq "$OUT/stop.lo" 1
	expect_env "$OUT/post_stop.env" SYSC_HOOK=post_stop SYSC_TARGET=stop
	! grep -q '^SYSC_NS_' "$OUT/post_stop.env" || t_die "post_stop has namespaces"
	expect_clean
	# clone: the new container's hooks, with the source's name
	sysc-copy h1 h2 >/dev/null
	expect_env "$OUT/clone.env" SYSC_NAME=h2 SYSC_HOOK=clone SYSC_SOURCE=h1
	grep -Eq "^SYSC_ROOTFS=$SYSC_PATH/\.create-h2-[^/]+/rootfs$" "$OUT/clone.env" || t_die "clone rootfs"
	sysc-destroy h2 >/dev/null
	expect_env "$OUT/destroy.env" SYSC_NAME=h2 SYSC_HOOK=destroy "SYSC_ROOTFS=$SYSC_PATH/h2/rootfs"
	expect_store h1
}

test_poweroff_and_reboot_inside() {
	local r="$BIN/record $OUT" before
	rm -f "$OUT"/*
	hooked p1 <<EOC
  pre_start = ["$r"]; stop = ["$r"]; post_stop = ["$r"];
EOC
	sysc-start p1
	before=$(init_pid p1)
	inside p1 /bin/busybox reboot
	wait_for_line "$OUT/order" post_stop
	sysc-wait p1 -s RUNNING -t 10
	for _ in $(seq 100); do
		[[ $(init_pid p1) != "$before" ]] && break
		sleep 0.1
	done
	expect_env "$OUT/stop.env" SYSC_TARGET=reboot
	expect_env "$OUT/post_stop.env" SYSC_TARGET=reboot
	expect_eq "$(tr '\n' ' ' <"$OUT/order")" "pre_start stop post_stop pre_start " "order at reboot"
	inside p1 /bin/busybox poweroff
	sysc-wait p1 -s STOPPED -t 20
	# STOPPED only once the hooks are done
	expect_eq "$(tr '\n' ' ' <"$OUT/order")" "pre_start stop post_stop pre_start stop post_stop " "order at poweroff"
	expect_env "$OUT/stop.env" SYSC_TARGET=stop
	expect_file_eq "$OUT/stop.hostname" p1
	expect_clean
}

test_failing_pre_start_leaves_nothing() {
	hooked f1 <<EOC
  pre_start = ["$BIN/fail 1"];
EOC
	expect_fail "hook $BIN/fail \(pre_start\) failed: exit 1: first line \| boom: pre_start of f1 went wrong" sysc-start f1
	expect_eq "$(sysc-ls --format json | grep -o '"state":"[A-Z]*"')" '"state":"STOPPED"' state
	grep -q 'hook .*fail (pre_start) failed: exit 1' "$SYSC_PATH/f1/monitor.log" || t_die "not in the log"
	expect_clean
}

# a mount hook fails after the cgroups, the network and the mounts exist
test_failing_mount_hook_rolls_back() {
	local conf
	conf=$(cfg f2.conf <<EOC
network = ( { type = "veth"; link = "$ABR"; create = true; ipv4 = ["10.231.77.2/24"]; } );
hooks = { mount = ["$BIN/record $OUT", "$BIN/fail 3"]; };
EOC
)
	sysc-create f2 -t busybox -f "$conf" >/dev/null
	expect_fail "hook $BIN/fail \(mount\) failed: exit 3: first line \| boom: mount of f2 went wrong" sysc-start f2
	! ip link show vs-f2-0 >/dev/null 2>&1 || t_die "veth vs-f2-0 left"
	! ip link show "$ABR" >/dev/null 2>&1 || t_die "bridge $ABR left"
	expect_clean
	# and the container starts once the hook is fixed
	sed -i "s|, \"$BIN/fail 3\"||" "$SYSC_PATH/f2/config"
	sysc-start f2
	sysc-stop f2
	expect_clean
}

test_failing_start_hook_inside() {
	hooked f3 <<EOC
  start = ["/hook-fail 4"];
EOC
	printf '#!/bin/sh\necho "inside failure"\nexit $1\n' >"$SYSC_PATH/f3/rootfs/hook-fail"
	chmod +x "$SYSC_PATH/f3/rootfs/hook-fail"
	expect_fail 'hook /hook-fail \(start\) failed: exit 4: inside failure' sysc-start f3
	expect_clean
	# a start hook that is not there
	sed -i 's|/hook-fail 4|/nosuch-hook|' "$SYSC_PATH/f3/config"
	expect_fail 'hook /nosuch-hook \(start\) failed: cannot execute it: No such file or directory' sysc-start f3
	expect_clean
}

test_hanging_hook_is_killed() {
	local t0 t1
	hooked t1 <<EOC
  pre_mount = ["$BIN/hang"];
EOC
	sysc-config t1 hooks.timeout 1
	t0=$(date +%s.%N)
	expect_fail "hook $BIN/hang \(pre_mount\) failed: timed out after 1 s \(killed\): hanging" sysc-start t1
	t1=$(date +%s.%N)
	timing "start with a hanging pre_mount hook failed after $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s (hooks.timeout = 1)"
	# its whole process group went with it
	! pgrep -fx 'sleep 3217' >/dev/null || t_die "the hook's child survived: $(pgrep -afx 'sleep 3217')"
	expect_clean
}

test_failing_stop_hook() {
	hooked s1 <<EOC
  stop = ["$BIN/fail 2"]; post_stop = ["$BIN/record $OUT"];
EOC
	rm -f "$OUT"/*
	sysc-start s1
	expect_fail 's1 stopped, but hook .*fail \(stop\) failed: exit 2' sysc-stop s1
	expect_eq "$(sysc-ls --format json | grep -o '"state":"[A-Z]*"')" '"state":"STOPPED"' state
	expect_env "$OUT/post_stop.env" SYSC_NAME=s1
	expect_clean
}

test_create_and_destroy_hooks_abort() {
	local conf
	conf=$(cfg c1.conf <<EOC
hooks = { create = ["$BIN/fail 5"]; };
EOC
)
	expect_fail "hook $BIN/fail \(create\) failed: exit 5" sysc-create c1 -t busybox -f "$conf"
	expect_store ""
	hooked c2 <<EOC
  destroy = ["$BIN/fail 6"];
EOC
	expect_fail "hook $BIN/fail \(destroy\) failed: exit 6" sysc-destroy c2
	expect_store c2
	sysc-destroy -f c2 2>/dev/null
	expect_store ""
}

test_ssh_authorized_keys() {
	local root=$SYSC_PATH/k1/rootfs keys=$T_ROOT/keys
	printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyOne one@host\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyTwo two@host\n' >"$keys"
	hooked k1 <<EOC
  mount = ["$HOOKS/ssh-authorized-keys $keys", "$HOOKS/ssh-authorized-keys $keys alice"];
EOC
	echo 'alice:x:1000:1000:alice:/home/alice:/bin/sh' >>"$root/etc/passwd"
	mkdir -p "$root/home/alice"
	sysc-start k1
	expect_eq "$(stat -c '%a %u:%g' "$root/root/.ssh")" "700 0:0" "/root/.ssh"
	expect_eq "$(stat -c '%a %u:%g %F' "$root/root/.ssh/authorized_keys")" "600 0:0 regular file" "root's keys"
	expect_eq "$(stat -c '%a %u:%g' "$root/home/alice/.ssh")" "700 1000:1000" "alice's .ssh"
	expect_eq "$(stat -c '%a %u:%g' "$root/home/alice/.ssh/authorized_keys")" "600 1000:1000" "alice's keys"
	expect_eq "$(inside k1 /bin/busybox cat /root/.ssh/authorized_keys)" "$(cat "$keys")" "keys inside"
	sysc-stop k1
	# a symlink planted in the rootfs is refused, nothing is written through it
	mkdir "$T_ROOT/victim"
	rm -rf "$root/root/.ssh"
	ln -s "$T_ROOT/victim" "$root/root/.ssh"
	expect_fail 'refusing to follow the symlink /root/.ssh' sysc-start k1
	[[ -z $(ls -A "$T_ROOT/victim") ]] || t_die "written through the symlink: $(ls -A "$T_ROOT/victim")"
	expect_clean
	rm "$root/root/.ssh"
	ln -s "$T_ROOT/victim/keys" "$root/home/alice/.ssh/authorized_keys.new"
	rm -f "$root/home/alice/.ssh/authorized_keys"
	ln -s "$T_ROOT/victim/keys" "$root/home/alice/.ssh/authorized_keys"
	sysc-start k1
	[[ ! -e $T_ROOT/victim/keys ]] || t_die "written through the authorized_keys symlink"
	[[ -f $root/home/alice/.ssh/authorized_keys && ! -L $root/home/alice/.ssh/authorized_keys ]] ||
		t_die "the symlink was not replaced"
	sysc-stop k1
	# a host user that does not exist
	sed -i "s|ssh-authorized-keys $keys alice|ssh-authorized-keys nosuchuser$$|" "$SYSC_PATH/k1/config"
	expect_fail "ssh-authorized-keys: no host user \"nosuchuser$$\"" sysc-start k1
	expect_clean
}

test_bind_dir() {
	local root=$SYSC_PATH/d1/rootfs data=$T_ROOT/data
	mkdir -p "$data"
	echo shared >"$data/file"
	hooked d1 <<EOC
  mount = ["$HOOKS/bind-dir $data /srv/data nobody:nogroup", "$HOOKS/bind-dir $data /mnt/ro ro"];
EOC
	local nobody
	nobody=$(host_id d1 65534)
	if [[ $nobody != 65534 ]]; then
		# unprivileged: the hook, as the container's root, cannot take a
		# host directory; it says how to give it
		expect_fail "cannot give $data to nobody:nogroup .*chown $nobody:$nobody $data on the host" \
			sysc-start d1
		chown "$nobody:$nobody" "$data"
	fi
	sysc-start d1
	expect_eq "$(inside d1 /bin/busybox cat /srv/data/file)" shared "file inside"
	expect_eq "$(inside d1 /bin/busybox stat -c %u:%g /srv/data)" 65534:65534 "owner inside"
	expect_eq "$(stat -c %u:%g "$data")" "$nobody:$nobody" "owner on the host"
	inside d1 /bin/busybox touch /srv/data/new
	[[ -f $data/new ]] || t_die "write inside not seen on the host"
	! inside d1 /bin/busybox touch /mnt/ro/x 2>/dev/null || t_die "ro mount is writable"
	# only in the container's mount namespace
	! grep -q "$root/srv/data" /proc/self/mountinfo || t_die "bind visible on the host"
	sysc-stop d1
	expect_clean
	# a symlink in the rootfs pointing out is refused
	ln -s /etc "$root/srv/evil"
	sed -i "s|/srv/data nobody:nogroup|/srv/evil/x|" "$SYSC_PATH/d1/config"
	expect_fail 'refusing to follow the symlink /srv/evil' sysc-start d1
	[[ ! -e /etc/x ]] || t_die "/etc/x made on the host"
	expect_clean
}

test_help_and_validation() {
	sysc help hooks.pre_start | grep -q 'before the cgroups and namespaces' || t_die "help: $(sysc help hooks.pre_start)"
	sysc help hooks.timeout | grep -q 'process group is killed' || t_die "help timeout"
	local conf
	conf=$(cfg bad.conf <<'EOC'
hooks = { pre_start = ["relative/hook"]; };
EOC
)
	expect_fail 'hooks.pre_start.*"relative/hook" is not an absolute path' sysc-create v1 -t busybox -f "$conf"
	expect_store ""
}

# figures only: sysc-start with and without three no-op hooks (median of 5)
test_hook_overhead() {
	local name t0 ms plain hooked_ms
	sysc-create o1 -t busybox >/dev/null
	hooked o2 <<EOC
  pre_start = ["/bin/true"]; pre_mount = ["/bin/true"]; mount = ["/bin/true"];
EOC
	for name in o1 o2; do
		ms=()
		for _ in 1 2 3 4 5; do
			t0=$(date +%s%N)
			sysc-start "$name"
			ms+=($((($(date +%s%N) - t0) / 1000000)))
			sysc-stop -k "$name"
		done
		mapfile -t ms < <(printf '%s\n' "${ms[@]}" | sort -n)
		[[ $name == o1 ]] && plain=${ms[2]} || hooked_ms=${ms[2]}
	done
	timing "sysc-start (busybox) median: $plain ms without hooks, $hooked_ms ms with pre_start+pre_mount+mount /bin/true"
	expect_clean
}

t_run test_every_moment
t_run test_poweroff_and_reboot_inside
t_run test_failing_pre_start_leaves_nothing
t_run test_failing_mount_hook_rolls_back
t_run test_failing_start_hook_inside
t_run test_hanging_hook_is_killed
t_run test_failing_stop_hook
t_run test_create_and_destroy_hooks_abort
t_run test_ssh_authorized_keys
t_run test_bind_dir
t_run test_help_and_validation
t_run test_hook_overhead
[[ -f $T_ROOT/timings ]] && cat "$T_ROOT/timings"
t_summary
