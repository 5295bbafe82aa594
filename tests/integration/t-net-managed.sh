#!/bin/bash
# Managed networks (issue 17, the core): the default bridge sysc0 made by the
# first start, pool addresses set before init (sticky, per container, released
# at destroy), default route, NAT, the guest's resolv.conf, sysc-net create /
# set / delete / ls, made again from sysc.conf after a "reboot", --isolated,
# --domain, and bad input. Everything runs in the test's own "host" network
# namespace (netns.sh); the real host's links, nft ruleset and sysctls are
# compared at exit.
T_DEFAULT_NETWORK=1 # default.conf as shipped: every container on sysc0
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
trap 'netns_cleanup; t_cleanup_all' EXIT
netns_setup
# the wan's own servers live under $T_ROOT for the whole file
T_HELPER_RE="--bind $WAN_ADDR|--listen-address=$WAN_ADDR"

hs() { in_host "$@"; }

# a host program in the container's network namespace
ls_addr() { # the IPV4 column of sysc-ls
	sysc-ls | awk -v n="$1" '$1 == n { print $6 }'
}

record() { # the sysc.conf record of network $1
	grep -v '^\s*#' "$SYSC_CONF_DIR/sysc.conf" | grep -o "\"$1 ipv4=[^\"]*\"" | tr -d '"'
}

bridge4() { # the bridge's IPv4 address of network $1, from its record
	record "$1" | sed -n 's/.* ipv4=\([0-9.]*\)\/.*/\1/p'
}

monitor_pid() {
	grep -o 'monitor_pid[^0-9]*[0-9]*' "$SYSC_RUN_DIR/$1/state" | grep -o '[0-9]*$'
}

expect_no_net_left() { # no managed bridge, no nft table of sysc in HOST
	local l
	l=$(hs ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(sysc0|vs-)' || true)
	[[ -z $l ]] || t_die "links left in the host namespace: $l"
	! hs nft list table inet sysc >/dev/null 2>&1 || t_die "table inet sysc left: $(hs nft list ruleset)"
	! hs nft list table bridge sysc >/dev/null 2>&1 || t_die "table bridge sysc left: $(hs nft list ruleset)"
}

# at the end of each test, also a failed one: its containers stopped in the
# host namespace, every network it made deleted
net_reset() {
	local n
	for n in $(sysc-ls --format json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4); do
		hs sysc-stop -k "$n" >/dev/null 2>&1 || true
	done
	for n in $(grep -v '^\s*#' "$SYSC_CONF_DIR/sysc.conf" | grep -o '"[a-z0-9]* ipv4=' | tr -d '"' | cut -d' ' -f1); do
		hs sysc-net delete -f "$n" >/dev/null 2>&1 || true
	done
	return 0
}

on_net_conf() { # config: a veth on network $1, nothing else
	cfg "on-$1.conf" <<EOF2
network = ( { type = "veth"; link = "$1"; } );
EOF2
}

# The acceptance test of the issue: no network in any config, a Debian boot.
test_default_network() {
	trap net_reset EXIT
	local a a2 br4
	sysc-create c1 -t debian >/dev/null
	hs sysc-start c1
	wait_running c1
	record sysc0 | grep -E >/dev/null '^sysc0 ipv4=10\.[0-9]+\.[0-9]+\.1/24 ipv6=fd[0-9a-f:]+::1/64 nat$' ||
		t_die "sysc.conf record: $(grep networks "$SYSC_CONF_DIR/sysc.conf")"
	br4=$(bridge4 sysc0)
	hs sysc-net ls | grep -E >/dev/null "^sysc0 +net +up +1 +$br4/24, fd[0-9a-f:]+::1/64  nat, domain sysc$" ||
		t_die "ls: $(hs sysc-net ls)"
	a=$(ls_addr c1)
	[[ $a == "${br4%.1}".* && $a != "$br4" ]] || t_die "sysc-ls address of c1: '$a' (bridge $br4)"
	inns c1 ip -4 -o addr show eth0 | grep >/dev/null "inet $a/24" || t_die "eth0: $(inns c1 ip addr)"
	inns c1 ip route show default | grep >/dev/null "^default via $br4 dev eth0" ||
		t_die "route: $(inns c1 ip route)"
	# the ULA pool address, and no IPv6 default route (the host does not forward IPv6)
	inns c1 ip -6 -o addr show eth0 scope global | grep -E >/dev/null "inet6 fd[0-9a-f:]+::1:1/64" ||
		t_die "IPv6: $(inns c1 ip -6 addr)"
	[[ -z $(inns c1 ip -6 route show default) ]] || t_die "IPv6 default route: $(inns c1 ip -6 route)"
	# NAT: the wan's server answers, and saw the host's uplink address
	inside c1 bash -c "exec 3<>/dev/tcp/$WAN_ADDR/80 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && cat <&3" |
		grep >/dev/null "$WAN_PAGE" || t_die "no page from the wan"
	tail -n 1 "$WAN_HTTP_LOG" | grep >/dev/null "^$UPLINK_ADDR " || t_die "wan saw: $(tail -n 1 "$WAN_HTTP_LOG")"
	expect_eq "$(hs cat /proc/sys/net/ipv4/ip_forward)" 1 "ip_forward in the host namespace"
	inside c1 cat /etc/resolv.conf | grep >/dev/null "^nameserver $br4$" ||
		t_die "resolv.conf: $(inside c1 cat /etc/resolv.conf)"
	# DNS through the bridge's dnsmasq: a name only the wan's server knows,
	# and c2 on the same network finds c1 by its names
	inside c1 getent hosts example.test | grep >/dev/null "^$WAN_NAME_ADDR " ||
		t_die "example.test: $(inside c1 getent hosts example.test)"
	sysc-create c2 -t busybox >/dev/null
	hs sysc-start c2
	for n in c1 c1.sysc; do
		inside c2 nslookup "$n" 2>&1 | grep >/dev/null "Address.*$a\$" ||
			t_die "c2 resolving $n: $(inside c2 nslookup "$n" 2>&1)"
	done
	hs sysc-stop c2
	sysc-destroy -f c2
	sysc-info c1 | grep >/dev/null "eth0: veth, host end vs-c1-0 on bridge sysc0, .*, $a/24" ||
		t_die "info: $(sysc-info c1)"
	sysc-info c1 | grep >/dev/null "dns name: c1, c1.sysc (on sysc0)" || t_die "info: $(sysc-info c1)"
	# the same address after a stop/start, and after a monitor SIGKILL
	hs sysc-stop c1
	hs sysc-start c1
	expect_eq "$(inns c1 ip -4 -o addr show eth0 | awk '{print $4}')" "$a/24" "address after restart"
	kill -9 "$(monitor_pid c1)"
	hs sysc-stop c1
	hs sysc-start c1
	expect_eq "$(inns c1 ip -4 -o addr show eth0 | awk '{print $4}')" "$a/24" "address after a monitor kill"
	hs sysc-stop c1
	# a host reboot loses the bridge and the rules: the next start makes them
	# again from sysc.conf, with the same subnets and address
	hs ip link del sysc0
	hs nft delete table inet sysc
	hs sysc-start c1
	a2=$(inns c1 ip -4 -o addr show eth0 | awk '{print $4}')
	expect_eq "$a2" "$a/24" "address after the bridge was made again"
	hs ip -4 -o addr show sysc0 | grep >/dev/null "inet $br4/24" || t_die "sysc0: $(hs ip addr show sysc0)"
	hs nft list chain inet sysc nat-post | grep >/dev/null "ip saddr ${br4%.1}.0/24" ||
		t_die "NAT not made again: $(hs nft list ruleset)"
	hs sysc-stop c1
	hs sysc-net delete sysc0
	[[ -z $(record sysc0) ]] || t_die "record left: $(record sysc0)"
	expect_no_net_left
	expect_clean
}

# pool addresses: one per container, sticky, a copy gets its own, destroy
# releases it
test_pool_addresses() {
	trap net_reset EXIT
	local a1 a2 a3 a5 u2
	sysc-create b1 -t busybox >/dev/null
	sysc-create b2 -t busybox >/dev/null
	hs sysc-start b1
	hs sysc-start b2
	a1=$(ls_addr b1)
	a2=$(ls_addr b2)
	[[ -n $a1 && -n $a2 && $a1 != "$a2" && $a1 != - ]] || t_die "addresses '$a1' '$a2'"
	inns b2 busybox ping -c1 -W2 "$a1" >/dev/null || t_die "b2 -> b1"
	hs sysc-stop b1
	sysc-copy b1 b3
	hs sysc-start b3
	a3=$(ls_addr b3)
	[[ $a3 != "$a1" && $a3 != "$a2" && $a3 != - ]] || t_die "the copy got '$a3' (b1 $a1, b2 $a2)"
	expect_eq "$(ls_addr b1)" "$a1" "b1 keeps its lease while stopped"
	# an import too
	sysc-export b1 "$T_ROOT/b1.tar" >/dev/null
	sysc-import "$T_ROOT/b1.tar" b5 >/dev/null
	hs sysc-start b5
	a5=$(ls_addr b5)
	[[ $a5 != "$a1" && $a5 != "$a2" && $a5 != "$a3" && $a5 != - ]] || t_die "the import got '$a5'"
	hs sysc-stop b5
	u2=$(sysc-info b2 | awk '/^UUID:/ {print $2}')
	grep >/dev/null " $u2 " "$SYSC_STATE_DIR/net-leases" || t_die "no lease of b2: $(cat "$SYSC_STATE_DIR/net-leases")"
	hs sysc-stop b2
	hs sysc-stop b3
	sysc-destroy b2
	! grep " $u2 " "$SYSC_STATE_DIR/net-leases" || t_die "lease of b2 kept after destroy"
	# the freed address goes to the next container
	sysc-create b4 -t busybox >/dev/null
	hs sysc-start b4
	expect_eq "$(ls_addr b4)" "$a2" "the freed address, leased again"
	hs sysc-stop b4
	hs sysc-net delete sysc0
	expect_no_net_left
}

# sysc-net create / set / delete / ls; --isolated, --domain
test_net_commands() {
	trap net_reset EXIT
	local b
	hs sysc-net create iso --ipv4 10.66.1.1/24 --ipv6 none --isolated --domain lab
	hs sysc-net ls | grep -E >/dev/null '^iso +net +up +0 +10\.66\.1\.1/24  nat, isolated, domain lab$' ||
		t_die "ls: $(hs sysc-net ls)"
	expect_eq "$(record iso)" "iso ipv4=10.66.1.1/24 ipv6=none nat isolated domain=lab" "record"
	sysc-create i1 -t busybox -f "$(on_net_conf iso)" >/dev/null
	sysc-create i2 -t busybox -f "$(on_net_conf iso)" >/dev/null
	hs sysc-start i1
	hs sysc-start i2
	expect_eq "$(ls_addr i1)" 10.66.1.2 "i1's address"
	expect_eq "$(ls_addr i2)" 10.66.1.3 "i2's address"
	sysc-info i1 | grep >/dev/null "dns name: i1, i1.lab (on iso)" || t_die "info: $(sysc-info i1)"
	inns i1 busybox ping -c1 -W2 10.66.1.1 >/dev/null || t_die "i1 -> the host"
	! inns i1 busybox ping -c1 -W1 10.66.1.3 >/dev/null || t_die "i1 reached i2 on an isolated bridge"
	hs sysc-net set iso --no-isolated
	inns i1 busybox ping -c1 -W2 10.66.1.3 >/dev/null || t_die "i1 -> i2 once not isolated"
	hs nft list chain inet sysc nat-post | grep >/dev/null 'ip saddr 10.66.1.0/24' || t_die "no NAT rule"
	hs sysc-net set iso --no-nat
	# (table bridge sysc keeps the containers' own addresses: anti-spoofing)
	! hs nft list table inet sysc 2>/dev/null | grep 10.66.1 || t_die "NAT left after --no-nat: $(hs nft list ruleset)"
	expect_eq "$(record iso)" "iso ipv4=10.66.1.1/24 ipv6=none no-nat domain=lab" "record after set"
	expect_fail "network iso is in use by i1, i2; stop them first" hs sysc-net delete iso
	expect_fail "network iso has containers on it" hs sysc-net set iso --ipv4 10.66.9.1/24
	hs sysc-stop i1
	hs sysc-stop i2
	hs sysc-net set iso --ipv4 10.66.9.1/24
	hs sysc-start i1
	expect_eq "$(ls_addr i1)" 10.66.9.2 "i1 keeps its place in the new subnet"
	hs sysc-stop i1
	hs sysc-net delete iso
	b=$(hs sysc-net ls | tail -n +2)
	[[ -z $b ]] || t_die "ls after delete: $b"
	! grep '^iso ' "$SYSC_STATE_DIR/net-leases" || t_die "leases of iso left"
	expect_no_net_left
	expect_clean
}

# network = ( ) in a container's config: only lo, no lease, no sysc0
test_no_network() {
	trap net_reset EXIT
	sysc-create n1 -t busybox -f "$(cfg none.conf <<<'network = ( );')" >/dev/null
	hs sysc-start n1
	expect_eq "$(inns n1 ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1)" lo "links of n1"
	expect_eq "$(ls_addr n1)" - "address of n1"
	[[ -z $(record sysc0) ]] || t_die "sysc0 recorded for a container without network"
	! hs ip link show sysc0 >/dev/null 2>&1 || t_die "sysc0 made for a container without network"
	! inside n1 grep -q 'written by sysc' /etc/resolv.conf 2>/dev/null || t_die "resolv.conf of n1 written"
	hs sysc-stop n1
	expect_clean
}

# each bad input: a clear error naming the culprit, and nothing changed
test_bad_input() {
	trap net_reset EXIT
	local conf_before links_before i
	hs sysc-net create tiny --ipv4 10.66.2.1/29 --ipv6 none --no-nat
	conf_before=$(cat "$SYSC_CONF_DIR/sysc.conf")
	links_before=$(hs ip -o link | awk -F': ' '{print $2}' | sort)
	expect_fail "subnet 198\.51\.100\.9/24 of bad overlaps the host route 198\.51\.100\.0/24" \
		hs sysc-net create bad --ipv4 198.51.100.9/24
	expect_fail "subnet 10\.66\.0\.1/16 of bad overlaps the network tiny" \
		hs sysc-net create bad --ipv4 10.66.0.1/16
	expect_fail "invalid IPv4 address \"10\.0\.0\.1\"" hs sysc-net create bad --ipv4 10.0.0.1
	expect_fail "invalid domain \"A_B\"" hs sysc-net create bad --domain A_B
	expect_fail "network tiny already exists" hs sysc-net create tiny
	expect_fail "network nosuch does not exist" hs sysc-net set nosuch --nat
	expect_eq "$(cat "$SYSC_CONF_DIR/sysc.conf")" "$conf_before" "sysc.conf after refused commands"
	expect_eq "$(hs ip -o link | awk -F': ' '{print $2}' | sort)" "$links_before" "links after refused commands"
	# a /29 has 5 addresses for containers
	for i in 1 2 3 4 5 6; do
		sysc-create "t$i" -t busybox -f "$(on_net_conf tiny)" >/dev/null
	done
	for i in 1 2 3 4 5; do
		hs sysc-start "t$i"
		hs sysc-stop "t$i"
	done
	expect_eq "$(ls_addr t5)" 10.66.2.6 "the last address of the /29"
	expect_fail "the address pool of network tiny is exhausted \(5 addresses" hs sysc-start t6
	expect_eq "$(sysc-ls | awk '$1 == "t6" {print $2}')" STOPPED "t6 after the refused start"
	[[ -z $(hs ip -o link | grep vs-t6-) ]] || t_die "link of t6 left"
	# a bridge that does not exist (and is no managed network)
	sysc-create x1 -t busybox -f "$(on_net_conf nosuch)" >/dev/null
	expect_fail "bridge nosuch of x1 \(network\[0\], eth0\) does not exist" hs sysc-start x1
	hs sysc-net delete tiny
	expect_no_net_left
	expect_clean
}

t_run test_default_network
t_run test_pool_addresses
t_run test_net_commands
t_run test_no_network
t_run test_bad_input
t_summary
