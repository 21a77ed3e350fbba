#!/usr/bin/env bash
# Captures real kernel TCP, UDP and ICMP traffic through the lab's flannel-like VXLAN overlay
# (samples/lab/lib.sh), one scenario at a time, with real tcpdump: the cases of issue 12 (a transfer
# caught mid-stream, loss on the underlay, SYN retries, keep-alives, one-way syslog, DNS,
# traceroute, ping to self). Run as root: sudo bash make-traffic-captures.sh [scenario...]
# Needs: iproute2, tcpdump, nftables, iputils-ping, socat, ethtool, traceroute, bsdutils (logger),
# python3. Writes each capture's text beside it, as samples/lab/make-text.sh prints it.
set -euo pipefail
cd "$(dirname "$0")"
source ../lab/lib.sh
# Namespaces of their own (oat-*), so this can run beside make-captures.sh.
NS_R=oat-router NS_A=oat-nodea NS_B=oat-nodeb NS_PA=oat-poda NS_PB=oat-podb
# On exit (also on error): stop this script's own background jobs (captures, peers), remove the lab.
trap 'kill $(jobs -p) 2>/dev/null || true; lab_down' EXIT
PEERS=(/usr/bin/python3 "$PWD/peers.py")

# nft_router FAMILY TABLE CHAIN-SPEC RULE: one chain with one rule on the router.
nft_router() {
  nsx $NS_R nft add table "$1" "$2"
  nsx $NS_R nft add chain "$1" "$2" c "$3"
  nsx $NS_R nft add rule "$1" "$2" c $4
}
FORWARD='{ type filter hook forward priority 0; }'
# Offsets from the outer UDP header (@th) into a VXLAN packet: UDP 8 + VXLAN 8 + inner Ethernet 14
# + inner IPv4 20 (no options) = 50 bytes to the inner transport header.
INNER_TCP_FLAGS='@th,504,8'   # byte 50 + 13
INNER_UDP_DPORT='@th,416,16'  # byte 50 + 2
# SYNs (flags exactly SYN) from pod B to pod A, dropped on the underlay.
drop_inner_syns() { nft_router inet f "$FORWARD" "ip saddr 192.168.223.131 udp dport 8472 $INNER_TCP_FLAGS 0x02 drop"; }

# cap NS NAME IFACE [tcpdump args...]: one capture SCENARIO.NAME-IFACE.pcap.
cap() { local ns=$1 name=$2 ifc=$3; shift 3; capture_start "$ns" "$ifc" "$S.$name-$ifc.pcap" "$@"; }
# The transfers carry MBs: keep the headers (SLL2 20 + outer IPv4 20 + UDP 8 + VXLAN 8 + Ethernet 14
# + inner IPv4 20 + TCP with options <= 60 = 150) and cut the payload.
SNAP=(-s 200)
# No TSO/GSO on the underlay NIC: the kernel cuts a pod's TCP super-packets into MTU-sized VXLAN
# packets before they leave the node, as a NIC without UDP tunnel segmentation makes it do, so the
# router sees (and drops) one segment at a time.
underlay_segments() { for ns in $NS_A $NS_B; do nsx $ns ethtool -K ens224 tso off gso off tx-udp_tnl-segmentation off >/dev/null 2>&1 || true; done; }

# Pod B logs 5 lines, 0.2 s apart, to pod A:514 over UDP from one socket (logger reading its stdin);
# pod A reads them (so no port unreachable) and never answers; both nodes captured (-i any).
syslog_both_nodes() {
  nsx $NS_PA socat -u UDP-RECV:514 OPEN:/dev/null & srv=$!
  cap $NS_A nodea any
  cap $NS_B nodeb any
  sleep 1
  for i in 1 2 3 4 5; do echo "line $i"; sleep 0.2; done | nsx $NS_PB logger --udp -n 10.244.2.2 -P 514 --rfc3164 -t app
  sleep 0.5
  kill $srv 2>/dev/null || true
}

scenario() {
  S=$1
  echo "== $S" >&2
  export VXLAN_EXTRA=
  lab_up
  # Pods get flannel.1's MTU, as flannel's CNI config gives them (the lab's 1500 is for frag-needed):
  # else the first full-sized segment of a transfer draws "need to frag (mtu 1450)" from cni0.
  for p in "$NS_A $NS_PA" "$NS_B $NS_PB"; do
    set -- $p
    nsx "$1" ip link set veth-pod mtu 1450
    nsx "$2" ip link set eth0 mtu 1450
  done
  case $S in
    tcp-midstream)
      # Pod B sends 2 MB to pod A:8080 over 3 s; the captures start 0.7 s after the connection is
      # established (no SYN) and last past the close (FIN both ways).
      nsx $NS_PA "${PEERS[@]}" sink 8080 & srv=$!
      sleep 0.5
      nsx $NS_PB "${PEERS[@]}" send 10.244.2.2 8080 2097152 3 & cli=$!
      until nsx $NS_PB ss -Htn state established dport = :8080 | grep -q .; do sleep 0.05; done
      sleep 0.7
      cap $NS_A nodea any "${SNAP[@]}"
      cap $NS_B nodeb any "${SNAP[@]}"
      wait $cli $srv ;;
    tcp-underlay-loss)
      # 1 in 20 VXLAN packets dropped at random on the router, both ways: pod B sends 192 KiB to pod A.
      underlay_segments
      nft_router inet f "$FORWARD" 'udp dport 8472 numgen random mod 20 == 0 drop'
      nsx $NS_PA "${PEERS[@]}" sink 8080 & srv=$!
      cap $NS_A nodea any "${SNAP[@]}"
      cap $NS_B nodeb any "${SNAP[@]}"
      cap $NS_B nodeb ens224 "${SNAP[@]}"
      sleep 1
      nsx $NS_PB "${PEERS[@]}" send 10.244.2.2 8080 196608 1
      wait $srv
      nsx $NS_R nft list ruleset >&2 ;;
    syn-retry|syn-retry-backoff)
      # Pod B's SYNs to pod A:8080 are dropped on the underlay for 8 s, then let through. This
      # kernel (6.18) retries linearly first (net.ipv4.tcp_syn_linear_timeouts = 4, since Linux
      # 6.5): SYNs at 0, 1, 2, 3, 4, 5, 7, 11 s, and the eighth connects. syn-retry-backoff turns that
      # off in pod B, as older kernels behave: SYNs at 0, 1, 3, 7, 15 s, and the fifth connects.
      if [ $S = syn-retry-backoff ]; then nsx $NS_PB sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0; fi
      drop_inner_syns
      nsx $NS_PA socat -T20 TCP-LISTEN:8080,reuseaddr SYSTEM:'read l; echo ok' & srv=$!
      cap $NS_B nodeb any
      cap $NS_B nodeb ens224
      cap $NS_A nodea any
      sleep 1
      (echo hello | nsx $NS_PB socat -T2 - TCP:10.244.2.2:8080 >/dev/null) & cli=$!
      sleep 8
      nsx $NS_R nft delete table inet f
      wait $cli $srv ;;
    syn-never)
      # Every SYN from pod B to pod A:8080 is dropped on the underlay; pod B gives up (tcp_syn_retries
      # 3, plus this kernel's 4 linear retries: SYNs at 0, 1, 2, 3, 4, 5, 7, 11 s, connect fails at 19 s).
      drop_inner_syns
      nsx $NS_PB sysctl -qw net.ipv4.tcp_syn_retries=3
      nsx $NS_PA socat -T20 TCP-LISTEN:8080,reuseaddr SYSTEM:'read l; echo ok' & srv=$!
      cap $NS_B nodeb any
      cap $NS_B nodeb ens224
      sleep 1
      nsx $NS_PB socat - TCP:10.244.2.2:8080 </dev/null >/dev/null 2>&1 || true
      kill $srv 2>/dev/null || true ;;
    tcp-blackhole)
      # Pod B connects to pod A:8080; once established, the router drops all of pod B's VXLAN
      # packets: pod B's line of data is retransmitted with the kernel's backoff (~0.2, 0.4, 0.8,
      # 1.6, 3.2 s) and never acknowledged. The capture stops while it still retries.
      nsx $NS_PA socat -T20 TCP-LISTEN:8080,reuseaddr SYSTEM:'read l; echo ok' & srv=$!
      cap $NS_B nodeb any
      cap $NS_B nodeb ens224
      sleep 1
      (sleep 1; echo hello; sleep 9) 2>/dev/null | nsx $NS_PB socat -T12 - TCP:10.244.2.2:8080 >/dev/null 2>&1 & cli=$!
      sleep 0.5
      nft_router inet f "$FORWARD" 'ip saddr 192.168.223.131 udp dport 8472 drop'
      sleep 8
      kill $srv 2>/dev/null || true ;;
    tcp-refused)
      # Pod B connects to pod A:9, where nothing listens; captured on the client's node.
      cap $NS_B nodeb any
      cap $NS_B nodeb ens224
      sleep 1
      nsx $NS_PB socat -T1 - TCP:10.244.2.2:9,connect-timeout=1 </dev/null >/dev/null 2>&1 || true ;;
    tcp-fin-rst)
      # A request, an answer, the server closes (FIN), the client closes with SO_LINGER 0 (RST).
      nsx $NS_PA "${PEERS[@]}" fin-rst-server 8080 & srv=$!
      cap $NS_A nodea any
      cap $NS_B nodeb any
      sleep 1
      nsx $NS_PB "${PEERS[@]}" fin-rst-client 10.244.2.2 8080
      wait $srv ;;
    tcp-keepalive)
      # One line each way, then 5 s idle with keep-alives every second (keepidle 1, keepintvl 1), close.
      nsx $NS_PA "${PEERS[@]}" keepalive-server 8080 & srv=$!
      cap $NS_A nodea any
      cap $NS_B nodeb any
      sleep 1
      nsx $NS_PB "${PEERS[@]}" keepalive-client 10.244.2.2 8080 5
      wait $srv ;;
    udp-syslog-oneway)
      # Pod B logs 5 lines, 0.2 s apart, to pod A:514 over UDP from one socket (logger reading its
      # stdin); pod A reads them (so no port unreachable) and, as syslog does, never answers.
      syslog_both_nodes ;;
    udp-syslog-blocked)
      # As udp-syslog-oneway, with every VXLAN packet of node B dropped on the underlay (the seed's
      # blocked UDP 8472): the datagrams leave node B encapsulated and never reach node A, which is
      # captured too and sends nothing towards B (no IPv4 of its own until the end marker).
      nft_router inet f "$FORWARD" 'ip saddr 192.168.223.131 udp dport 8472 drop'
      syslog_both_nodes ;;
    udp-dns)
      # Pod B asks pod A:53 for one name, pod A answers.
      nsx $NS_PA "${PEERS[@]}" dns-server 53 & srv=$!
      cap $NS_A nodea any
      cap $NS_B nodeb any
      sleep 1
      nsx $NS_PB "${PEERS[@]}" dns-client 10.244.2.2 53 kubernetes.default.svc.cluster.local 3
      kill $srv 2>/dev/null || true ;;
    udp-dns-dropped)
      # As udp-dns, with pod B's queries to port 53 dropped on the underlay: asked 3 times, 1 s apart.
      nft_router inet f "$FORWARD" "ip saddr 192.168.223.131 udp dport 8472 $INNER_UDP_DPORT 53 drop"
      nsx $NS_PA "${PEERS[@]}" dns-server 53 & srv=$!
      cap $NS_B nodeb any
      cap $NS_B nodeb ens224
      sleep 1
      nsx $NS_PB "${PEERS[@]}" dns-client 10.244.2.2 53 kubernetes.default.svc.cluster.local 3
      kill $srv 2>/dev/null || true ;;
    traceroute)
      # From pod B through the overlay to pod A, UDP probes then ICMP echo probes (-I), and from node
      # B across the router to node A's underlay address. One probe in flight at a time (-N 1), so
      # the kernel's ICMP rate limit answers every probe.
      cap $NS_B nodeb any
      cap $NS_B nodeb ens224
      sleep 1
      nsx $NS_PB traceroute -n -N 1 -w 1 10.244.2.2 >&2
      nsx $NS_PB traceroute -n -N 1 -w 1 -I 10.244.2.2 >&2
      nsx $NS_B traceroute -n -N 1 -w 1 192.168.232.130 >&2 ;;
    ping-self)
      # Node A pings its own underlay address: the packets go over lo.
      cap $NS_A nodea any
      sleep 1
      nsx $NS_A ping -c 3 -i 0.3 -W 1 192.168.232.130 >/dev/null ;;
    *) echo "unknown scenario $S" >&2; exit 2 ;;
  esac
  # End marker, as in make-captures.sh: each node pings its router once the reply timeout has passed.
  sleep 1.5
  nsx $NS_A ping -c1 -W1 192.168.232.1 >/dev/null || true
  nsx $NS_B ping -c1 -W1 192.168.223.1 >/dev/null || true
  capture_stop 1
  lab_down
}

ALL=(tcp-midstream tcp-underlay-loss syn-retry syn-retry-backoff syn-never tcp-blackhole tcp-refused tcp-fin-rst tcp-keepalive udp-syslog-oneway udp-syslog-blocked udp-dns udp-dns-dropped traceroute ping-self)
for s in "${@:-${ALL[@]}}"; do scenario "$s"; done
