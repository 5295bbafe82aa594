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
S6=fd32:$(($$ % 9000))::

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

# a config: veth on $BR with address $S4$2, ports $3 (a libconfig array)
port_conf() {
	cfg "$1.conf" <<EOF2
network = ( { type = "veth"; link = "$BR"; ipv4 = ["$S4$2/24"]; gateway4 = "${S4}1"; } );
ports = $3;
EOF2
}

ruleset() { in_host nft list ruleset; }

# a web server on port 80 inside (busybox httpd, gone with the container)
serve() {
	in_host sysc-attach "$1" -- /bin/busybox sh -c \
		"mkdir -p /www && echo page-of-$1 >/www/index.html && busybox httpd -p 80 -h /www"
	local i
	for i in $(seq 50); do
		in_host curl -s --max-time 2 "http://$S4$2/" 2>/dev/null | grep -q "page-of-$1" && return 0
		sleep 0.1
	done
	t_die "no web server in $1"
}

# a UDP echo server on port $2 in container $1's network namespace (a host
# program; its pid in UDP_PID), and a client: the answer to "ping-udp"
UDP_ECHO='import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", int(__import__("sys").argv[1])))
while True:
    d, a = s.recvfrom(100); s.sendto(b"echo-" + d, a)'
UDP_ASK='import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b"ping-udp", (sys.argv[1], int(sys.argv[2])))
try: print(s.recvfrom(100)[0].decode())
except OSError: pass'
udp_echo() {
	nsenter -t "$(cinit "$1")" -n python3 -c "$UDP_ECHO" "$2" &
	UDP_PID=$!
}

# GET URL from the wan or the host ($1): the page, or nothing
get_wan() { in_wan curl -s --max-time 2 "$1" 2>/dev/null || true; }
get_host() { in_host curl -s --max-time 2 "$1" 2>/dev/null || true; }

ports_cleanup() {
	local n
	[[ -z ${UDP_PID:-} ]] || kill "$UDP_PID" 2>/dev/null || true
	for n in $(sysc-ls --format json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4); do
		in_host sysc-stop -k "$n" >/dev/null 2>&1 || true
	done
	in_host sysc-net delete "$BR" >/dev/null 2>&1 || true
	return 0
}

# the container NAME on $BR, IPv4 suffix N, port forwards PORTS
port_container() {
	sysc-create "$1" -t busybox -f "$(port_conf "$1" "$2" "$3")"
}

# the end of a test: $BR deleted (sysc-net run through RUNNER: in_host,
# in_host_ip), the containers NAME... destroyed, nothing left
ports_done() {
	local run=$1 n
	shift
	"$run" sysc-net delete "$BR"
	for n in "$@"; do
		sysc-destroy "$n"
	done
	expect_clean
}

test_ports_forward() {
	trap ports_cleanup EXIT
	in_host sysc-net create "$BR" --ipv4 "${S4}1/24"
	port_container pf1 2 '["tcp:8080:80", "tcp:127.0.0.1:2222:80", "udp:5353:53"]'
	in_host sysc-info pf1 | grep -E >/dev/null '^Ports: +tcp:8080:80, tcp:127.0.0.1:2222:80, udp:5353:53$' ||
		t_die "sysc-info: $(in_host sysc-info pf1)"
	local before run1 i
	before=$(ruleset)
	for i in 1 2 3; do
		in_host sysc-start pf1
		serve pf1 2
		# the wan through the uplink; the host itself at its uplink
		# address and at 127.0.0.1; the 127.0.0.1-only forward not from the wan
		expect_eq "$(get_wan "http://$UPLINK_ADDR:8080/")" page-of-pf1 "wan -> uplink:8080 (start $i)"
		expect_eq "$(get_host "http://127.0.0.1:8080/")" page-of-pf1 "host -> 127.0.0.1:8080"
		expect_eq "$(get_host "http://$UPLINK_ADDR:8080/")" page-of-pf1 "host -> uplink:8080"
		expect_eq "$(get_host "http://127.0.0.1:2222/")" page-of-pf1 "host -> 127.0.0.1:2222"
		expect_eq "$(get_wan "http://$UPLINK_ADDR:2222/")" "" "wan -> uplink:2222 (127.0.0.1 only)"
		if [[ $i == 1 ]]; then
			in_host sysc-info pf1 --format json | grep -F >/dev/null '"ports":"tcp:8080:80, tcp:127.0.0.1:2222:80, udp:5353:53"' ||
				t_die "sysc-info json: $(in_host sysc-info pf1 --format json)"
			udp_echo pf1 53
			local got="" k
			for k in $(seq 20); do
				got=$(in_wan python3 -c "$UDP_ASK" "$UPLINK_ADDR" 5353)
				[[ -n $got ]] && break
			done
			expect_eq "$got" echo-ping-udp "wan -> uplink:5353/udp"
			expect_eq "$(in_host python3 -c "$UDP_ASK" 127.0.0.1 5353)" echo-ping-udp "host -> 127.0.0.1:5353/udp"
			kill "$UDP_PID"
			wait "$UDP_PID" 2>/dev/null || true
		fi
		# the same rules at every start: nothing added twice
		if [[ $i == 1 ]]; then
			run1=$(ruleset)
			grep -q 'tcp . 8080 comment "sysc:pf1"' <<<"$run1" || t_die "no forward: $run1"
		else
			expect_eq "$(ruleset)" "$run1" "rule set at start $i"
		fi
		in_host sysc-stop pf1
		expect_eq "$(get_wan "http://$UPLINK_ADDR:8080/")" "" "wan -> uplink:8080 after stop"
		expect_eq "$(get_host "http://127.0.0.1:8080/")" "" "host -> 127.0.0.1:8080 after stop"
		expect_eq "$(ruleset)" "$before" "rule set after stop $i"
	done
	expect_eq "$(in_host cat /proc/sys/net/ipv4/conf/$BR/route_localnet)" 0 "route_localnet of $BR after stop"
	ports_done in_host pf1
}

test_ports_monitor_killed() {
	trap ports_cleanup EXIT
	in_host sysc-net create "$BR" --ipv4 "${S4}1/24"
	port_container pk1 3 '["tcp:8081:80"]'
	local before mon
	before=$(ruleset)
	in_host sysc-start pk1
	serve pk1 3
	mon=$(monitor_pid pk1)
	[[ -n $mon ]] || t_die "no monitor pid"
	kill -9 "$mon"
	# the container and its forward outlive the monitor; the stop removes both
	expect_eq "$(get_wan "http://$UPLINK_ADDR:8081/")" page-of-pk1 "wan -> uplink:8081, monitor killed"
	in_host sysc-stop -t 2 pk1
	expect_eq "$(ruleset)" "$before" "rule set after a killed monitor and a stop"
	expect_eq "$(get_host "http://127.0.0.1:8081/")" "" "host -> 127.0.0.1:8081 after stop"
	# and it starts again (its old forward is not someone else's)
	in_host sysc-start pk1
	serve pk1 3
	expect_eq "$(get_host "http://127.0.0.1:8081/")" page-of-pk1 "host -> 127.0.0.1:8081 after restart"
	in_host sysc-stop pk1
	expect_eq "$(ruleset)" "$before" "rule set after the last stop"
	ports_done in_host pk1
}

test_ports_taken() {
	trap ports_cleanup EXIT
	in_host sysc-net create "$BR" --ipv4 "${S4}1/24"
	port_container pt1 4 '["tcp:8082:80", "udp:8082:53"]'
	port_container pt2 5 '["tcp:9000:80", "tcp:8082:81"]'
	port_container pt3 6 '["tcp:127.0.0.1:8082:80"]'
	local before running
	before=$(ruleset)
	in_host sysc-start pt1
	serve pt1 4
	running=$(ruleset)
	expect_fail 'host port 8082/tcp is taken by container pt1' in_host sysc-start pt2
	expect_fail 'host port 8082/tcp is taken by container pt1' in_host sysc-start pt3
	# nothing of theirs left: no rules, no links, not running
	expect_eq "$(ruleset)" "$running" "rule set after the refused starts"
	in_host ip -o link | grep -E 'vs-pt[23]-' && t_die "links of a refused start left"
	in_host sysc-ls | grep -E >/dev/null '^pt2 +STOPPED' || t_die "pt2: $(in_host sysc-ls)"
	expect_eq "$(get_wan "http://$UPLINK_ADDR:8082/")" page-of-pt1 "pt1's forward after the refused starts"
	# a program of the host's on the port, or an address the host does not have
	port_container pt4 7 '["tcp:8084:80"]'
	in_host python3 -c 'import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 8084)); s.listen(); time.sleep(600)' &
	local lpid=$! i
	for i in $(seq 100); do
		in_host bash -c 'exec 3<>/dev/tcp/127.0.0.1/8084' 2>/dev/null && break
		sleep 0.05
	done
	expect_fail 'port forward tcp:8084:80 of pt4: host port 8084/tcp is in use on the host' in_host sysc-start pt4
	kill "$lpid"
	wait "$lpid" 2>/dev/null || true
	sysc-config pt4 ports '["tcp:203.0.113.9:8084:80"]'
	expect_fail 'port forward tcp:203.0.113.9:8084:80 of pt4: 203.0.113.9 is not an address of the host' in_host sysc-start pt4
	expect_eq "$(ruleset)" "$running" "rule set after the refused starts"
	# the port is free again once its owner stops
	in_host sysc-stop pt1
	in_host sysc-start pt2
	serve pt2 5
	expect_eq "$(get_wan "http://$UPLINK_ADDR:9000/")" page-of-pt2 "wan -> uplink:9000 (pt2)"
	in_host sysc-stop pt2
	expect_eq "$(ruleset)" "$before" "rule set after all stops"
	ports_done in_host pt1 pt2 pt3 pt4
}

test_ports_bad_spec() {
	local spec
	for spec in sctp:1:2 tcp:8080 tcp:0:80 tcp:80:65536 tcp:1.2.3:80:80 tcp:localhost:80:80 tcp:1:2:3:4; do
		expect_fail "ports: invalid port forward \"$spec\"" \
			sysc-create pb1 -t busybox -f "$(port_conf pb1 7 "[\"$spec\"]")"
	done
	expect_fail 'host port 80/tcp is forwarded twice' \
		port_container pb1 7 '["tcp:80:80", "tcp:127.0.0.1:80:81"]'
	cfg noveth.conf <<<'ports = ["tcp:80:80"];' >/dev/null
	expect_fail 'port forwards need a network entry of type "veth"' \
		sysc-create pb1 -t busybox -f "$T_ROOT/noveth.conf"
	expect_store ""
	port_container pb1 7 '["tcp:80:80"]'
	expect_fail 'ports: invalid port forward "tcp:80:x"' sysc-config pb1 ports '["tcp:80:x"]'
	expect_eq "$(sysc-config pb1 ports)" "tcp:80:80" "ports after a refused set"
	sysc-destroy pb1
	expect_clean
}

test_ports_ip_netns_exec() {
	trap ports_cleanup EXIT
	in_host_ip sysc-net create "$BR" --ipv4 "${S4}1/24"
	port_container pi1 8 '["tcp:8083:80"]'
	local before
	before=$(ruleset)
	in_host_ip sysc-start pi1
	serve pi1 8
	expect_eq "$(get_wan "http://$UPLINK_ADDR:8083/")" page-of-pi1 "wan -> uplink:8083 (ip netns exec)"
	expect_eq "$(in_host_ip curl -s --max-time 2 http://127.0.0.1:8083/)" page-of-pi1 "127.0.0.1:8083 (ip netns exec)"
	in_host_ip sysc-stop pi1
	expect_eq "$(ruleset)" "$before" "rule set after stop"
	ports_done in_host_ip pi1
}

# raw frames (AF_PACKET, host python in a container's network namespace):
# FRAME_SEND DSTMAC SRCMAC VLAN(0: untagged) SRCIP DSTIP MARKER sends one IPv4
# frame; FRAME_RECV MARKER READYFILE prints "got" when a frame with MARKER
# arrives on eth0 within 3 s
FRAME_SEND='import socket, struct, sys
dst, src, vlan, sip, dip, marker = sys.argv[1:7]
mac = lambda m: bytes.fromhex(m.replace(":", ""))
body = marker.encode()
hdr = lambda c: struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 1, 0, 64, 253, c,
                            socket.inet_aton(sip), socket.inet_aton(dip))
c = sum(struct.unpack("!10H", hdr(0)))
c = (c & 0xffff) + (c >> 16)
ip = hdr(~((c & 0xffff) + (c >> 16)) & 0xffff)
tag = struct.pack("!HH", 0x8100, int(vlan)) if int(vlan) else b""
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(mac(dst) + mac(src) + tag + struct.pack("!H", 0x0800) + ip + body)'
FRAME_RECV='import socket, select, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
open(sys.argv[2], "w").close()
end = time.time() + 3
while time.time() < end:
    if select.select([s], [], [], max(0, end - time.time()))[0] and sys.argv[1].encode() in s.recv(4096):
        print("got")
        break'

# does a frame ga1 sends (VLAN $1, source $2) reach ga2? "got" or nothing
frame_through() {
	local ready=$T_ROOT/frame-ready marker="sysc-frame-$RANDOM" out pid
	rm -f "$ready"
	inns ga2 python3 -c "$FRAME_RECV" "$marker" "$ready" >"$T_ROOT/frame.out" &
	pid=$!
	while [[ ! -e $ready ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	inns ga1 python3 -c "$FRAME_SEND" "$(ifmac ga2)" "$(ifmac ga1)" "$1" "$2" "${S4}22" "$marker"
	wait "$pid" || true
	cat "$T_ROOT/frame.out"
}

ifmac() { inns "$1" ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }

test_anti_spoofing() {
	trap ports_cleanup EXIT
	in_host sysc-net create "$BR" --ipv4 "${S4}1/24" --ipv6 "${S6}1/64"
	local n
	for n in 1 2; do
		cfg ga$n.conf >/dev/null <<EOF2
network = ( { type = "veth"; link = "$BR"; ipv4 = ["${S4}2$n/24"]; ipv6 = ["${S6}2$n/64"]; } );
EOF2
	done
	sysc-create ga1 -t busybox -f "$T_ROOT/ga1.conf"
	sysc-create ga2 -t busybox -f "$T_ROOT/ga2.conf"
	local before mac
	before=$(ruleset)
	in_host sysc-start ga1
	in_host sysc-start ga2
	# its own addresses: through
	inns ga1 busybox ping -c1 -W2 "${S4}22" >/dev/null || t_die "ga1 -> ga2"
	inns ga1 busybox ping -c1 -W2 "${S4}1" >/dev/null || t_die "ga1 -> bridge"
	# a forged source address (ga2's, or one nobody has): nothing gets through
	inns ga1 ip addr add "${S4}99/24" dev eth0
	inns ga1 busybox ping -c1 -W1 -I "${S4}99" "${S4}22" >/dev/null && t_die "forged ${S4}99 -> ga2 got through"
	inns ga1 busybox ping -c1 -W1 -I "${S4}99" "${S4}1" >/dev/null && t_die "forged ${S4}99 -> bridge got through"
	inns ga1 ip addr del "${S4}99/24" dev eth0
	inns ga1 busybox ping -c1 -W2 "${S4}1" >/dev/null || t_die "ga1 -> bridge after the forgery"
	# IPv6: its own address, and SLAAC's (EUI-64 of its MAC) in any prefix;
	# another one: nothing
	local eui
	mac=$(inns ga1 ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	[[ -n $mac ]] || t_die "no MAC of ga1's eth0"
	local m
	IFS=: read -ra m <<<"$mac"
	eui=$(printf '%x:%xff:fe%02x:%x' $(((0x${m[0]} ^ 2) * 256 + 0x${m[1]})) $((0x${m[2]})) \
		$((0x${m[3]})) $((0x${m[4]} * 256 + 0x${m[5]})))
	inns ga1 busybox ping -c1 -W2 "${S6}22" >/dev/null || t_die "ga1 -> ga2 IPv6"
	inns ga1 ip addr add "${S6}99/64" dev eth0 nodad
	inns_addr6_ready ga1 eth0 "${S6}99"
	inns ga1 busybox ping -c1 -W1 -I "${S6}99" "${S6}22" >/dev/null && t_die "forged ${S6}99 -> ga2 got through"
	inns ga1 ip addr del "${S6}99/64" dev eth0
	# (SLAAC may have made it already, and may still be testing it: replace
	# keeps the tentative flag, so wait for the kernel's DAD to end)
	inns ga1 ip addr replace "${S6}$eui/64" dev eth0 nodad
	inns_addr6_ready ga1 eth0 "${S6}$eui"
	inns ga1 busybox ping -c1 -W2 -I "${S6}$eui" "${S6}22" >/dev/null || t_die "SLAAC ${S6}$eui -> ga2"
	inns ga1 ip addr del "${S6}$eui/64" dev eth0
	# raw frames: its own source passes, a forged one does not, with or
	# without a VLAN tag (the checks see the addresses inside the tag)
	expect_eq "$(frame_through 0 "${S4}21")" got "an untagged frame from ga1's own address"
	expect_eq "$(frame_through 0 "${S4}99")" "" "an untagged frame from a forged address"
	expect_eq "$(frame_through 5 "${S4}21")" got "a VLAN-tagged frame from ga1's own address"
	expect_eq "$(frame_through 5 "${S4}99")" "" "a VLAN-tagged frame from a forged address"
	# a forged MAC: nothing gets through either
	mac=$(inns ga1 ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	[[ -n $mac ]] || t_die "no MAC of ga1's eth0"
	inns ga1 ip neigh flush dev eth0
	inns ga1 ip link set eth0 address 02:00:00:00:00:99
	inns ga1 busybox ping -c1 -W1 "${S4}22" >/dev/null && t_die "forged MAC -> ga2 got through"
	inns ga1 ip link set eth0 address "$mac"
	inns ga1 ip neigh flush dev eth0
	inns ga1 busybox ping -c1 -W2 "${S4}22" >/dev/null || t_die "ga1 -> ga2 with its own MAC again"
	# one port's rules go with its container; the last takes the table
	[[ $(ruleset) == *guard-vs-ga1-0* ]] || t_die "no guard of ga1: $(ruleset)"
	in_host sysc-stop ga1
	[[ $(ruleset) != *guard-vs-ga1-0* ]] || t_die "guard of ga1 left: $(ruleset)"
	[[ $(ruleset) == *guard-vs-ga2-0* ]] || t_die "guard of ga2 gone with ga1: $(ruleset)"
	# a SIGKILLed monitor: the stop after it removes the rules too
	kill -9 "$(monitor_pid ga2)"
	in_host sysc-stop -t 2 ga2
	expect_eq "$(ruleset)" "$before" "rule set after the stops"
	ports_done in_host ga1 ga2
}

test_ports_import_trust() {
	port_container pe1 9 '["tcp:2222:22"]'
	sysc-export pe1 "$T_ROOT/pe1.tar"
	expect_fail 'ports\[0\]: tcp:2222:22 takes a port on the host.s addresses \(--allow ports\)' \
		sysc-import "$T_ROOT/pe1.tar" pe2
	expect_store "pe1"
	sysc-import "$T_ROOT/pe1.tar" pe2 --allow ports
	expect_eq "$(sysc-config pe2 ports)" "tcp:2222:22" "ports of the import"
	sysc-destroy pe1
	sysc-destroy pe2
	rm -f "$T_ROOT/pe1.tar"
	expect_clean
}

# GET / of host:port from inside container $1 (busybox nc), the page or nothing
get_in() {
	in_host sysc-attach "$1" -- /bin/busybox sh -c \
		"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 $2 $3 | tail -n 1" 2>/dev/null || true
}

test_ports_hairpin() {
	trap 'ports_cleanup; [[ -z ${BRNF:-} ]] || in_host sysctl -qw net.bridge.bridge-nf-call-iptables="$BRNF"' EXIT
	in_host sysc-net create "$BR" --ipv4 "${S4}1/24"
	port_container ph1 30 '["tcp:8086:80"]'
	port_container ph2 31 '[]'
	# routed, not seen by br_netfilter (bridged IP through the host's
	# hooks, as on this host: it would undo the DNAT on the bridge itself)
	BRNF=$(in_host cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || true)
	[[ -z $BRNF ]] || in_host sysctl -qw net.bridge.bridge-nf-call-iptables=0
	in_host sysc-start ph1
	in_host sysc-start ph2
	serve ph1 30
	# a neighbour on the same bridge through the host's addresses, and ph1 itself
	expect_eq "$(get_in ph2 "${S4}1" 8086)" page-of-ph1 "ph2 -> bridge address:8086"
	expect_eq "$(get_in ph2 "$UPLINK_ADDR" 8086)" page-of-ph1 "ph2 -> uplink:8086"
	expect_eq "$(get_in ph1 "$UPLINK_ADDR" 8086)" page-of-ph1 "ph1 -> uplink:8086 (itself)"
	in_host sysc-stop ph1
	in_host sysc-stop ph2
	ports_done in_host ph1 ph2
}

test_ip_netns_exec() {
	local before
	before=$(cgroup2_opts)
	sysc-create pn1 -t busybox
	# its cgroups: in every hierarchy a start outside ip netns exec uses
	local want
	sysc-start pn1
	want=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$SYSC_CGROUP_PARENT/pn1" | sort)
	[[ -n $want ]] || t_die "no cgroup $SYSC_CGROUP_PARENT/pn1 on the host"
	sysc-stop -k pn1
	in_host_ip sysc-start pn1
	in_host_ip sysc-ls | grep -E >/dev/null '^pn1 +RUNNING' || t_die "not running: $(in_host_ip sysc-ls)"
	expect_eq "$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$SYSC_CGROUP_PARENT/pn1" | sort)" \
		"$want" "cgroups of pn1 started under ip netns exec"
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
t_run test_ports_bad_spec
t_run test_ports_forward
t_run test_ports_monitor_killed
t_run test_ports_taken
t_run test_ports_ip_netns_exec
t_run test_anti_spoofing
t_run test_ports_hairpin
t_run test_ports_import_trust
t_summary
