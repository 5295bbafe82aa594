#!/bin/bash
# sysc-oci, the OCI runtime mode: the lifecycle as containerd and podman use
# it (create/start/state/kill/delete, pid file, init a child of a subreaper
# caller, console socket, exec), bad input side by side with runc, system
# containers, and the OCI runtime-tools validation suite (every file runc
# 1.1.5 passes on this host kind must pass).
#   SYSC_OCI_SUITE  path of runtime-tools-0105384.tar.gz (.ci/run sets it
#                   when the machine has it); without it the suite test SKIPs
. "$(dirname "$0")/lib.sh"

OCI_ROOT=$T_ROOT/oci-root
RUNC_ROOT=$T_ROOT/runc-root
# a private --root: nothing of a user's containers is seen or touched
oci() { sysc-oci --root "$OCI_ROOT" "$@"; }
RUNC=$(command -v runc || true)
runc_() { "$RUNC" --root "$RUNC_ROOT" "$@"; }

# A bundle with a busybox rootfs; $2: the process args as a JSON list,
# $3: extra top-level JSON members (", \"annotations\": {...}").
make_bundle() { # DIR ARGS_JSON [EXTRA] [TERMINAL]
	local b=$1 args=$2 extra=${3:-} term=${4:-false}
	mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
	cp /bin/busybox "$b/rootfs/bin/busybox"
	for c in sh sleep cat echo ls mount touch tty id; do ln -sf busybox "$b/rootfs/bin/$c"; done
	cat >"$b/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": $term,
		"user": {"uid": 0, "gid": 0},
		"args": $args,
		"env": ["PATH=/bin", "TERM=xterm"],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"],
			"effective": ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"],
			"permitted": ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"]
		},
		"noNewPrivileges": true
	},
	"root": {"path": "rootfs"},
	"hostname": "ocitest",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}
	],
	"linux": {
		"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}],
		"maskedPaths": ["/proc/kcore"],
		"readonlyPaths": ["/proc/sys"]
	}$extra
}
EOF
}

# a failed test leaves nothing running: every container of both roots goes
# (each test sets this as the EXIT trap of its subshell)
oci_cleanup() {
	local id
	for id in $(ls "$OCI_ROOT" 2>/dev/null); do oci delete --force "$id" >/dev/null 2>&1; done
	for id in $(ls "$RUNC_ROOT" 2>/dev/null); do runc_ delete --force "$id" >/dev/null 2>&1; done
	return 0
}

# nothing of the runtime left: no state, no cgroup, no process of the bundle
expect_oci_clean() { # ID...
	local id
	for id in "$@"; do
		[[ ! -e $OCI_ROOT/$id ]] || t_die "state of $id left: $(ls -A "$OCI_ROOT/$id")"
		[[ -z $(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/sysc-oci/$id" 2>/dev/null) ]] ||
			t_die "cgroup sysc-oci/$id left"
	done
	[[ -z $(pgrep -f "$T_ROOT/b" || true) ]] || t_die "processes left: $(pgrep -af "$T_ROOT/b")"
	expect_clean
}

state_field() { # ID FIELD
	oci state "$1" | sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p"
}

t_lifecycle() {
	local b=$T_ROOT/b1 pid ppid out
	trap oci_cleanup EXIT
	make_bundle "$b" '["sh", "-c", "echo started; exec sleep 100"]'
	# the caller is a subreaper (as containerd's shim and conmon): init must
	# end up its child once create has returned
	python3 - "$OCI_ROOT" "$b" "$T_ROOT/pidfile" >"$T_ROOT/sub.out" 2>&1 <<'EOF' &
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
root, bundle, pidfile = sys.argv[1:]
out = open(bundle + "/stdout", "w")
subprocess.run(["sysc-oci", "--root", root, "create", "--bundle", bundle,
                "--pid-file", pidfile, "c1"], check=True, stdout=out)
pid = int(open(pidfile).read())
ppid = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
print("pid", pid, "ppid", ppid, "me", os.getpid(), flush=True)
while os.path.exists("/proc/%d" % pid):  # reap init when it exits
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        break
    time.sleep(0.05)
EOF
	local sub=$!
	for _ in $(seq 100); do grep -q '^pid' "$T_ROOT/sub.out" && break; sleep 0.1; done
	read -r _ pid _ ppid _ me <"$T_ROOT/sub.out" || t_die "create under a subreaper: $(cat "$T_ROOT/sub.out")"
	expect_eq "$ppid" "$me" "parent of init (the subreaper caller)"
	grep -Eqx '[0-9]+' "$T_ROOT/pidfile" || t_die "pid file: '$(cat "$T_ROOT/pidfile")'"
	expect_eq "$(state_field c1 status)" created "state after create"
	expect_eq "$(state_field c1 pid)" "$pid" "state pid"
	[[ ! -s $b/stdout ]] || t_die "init ran before start: $(cat "$b/stdout")"
	oci start c1
	for _ in $(seq 50); do grep -q started "$b/stdout" && break; sleep 0.1; done
	grep -q started "$b/stdout" || t_die "init did not run after start"
	expect_eq "$(state_field c1 status)" running "state after start"
	out=$(oci exec c1 sh -c 'hostname; echo $$')
	expect_eq "$(head -n1 <<<"$out")" ocitest "hostname seen by exec"
	expect_eq "$(oci exec -e X=42 --cwd /tmp c1 sh -c 'echo $X $(pwd)')" "42 /tmp" "exec -e --cwd"
	local rc=0
	oci exec c1 sh -c 'exit 7' || rc=$?
	expect_eq "$rc" 7 "exec passes the command's exit status"
	oci exec --detach --pid-file "$T_ROOT/exec.pid" c1 sleep 50
	grep -Eqx '[0-9]+' "$T_ROOT/exec.pid" || t_die "exec pid file: '$(cat "$T_ROOT/exec.pid")'"
	expect_eq "$(readlink /proc/$(cat "$T_ROOT/exec.pid")/ns/pid)" "$(readlink /proc/$pid/ns/pid)" \
		"detached exec in the container's pid namespace"
	oci ps --format json c1 | grep -q "$pid" || t_die "ps lacks init $pid: $(oci ps --format json c1)"
	oci list --format json | grep -q '"id":"c1"' || t_die "list: $(oci list --format json)"
	oci pause c1
	expect_eq "$(state_field c1 status)" paused "state after pause"
	oci resume c1
	oci kill c1 KILL
	for _ in $(seq 50); do [[ $(state_field c1 status) == stopped ]] && break; sleep 0.1; done
	expect_eq "$(state_field c1 status)" stopped "state after kill"
	expect_fail 'container not running' oci kill c1 TERM
	oci delete c1
	wait "$sub"
	expect_oci_clean c1
}

# the pty master arrives on the console socket; the container's stdio is its slave
t_console_socket() {
	local b=$T_ROOT/b2
	trap oci_cleanup EXIT
	make_bundle "$b" '["sh", "-c", "tty; echo done"]' "" true
	python3 - "$OCI_ROOT" "$b" >"$T_ROOT/console.out" 2>&1 <<'EOF'
import array, os, socket, subprocess, sys, time
root, bundle = sys.argv[1:]
path = bundle + "/console.sock"
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path); srv.listen(1)
p = subprocess.Popen(["sysc-oci", "--root", root, "create", "--bundle", bundle,
                      "--console-socket", path, "c2"])
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
assert p.wait() == 0, "create failed"
print("name", msg.decode(), "fds", len(fds))
subprocess.run(["sysc-oci", "--root", root, "start", "c2"], check=True)
data = b""
deadline = time.time() + 10
while b"done" not in data and time.time() < deadline:
    try:
        data += os.read(fds[0], 1024)
    except OSError:
        break
print("read", data.decode().replace("\r", "").replace("\n", "|"))
EOF
	grep -q '^name /dev/pts/[0-9]* fds 1$' "$T_ROOT/console.out" || t_die "console: $(cat "$T_ROOT/console.out")"
	grep -q '^read /dev/pts/[0-9]*|done|' "$T_ROOT/console.out" || t_die "pty output: $(cat "$T_ROOT/console.out")"
	oci delete --force c2
	expect_oci_clean c2
}

# runc's errors and exit codes for what a user gets wrong, nothing left behind;
# runc side by side (same bundle, its own --root)
t_bad_input() {
	local b=$T_ROOT/b3 rt
	trap oci_cleanup EXIT
	make_bundle "$b" '["sleep", "100"]'
	for rt in oci runc_; do
		[[ $rt == runc_ && -z $RUNC ]] && t_die "runc is not installed (Debian's runc)"
		# malformed config.json
		cp "$b/config.json" "$b/good.json"
		echo '{"ociVersion": "1.0.2", "root": {' >"$b/config.json"
		expect_fail '.' $rt create --bundle "$b" bad1
		mv "$b/good.json" "$b/config.json"
		# a missing bundle
		expect_fail '.' $rt create --bundle "$T_ROOT/nonexistent" bad2
		# unknown ids
		expect_fail 'does not exist' $rt state nosuch
		expect_fail 'does not exist' $rt start nosuch
		expect_fail 'does not exist' $rt kill nosuch KILL
		expect_fail 'does not exist' $rt delete nosuch
		# start twice; delete of a running container without --force
		$rt create --bundle "$b" twice </dev/null >/dev/null 2>&1
		$rt start twice
		expect_fail '.' $rt start twice
		expect_fail 'running' $rt delete twice
		[[ $($rt state twice) == *'"running"'* ]] || t_die "$rt: delete without --force hurt the container"
		$rt delete --force twice
	done
	# sysc-oci's own words
	cp "$b/config.json" "$b/good.json"
	echo '{"ociVersion": "1.0.2", "root": {' >"$b/config.json"
	expect_fail 'config.json: not valid JSON' oci create --bundle "$b" bad1
	echo '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"cwd": "/"}}' >"$b/config.json"
	expect_fail 'process.args: must name a program' oci create --bundle "$b" bad1
	mv "$b/good.json" "$b/config.json"
	expect_fail "bundle $T_ROOT/nonexistent does not exist" oci create --bundle "$T_ROOT/nonexistent" bad2
	oci create --bundle "$b" twice </dev/null >/dev/null 2>&1
	oci start twice
	expect_fail 'cannot start an already running container' oci start twice
	expect_fail 'cannot delete container twice that is not stopped: running' oci delete twice
	oci delete --force twice
	expect_fail 'invalid container id' oci create --bundle "$b" ../x
	expect_oci_clean bad1 bad2 twice
	[[ -z $(ls -A "$OCI_ROOT") ]] || t_die "--root has $(ls -A "$OCI_ROOT")"
}

# args[0] an init, or the annotation: tmpfs /run, cgroup2 in a cgroup
# namespace, container=, SIGTERM -> SIGRTMIN+3 (37)
t_system_container() {
	local b=$T_ROOT/b4 out
	trap oci_cleanup EXIT
	make_bundle "$b" '["sh", "-c", "trap \"touch /halted; exit 0\" 37; grep -E \" /run | /run/lock | /sys/fs/cgroup \" /proc/self/mountinfo; cat /proc/self/cgroup; echo env=$container; echo ready; while :; do sleep 0.1; done"]' \
		', "annotations": {"run.sysc.system-container": "true"}'
	oci create --bundle "$b" sys1 >"$b/out" 2>&1 </dev/null
	oci start sys1
	for _ in $(seq 50); do grep -q ready "$b/out" && break; sleep 0.1; done
	out=$(cat "$b/out")
	grep -q ' /run rw.* - tmpfs ' <<<"$out" || t_die "no tmpfs /run: $out"
	grep -q ' /run/lock .* - tmpfs ' <<<"$out" || t_die "no tmpfs /run/lock: $out"
	grep -q ' /sys/fs/cgroup rw.* - cgroup2 ' <<<"$out" || t_die "no rw cgroup2: $out"
	grep -qx '0::/' <<<"$out" || t_die "not in a cgroup namespace: $out"
	grep -qx 'env=sysc' <<<"$out" || t_die "no container=: $out"
	oci kill sys1 TERM
	for _ in $(seq 50); do [[ -e $b/rootfs/halted ]] && break; sleep 0.1; done
	[[ -e $b/rootfs/halted ]] || t_die "SIGTERM did not become SIGRTMIN+3"
	oci delete --force sys1
	# false: an application container, nothing added
	make_bundle "$b" '["sh", "-c", "grep -c \" /run \" /proc/self/mountinfo; echo env=$container"]' \
		', "annotations": {"run.sysc.system-container": "false"}'
	oci create --bundle "$b" sys2 >"$b/out" 2>&1 </dev/null
	oci start sys2
	for _ in $(seq 50); do grep -q env= "$b/out" && break; sleep 0.1; done
	expect_eq "$(cat "$b/out" | tr '\n' ' ')" "0 env= " "application container"
	oci delete --force sys2
	expect_oci_clean sys1 sys2
}

# a pod: the second container joins the first one's network, IPC and UTS
# namespaces by path (as pods join the pause container's)
t_pod_join_by_path() {
	local a=$T_ROOT/b5 b=$T_ROOT/b6 pid want got
	trap oci_cleanup EXIT
	make_bundle "$a" '["sleep", "100"]'
	oci create --bundle "$a" pause1 </dev/null >/dev/null
	oci start pause1
	pid=$(state_field pause1 pid)
	make_bundle "$b" '["sh", "-c", "hostname; for n in net ipc uts; do readlink /proc/self/ns/$n; done"]' \
		", \"annotations\": {}"
	sed -i "s|\"namespaces\": \[.*\]|\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"network\", \"path\": \"/proc/$pid/ns/net\"}, {\"type\": \"ipc\", \"path\": \"/proc/$pid/ns/ipc\"}, {\"type\": \"uts\", \"path\": \"/proc/$pid/ns/uts\"}]|" "$b/config.json"
	sed -i 's|"hostname": "ocitest"|"hostname": ""|' "$b/config.json"
	grep -q "/proc/$pid/ns/net" "$b/config.json" || t_die "bundle not edited: $(cat "$b/config.json")"
	oci create --bundle "$b" member1 </dev/null >"$b/out" 2>&1
	oci start member1
	for _ in $(seq 50); do [[ $(wc -l <"$b/out") -ge 4 ]] && break; sleep 0.1; done
	want="ocitest $(readlink /proc/$pid/ns/net /proc/$pid/ns/ipc /proc/$pid/ns/uts | tr '\n' ' ')"
	got=$(tr '\n' ' ' <"$b/out")
	expect_eq "$got" "$want" "hostname and namespaces of the member"
	oci delete --force member1
	oci delete --force pause1
	expect_oci_clean pause1 member1
}

# startContainer hooks run in the container after start, and get the OCI
# state on stdin as the other hooks do (the id, init's host pid, the bundle)
t_start_container_hook_state() {
	local b=$T_ROOT/b7 pid
	trap oci_cleanup EXIT
	make_bundle "$b" '["sleep", "100"]' \
		', "hooks": {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/tmp/state"]}]}'
	oci create --bundle "$b" hk1 </dev/null >/dev/null
	oci start hk1
	pid=$(state_field hk1 pid)
	grep -q '"id": *"hk1"' "$b/rootfs/tmp/state" || t_die "no id in the hook's state: $(cat "$b/rootfs/tmp/state")"
	grep -q "\"pid\": *$pid[,}]" "$b/rootfs/tmp/state" || t_die "no pid $pid in the hook's state: $(cat "$b/rootfs/tmp/state")"
	grep -q "\"bundle\": *\"$b\"" "$b/rootfs/tmp/state" || t_die "no bundle in the hook's state: $(cat "$b/rootfs/tmp/state")"
	oci delete --force hk1
	expect_oci_clean hk1
}

# uid/gid mappings with a rootfs owned by the host's ids (an image unpacked
# as root, as clients hand it over): the rootfs is idmapped for the
# container's user namespace, the plain directory and an overlay mount
# (made again over idmapped layers); on the host, nothing is chowned
idmap_bundle() { # DIR
	make_bundle "$1" '["sh", "-c", "id -u; stat -c %u:%g / /bin/busybox; touch /tmp/w && stat -c %u:%g /tmp/w"]' \
		', "annotations": {}'
	sed -i 's|"namespaces": \[|"namespaces": [{"type": "user"}, |' "$1/config.json"
	sed -i 's|"readonlyPaths"|"uidMappings": [{"containerID": 0, "hostID": 300000, "size": 65536}], "gidMappings": [{"containerID": 0, "hostID": 300000, "size": 65536}], "readonlyPaths"|' "$1/config.json"
	grep -q uidMappings "$1/config.json" || t_die "bundle not edited"
}

idmap_run() { # DIR ID: the output of the bundle's process
	oci create --bundle "$1" "$2" </dev/null >"$1/out" 2>&1 || t_die "create: $(cat "$1/out")"
	oci start "$2"
	for _ in $(seq 50); do [[ $(wc -l <"$1/out") -ge 4 ]] || grep -qx end "$1/out" && break; sleep 0.1; done
	oci delete --force "$2"
	grep -v '^sysc-oci: ' "$1/out" | tr '\n' ' '
}

t_idmapped_rootfs() {
	local b=$T_ROOT/b8 o=$T_ROOT/b9
	trap "oci_cleanup; umount '$o/rootfs' 2>/dev/null || true" EXIT
	chmod 711 "$T_ROOT" # (the container's root walks to its bundle: as containerd's state)
	idmap_bundle "$b"
	expect_eq "$(idmap_run "$b" im1)" "0 0:0 0:0 0:0 " "directory rootfs, idmapped"
	expect_eq "$(stat -c %u:%g "$b/rootfs/tmp/w" "$b/rootfs/bin/busybox" | xargs)" "0:0 0:0" \
		"owners on the host (written through the idmapped mount)"
	# an overlay, as containerd and podman mount the image's layers
	idmap_bundle "$o"
	mv "$o/rootfs" "$o/lower"
	mkdir -p "$o/rootfs" "$o/layer/upper" "$o/layer/work"
	mount -t overlay overlay -o "lowerdir=$o/lower,upperdir=$o/layer/upper,workdir=$o/layer/work" "$o/rootfs"
	expect_eq "$(idmap_run "$o" im2)" "0 0:0 0:0 0:0 " "overlay rootfs, idmapped layers"
	expect_eq "$(stat -c %u:%g "$o/layer/upper/tmp/w")" "0:0" "owner in the upper layer"
	umount "$o/rootfs"
	# a bind with the idmap option: the host's root-owned directory is the
	# container root's (and, without the option, nobody's)
	mkdir -p "$T_ROOT/data"
	idmap_bundle "$b"
	sed -i "s|\"mounts\": \[|\"mounts\": [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$T_ROOT/data\", \"options\": [\"rbind\", \"idmap\"]}, |" "$b/config.json"
	sed -i 's|"args": \[.*\]|"args": ["sh", "-c", "id -u; stat -c %u:%g /data; touch /data/f 2>/dev/null \&\& stat -c %u:%g /data/f; echo end"]|' "$b/config.json"
	expect_eq "$(idmap_run "$b" im3)" "0 0:0 0:0 end " "idmapped bind"
	expect_eq "$(stat -c %u:%g "$T_ROOT/data/f")" "0:0" "owner of the file on the host"
	sed -i 's|"rbind", "idmap"|"rbind"|' "$b/config.json"
	expect_eq "$(idmap_run "$b" im4)" "0 65534:65534 end " "bind without idmap"
	# a filesystem without idmapped mounts (FUSE): the owners are shifted
	local f=$T_ROOT/b10
	idmap_bundle "$f"
	mv "$f/rootfs" "$f/back"
	mkdir "$f/rootfs"
	bindfs "$f/back" "$f/rootfs"
	trap "oci_cleanup; umount '$o/rootfs' '$f/rootfs' 2>/dev/null || true" EXIT
	expect_eq "$(idmap_run "$f" im5)" "0 0:0 0:0 0:0 " "FUSE rootfs, shifted"
	grep -q "^sysc-oci: $f/rootfs cannot be idmapped .*shifting its owners" "$f/out" ||
		t_die "create did not say it shifted: $(cat "$f/out")"
	expect_eq "$(stat -c %u:%g "$f/back/bin/busybox")" "300000:300000" "owner on the host, shifted"
	umount "$f/rootfs"
	for _ in $(seq 50); do pgrep -f "bindfs $f/" >/dev/null || break; sleep 0.1; done
	expect_oci_clean im1 im2 im3 im4 im5
}

# --- the OCI runtime-tools validation suite ---

# files runc 1.1.5 passes here (../shared/oci/runc-1.1.5-summary.txt)
RUNC_PASSES="config_updates_without_affect create default delete_only_create_resources
delete_resources hooks hostname kill kill_no_effect killsig linux_cgroups_cpus
linux_cgroups_pids linux_cgroups_relative_cpus linux_cgroups_relative_pids linux_devices
linux_masked_paths linux_ns_itype linux_ns_nopath linux_ns_path linux_ns_path_type
linux_readonly_paths linux_sysctl linux_uid_mappings mounts poststart poststart_fail
poststop poststop_fail prestart prestart_fail process process_oom_score_adj process_user
root_readonly_true state"

# Build the suite once (GOFLAGS=-mod=vendor, offline) under the test cache.
oci_suite_dir() {
	local tar=$1 dir=${SYSC_TEST_CACHE:-$T_ROOT/cache}/oci-runtime-tools-0105384 tmp
	if [[ ! -e $dir/.built ]]; then
		command -v go >/dev/null || t_die "go is not installed (Debian's golang-go)"
		mkdir -p "$(dirname "$dir")"
		tmp=$(mktemp -d "$dir.build.XXXXXX")
		tar -xzf "$tar" -C "$tmp" || t_die "cannot unpack $tar"
		(cd "$tmp" && GOPROXY=off GOFLAGS=-mod=vendor GOCACHE=$tmp/.gocache \
			make runtimetest validation-executables >build.log 2>&1) ||
			t_die "suite build failed: $(tail -n 5 "$tmp/build.log")"
		rm -rf "$tmp/.gocache"
		touch "$tmp/.built"
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	echo "$dir"
}

t_runtime_tools_suite() {
	local tar=${SYSC_OCI_SUITE:-} dir wrapper t n rc notok plan pass=() fail=() regress=()
	trap oci_cleanup EXIT
	[[ -n $tar && -f $tar ]] ||
		t_skip "input absent: SYSC_OCI_SUITE does not name runtime-tools-0105384.tar.gz (not in the repository): the suite was not run"
	dir=$(oci_suite_dir "$tar")
	# RUNTIME is one program: a wrapper with our private --root
	wrapper=$T_ROOT/sysc-oci-private
	printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$(command -v sysc-oci)" "$OCI_ROOT" >"$wrapper"
	chmod +x "$wrapper"
	for t in "$dir"/validation/*/*.t; do
		n=$(basename "$t" .t)
		# (set -e: a failing file must not end the test here)
		rc=0
		(cd "$dir" && RUNTIME=$wrapper timeout 120 "$t") >"$T_ROOT/$n.tap" 2>&1 ||
			rc=$?
		notok=$(grep -c '^not ok ' "$T_ROOT/$n.tap" || true)
		plan=$(grep -cE '^1\.\.[0-9]+' "$T_ROOT/$n.tap" || true)
		if [[ $rc == 0 && $notok == 0 && $plan -ge 1 ]]; then
			pass+=("$n")
		else
			fail+=("$n")
			[[ " $(echo $RUNC_PASSES) " == *" $n "* ]] && regress+=("$n")
		fi
	done
	echo "sysc-oci passes ${#pass[@]} of $((${#pass[@]} + ${#fail[@]})) files: ${pass[*]}"
	echo "fails: ${fail[*]}"
	for n in "${regress[@]}"; do
		echo "--- $n"
		{ grep -A6 '^not ok' "$T_ROOT/$n.tap" || true; } | head -n 20
		tail -n 5 "$T_ROOT/$n.tap"
	done
	((${#regress[@]} == 0)) || t_die "runc passes, sysc-oci fails: ${regress[*]}"
	[[ -z $(ls -A "$OCI_ROOT" 2>/dev/null) ]] || t_die "--root has $(ls -A "$OCI_ROOT")"
	expect_clean
}

t_run t_lifecycle
t_run t_console_socket
t_run t_bad_input
t_run t_system_container
t_run t_pod_join_by_path
t_run t_start_container_hook_state
t_run t_idmapped_rootfs
t_run t_runtime_tools_suite
t_summary
