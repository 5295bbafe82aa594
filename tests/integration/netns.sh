# Network namespaces for the tests of managed networking (sourced after
# lib.sh). Nothing here touches the real host's links, firewall or sysctls:
#
#   WAN  (netns $NS_WAN)  198.51.100.1/24 (TEST-NET-2) on wan0: the test's
#        own HTTP server (port 80, page $WAN_PAGE, access log $WAN_HTTP_LOG)
#        and DNS server (dnsmasq: example.test -> $WAN_NAME_ADDR, nothing
#        else, no upstream)
#   HOST (netns $NS_HOST) 198.51.100.2/24 on uplink0, default route via the
#        wan; its resolver is the wan's DNS server. sysc's commands run here:
#          in_host CMD...       nsenter --net in a private mount namespace
#                               with the test's resolv.conf bound over
#                               /etc/resolv.conf (/sys stays the host's)
#          in_host_ip CMD...    `ip netns exec`, which also remounts /sys
#                               for the namespace (the cgroup hierarchies
#                               are not under it)
#
#   netns_setup             makes both (call it in the test file, once)
#   netns_cleanup           stops the servers by pid, deletes the namespaces
#                           (called by the EXIT trap this file sets)
#   host_state              the real host's nft ruleset, forwarding
#                           sysctls and links; netns_setup saves it and
#                           netns_cleanup fails the file if it changed
NS_HOST=sysc-th$$
NS_WAN=sysc-tw$$
WAN_ADDR=198.51.100.1
UPLINK_ADDR=198.51.100.2
WAN_NAME_ADDR=198.51.100.80
WAN_DIR=$T_ROOT/wan
WAN_HTTP_LOG=$WAN_DIR/http.log
WAN_PAGE="sysc-wan-page-$$"
NS_RESOLV=/etc/netns/$NS_HOST/resolv.conf
T_NETNS_PIDS=()

host_state() {
	if command -v nft >/dev/null; then
		nft list ruleset 2>&1
	else
		echo "(no nft)"
	fi
	local f
	for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding \
		/proc/sys/net/ipv4/conf/all/route_localnet; do
		echo "$f $(cat "$f")"
	done
	ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | sort
}

in_host() {
	unshare -m --propagation slave sh -c \
		'mount --bind "$0" /etc/resolv.conf && ns=$1 && shift && exec nsenter --net=/run/netns/"$ns" -- "$@"' \
		"$WAN_DIR/resolv.conf" "$NS_HOST" "$@"
}

in_host_ip() {
	ip netns exec "$NS_HOST" "$@"
}

in_wan() {
	ip netns exec "$NS_WAN" "$@"
}

netns_setup() {
	mkdir -p "$WAN_DIR/www"
	host_state >"$WAN_DIR/host-state.before"
	echo "$WAN_PAGE" >"$WAN_DIR/www/index.html"
	echo "nameserver $WAN_ADDR" >"$WAN_DIR/resolv.conf"
	mkdir -p "/etc/netns/$NS_HOST"
	cp "$WAN_DIR/resolv.conf" "$NS_RESOLV"
	ip netns add "$NS_HOST"
	ip netns add "$NS_WAN"
	ip link add uplink0 netns "$NS_HOST" type veth peer name wan0 netns "$NS_WAN"
	ip -n "$NS_HOST" link set lo up
	ip -n "$NS_WAN" link set lo up
	ip -n "$NS_HOST" addr add "$UPLINK_ADDR/24" dev uplink0
	ip -n "$NS_WAN" addr add "$WAN_ADDR/24" dev wan0
	ip -n "$NS_WAN" addr add "$WAN_NAME_ADDR/24" dev wan0
	ip -n "$NS_HOST" link set uplink0 up
	ip -n "$NS_WAN" link set wan0 up
	ip -n "$NS_HOST" route add default via "$WAN_ADDR"
	# the wan's servers; python's http.server logs each client's address
	# (ip netns exec directly, not through in_wan: $! must be the server
	# itself, not a subshell that leaves it running when killed)
	ip netns exec "$NS_WAN" python3 -m http.server --bind "$WAN_ADDR" --directory "$WAN_DIR/www" 80 \
		>/dev/null 2>"$WAN_HTTP_LOG" &
	T_NETNS_PIDS+=($!)
	ip netns exec "$NS_WAN" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--bind-interfaces --listen-address="$WAN_ADDR" --except-interface=lo \
		--address="/example.test/$WAN_NAME_ADDR" --pid-file= --log-facility=- \
		2>"$WAN_DIR/dns.log" &
	T_NETNS_PIDS+=($!)
	local i
	for i in $(seq 100); do
		in_wan bash -c "exec 3<>/dev/tcp/$WAN_ADDR/80" 2>/dev/null && break
		sleep 0.05
	done
	in_wan bash -c "exec 3<>/dev/tcp/$WAN_ADDR/80" 2>/dev/null || t_die "wan HTTP server did not start"
}

netns_cleanup() {
	local p rc=0
	# a managed network a failed test left: its DNS supervisor and dnsmasq
	# outlive the containers and would keep the namespace alive after its
	# name is gone (the containers go with t_cleanup_all, through their
	# monitors, which do their teardown in this namespace)
	for p in $(ip netns pids "$NS_HOST" 2>/dev/null); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == @(sysc-dns*|dnsmasq) ]] && kill "$p" 2>/dev/null
	done
	for p in "${T_NETNS_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	ip netns del "$NS_HOST" 2>/dev/null
	ip netns del "$NS_WAN" 2>/dev/null
	rm -rf "/etc/netns/$NS_HOST"
	rmdir /etc/netns 2>/dev/null
	if [[ -f $WAN_DIR/host-state.before ]]; then
		# links go asynchronously with their namespace
		for p in $(seq 50); do
			host_state >"$WAN_DIR/host-state.after"
			cmp -s "$WAN_DIR/host-state.before" "$WAN_DIR/host-state.after" && break
			sleep 0.1
		done
		if ! cmp -s "$WAN_DIR/host-state.before" "$WAN_DIR/host-state.after"; then
			echo "FAIL: $(basename "$0"): the real host's network state changed:"
			diff "$WAN_DIR/host-state.before" "$WAN_DIR/host-state.after" | sed 's/^/    | /'
			rc=1
		fi
	fi
	return $rc
}
