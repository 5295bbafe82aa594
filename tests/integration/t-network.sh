#!/bin/bash
# Networking from the config: veth on a sysc-net bridge, create = true,
# macvlan, phys, empty, none; host-side cleanup at stop, after a monitor
# crash and over start/stop cycles; bad input; two Debian containers.
# Traffic stays on the test's own bridge, links and namespaces; every link
# made here is removed even when a test fails.
# (bridges, veths and nftables rules only in a network namespace of its own)
T_PRIVATE_NETNS=1 T_NEEDS_DEBIAN=1
. "$(dirname "$0")/lib.sh"

BR=svt$$  # bridge made with sysc-net create
ABR=sva$$ # bridge made by create = true
DUM=svd$$ # veth pairs standing in for host NICs (no dummy module here)
S4=10.231.$(($$ % 200)).
S6=fd31:$(($$ % 9000))::
T_STORES+=("$T_ROOT/store2")

# a command in the container's network namespace, with the host's busybox
links() { # host link names, sorted
	ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | sort
}

net_cleanup() {
	local n l
	for n in $(sysc-ls --format json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4); do
		sysc-stop -k "$n" >/dev/null 2>&1 || true
	done
	sysc-net delete -f "$BR" >/dev/null 2>&1 || true # the record in sysc.conf too
	for l in $(links | grep -E "^($BR|$ABR|$DUM[a-z]|vs-nt[a-z0-9]*-[0-9]+)$"); do
		ip link del "$l" 2>/dev/null || true
	done
	return 0
}
trap 'net_cleanup; t_cleanup_all' EXIT

veth_conf() { # NAME-less config: veth on $BR with address suffix $1
	cfg "veth$1.conf" <<EOF2
network = ( { type = "veth"; link = "$BR"; ipv4 = ["$S4$1/24"]; ipv6 = ["$S6$1/64"];
              gateway4 = "${S4}1"; gateway6 = "${S6}1"; } );
EOF2
}

expect_no_links_of() { # no host link named after container $1
	local left
	left=$(links | grep -E "^vs-$1-" || true)
	[[ -z $left ]] || t_die "links of $1 left on the host: $left"
}

test_veth_on_managed_bridge() {
	trap net_cleanup EXIT
	local before
	before=$(links)
	sysc-net create "$BR" --ipv4 "${S4}1/24" --ipv6 "${S6}1/64" --no-nat
	sysc-net ls | grep -E >/dev/null "^$BR +net +up +0 +${S4}1/24, ${S6}1/64" || t_die "ls: $(sysc-net ls)"
	expect_fail "network $BR already exists" sysc-net create "$BR"
	sysc-create nta -t busybox -f "$(veth_conf 2)"
	sysc-create ntb -t busybox -f "$(veth_conf 3)"
	sysc-start nta
	sysc-start ntb
	links | grep -x >/dev/null vs-nta-0 || t_die "no host end vs-nta-0: $(links)"
	[[ $(link_master vs-nta-0) == "$BR" ]] ||
		t_die "vs-nta-0 not on $BR"
	# addresses, MAC and routes inside, as configured and as sysc-info says
	local mac
	mac=$(sysc-info nta | grep -o 'eth0: veth.*' | grep -oE '02(:[0-9a-f]{2}){5}')
	[[ -n $mac ]] || t_die "no MAC in sysc-info: $(sysc-info nta)"
	inns nta ip -o addr show eth0 | grep >/dev/null "inet ${S4}2/24" || t_die "$(inns nta ip addr)"
	inns nta ip -o addr show eth0 | grep >/dev/null "inet6 ${S6}2/64" || t_die "$(inns nta ip addr)"
	inns nta ip -o link show eth0 | grep >/dev/null "link/ether $mac" || t_die "MAC: $(inns nta ip link)"
	inns nta ip -o link show lo | grep >/dev/null 'UP' || t_die "lo down"
	inns nta ip route | grep >/dev/null "default via ${S4}1 dev eth0" || t_die "$(inns nta ip route)"
	inns nta ip -6 route | grep >/dev/null "default via ${S6}1 dev eth0" || t_die "$(inns nta ip -6 route)"
	sysc-net ls | grep -E >/dev/null "^$BR +net +up +2 " || t_die "ports: $(sysc-net ls)"
	# container <-> container, container <-> host, both families
	inns nta busybox ping -c1 -W2 "${S4}3" >/dev/null || t_die "nta -> ntb IPv4"
	inns nta busybox ping -c1 -W2 "${S6}3" >/dev/null || t_die "nta -> ntb IPv6"
	inns ntb busybox ping -c1 -W2 "${S4}1" >/dev/null || t_die "ntb -> bridge IPv4"
	inns ntb busybox ping -c1 -W2 "${S6}1" >/dev/null || t_die "ntb -> bridge IPv6"
	busybox ping -c1 -W2 "${S4}2" >/dev/null || t_die "host -> nta"
	expect_fail "network $BR is in use by nta, ntb" sysc-net delete "$BR"
	sysc-stop nta
	sysc-stop ntb
	expect_no_links_of nta
	expect_no_links_of ntb
	sysc-net delete "$BR"
	expect_eq "$(links)" "$before" "host links"
	expect_fail "bridge $BR does not exist" sysc-net delete "$BR"
	expect_fail "lo was not made by sysc" sysc-net delete lo
	expect_clean
}

test_bridge_created_on_demand() {
	trap net_cleanup EXIT
	local before c
	before=$(links)
	c=$(cfg auto.conf <<EOF2
network = ( { type = "veth"; link = "$ABR"; create = true; ipv4 = ["${S4}9/24"]; } );
EOF2
	)
	sysc-create ntc -t busybox -f "$c"
	sysc-create ntd -t busybox -f "$c"
	sysc-config ntd network "( { type = \"veth\"; link = \"$ABR\"; create = true; } )"
	sysc-start ntc
	sysc-start ntd
	sysc-net ls | grep -E >/dev/null "^$ABR +auto +up +2 " || t_die "ls: $(sysc-net ls)"
	sysc-stop ntc
	links | grep -x >/dev/null "$ABR" || t_die "bridge removed while ntd uses it"
	sysc-stop ntd
	expect_eq "$(links)" "$before" "host links after the last stop"
	expect_clean
}

test_macvlan_on_dummy() {
	trap net_cleanup EXIT
	ip link add "${DUM}m" type veth peer name "${DUM}n" || t_die "cannot make a parent link"
	ip link set "${DUM}m" up
	sysc-create nte -t busybox -f "$(cfg mv.conf <<EOF2
network = ( { type = "macvlan"; link = "${DUM}m"; mode = "bridge"; name = "mv0";
              ipv4 = ["${S4}20/24"]; mtu = 1400; },
            { type = "macvlan"; link = "${DUM}m"; mode = "private"; name = "mv1";
              hwaddr = "02:00:5e:10:00:01"; up = false; } );
EOF2
	)"
	sysc-start nte
	inns nte ip -d -o link show mv0 | grep >/dev/null 'macvlan mode bridge' || t_die "$(inns nte ip -d link)"
	inns nte ip -o link show mv0 | grep >/dev/null 'mtu 1400' || t_die "mtu: $(inns nte ip link show mv0)"
	inns nte ip -o addr show mv0 | grep >/dev/null "inet ${S4}20/24" || t_die "$(inns nte ip addr)"
	inns nte ip -d -o link show mv1 | grep >/dev/null 'macvlan mode private' || t_die "mv1 mode"
	inns nte ip -o link show mv1 | grep >/dev/null 'link/ether 02:00:5e:10:00:01' || t_die "mv1 MAC"
	inns nte ip -o link show mv1 | grep >/dev/null 'state DOWN' || t_die "mv1 not down"
	sysc-stop nte
	ip link del "${DUM}m"
	expect_clean
}

test_phys_moved_in_and_back() {
	trap net_cleanup EXIT
	local idx
	ip link add "${DUM}p" type veth peer name "${DUM}q" || t_die "cannot make a link"
	idx=$(link_ifindex "${DUM}p")
	sysc-create ntf -t busybox -f "$(cfg phys.conf <<EOF2
network = ( { type = "phys"; link = "${DUM}p"; name = "eth0"; ipv4 = ["${S4}30/24"]; } );
EOF2
	)"
	sysc-start ntf
	! link_exists "${DUM}p" || t_die "${DUM}p still on the host"
	inns ntf ip -o addr show eth0 | grep >/dev/null "inet ${S4}30/24" || t_die "$(inns ntf ip addr)"
	sysc-stop ntf
	link_exists "${DUM}p" || t_die "${DUM}p did not come back: $(links)"
	expect_eq "$(link_ifindex "${DUM}p")" "$idx" "ifindex"
	# again, with the monitor killed: the kernel deletes a virtual device
	# (a real NIC comes back as devN and sysc-stop renames it); nothing hangs
	sysc-start ntf
	kill -9 "$(monitor_pid ntf)"
	sysc-stop -t 2 ntf || t_die "stop after a monitor crash"
	! link_exists "${DUM}p" && ! link_exists "${DUM}q" ||
		t_die "veth pair left: $(links)"
	expect_clean
}

test_monitor_killed_veth_removed() {
	trap net_cleanup EXIT
	sysc-net create "$BR" --ipv4 "${S4}1/24" --ipv6 none --no-nat
	sysc-create ntg -t busybox -f "$(veth_conf 4)"
	sysc-start ntg
	local mon
	mon=$(monitor_pid ntg)
	[[ -n $mon ]] || t_die "no monitor pid"
	kill -9 "$mon"
	sleep 0.1
	links | grep -x >/dev/null vs-ntg-0 || t_die "the container lost its link with the monitor"
	sysc-stop -t 2 ntg
	expect_no_links_of ntg
	[[ ! -e $SYSC_RUN_DIR/ntg ]] || t_die "runtime dir left"
	sysc-net delete "$BR"
	expect_clean
}

test_empty_and_none() {
	trap net_cleanup EXIT
	sysc-create nth -t busybox
	sysc-config nth network '( { type = "empty"; } )'
	sysc-start nth
	expect_eq "$(inns nth ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')" "lo " "links in empty"
	inns nth ip -o link show lo | grep >/dev/null UP || t_die "lo down"
	sysc-stop nth
	sysc-config nth network '( { type = "none"; } )'
	sysc-info nth 2>&1 | grep >/dev/null "shares the host's network namespace" || t_die "no warning"
	sysc-start nth
	local h c
	h=$(readlink /proc/self/ns/net)
	c=$(readlink "/proc/$(init_pid nth)/ns/net")
	expect_eq "$c" "$h" "netns of a none container"
	# (this file runs in a network namespace of its own: its links are "the host's")
	expect_eq "$(nsenter -t "$(init_pid nth)" -m -p /bin/busybox ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\n' ' ')" \
		"$(links | tr '\n' ' ')" "links seen by a none container"
	sysc-stop nth
	expect_clean
}

test_bad_network_input() {
	trap net_cleanup EXIT
	local before
	before=$(links)
	sysc-create nti -t busybox -f "$(veth_conf 5)"
	# the bridge does not exist and create is not set
	expect_fail "bridge $BR of nti \(network\[0\], eth0\) does not exist" sysc-start nti
	sysc-ls | grep -E >/dev/null '^nti +STOPPED' || t_die "$(sysc-ls)"
	expect_eq "$(links)" "$before" "host links"
	expect_clean
	sysc-config nti network "( { type = \"macvlan\"; link = \"${DUM}x\"; } )"
	expect_fail "parent interface ${DUM}x \(network\[0\] of nti\) does not exist" sysc-start nti
	sysc-config nti network "( { type = \"phys\"; link = \"${DUM}x\"; } )"
	expect_fail "host interface ${DUM}x \(network\[0\] of nti\) does not exist" sysc-start nti
	expect_eq "$(links)" "$before" "host links"
	expect_clean
	# refused by validation, before anything starts
	expect_fail 'invalid' sysc-config nti network '( { type = "veth"; link = "b"; ipv4 = ["10.0.0.300/24"]; } )'
	expect_fail 'invalid' sysc-config nti network '( { type = "veth"; link = "b"; ipv6 = ["fd00::1/129"]; } )'
	expect_fail 'used twice' sysc-config nti network '( { type = "veth"; link = "b"; ipv4 = ["10.0.0.1/24"]; }, { type = "veth"; link = "b"; name = "eth1"; ipv4 = ["10.0.0.1/16"]; } )'
	expect_fail 'used twice' sysc-config nti network '( { type = "veth"; link = "b"; }, { type = "macvlan"; link = "b"; } )'
	expect_fail 'MAC' sysc-config nti network '( { type = "veth"; link = "b"; hwaddr = "02:00:00:00:00"; } )'
	expect_fail 'multicast' sysc-config nti network '( { type = "veth"; link = "b"; hwaddr = "01:00:00:00:00:01"; } )'
	expect_fail 'invalid interface name' sysc-config nti network '( { type = "veth"; link = "b"; name = "a-name-of-16-chr"; } )'
	expect_fail 'needs "link"' sysc-config nti network '( { type = "veth"; } )'
	expect_fail 'invalid bridge name' sysc-net create a-name-of-16-chr
	expect_fail 'invalid IPv4 address' sysc-net create "$BR" --ipv4 10.0.0.1
	expect_eq "$(links)" "$before" "host links"
}

test_start_stop_cycles() {
	trap net_cleanup EXIT
	local before
	before=$(links)
	sysc-net create "$BR" --ipv4 "${S4}1/24" --ipv6 none --no-nat
	ip link add "${DUM}c" type veth peer name "${DUM}d" || t_die "cannot make a parent link"
	sysc-create ntj -t busybox -f "$(cfg cyc.conf <<EOF2
network = ( { type = "veth"; link = "$BR"; ipv4 = ["${S4}40/24"]; },
            { type = "macvlan"; link = "${DUM}c"; name = "eth1"; },
            { type = "veth"; link = "$ABR"; create = true; name = "eth2"; } );
EOF2
	)"
	local during
	for i in $(seq 20); do
		sysc-start ntj
		[[ $i == 1 ]] && during=$(links)
		[[ $(links) == "$during" ]] || t_die "cycle $i: links differ while running: $(links)"
		sysc-stop ntj
	done
	ip link del "${DUM}c"
	sysc-net delete "$BR"
	expect_eq "$(links)" "$before" "host links after 20 cycles"
	expect_clean
}

test_debian_pair_on_bridge() {
	# the Debian template cache of the run (t-debian.sh warms it), else a debootstrap
	trap net_cleanup EXIT
	sysc-net create "$BR" --ipv4 "${S4}1/24" --ipv6 "${S6}1/64" --no-nat
	sysc-create ntx -t debian -f "$(veth_conf 11)" >/dev/null 2>&1 || t_die "create ntx"
	sysc-create nty -t debian -f "$(veth_conf 12)" >/dev/null 2>&1 || t_die "create nty"
	sysc-start ntx
	sysc-start nty
	wait_running ntx
	wait_running nty
	local n a mac out
	for n in ntx nty; do
		a=$([[ $n == ntx ]] && echo 11 || echo 12)
		mac=$(sysc-info $n | grep -o 'eth0: veth.*' | grep -oE '02(:[0-9a-f]{2}){5}')
		out=$(sysc-attach $n -- ip addr show eth0)
		grep "inet ${S4}$a/24" <<<"$out" >/dev/null || t_die "$n after boot: $out"
		grep "inet6 ${S6}$a/64" <<<"$out" >/dev/null || t_die "$n after boot: $out"
		grep "link/ether $mac" <<<"$out" >/dev/null || t_die "$n MAC $mac: $out"
	done
	sysc-attach ntx -- ping -c1 -W2 "${S4}12" >/dev/null || t_die "ntx -> nty IPv4"
	sysc-attach ntx -- ping -c1 -W2 "${S6}12" >/dev/null || t_die "ntx -> nty IPv6"
	sysc-attach nty -- ping -c1 -W2 "${S4}11" >/dev/null || t_die "nty -> ntx IPv4"
	sysc-attach nty -- ping -c1 -W2 "${S6}11" >/dev/null || t_die "nty -> ntx IPv6"
	sysc-attach ntx -- ping -c1 -W2 "${S4}1" >/dev/null || t_die "ntx -> bridge IPv4"
	sysc-attach nty -- ping -c1 -W2 "${S6}1" >/dev/null || t_die "nty -> bridge IPv6"
	sysc-stop ntx
	sysc-stop nty
	expect_no_links_of ntx
	expect_no_links_of nty
	sysc-net delete "$BR"
	expect_clean
}

# A host link that has the name a container wants (host_name) is not
# sysc's: the refused start leaves it alone, and removes the link it did make.
test_foreign_host_link_kept() {
	trap net_cleanup EXIT
	local idx
	sysc-net create "$BR" --ipv4 "${S4}1/24" --ipv6 none --no-nat
	ip link add "${DUM}h" type veth peer name "${DUM}i" || t_die "cannot make a link"
	idx=$(link_ifindex "${DUM}h")
	sysc-create ntf -t busybox -f "$(cfg fh.conf <<EOF2
network = ( { type = "veth"; link = "$BR"; },
            { type = "veth"; link = "$BR"; name = "eth1"; host_name = "${DUM}h"; } );
EOF2
)"
	expect_fail "host interface ${DUM}h \(network\[1\] of ntf\) already exists" sysc-start ntf
	expect_eq "$(link_ifindex "${DUM}h")" "$idx" "ifindex of ${DUM}h"
	expect_no_links_of ntf
	ip link del "${DUM}h"
	sysc-net delete "$BR"
	expect_clean
}

# The same name in two stores: both run on one bridge with host links and
# MACs of their own
test_two_stores_same_name() {
	trap 'net_cleanup; SYSC_PATH=$T_ROOT/store2 sysc-stop -k ntk >/dev/null 2>&1 || true' EXIT
	local s2=$T_ROOT/store2 m1 m2
	sysc-net create "$BR" --ipv4 "${S4}1/24" --ipv6 none --no-nat
	sysc-create ntk -t busybox -f "$(veth_conf 6)"
	SYSC_PATH=$s2 sysc-create ntk -t busybox -f "$(veth_conf 7)"
	sysc-start ntk
	SYSC_PATH=$s2 sysc-start ntk
	m1=$(inns ntk ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*')
	m2=$(SYSC_PATH=$s2 inns ntk ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*')
	[[ -n $m1 && -n $m2 ]] || t_die "MACs '$m1' '$m2'"
	[[ $m1 != "$m2" ]] || t_die "both have MAC $m1"
	inns ntk busybox ping -c1 -W2 "${S4}7" >/dev/null || t_die "store 1's ntk cannot reach store 2's"
	expect_eq "$(ip -o link show master "$BR" | wc -l)" 2 "ports of $BR"
	SYSC_PATH=$s2 sysc-stop ntk
	expect_eq "$(ip -o link show master "$BR" | wc -l)" 1 "ports of $BR after one stop"
	sysc-stop ntk
	SYSC_PATH=$s2 sysc-destroy ntk
	sysc-net delete "$BR"
	expect_clean
}

monitor_pid() {
	grep -o 'monitor_pid[^0-9]*[0-9]*' "$SYSC_RUN_DIR/$1/state" | grep -o '[0-9]*$'
}

t_run test_veth_on_managed_bridge
t_run test_bridge_created_on_demand
t_run test_macvlan_on_dummy
t_run test_phys_moved_in_and_back
t_run test_monitor_killed_veth_removed
t_run test_empty_and_none
t_run test_bad_network_input
t_run test_start_stop_cycles
t_run test_foreign_host_link_kept
t_run test_two_stores_same_name
t_run test_debian_pair_on_bridge
t_summary
