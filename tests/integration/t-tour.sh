#!/bin/bash
# The README's five-minute tour, run from README.md itself: every ```sh block
# between <!-- tour-begin --> and <!-- tour-end --> (each one a step, named by
# the <!-- tour:STEP --> line before it) runs in this file's private store
# with `bash -e`, in order, and must succeed; then a few of its outputs are
# checked. Two changes are made to the README's text, and only these:
#  - names: the containers web, db and web2, the network lab0 and the subnet
#    10.77.0.0/24 get names of this run, so that parallel runs cannot meet on
#    host-wide interface names (veth ends, bridges) or addresses;
#  - interactive commands (the console, a login shell) get a non-interactive
#    stand-in from STANDIN below, whose output is checked instead. An
#    interactive command without a stand-in fails the step.
# Traffic stays on the run's own bridge. Everything is removed at exit.
# (the tour's network lab0 only in a network namespace of its own)
T_PRIVATE_NETNS=1 T_NEEDS_DEBIAN=1
. "$(dirname "$0")/lib.sh"

README=$T_SRC/README.md
ID=$(($$ % 100000))
W=tw${ID}a W2=tw${ID}c D=tw${ID}b # web, web2, db
BR=stb$ID                         # lab0
S4=10.233.$(($$ % 200)).          # 10.77.0.
TOUR=$T_ROOT/tour                 # the working directory of the commands
mkdir -p "$TOUR" "$T_ROOT/steps"

# the steps the README must have, in this order (a new step needs checks here)
STEPS=(create console attach limits network snapshot export destroy)

# README command line -> the non-interactive stand-in that runs instead
declare -A STANDIN=(
	['sysc-console web']='sysc-console web --log'
	['sysc-attach web']="sysc-attach web <<<'cat /etc/hostname; echo shell-ok'"
)

tour_cleanup() {
	local n l
	for n in "$W" "$W2" "$D"; do
		sysc-stop -k "$n" >/dev/null 2>&1 || true
	done
	for l in $(ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^($BR|vs-tw$ID[abc]-[0-9]+)$"); do
		ip link del "$l" 2>/dev/null || true
	done
	return 0
}
trap 'tour_cleanup; t_cleanup_all' EXIT

# Split the tour into $T_ROOT/steps/NN-STEP.sh (the README's text) and
# steps/order; fails on a block without a step name or an unclosed block.
extract() {
	awk -v dir="$T_ROOT/steps" '
		/^<!-- tour-begin/ { on = 1; next }
		/^<!-- tour-end -->/ { on = 0; next }
		!on { next }
		/^<!-- tour:[a-z]+ -->$/ { step = $0; sub(/^<!-- tour:/, "", step); sub(/ -->$/, "", step); next }
		/^```sh$/ {
			if (step == "") { print "a ```sh block without a <!-- tour:STEP --> line" > "/dev/stderr"; exit 1 }
			n++; f = sprintf("%s/%02d-%s.sh", dir, n, step); print step >> (dir "/order")
			inblock = 1; step = ""; next
		}
		inblock && /^```$/ { inblock = 0; next }
		inblock { print > f }
		END { if (inblock) { print "unclosed ```sh block" > "/dev/stderr"; exit 1 } }
	' "$README"
}

# The README's step text -> what runs: stand-ins, then this run's names.
# Prints the script on stdout; fails on an interactive command left over.
prepare() { # FILE
	local line bad=0
	while IFS= read -r line; do
		[[ -n ${STANDIN[$line]+x} ]] && line=${STANDIN[$line]}
		if [[ $line =~ ^sysc-console\  && ! $line =~ \ (--log|-l)( |$) ]] ||
			[[ $line =~ ^sysc-attach\ [^\ ]+\ *$ ]]; then
			echo "interactive command without a stand-in in t-tour.sh: $line" >&2
			bad=1
		fi
		sed -E -e "s/\bweb2\b/$W2/g" -e "s/\bweb\b/$W/g" -e "s/\bdb\b/$D/g" \
			-e "s/\blab0\b/$BR/g" -e "s/\b10\.77\.0\./$S4/g" <<<"$line"
	done <"$1"
	return $bad
}

extract || { echo "FAIL: tour_extract: README.md's tour cannot be read"; exit 1; }
mapfile -t FOUND <"$T_ROOT/steps/order"

test_tour_has_every_step() {
	expect_eq "${FOUND[*]}" "${STEPS[*]}" "the tour's steps in README.md"
}

# run one step: its stdout in $OUT (checked by check_STEP), stderr shown on failure
OUT=
run_step() { # STEP
	local f script
	f=$(ls "$T_ROOT"/steps/[0-9]*-"$1".sh 2>/dev/null | head -n 1)
	[[ -n $f ]] || t_die "step $1 is not in README.md"
	script=$(prepare "$f") || t_die "step $1 cannot run"
	echo "--- step $1 runs:"
	echo "$script"
	echo "---"
	(cd "$TOUR" && bash -e -o pipefail -x -c "$script") >"$T_ROOT/out.$1" 2>"$T_ROOT/err.$1" ||
		t_die "step $1 failed: $(tail -n 15 "$T_ROOT/err.$1")"
	OUT=$(cat "$T_ROOT/out.$1")
	echo "$OUT"
}

# the output has a line matching the regex
has() { # REGEX WHAT
	grep -Eq -- "$1" <<<"$OUT" || t_die "$2: no line /$1/ in: $OUT"
}

# a container's limit as the kernel has it: v2 file, else the v1 one
cgroup_file() { # NAME V2FILE V1CONTROLLER V1FILE
	local f
	for f in "/sys/fs/cgroup/$SYSC_CGROUP_PARENT/$1/$2" \
		"/sys/fs/cgroup/unified/$SYSC_CGROUP_PARENT/$1/$2" \
		"/sys/fs/cgroup/$3/$SYSC_CGROUP_PARENT/$1/$4"; do
		[[ -f $f ]] && { cat "$f"; return 0; }
	done
	t_die "no $2 or $3/$4 for $1"
}

test_tour_create() {
	run_step create
	has '^running$' "sysc-wait --booted"
	has "^$W +RUNNING " "sysc-ls"
}

test_tour_console() {
	run_step console
	# the stand-in (--log) shows the boot on the console
	has 'Multi-User System' "console log"
}

test_tour_attach() {
	run_step attach
	# the login shell (fed on stdin) ran both commands; then the two commands
	has "^shell-ok$" "login shell"
	[[ $(grep -c "^$W$" <<<"$OUT") == 2 ]] || t_die "hostname twice (shell, command): $OUT"
	has '^running$' "systemctl is-system-running"
}

test_tour_limits() {
	run_step limits
	has '^536870912$' "sysc-cgroup memory.max"
	has '^1024$' "sysc-config cgroup.pids.max (saved)"
	has '^cgroup\.cpu\.max ' "sysc help"
	# in force in the kernel, and kept in the config where asked
	local mem
	mem=$(cgroup_file "$W" memory.max memory memory.limit_in_bytes)
	expect_eq "$mem" 536870912 "memory limit in the cgroup"
	expect_eq "$(cgroup_file "$W" pids.max pids pids.max)" 1024 "pids limit in the cgroup"
	expect_eq "$(sysc-config "$W" cgroup.pids.max)" 1024 "saved pids.max"
	expect_eq "$(sysc-config "$W" cgroup.cpu.max)" 50% "cpu.max for the next start"
}

test_tour_network() {
	run_step network
	[[ $(grep -c ' 1 received, 0% packet loss' <<<"$OUT") == 2 ]] ||
		t_die "two pings answered (container -> container, container -> bridge): $OUT"
	has "^$W +RUNNING .* ${S4//./\\.}2/24$" "sysc-ls web"
	has "^$D +RUNNING .* ${S4//./\\.}3/24$" "sysc-ls db"
	[[ $(link_master "vs-$W-0") == "$BR" ]] ||
		t_die "host end vs-$W-0 is not on $BR"
	# the limit saved with --save survived the restart, the live one did not
	expect_eq "$(cgroup_file "$W" pids.max pids pids.max)" 1024 "saved pids limit after restart"
}

test_tour_snapshot() {
	run_step snapshot
	has '^snap0$' "sysc-snapshot prints the name"
	has '^snap0 +[0-9T:+-]+ +clean install$' "sysc-snapshot -L"
	has '^/etc/motd$' "restored file"
}

test_tour_export() {
	run_step export
	[[ -s $TOUR/$W.tar.zst ]] || t_die "no archive $W.tar.zst"
	[[ $(od -An -tx1 -N4 "$TOUR/$W.tar.zst" | tr -d ' ') == 28b52ffd ]] || t_die "$W.tar.zst is not zstd"
	has "^$W2 +RUNNING " "sysc-ls web2"
	has "^$W +STOPPED " "sysc-ls web"
	sysc-wait "$W2" --booted -t 120 >/dev/null || t_die "$W2 does not boot: $(sysc-console "$W2" --log | tail -n 5)"
}

test_tour_destroy() {
	run_step destroy
	has '^NAME +STATE' "sysc-ls header"
	[[ $(wc -l <<<"$OUT") == 1 ]] || t_die "containers left: $OUT"
	expect_store
	! link_exists "$BR" || t_die "bridge $BR left"
	! ip -o link | grep -q "vs-tw$ID" || t_die "veth ends left: $(ip -o link | grep "vs-tw$ID")"
	expect_clean
}

# the steps depend on each other: keep the containers between them, and
# once one step failed, the rest are failures too (not run)
T_KEEP_RUNNING=1
t_run test_tour_has_every_step
broken=""
for s in "${STEPS[@]}"; do
	if [[ -n $broken ]]; then
		echo "FAIL: test_tour_$s (not run: step $broken failed)"
		T_FAILED=$((T_FAILED + 1))
		continue
	fi
	failed_before=$T_FAILED
	t_run "test_tour_$s"
	[[ $T_FAILED == "$failed_before" ]] || broken=$s
done
t_summary
