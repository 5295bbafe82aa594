# Shared by the integration tests (sourced). Every test runs against a
# private store, runtime dir, config dir and cgroup parent, so it never
# touches a user's containers, and checks that it leaves nothing behind.
set -uo pipefail

# T_PRIVATE_NETNS=1 (set by a file before it sources lib.sh): the whole file
# runs in a network namespace of its own (unshare --net), so the bridges,
# links and nftables rules its containers get never touch the real host's.
# Its "host" links are that namespace's. The Debian template cache is made
# first, outside, when the file sets T_NEEDS_DEBIAN=1 (debootstrap needs the
# host's network): warm-debian.sh.
if [[ ${T_PRIVATE_NETNS:-0} == 1 && -z ${T_IN_PRIVATE_NETNS:-} ]]; then
	t_own_cache=
	if [[ -z ${SYSC_TEST_CACHE:-} ]]; then
		SYSC_TEST_CACHE=$(mktemp -d /var/tmp/sysc-test-cache.XXXXXX)
		export SYSC_TEST_CACHE
		t_own_cache=1
	fi
	if [[ ${T_NEEDS_DEBIAN:-0} == 1 ]]; then
		bash "$(dirname "${BASH_SOURCE[0]}")/warm-debian.sh" ||
			echo "FAIL: setup: the Debian template cache could not be made"
	fi
	T_IN_PRIVATE_NETNS=1 unshare --net -- bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$@"
	t_rc=$?
	[[ -z $t_own_cache ]] || rm -rf "$SYSC_TEST_CACHE"
	exit $t_rc
fi

T_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_BUILD=${SYSC_BUILD_DIR:-$T_SRC}
[[ -x $T_BUILD/sysc ]] || { echo "FAIL: setup: $T_BUILD/sysc not built (run tests/setup)"; exit 1; }
export PATH="$T_BUILD:$PATH"

T_ROOT=$(mktemp -d /var/tmp/sysc-test.XXXXXX)
export SYSC_PATH=$T_ROOT/store
export SYSC_RUN_DIR=$T_ROOT/run
export SYSC_STATE_DIR=$T_ROOT/state
export SYSC_CONF_DIR=$T_ROOT/etc
export SYSC_TEMPLATE_DIR=$T_ROOT/templates
export SYSC_CGROUP_PARENT=sysc-test-$$
# the Debian cache is shared by the files of one run (tests/run sets it)
export SYSC_CACHE_DIR=${SYSC_TEST_CACHE:-$T_ROOT/cache}
mkdir -p "$SYSC_CONF_DIR" "$SYSC_TEMPLATE_DIR"
cp "$T_SRC/config/default.conf" "$T_SRC/config/sysc.conf" "$SYSC_CONF_DIR/"
# the private store is the configured one: its containers have the plain
# names of the default store (runtime dir, cgroups); other stores a test
# makes get NAME@STOREID (paths.h)
sed -i "s|^path = .*|path = \"$SYSC_PATH\";|" "$SYSC_CONF_DIR/sysc.conf"
grep -q "^path = \"$SYSC_PATH\";" "$SYSC_CONF_DIR/sysc.conf" ||
	{ echo "FAIL: setup: cannot set the store in sysc.conf"; exit 1; }
# Containers are unprivileged by default (default.conf). SYSC_TEST_PRIVILEGED=1
# makes every container of the file privileged (t-unprivileged.sh runs the
# boot, console, attach, network, resource and escape tests so as well);
# SYSC_TEST_UNPRIVILEGED=1 makes sure they are unprivileged.
if [[ ${SYSC_TEST_PRIVILEGED:-0} == 1 ]]; then
	sed -i 's/^\(\s*privileged = \)false;/\1true;/' "$SYSC_CONF_DIR/default.conf"
	grep -q '^\s*privileged = true;' "$SYSC_CONF_DIR/default.conf" ||
		{ echo "FAIL: setup: cannot make default.conf privileged"; exit 1; }
elif [[ ${SYSC_TEST_UNPRIVILEGED:-0} == 1 ]]; then
	sed -i 's/^\(\s*privileged = \)true;/\1false;/' "$SYSC_CONF_DIR/default.conf"
	grep -q '^\s*privileged = false;' "$SYSC_CONF_DIR/default.conf" ||
		{ echo "FAIL: setup: cannot make default.conf unprivileged"; exit 1; }
fi
# default.conf puts every container on the managed bridge sysc0, with NAT:
# that is only for tests inside their own network namespaces (netns.sh), which
# set T_DEFAULT_NETWORK=1; everywhere else containers get only lo, as before.
if [[ ${T_DEFAULT_NETWORK:-0} != 1 ]]; then
	sed -i '/^network = ( { type = "veth"; link = "sysc0"; } );$/d' "$SYSC_CONF_DIR/default.conf"
	! grep -q '^network = ' "$SYSC_CONF_DIR/default.conf" ||
		{ echo "FAIL: setup: cannot take the default network out of default.conf"; exit 1; }
fi
# SYSC_TEST_NESTING=1 turns security.nesting on for every container of the
# file (t-nesting.sh runs the escape tests so).
if [[ ${SYSC_TEST_NESTING:-0} == 1 ]]; then
	sed -i 's/^\(\s*\)no_new_privs = \(.*\)$/&\n\1nesting = true;/' "$SYSC_CONF_DIR/default.conf"
	grep -q '^\s*nesting = true;' "$SYSC_CONF_DIR/default.conf" ||
		{ echo "FAIL: setup: cannot turn nesting on in default.conf"; exit 1; }
fi
cp "$T_SRC"/templates/sysc-* "$SYSC_TEMPLATE_DIR/"
cp "$T_SRC"/tests/integration/templates/sysc-* "$SYSC_TEMPLATE_DIR/"

T_PASSED=0 T_FAILED=0 T_SKIPPED=0

# after each test: stop (kill) every container of this file's store, and
# destroy them, unless the file keeps its containers across tests
# (T_KEEP_CONTAINERS=1, e.g. to reuse an expensive Debian container) or even
# keeps them running (T_KEEP_RUNNING=1); at exit everything goes
# (every store in T_STORES: a file with stores of its own lists them there)
T_STORES=("$SYSC_PATH")
t_reset() {
	local n s
	[[ ${T_KEEP_RUNNING:-0} == 1 && ${1:-} != all ]] && return 0
	for s in "${T_STORES[@]}"; do
		[[ -d $s ]] || continue
		for n in $(SYSC_PATH=$s sysc-ls --format json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4); do
			SYSC_PATH=$s sysc-stop -k "$n" >/dev/null 2>&1
			[[ ${T_KEEP_CONTAINERS:-0} == 1 && ${1:-} != all ]] ||
				SYSC_PATH=$s sysc-destroy -f "$n" >/dev/null 2>&1
		done
	done
}

T_LOOP_MOUNTS=() T_LOOP_IMAGES=()
t_cleanup_all() {
	t_reset all
	local m img dev
	for m in "${T_LOOP_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null
	done
	# by backing file, not by a device name saved earlier (autoclear may
	# have freed that name for someone else already)
	for img in "${T_LOOP_IMAGES[@]}"; do
		for dev in $(losetup -n -O NAME -j "$img" 2>/dev/null); do
			losetup -d "$dev" 2>/dev/null
		done
	done
	# cache keys the templates copied into T_ROOT had remembered in a
	# shared cache (src/lib/template.c)
	grep -lsF "$T_ROOT/" "$SYSC_CACHE_DIR"/.keys/* 2>/dev/null | xargs -r rm -f
	rm -rf "$T_ROOT"
}
trap t_cleanup_all EXIT

# Run one test function in a subshell; its output is shown only on failure.
t_run() {
	local name=$1 out rc
	# T_ONLY=regex runs only the matching tests (for debugging one)
	[[ -z ${T_ONLY:-} || $name =~ $T_ONLY ]] || return 0
	# not inside $(...) && ... || ...: bash ignores set -e in a subshell whose
	# status is tested, and every failing command must fail the test
	(set -e; "$name") >"$T_ROOT/t_run.out" 2>&1
	rc=$?
	out=$(cat "$T_ROOT/t_run.out")
	t_reset
	if [[ $rc == 0 ]]; then
		echo "PASS: $name"
		T_PASSED=$((T_PASSED + 1))
	elif [[ $rc == 77 ]]; then
		echo "SKIP: $name: $(tail -n 1 <<<"$out")"
		T_SKIPPED=$((T_SKIPPED + 1))
	else
		echo "FAIL: $name"
		sed 's/^/    | /' <<<"$out" | tail -n 40
		T_FAILED=$((T_FAILED + 1))
	fi
}

t_skip() {
	echo "$*"
	exit 77
}

t_die() {
	echo "assertion failed: $*" >&2
	exit 1
}

# expect_fail REGEX CMD...: CMD must exit non-zero (not 2 unless usage) and
# print an error line on stderr matching REGEX.
expect_fail() {
	local re=$1 out rc
	shift
	out=$("$@" 2>&1 >/dev/null) && rc=0 || rc=$?
	[[ $rc != 0 ]] || t_die "expected failure from: $* (exit 0)"
	grep -Eq -- "$re" <<<"$out" || t_die "error of '$*' does not match /$re/: $out"
	echo "ok: $* -> exit $rc: $(grep -E -- "$re" <<<"$out" | head -n 1)"
}

# the store holds exactly these containers (and no hidden leftovers)
expect_store() {
	local want="$*" have
	have=$(ls -A "$SYSC_PATH" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')
	[[ $have == "$want" ]] || t_die "store has '$have', expected '$want'"
}

expect_eq() {
	[[ $1 == "$2" ]] || t_die "${3:-value}: got '$1', expected '$2'"
}

# nothing of this run is mounted, in cgroups or running
expect_clean() {
	local m c l left
	# (the filesystems a file made with t_loopfs are not leftovers)
	# (no match is grep status 1: under pipefail and set -e that would end the test)
	left=$({ grep "$T_ROOT" /proc/self/mountinfo || true; } | while read -r l; do
		m=$(cut -d' ' -f5 <<<"$l")
		[[ " ${T_LOOP_MOUNTS[*]} " == *" $m "* ]] || echo "$l"
	done)
	[[ -z $left ]] || t_die "mount(s) of $T_ROOT left: $(head -n 3 <<<"$left")"
	c=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$SYSC_CGROUP_PARENT" 2>/dev/null | wc -l)
	[[ $c == 0 ]] || t_die "$c cgroup(s) $SYSC_CGROUP_PARENT left"
	# (lock files stay, like the old locks/ dir)
	[[ ! -e $SYSC_RUN_DIR ]] || [[ -z $(ls -A "$SYSC_RUN_DIR" | grep -v '^\.\?locks$') ]] ||
		t_die "runtime files left: $(ls -A "$SYSC_RUN_DIR")"
	# (T_HELPER_RE: the file's own long-lived helpers, e.g. a FUSE daemon)
	left=$(pgrep -af "$T_ROOT" | grep -Ev "${T_HELPER_RE:-^$}" || true)
	[[ -z $left ]] || t_die "processes left: $left"
}

t_summary() {
	echo "# $(basename "$0"): $T_PASSED passed, $T_FAILED failed, $T_SKIPPED skipped"
	[[ $T_FAILED == 0 ]]
}

# the host pid of a running container's init
init_pid() {
	sysc-info "$1" --format json | grep -o '"pid":[0-9]*' | cut -d: -f2
}

# a command in container $1's network namespace (host programs)
inns() {
	local pid
	pid=$(sysc-info "$1" --format json | grep -o '"pid":[0-9]*' | cut -d: -f2)
	[[ -n $pid ]] || t_die "no init pid of $1"
	shift
	nsenter -t "$pid" -n "$@"
}

# wait (5 s at most) until IPv6 address $3 on container $1's interface $2
# has finished duplicate address detection: a tentative address cannot be
# bound (EADDRNOTAVAIL)
inns_addr6_ready() { # CONTAINER IFACE ADDR
	local i out
	for i in $(seq 50); do
		out=$(inns "$1" ip -6 -o addr show dev "$2" to "$3")
		[[ -n $out && $out != *tentative* ]] && return 0
		sleep 0.1
	done
	t_die "$1: $3 on $2 not usable: ${out:-absent}"
}

# host uid of an unprivileged container's root (from its config's idmap)
host_base() {
	sysc-config "$1" idmap | awk '/host =/ { gsub(";", ""); print $3; exit }'
}

# what sysc-ls shows in its IDMAP column for a container: "-" when it is
# privileged, else container 0, host base, count
idmap_col() {
	local b
	b=$(host_base "$1")
	if [[ -n $b ]]; then echo "0:$b:65536"; else echo -; fi
}

# the -U option of nsenter when the container with init $1 has a user
# namespace (unprivileged) of its own, else nothing
userns_opt() {
	local ns
	ns=$(readlink "/proc/$1/ns/user") || return 1
	[[ $ns == "$(readlink /proc/self/ns/user)" ]] || echo -U
}

# a command in all of a container's namespaces, bypassing sysc-attach (in
# its user namespace too, as its root, when it has one)
inside() {
	local name=$1 pid u
	shift
	pid=$(init_pid "$name") && u=$(userns_opt "$pid") || return 1
	nsenter -t "$pid" $u -m -u -i -n -p -C -r -w "$@"
}

# a host program run as a container's root: in its user namespace (and no
# other) when it has one, so what it makes in the running container's tree
# (/proc/PID/root/...) belongs to the container's root, as if made inside;
# host root of a privileged container else
as_root_of() {
	local name=$1 pid u
	shift
	pid=$(init_pid "$name") && u=$(userns_opt "$pid") || return 1
	if [[ -n $u ]]; then
		nsenter -t "$pid" -U -- "$@"
	else
		"$@"
	fi
}

# systemd inside has finished booting and says "running" (not degraded)
wait_running() { # NAME [SECS]
	local st
	st=$(sysc-wait "$1" --booted -t "${2:-120}" 2>&1) || true
	[[ $st == running ]] ||
		t_die "$1: systemd says '$st'; failed: $(sysc-attach "$1" -- systemctl --failed --no-legend 2>&1)"
}

# t_loopfs FSTYPE SIZE DIR: a filesystem of its own (an image file in
# T_ROOT, loop-mounted on DIR); unmounted and detached at exit, whatever
# happened. Call it at file level (not in a t_run subshell).
t_loopfs() {
	local fs=$1 size=$2 dir=$3 img dev
	img=$T_ROOT/$(basename "$dir").$fs.img
	truncate -s "$size" "$img" || return 1
	if [[ $fs == tmpfs ]]; then
		mkdir -p "$dir"
		T_LOOP_MOUNTS+=("$dir")
		mount -t tmpfs -o "size=$size" tmpfs "$dir"
		return
	fi
	case $fs in
	btrfs) mkfs.btrfs -q -f "$img" >/dev/null ;;
	xfs) mkfs.xfs -q -f "$img" ;;
	*) mkfs."$fs" -q -F "$img" ;;
	esac || { echo "mkfs.$fs $img failed"; return 1; }
	mkdir -p "$dir"
	dev=$(losetup --find --show "$img") || return 1
	T_LOOP_MOUNTS+=("$dir") T_LOOP_IMAGES+=("$img")
	mount "$dev" "$dir" || { losetup -d "$dev"; return 1; }
	# mounted: the image file's loop device goes when it is unmounted
	losetup -d "$dev" 2>/dev/null || true
}

# no loop device of this run is left
expect_no_loops() {
	! losetup -a | grep -q "$T_ROOT" || t_die "loop devices left: $(losetup -a | grep "$T_ROOT")"
}

# a config file written from stdin: cfg NAME <<EOF
cfg() {
	cat >"$T_ROOT/$1"
	echo "$T_ROOT/$1"
}

# ------------------------------------------------------------ QEMU lanes
# A file that needs another kernel (t-cgroup2.sh: pure cgroup v2, t-lvm.sh:
# device-mapper) boots a QEMU guest (tests/qemu/run-vm: Debian kernel, the
# host's / as the guest's root) and runs its own second half in there
# (SYSC_QEMU_GUEST=1). The guest's PASS/FAIL lines are relayed and counted
# with the host's own.

QEMU_CACHE=${SYSC_QEMU_CACHE:-/var/cache/sysc-test-qemu}

qemu_guest() {
	[[ ${SYSC_QEMU_GUEST:-0} == 1 ]]
}

qemu_since() { # seconds since $1 (date +%s.%N)
	awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $1 }"
}

qemu_timing() { # a "# ..." line shown after the guest's tests, whatever their result
	echo "# $*" >>"$T_ROOT/timings"
}

# A Debian template cache for the guest, which has no network: built here
# once and kept in the lane's cache, handed to the guest as an ext4 image on
# a read-only virtio disk (its copy over 9p under TCG takes minutes). Prints
# the template's cache key.
qemu_debian_cache() {
	local dir=$QEMU_CACHE/templates key img mb
	key=$("$SYSC_TEMPLATE_DIR/sysc-debian" cache-key) || return 1
	key=${key%%$'\n'*} # (the first line; promises may follow)
	img=$dir/tplcache.$key.ext4
	if [[ ! -d $dir/$key/rootfs ]]; then
		mkdir -p "$dir"
		SYSC_CACHE_DIR=$dir sysc-create qemu-warm -t debian >"$T_ROOT/warm.log" 2>&1 || {
			tail -n 3 "$T_ROOT/warm.log" | tr '\n' ' '
			return 1
		}
		sysc-destroy -f qemu-warm >/dev/null 2>&1
	fi
	if [[ ! -f $img || $dir/$key -nt $img ]]; then
		# (a run beside this one may be doing the same: rename into place)
		local new
		mb=$(du -sm "$dir/$key" | cut -f1)
		new=$(mktemp "$img.XXXXXX")
		mkfs.ext4 -q -F -O ^has_journal -L tplcache -d "$dir/$key" "$new" $((mb * 13 / 10 + 64))M >/dev/null ||
			{ rm -f "$new"; echo "mkfs.ext4 -d failed"; return 1; }
		chmod 644 "$new"
		mv "$new" "$img"
	fi
	echo "$key"
}

# In the guest: the Debian template cache (the disk with serial "tplcache")
# mounted where sysc-create finds it as SYSC_CACHE_DIR (outside T_ROOT:
# expect_clean); sets SYSC_QEMU_DEBIAN_CACHE, or SYSC_QEMU_DEBIAN_WHY.
# In the guest: run test functions (timing each), show the timings, summarize.
qemu_guest_run() { # TEST...
	local t t0
	for t in "$@"; do
		[[ -z ${T_ONLY:-} || $t =~ $T_ONLY ]] || continue
		t0=$SECONDS
		t_run "$t"
		qemu_timing "$t: $((SECONDS - t0)) s"
	done
	[[ ! -f $T_ROOT/timings ]] || cat "$T_ROOT/timings"
	t_summary
}

qemu_mount_debian_cache() {
	local b dir=/run/sysc-qemu/tplcache
	[[ -n ${SYSC_QEMU_DEBIAN_KEY:-} ]] || return 0
	for b in /sys/block/vd*; do
		[[ $(cat "$b/serial" 2>/dev/null) == tplcache ]] || continue
		mkdir -p "$dir/$SYSC_QEMU_DEBIAN_KEY"
		mount -o ro,noload "/dev/${b##*/}" "$dir/$SYSC_QEMU_DEBIAN_KEY" || break
		SYSC_QEMU_DEBIAN_CACHE=$dir
		return 0
	done
	SYSC_QEMU_DEBIAN_WHY="no disk with the template cache"
}

# In the guest: the device of the disk with serial $1 (run-vm --disk/--scratch).
qemu_disk() {
	local b
	for b in /sys/block/vd*; do
		[[ $(cat "$b/serial" 2>/dev/null) == "$1" ]] && { echo "/dev/${b##*/}"; return 0; }
	done
	return 1
}

# The host half: boot the guest with run-vm's options "$@" (plus the Debian
# cache disk) running this file, relay its results, check it left nothing.
qemu_host_main() {
	local out rc t0 dkey why="" disk=() me
	me=$(basename "$0")
	if ! command -v qemu-system-x86_64 >/dev/null; then
		echo "FAIL: qemu-system-x86_64 not installed (tests/setup installs qemu-system-x86)"
		T_FAILED=$((T_FAILED + 1))
		t_summary
		return
	fi
	t0=$SECONDS
	"$T_SRC/tests/qemu/fetch-kernel" >/dev/null || {
		echo "FAIL: cannot fetch the Debian kernel (tests/qemu/fetch-kernel)"
		T_FAILED=$((T_FAILED + 1))
		t_summary
		return
	}
	if dkey=$(qemu_debian_cache); then
		disk=(--disk "$QEMU_CACHE/templates/tplcache.$dkey.ext4:ro")
	else
		why=$dkey dkey=""
	fi
	echo "# kernel and Debian cache ready in $((SECONDS - t0)) s"
	t0=$SECONDS
	out=$(TMPDIR=$T_ROOT "$T_SRC/tests/qemu/run-vm" --timeout "${SYSC_QEMU_TIMEOUT:-400}" "$@" \
		--share "$T_SRC" --share "$T_BUILD" --env SYSC_QEMU_GUEST=1 --env "SYSC_BUILD_DIR=$T_BUILD" \
		--env "SYSC_QEMU_DEBIAN_KEY=$dkey" --env "SYSC_QEMU_DEBIAN_WHY=$why" "${disk[@]}" \
		${T_ONLY:+--env "T_ONLY=$T_ONLY"} \
		${SYSC_TEST_UNPRIVILEGED:+--env "SYSC_TEST_UNPRIVILEGED=$SYSC_TEST_UNPRIVILEGED"} "$0" 2>&1)
	rc=$?
	echo "# guest ran for $((SECONDS - t0)) s"
	# relay the guest's lines; its summary is folded into ours
	grep -v "^# $me: " <<<"$out"
	T_PASSED=$((T_PASSED + $(grep -c '^PASS: ' <<<"$out")))
	T_FAILED=$((T_FAILED + $(grep -c '^FAIL: ' <<<"$out")))
	T_SKIPPED=$((T_SKIPPED + $(grep -c '^SKIP: ' <<<"$out")))
	if grep -q "^# $me: .* passed" <<<"$out" && [[ $rc == 0 || $rc == 1 ]]; then
		echo "PASS: guest_ran_to_the_end"
		T_PASSED=$((T_PASSED + 1))
	else
		echo "FAIL: guest_ran_to_the_end (run-vm status $rc)"
		T_FAILED=$((T_FAILED + 1))
	fi
	if pgrep -f "$T_ROOT" >/dev/null || [[ -n $(ls -A "$T_ROOT" | grep '^sysc-qemu\.') ]]; then
		echo "FAIL: vm_left_nothing: $(pgrep -af "$T_ROOT") $(ls "$T_ROOT")"
		T_FAILED=$((T_FAILED + 1))
	else
		echo "PASS: vm_left_nothing"
		T_PASSED=$((T_PASSED + 1))
	fi
	t_summary
}

# Links of the test's network namespace, by netlink (/sys/class/net shows
# those of the namespace that mounted /sys: not a T_PRIVATE_NETNS one's)
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
link_ifindex() { ip -o link show dev "$1" 2>/dev/null | cut -d: -f1; }
link_master() { ip -o link show dev "$1" 2>/dev/null | grep -o ' master [^ ]*' | cut -d' ' -f3; }
