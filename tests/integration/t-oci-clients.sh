#!/bin/bash
# sysc-oci under real OCI clients, side by side with runc (Debian's) where
# runc works on this host: podman 4.3 (private --root/--runroot, cgroupfs,
# --network none, an image made once per run by `podman import` of the
# Debian template cache) and a private containerd 1.6 (config, root, state
# and socket under T_ROOT, stopped by PID) driven with ctr.
# crun is not run: it refuses hybrid hosts ("cgroups in hybrid mode not
# supported"; notes/host.md).
. "$(dirname "$0")/lib.sh"

RUNC=$(command -v runc || true)
BIN=$T_ROOT/bin
mkdir -p "$BIN"
# Each runtime behind a wrapper giving it a private --root (podman passes no
# --root of its own: the state would go to the shared /run/<name>), so what
# a runtime leaves behind is seen and nothing of a user's is touched.
OCI_STATE=$T_ROOT/sysc-oci-state RUNC_STATE=$T_ROOT/runc-state
printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$T_BUILD/sysc-oci" "$OCI_STATE" >"$BIN/sysc-oci"
printf '#!/bin/sh\nexec %q --root %q "$@"\n' "${RUNC:-/nonexistent/runc}" "$RUNC_STATE" >"$BIN/runc"
chmod +x "$BIN/sysc-oci" "$BIN/runc"

NOTES=$T_ROOT/notes
note() { # shown after the tests, whatever their result
	echo "# $*" >>"$NOTES"
}

# --- the Debian rootfs of the template cache ---

# the template cache's rootfs (built by a first sysc-create when the cache
# lacks it; SYSC_TEST_CACHE shares it between the files of a run)
debian_rootfs() {
	local key
	key=$("$SYSC_TEMPLATE_DIR/sysc-debian" cache-key) || return 1
	key=${key%%$'\n'*}
	if [[ ! -d $SYSC_CACHE_DIR/$key/rootfs ]]; then
		sysc-create oci-warm -t debian >"$T_ROOT/warm.log" 2>&1 ||
			{ tail -n 3 "$T_ROOT/warm.log" >&2; return 1; }
		sysc-destroy -f oci-warm >/dev/null
	fi
	echo "$SYSC_CACHE_DIR/$key/rootfs"
}

# --- podman ---

PODMAN_ROOT=$T_ROOT/podman
# under the test's own cgroup parent: expect_clean sees what is left there
PODMAN_CGROUP_PARENT=/$SYSC_CGROUP_PARENT
IMG=localhost/sysc-oci-test:debian
# podman 4.3 asks for rlimits this host cannot raise (notes/host.md)
PODMAN_RUN_OPTS=(--network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768
	--cgroup-parent "$PODMAN_CGROUP_PARENT")
# podman's options but --runtime (skip_mount_home: no bind mount of the
# storage on itself left behind)
PODMAN=(podman --root "$PODMAN_ROOT/root" --runroot "$PODMAN_ROOT/runroot"
	--cgroup-manager cgroupfs --events-backend file --storage-opt overlay.skip_mount_home=true)
pod() { # RUNTIME ARGS... (RUNTIME: sysc-oci or runc)
	local rt=$1
	shift
	"${PODMAN[@]}" --runtime "$BIN/$rt" "$@"
}

# Podman 4.3 (Debian 12's) races its own cleanup: conmon's exit command
# (`podman container cleanup`) and `podman rm` or `run --rm` both tear the
# container down, and the loser fails with EBUSY on userdata/shm
# (containers/podman#11594, fixed in podman 4.4; runc meets it too). The
# removal is done again once podman's own processes of the container are
# gone; the race is noted, and any other error fails the test.
PODMAN_SHM_RACE='userdata/shm: device or resource busy'

pod_settle() { # ID: wait (10 s at most) until no process names it
	local i
	for i in $(seq 100); do
		pgrep -f -- "$1" >/dev/null || return 0
		sleep 0.1
	done
}

pod_rm() { # RUNTIME ID [RM OPTION...]
	local rt=$1 id=$2 err=$T_ROOT/pod-rm.err
	shift 2
	# (a stopped container: podman's cleanup of it may still run)
	[[ $(pod "$rt" inspect -f '{{.State.Running}}' "$id") == true ]] || pod_settle "$id"
	pod "$rt" rm "$@" "$id" >/dev/null 2>"$err" && return 0
	grep -qF "$PODMAN_SHM_RACE" "$err" || { cat "$err" >&2; return 1; }
	note "podman rm ($rt): podman's shm race hit (containers/podman#11594); removed again"
	pod_settle "$id"
	pod "$rt" rm -f "$id" >/dev/null
}

pod_run_rm() { # RUNTIME RUN-ARGS... (stdout: the container's)
	local rt=$1 name=rr$RANDOM err=$T_ROOT/pod-run.err st=0 id
	shift
	pod "$rt" run --rm --name "$name" "$@" 2>"$err" || st=$?
	if ((st)) && grep -qF "$PODMAN_SHM_RACE" "$err"; then
		note "podman run --rm ($rt): podman's shm race hit (containers/podman#11594); removed again"
		id=$(pod "$rt" inspect -f '{{.Id}}' "$name") || { cat "$err" >&2; return "$st"; }
		pod_settle "$id"
		pod "$rt" rm -f "$id" >/dev/null
		return
	fi
	cat "$err" >&2
	return "$st"
}

# the image, imported once per run (the first test that needs it)
podman_image() {
	local rootfs
	pod sysc-oci image exists "$IMG" && return 0
	rootfs=$(debian_rootfs) || t_die "no Debian template cache"
	tar -C "$rootfs" -c . | pod sysc-oci import - "$IMG" >/dev/null ||
		t_die "podman import of $rootfs failed"
}

# every container of both runtimes removed, their cgroup parent with them
podman_cleanup() {
	local rt
	local m
	for rt in sysc-oci runc; do
		pod "$rt" rm -f -t 0 -a >/dev/null 2>&1
	done
	# (podman's own mounts of a container whose removal failed)
	for m in $(grep -F "$PODMAN_ROOT/" /proc/self/mountinfo | cut -d' ' -f5); do
		umount "$m" 2>/dev/null
	done
	pod sysc-oci rm -f -t 0 -a >/dev/null 2>&1
	rmdir_cgroups "$SYSC_CGROUP_PARENT"
	return 0
}

# podman leaves its cgroup parent (and conmon's cgroup in it) behind
rmdir_cgroups() { # NAME
	local d
	for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
		[[ -d $d ]] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

# after the containers are gone: no container cgroup left under the parent
# (podman's own, and conmon's in it, go), and nothing else of the run
podman_expect_clean() {
	local left
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/$SYSC_CGROUP_PARENT/libpod-*" 2>/dev/null)
	[[ -z $left ]] || t_die "container cgroups left: $left"
	rmdir_cgroups "$SYSC_CGROUP_PARENT"
	expect_clean
}

# what a runtime leaves after `podman rm`: state, cgroup, mounts, processes
expect_podman_clean() { # RUNTIME ID
	local rt=$1 id=$2 state
	state=$OCI_STATE
	[[ $rt == runc ]] && state=$RUNC_STATE
	[[ ! -e $state/$id ]] || t_die "$rt state of $id left: $(ls -A "$state/$id")"
	[[ -z $(find /sys/fs/cgroup -maxdepth 3 -type d -name "libpod-$id*" 2>/dev/null) ]] ||
		t_die "cgroup of $id left: $(find /sys/fs/cgroup -maxdepth 3 -type d -name "libpod-$id*")"
	! grep -q "$id" /proc/self/mountinfo || t_die "mounts of $id left: $(grep "$id" /proc/self/mountinfo | head -n 3)"
	[[ -z $(pgrep -f "$id" || true) ]] || t_die "processes of $id left: $(pgrep -af "$id")"
}

# poll `systemctl is-system-running` through podman exec until it is no
# longer starting; prints the last answer
podman_wait_booted() { # RUNTIME CTR
	local s=
	for _ in $(seq 100); do
		s=$(pod "$1" exec "$2" systemctl is-system-running 2>/dev/null || true)
		[[ $s == initializing || $s == starting || -z $s ]] || break
		[[ $(pod "$1" inspect -f '{{.State.Running}}' "$2") == true ]] || break
		sleep 0.2
	done
	echo "${s:-$(pod "$1" inspect -f 'exited {{.State.ExitCode}}' "$2")}"
}

t_podman_run_rm() {
	local rt want got
	trap podman_cleanup EXIT
	podman_image
	want=$(cat "$(debian_rootfs)/etc/debian_version")
	for rt in sysc-oci ${RUNC:+runc}; do
		got=$(pod_run_rm "$rt" "${PODMAN_RUN_OPTS[@]}" "$IMG" cat /etc/debian_version)
		expect_eq "$got" "$want" "$rt: podman run --rm cat /etc/debian_version"
	done
	[[ -z $(ls -A "$OCI_STATE" 2>/dev/null) ]] || t_die "sysc-oci state left: $(ls -A "$OCI_STATE")"
	podman_expect_clean
}

# one system container's life under podman: boot to running, exec, stop
# (SIGTERM becomes the halt signal), rm; extra run options in $3...
podman_system_container() { # RUNTIME NAME [RUN OPTION...]
	local rt=$1 name=$2 id state err
	shift 2
	id=$(pod "$rt" run -d --name "$name" "${PODMAN_RUN_OPTS[@]}" "$@" "$IMG" /sbin/init)
	state=$(podman_wait_booted "$rt" "$name")
	expect_eq "$state" running "$rt: systemd in $name (podman run -d $*)"
	expect_eq "$(pod "$rt" exec "$name" sh -c 'echo $((6 * 7))')" 42 "$rt: podman exec"
	# within the stop timeout: no "resorting to SIGKILL" warning
	err=$(pod "$rt" stop -t 20 "$name" 2>&1 >/dev/null) || t_die "$rt: podman stop failed: $err"
	[[ -z $err ]] || t_die "$rt: podman stop: $err"
	expect_eq "$(pod "$rt" inspect -f '{{.State.Running}}' "$name")" false "$rt: stopped"
	pod_rm "$rt" "$id"
	expect_podman_clean "$rt" "$id"
}

t_podman_system_container() {
	trap podman_cleanup EXIT
	podman_image
	podman_system_container sysc-oci sys1
	[[ -z $RUNC ]] || podman_system_container runc sys1
	podman_expect_clean
}

# --uidmap: sysc-oci boots systemd in the user namespace; runc cannot on a
# hybrid host (systemd may not create its init.scope cgroup: EACCES)
t_podman_uidmap() {
	local map=(--uidmap 0:300000:65536 --gidmap 0:300000:65536) state
	trap podman_cleanup EXIT
	podman_image
	podman_system_container sysc-oci usr1 "${map[@]}"
	pod_run_rm sysc-oci "${PODMAN_RUN_OPTS[@]}" "${map[@]}" "$IMG" cat /proc/self/uid_map >"$T_ROOT/map"
	expect_eq "$(xargs <"$T_ROOT/map")" "0 300000 65536" "uid_map under --uidmap"
	if [[ -n $RUNC ]]; then
		# (in the foreground: with -d, `rm` of the exited container races
		# conmon's cleanup over the shm mount)
		state=0
		timeout 60 "${PODMAN[@]}" --runtime "$BIN/runc" run --rm -t --name usr2 "${PODMAN_RUN_OPTS[@]}" "${map[@]}" "$IMG" \
			/sbin/init </dev/null >"$T_ROOT/runc.out" 2>&1 || state=$?
		note "podman --uidmap /sbin/init: sysc-oci running; runc exit $state:" \
			"$(grep -m1 -o 'Failed to create [^ ]* control group: [A-Za-z ]*' "$T_ROOT/runc.out")"
	fi
	podman_expect_clean
}

# -t: a console; the pty is the process' stdin
t_podman_tty() {
	local out
	trap podman_cleanup EXIT
	podman_image
	out=$(script -qec "${PODMAN[*]} --runtime $BIN/sysc-oci run --rm -t ${PODMAN_RUN_OPTS[*]} $IMG sh -c 'test -t 0 && tty'" /dev/null </dev/null | tr -d '\r')
	[[ $out == /dev/pts/* ]] || t_die "podman run -t: no pty: $out"
	podman_expect_clean
}

# --memory 256m: the limit in the container's v1 memory cgroup
t_podman_memory() {
	local id lim
	trap podman_cleanup EXIT
	podman_image
	id=$(pod sysc-oci run -d "${PODMAN_RUN_OPTS[@]}" --memory 256m "$IMG" sleep 1000)
	lim=$(cat "/sys/fs/cgroup/memory$PODMAN_CGROUP_PARENT/libpod-$id/memory.limit_in_bytes")
	expect_eq "$lim" $((256 << 20)) "memory.limit_in_bytes of libpod-$id"
	# and the container sees it in its own view of the hierarchy
	lim=$(pod sysc-oci exec "$id" cat "/sys/fs/cgroup/memory$PODMAN_CGROUP_PARENT/libpod-$id/memory.limit_in_bytes")
	expect_eq "$lim" $((256 << 20)) "the limit seen inside"
	pod_rm sysc-oci "$id" -f -t 0
	expect_podman_clean sysc-oci "$id"
	podman_expect_clean
}

# --- containerd ---

# an OCI image layout of one uncompressed layer, ROOTFS's tree
oci_layout() { # ROOTFS DIR NAME
	local rootfs=$1 dir=$2 name=$3 l c m ls cs ms
	mkdir -p "$dir/blobs/sha256"
	tar -C "$rootfs" --numeric-owner -cf "$dir/layer.tar" . || return 1
	l=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1) ls=$(stat -c %s "$dir/layer.tar")
	mv "$dir/layer.tar" "$dir/blobs/sha256/$l"
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$l" >"$dir/c"
	c=$(sha256sum "$dir/c" | cut -d' ' -f1) cs=$(stat -c %s "$dir/c")
	mv "$dir/c" "$dir/blobs/sha256/$c"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$c" "$cs" "$l" "$ls" >"$dir/m"
	m=$(sha256sum "$dir/m" | cut -d' ' -f1) ms=$(stat -c %s "$dir/m")
	mv "$dir/m" "$dir/blobs/sha256/$m"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
		"$m" "$ms" "$name" "${name##*:}" >"$dir/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
}

CTD=$T_ROOT/containerd
CTD_PID=
CTR_NS=sysc-test
T_HELPER_RE="containerd --config $CTD/config.toml" # (expect_clean)
ctr_() { ctr --address "$CTD/containerd.sock" --namespace "$CTR_NS" "$@"; }
# ctr run with a runtime: its --root (the shim's runc root) under CTD
ctr_run() { # RUNTIME ARGS... (ctr run's: options, IMAGE ID CMD...)
	local rt=$1 bin=$T_BUILD/sysc-oci
	shift
	[[ $rt == runc ]] && bin=$RUNC
	ctr_ run --runc-binary "$bin" --runc-root "$CTD/$rt-state" "$@"
}
# a container's cgroup: under the test's own parent
ctr_cgroup() { echo "/$SYSC_CGROUP_PARENT/ctr-$1"; }

# a private containerd: config, root, state and sockets under T_ROOT, no CRI
ctd_start() {
	mkdir -p "$CTD"
	cat >"$CTD/config.toml" <<EOT
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CTD/containerd.sock"
[ttrpc]
  address = "$CTD/containerd.sock.ttrpc"
[debug]
  address = "$CTD/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD/opt"
EOT
	containerd --config "$CTD/config.toml" >"$CTD/log" 2>&1 &
	CTD_PID=$!
	for _ in $(seq 100); do
		ctr_ version >/dev/null 2>&1 && return 0
		kill -0 "$CTD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "FAIL: containerd did not start: $(tail -n 3 "$CTD/log")"
	return 1
}

# every task and container of the namespace removed
ctr_cleanup() {
	local c
	for c in $(ctr_ container ls -q 2>/dev/null); do
		ctr_ task kill -s KILL "$c" >/dev/null 2>&1
		for _ in $(seq 50); do
			ctr_ task rm "$c" >/dev/null 2>&1 && break
			ctr_ task ls -q 2>/dev/null | grep -qx "$c" || break
			sleep 0.1
		done
		ctr_ container rm "$c" >/dev/null 2>&1
	done
	return 0
}

# ... and containerd stopped by its PID
ctd_stop() {
	[[ -n $CTD_PID ]] || return 0
	ctr_cleanup
	ctr_ image rm "$IMG" >/dev/null 2>&1
	kill "$CTD_PID" 2>/dev/null && wait "$CTD_PID" 2>/dev/null
	CTD_PID=
	# what a failed test may have left: shims of this containerd, the
	# processes of its containers (all in the test's cgroup parent)
	pkill_pids $(pgrep -f -- "-address $CTD/containerd.sock" || true)
	pkill_pids $(cat /sys/fs/cgroup/pids/"$SYSC_CGROUP_PARENT"/*/cgroup.procs 2>/dev/null || true)
	rmdir_cgroups "$SYSC_CGROUP_PARENT"
}

pkill_pids() { # PID...
	(($#)) || return 0
	kill -9 "$@" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$@" 2>/dev/null || break; sleep 0.1; done
}

# The image: an OCI layout of the template cache's rootfs, imported once
ctr_image() {
	local rootfs
	ctr_ image ls -q | grep -qx "$IMG" && return 0
	rootfs=$(debian_rootfs) || t_die "no Debian template cache"
	rm -rf "$CTD/layout"
	oci_layout "$rootfs" "$CTD/layout" "$IMG" || t_die "cannot make an OCI layout of $rootfs"
	tar -C "$CTD/layout" -c . | ctr_ image import - >/dev/null || t_die "ctr image import failed"
	rm -rf "$CTD/layout"
}

# nothing of container ID left by RUNTIME: its state, cgroup, shim, mounts
expect_ctr_clean() { # RUNTIME ID
	local rt=$1 id=$2
	[[ ! -e $CTD/$rt-state/$CTR_NS/$id ]] || t_die "$rt state of $id left"
	[[ -z $(find /sys/fs/cgroup -maxdepth 4 -type d -path "*$(ctr_cgroup "$id")" 2>/dev/null) ]] ||
		t_die "cgroup of $id left"
	! grep -q "/$id/rootfs" /proc/self/mountinfo || t_die "rootfs of $id still mounted"
	[[ -z $(pgrep -f -- "-id $id " || true) ]] || t_die "shim of $id left: $(pgrep -af -- "-id $id ")"
}

# `systemctl is-system-running` through ctr task exec until it is no longer
# starting (nor the bus still down, nor the task still being made); prints the last answer
ctr_wait_booted() { # ID
	local s= i
	for i in $(seq 100); do
		s=$(ctr_ task exec --exec-id "boot$i" "$1" systemctl is-system-running 2>&1 || true)
		[[ $s == initializing || $s == starting || $s == *"connect to bus"* ||
			$s == *"not found"* ]] || break
		sleep 0.2
	done
	echo "$s"
}

ctr_status() { # ID
	ctr_ task ls | awk -v id="$1" '$1 == id { print $3 }'
}

t_ctr_run_rm() {
	local rt want got
	trap ctr_cleanup EXIT
	ctr_image
	want=$(cat "$(debian_rootfs)/etc/debian_version")
	for rt in sysc-oci ${RUNC:+runc}; do
		got=$(ctr_run "$rt" --rm --cgroup "$(ctr_cgroup c1)" "$IMG" c1 cat /etc/debian_version </dev/null)
		expect_eq "$got" "$want" "$rt: ctr run --rm cat /etc/debian_version"
		expect_ctr_clean "$rt" c1
	done
	rmdir_cgroups "$SYSC_CGROUP_PARENT" # (runc leaves the parent)
	expect_clean
}

# systemd under ctr: boots to running, exec, pause/resume, and SIGTERM (ctr
# task kill's default) halts it: `ctr run` returns systemd's exit status 0
t_ctr_system_container() {
	local job rc state
	trap ctr_cleanup EXIT
	ctr_image
	ctr_run sysc-oci --rm --cgroup "$(ctr_cgroup s1)" "$IMG" s1 /sbin/init </dev/null >"$CTD/s1.out" 2>&1 &
	job=$!
	expect_eq "$(ctr_wait_booted s1)" running "sysc-oci: systemd under ctr"
	expect_eq "$(ctr_ task exec --exec-id e1 s1 sh -c 'echo $((6 * 7))')" 42 "ctr task exec"
	ctr_ task pause s1
	expect_eq "$(ctr_status s1)" PAUSED "after ctr task pause"
	expect_eq "$(cat "/sys/fs/cgroup/freezer$(ctr_cgroup s1)/freezer.state")" FROZEN "freezer state"
	ctr_ task resume s1
	expect_eq "$(ctr_status s1)" RUNNING "after ctr task resume"
	expect_eq "$(ctr_ task exec --exec-id e2 s1 systemctl is-system-running)" running "after resume"
	ctr_ task kill s1
	rc=0
	wait "$job" || rc=$?
	expect_eq "$rc" 0 "systemd's exit status after ctr task kill (SIGTERM) $(tail -n 3 "$CTD/s1.out")"
	expect_ctr_clean sysc-oci s1
	if [[ -n $RUNC ]]; then
		# runc, for the record: nothing makes systemd at home (no tmpfs
		# /run, no cgroup of its own), and SIGTERM does not stop it
		ctr_run runc -d --cgroup "$(ctr_cgroup r1)" "$IMG" r1 /sbin/init >/dev/null </dev/null
		state=$(ctr_wait_booted r1)
		ctr_ task kill r1
		sleep 3
		note "ctr run /sbin/init: sysc-oci running, SIGTERM halts it (exit 0); runc: '$state', $(ctr_status r1) 3 s after SIGTERM"
	fi
	ctr_cleanup
	rmdir_cgroups "$SYSC_CGROUP_PARENT"
	expect_clean
}

command -v podman >/dev/null || { echo "FAIL: podman is not installed (tests/setup)"; exit 1; }
t_run t_podman_run_rm
t_run t_podman_system_container
t_run t_podman_uidmap
t_run t_podman_tty
t_run t_podman_memory
command -v containerd >/dev/null || { echo "FAIL: containerd is not installed (tests/setup)"; exit 1; }
ctd_start || exit 1
trap 'ctd_stop; t_cleanup_all' EXIT
t_run t_ctr_run_rm
t_run t_ctr_system_container
ctd_stop
[[ ! -f $NOTES ]] || cat "$NOTES"
t_summary
