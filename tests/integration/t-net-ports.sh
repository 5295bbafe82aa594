#!/bin/bash
# Port forwards (ports = [...]), anti-spoofing on sysc bridges, and sysc's
# commands under `ip netns exec` (a fresh sysfs on /sys hides the cgroup
# hierarchies there). Everything runs in the test's "host" network
# namespace (netns.sh); the real host's firewall, sysctls and links are
# compared before and after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
trap 'netns_cleanup; t_cleanup_all' EXIT

# the wan's servers are the file's own helpers, not leftovers
T_HELPER_RE=$WAN_DIR
BR=spb$$
S4=10.232.$(($$ % 200)).

# every sysc command of this file runs in the "host" namespace
hs() { in_host "$@"; }

# the container's init, seen from the host (the pid namespace is the same)
cinit() { in_host sysc-info "$1" --format json | grep -o '"pid":[0-9]*' | cut -d: -f2; }

monitor_pid() {
	grep -o 'monitor_pid[^0-9]*[0-9]*' "$SYSC_RUN_DIR/$1/state" | grep -o '[0-9]*$'
}

# nothing of this file's containers left, and the host's cgroup2 root flags
# as they were (a cgroup2 mount from the initial cgroup namespace sets them)
cgroup2_opts() { awk '$9 == "cgroup2" { print $5, $NF }' /proc/1/mountinfo; }

test_ip_netns_exec() {
	local before
	before=$(cgroup2_opts)
	sysc-create pn1 -t busybox
	in_host_ip sysc-start pn1
	in_host_ip sysc-ls | grep -E >/dev/null '^pn1 +RUNNING' || t_die "not running: $(in_host_ip sysc-ls)"
	# its cgroups are the host's, under this file's parent
	[[ -d /sys/fs/cgroup/unified/$SYSC_CGROUP_PARENT/pn1 || -d /sys/fs/cgroup/$SYSC_CGROUP_PARENT/pn1 ]] ||
		t_die "no cgroup $SYSC_CGROUP_PARENT/pn1 on the host"
	in_host_ip sysc-attach pn1 -- /bin/busybox true
	in_host_ip sysc-info pn1 | grep -E >/dev/null 'RUNNING|running' || t_die "info: $(in_host_ip sysc-info pn1)"
	in_host_ip sysc-stop pn1
	in_host_ip sysc-ls | grep -E >/dev/null '^pn1 +STOPPED' || t_die "not stopped: $(in_host_ip sysc-ls)"
	# again, with a SIGKILLed monitor: the next stop cleans up under ip netns exec
	in_host_ip sysc-start pn1
	local mon
	mon=$(monitor_pid pn1)
	[[ -n $mon ]] || t_die "no monitor pid"
	kill -9 "$mon"
	in_host_ip sysc-stop -k pn1
	sysc-destroy -f pn1
	expect_eq "$(cgroup2_opts)" "$before" "the host's cgroup2 mount"
	expect_clean
}

netns_setup
t_run test_ip_netns_exec
t_summary
