#!/bin/bash
# DNS, DHCPv4 and router advertisements of a managed bridge (src/net/dns.c):
# one dnsmasq per bridge with an IPv4 address, run by sysc's supervisor,
# answering the names of the running containers on it, forwarding the rest
# to the host's resolvers (the test wan's DNS server), giving each
# container's MAC its address by DHCP, RA in the bridge's /64; restarted
# when it dies, gone with the bridge. Everything runs in the test's "host"
# network namespace (netns.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
trap 'netns_cleanup; t_cleanup_all' EXIT

BR=sdn$$
S4=10.232.$(($$ % 200)).
S6=fd32:$(($$ % 9000))::
DNS_DIR=$SYSC_RUN_DIR/net/$BR
# /run/sysc is searchable by others: so is the test's tree, and dnsmasq
# drops to nobody as it does there
chmod 711 "$T_ROOT"
mkdir -m 0755 "$SYSC_RUN_DIR" # (as the monitor makes it, whatever the umask)
# the wan's HTTP server names the test's tree (netns.sh stops it at exit)
T_HELPER_RE="http.server --bind $WAN_ADDR"

# a command in the container's network namespace, with the host's programs
alive() { # pid $1 runs (and is not a zombie left to a slow reaper)
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[[ -n $st && $st != Z ]]
}

dnsmasq_pid() {
	local p
	p=$(cat "$DNS_DIR/dnsmasq.pid" 2>/dev/null) || return 1
	[[ $(cat "/proc/$p/comm" 2>/dev/null) == dnsmasq ]] && echo "$p"
}

# the dnsmasq of $BR runs (a new one when $1 names the old pid)
wait_dnsmasq() {
	local i p
	for i in $(seq 100); do
		p=$(dnsmasq_pid) && [[ $p != "${1:-}" ]] && return 0
		sleep 0.1
	done
	t_die "no dnsmasq for $BR (old pid ${1:-none}): $(cat "$DNS_DIR/dnsmasq.log" 2>&1)"
}

# lookup CONTAINER NAME: the addresses the bridge's DNS gives NAME (A, AAAA)
lookup() {
	inns "$1" busybox nslookup "$2" "${S4}1" 2>&1 | sed -n '/^Name:/,$p' | awk '/^Address/ {print $NF}' | sort
}

# wait_lookup CONTAINER NAME WANT: until the answer is WANT
wait_lookup() {
	local i got
	for i in $(seq 50); do
		got=$(lookup "$1" "$2" | tr '\n' ' ' | sed 's/ $//') || true
		[[ $got == "$3" ]] && return 0
		sleep 0.1
	done
	t_die "$2 from $1: got '$got', expected '$3'"
}

dns_procs() { # the processes of this file's bridge DNS
	pgrep -af "$DNS_DIR" || true
	pgrep -a "^sysc-dns" | grep -F "$BR" || true
}

dns_cleanup() {
	local n
	for n in $(sysc-ls --format json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4); do
		in_host sysc-stop -k "$n" >/dev/null 2>&1 || true
	done
	in_host sysc-net delete -f "$BR" >/dev/null 2>&1 || true
	return 0
}

# $BR made by sysc-net create OPTION... (run through RUNNER: in_host,
# in_host_ip), its DNS server up
bridge_with_dns() {
	local run=$1
	shift
	"$run" sysc-net create "$BR" "$@"
	wait_dnsmasq
}

# no DNS process of $BR left (WHEN: after what), no run directory of it
expect_dns_gone() {
	expect_eq "$(dns_procs)" "" "DNS processes $1"
	[[ ! -e $SYSC_RUN_DIR/net ]] || t_die "left: $(find "$SYSC_RUN_DIR/net")"
}

veth_conf() { # a config on $BR with IPv4 suffix $1 (and IPv6 suffix $2 if given)
	cfg "veth$1.conf" <<EOF2
network = ( { type = "veth"; link = "$BR"; ipv4 = ["$S4$1/24"]; ${2:+ipv6 = [\"$S6$2/64\"];}
              gateway4 = "${S4}1"; } );
EOF2
}

mac_of() {
	inns "$1" ip -o link show eth0 | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2
}

test_names_and_forwarding() {
	trap dns_cleanup EXIT
	bridge_with_dns in_host --ipv4 "${S4}1/24" --ipv6 "${S6}1/64"
	local p
	p=$(dnsmasq_pid)
	expect_eq "$(stat -c %U "/proc/$p")" nobody "dnsmasq's user"
	grep -qx "server=$WAN_ADDR" "$DNS_DIR/dnsmasq.conf" ||
		t_die "the host's resolver is not dnsmasq's upstream: $(cat "$DNS_DIR/dnsmasq.conf")"
	sysc-create c1 -t busybox -f "$(veth_conf 2 2)"
	sysc-create c2 -t busybox -f "$(veth_conf 3)"
	in_host sysc-start c1
	in_host sysc-start c2
	wait_lookup c2 c1 "${S4}2 ${S6}2"
	wait_lookup c2 c1.sysc "${S4}2 ${S6}2"
	wait_lookup c1 c2 "${S4}3"
	# only the wan's DNS knows example.test: forwarded there
	wait_lookup c1 example.test "$WAN_NAME_ADDR"
	# a name of the domain nobody has is not forwarded
	inns c1 busybox nslookup nobody-has-this.sysc "${S4}1" >/dev/null 2>&1 &&
		t_die "nobody-has-this.sysc resolved"
	# stopped: no longer answered; started again: back
	in_host sysc-stop c1
	wait_lookup c2 c1 ""
	[[ ! -e $DNS_DIR/hosts.d/c1 ]] || t_die "hosts file of c1 left"
	in_host sysc-start c1
	wait_lookup c2 c1 "${S4}2 ${S6}2"
	in_host sysc-stop c1
	in_host sysc-stop c2
	in_host sysc-net delete "$BR"
	expect_dns_gone "after delete"
	expect_clean
}

test_dhcp_same_address() {
	trap dns_cleanup EXIT
	local out
	bridge_with_dns in_host --ipv4 "${S4}1/24"
	sysc-create c1 -t busybox -f "$(veth_conf 5)"
	in_host sysc-start c1
	# the guest's own DHCP client (busybox udhcpc, in all its namespaces)
	out=$(inside c1 udhcpc -i eth0 -n -q -f -t 5 -T 1 -s /bin/true 2>&1) ||
		t_die "udhcpc: $out"
	grep -q "lease of ${S4}5 obtained from ${S4}1" <<<"$out" || t_die "udhcpc: $out"
	grep -qi "$(mac_of c1)" "$DNS_DIR/leases" || t_die "no lease for c1: $(cat "$DNS_DIR/leases")"
	# a container without an address of its own gets one from the pool at
	# start, and its DHCP client that very address
	sysc-create c2 -t busybox -f "$(cfg nov4.conf <<EOF2
network = ( { type = "veth"; link = "$BR"; } );
EOF2
	)"
	in_host sysc-start c2
	a=$(inside c2 ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
	[[ -n $a ]] || t_die "c2 has no pool address"
	out=$(inside c2 udhcpc -i eth0 -n -q -f -t 2 -T 1 -s /bin/true 2>&1) || t_die "udhcpc in c2: $out"
	grep -q "lease of $a obtained from ${S4}1" <<<"$out" || t_die "c2 (pool $a): $out"
	in_host sysc-stop c2
	# c1 goes and c3 (another MAC) gets its address: the old lease is no
	# obstacle
	in_host sysc-stop c1
	sysc-create c3 -t busybox -f "$(veth_conf 5)"
	in_host sysc-start c3
	[[ $(mac_of c3) != "$(grep -o '02:[0-9a-f:]*' "$DNS_DIR/dhcp.d/c1" 2>/dev/null)" ]] ||
		t_die "c3 has the MAC of c1"
	out=$(inside c3 udhcpc -i eth0 -n -q -f -t 5 -T 1 -s /bin/true 2>&1) ||
		t_die "udhcpc in c3: $out"
	grep -q "lease of ${S4}5 obtained from ${S4}1" <<<"$out" || t_die "udhcpc in c3: $out"
	in_host sysc-stop c3
	in_host sysc-net delete "$BR"
	expect_clean
}

test_router_advertisements() {
	trap dns_cleanup EXIT
	local i a=
	bridge_with_dns in_host --ipv4 "${S4}1/24" --ipv6 "${S6}1/64"
	sysc-create c1 -t busybox -f "$(veth_conf 6)"
	in_host sysc-start c1
	for i in $(seq 100); do
		a=$(inns c1 ip -6 -o addr show dev eth0 scope global | awk '{print $4}')
		[[ -n $a ]] && break
		sleep 0.1
	done
	[[ $a == "${S6%::}":*/64 ]] || t_die "no SLAAC address in ${S6}/64: '$a'"
	in_host sysc-stop c1
	in_host sysc-net delete "$BR"
	expect_clean
}

test_restarted_when_killed() {
	trap dns_cleanup EXIT
	local p sup
	bridge_with_dns in_host --ipv4 "${S4}1/24"
	sysc-create c1 -t busybox -f "$(veth_conf 2)"
	sysc-create c2 -t busybox -f "$(veth_conf 3)"
	in_host sysc-start c1
	wait_lookup c1 c1 "${S4}2"
	# dnsmasq dies: its supervisor starts it again
	p=$(dnsmasq_pid)
	kill -9 "$p"
	wait_dnsmasq "$p"
	wait_lookup c1 c1 "${S4}2"
	# the supervisor is killed: its dnsmasq goes on serving; the next start
	# of a container on the bridge replaces both
	sup=$(cut -d' ' -f1 "$DNS_DIR/supervisor.pid")
	p=$(dnsmasq_pid)
	kill -9 "$sup"
	wait_lookup c1 c1 "${S4}2"
	in_host sysc-start c2
	! alive "$p" || t_die "the old dnsmasq $p still runs"
	[[ $(cut -d' ' -f1 "$DNS_DIR/supervisor.pid") != "$sup" ]] || t_die "no new supervisor"
	kill -0 "$(cut -d' ' -f1 "$DNS_DIR/supervisor.pid")" || t_die "the new supervisor does not run"
	wait_dnsmasq "$p"
	wait_lookup c2 c1 "${S4}2"
	wait_lookup c1 c2 "${S4}3"
	# a SIGKILLed monitor: sysc-stop removes the name
	kill -9 "$(grep -o 'monitor_pid[^0-9]*[0-9]*' "$SYSC_RUN_DIR/c2/state" | grep -o '[0-9]*$')"
	in_host sysc-stop -t 2 c2
	[[ ! -e $DNS_DIR/hosts.d/c2 && ! -e $DNS_DIR/dhcp.d/c2 ]] || t_die "records of c2 left"
	wait_lookup c1 c2 ""
	in_host sysc-stop c1
	in_host sysc-net delete "$BR"
	expect_eq "$(dns_procs)" "" "DNS processes after delete"
	expect_clean
}

test_no_dns_without_addresses() {
	trap dns_cleanup EXIT
	in_host sysc-net create "$BR" --ipv4 none --ipv6 none
	[[ ! -e $DNS_DIR ]] || t_die "DNS for a bridge without addresses"
	sysc-create c1 -t busybox -f "$(cfg v6.conf <<EOF2
network = ( { type = "veth"; link = "$BR"; ipv6 = ["${S6}2/64"]; } );
EOF2
	)"
	in_host sysc-start c1
	[[ ! -e $SYSC_RUN_DIR/net ]] || t_die "left: $(find "$SYSC_RUN_DIR/net")"
	in_host sysc-stop c1
	in_host sysc-net delete "$BR"
	expect_clean
}

# without dnsmasq (a Recommends of the package) a bridge has no DNS
test_no_dnsmasq_installed() {
	trap dns_cleanup EXIT
	local out
	out=$(unshare -m sh -c 'mount --bind /dev/null /usr/sbin/dnsmasq && ns=$1 && shift &&
		exec nsenter --net=/run/netns/"$ns" -- "$@"' sh "$NS_HOST" \
		sysc-net create "$BR" --ipv4 "${S4}1/24" 2>&1) || t_die "create without dnsmasq: $out"
	grep -q "bridge $BR gets no DNS.*dnsmasq-base" <<<"$out" || t_die "no warning: $out"
	in_host ip -o addr show dev "$BR" | grep >/dev/null "inet ${S4}1/24" || t_die "no bridge $BR"
	[[ ! -e $SYSC_RUN_DIR/net ]] || t_die "left: $(find "$SYSC_RUN_DIR/net")"
	in_host sysc-net delete "$BR"
	expect_clean
}

test_bridge_deleted_behind_sysc() {
	trap dns_cleanup EXIT
	local i
	bridge_with_dns in_host --ipv4 "${S4}1/24"
	ip -n "$NS_HOST" link del "$BR"
	for i in $(seq 100); do
		[[ -z $(dns_procs) && ! -e $DNS_DIR ]] && break
		sleep 0.1
	done
	expect_dns_gone "after ip link del"
	expect_clean
}

# The supervisor serves the bridge it was started for, not a name: deleted
# and at once replaced by another bridge of its name (not sysc's), it stops
# dnsmasq and exits all the same (a look for the name, as before, finds one).
test_bridge_replaced_behind_sysc() {
	trap 'ip -n "$NS_HOST" link del "$BR" 2>/dev/null || true; dns_cleanup' EXIT
	local i sup
	bridge_with_dns in_host --ipv4 "${S4}1/24"
	sup=$(cut -d' ' -f1 "$DNS_DIR/supervisor.pid")
	alive "$sup" || t_die "no DNS supervisor of $BR"
	ip -n "$NS_HOST" link del "$BR"
	ip -n "$NS_HOST" link add "$BR" type bridge
	for i in $(seq 100); do
		alive "$sup" || break
		sleep 0.1
	done
	alive "$sup" && t_die "the DNS supervisor of $BR ($sup) outlived its bridge"
	for i in $(seq 50); do
		[[ -z $(dns_procs) && ! -e $DNS_DIR ]] && break
		sleep 0.1
	done
	expect_dns_gone "after the bridge was replaced"
	ip -n "$NS_HOST" link del "$BR"
	in_host sysc-net delete "$BR"
	expect_clean
}

# `ip netns exec` (its own /etc/resolv.conf bound, /sys remounted) as well
test_under_ip_netns_exec() {
	trap dns_cleanup EXIT
	local out
	bridge_with_dns in_host_ip --ipv4 "${S4}1/24"
	out=$(in_host_ip busybox nslookup example.test "${S4}1" 2>&1) || t_die "lookup: $out"
	grep -q "Address.*$WAN_NAME_ADDR" <<<"$out" || t_die "example.test: $out"
	in_host_ip sysc-net delete "$BR"
	expect_eq "$(dns_procs)" "" "DNS processes after delete"
	expect_clean
}

netns_setup
t_run test_names_and_forwarding
t_run test_dhcp_same_address
t_run test_router_advertisements
t_run test_restarted_when_killed
t_run test_no_dns_without_addresses
t_run test_no_dnsmasq_installed
t_run test_bridge_deleted_behind_sysc
t_run test_bridge_replaced_behind_sysc
t_run test_under_ip_netns_exec
t_summary
