#!/bin/bash
# Makes the captures of this directory: two network namespaces (tn-a, tn-b: two "nodes"
# on an underlay veth pair, 192.168.77.1 and .2), one tunnel at a time between them,
# traffic through it, and tcpdump on tn-a's underlay interface. Run as root from anywhere:
#   samples/tunnels/make.sh
# Needs ip, tcpdump, ping, nc (OpenBSD), nft, python3. See README.md for what each capture holds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
A=192.168.77.1
B=192.168.77.2
pids=()

cleanup() {
  # Everything still running inside the two namespaces was started here (endpoints, tcpdump, nc).
  for n in tn-a tn-b; do
    for p in $(ip netns pids $n 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  ip netns del tn-a 2>/dev/null || true
  ip netns del tn-b 2>/dev/null || true
}
trap cleanup EXIT

a() { ip netns exec tn-a "$@"; }
b() { ip netns exec tn-b "$@"; }

underlay() {
  cleanup
  ip netns add tn-a
  ip netns add tn-b
  ip link add tn-va netns tn-a type veth peer name tn-vb netns tn-b
  a ip addr add $A/24 dev tn-va
  b ip addr add $B/24 dev tn-vb
  for n in tn-a tn-b; do
    ip -n $n link set lo up
    ip netns exec $n sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
  # No IPv6 on the underlay: its router solicitations would only add noise to the captures.
  a sysctl -qw net.ipv6.conf.tn-va.disable_ipv6=1
  b sysctl -qw net.ipv6.conf.tn-vb.disable_ipv6=1
  a ip link set tn-va up
  b ip link set tn-vb up
}

# capture FILE [FILE-B]: tcpdump on tn-a's underlay (and on tn-b's) until stop_capture.
capture() {
  caps=()
  ip netns exec tn-a tcpdump -Z root -i tn-va -s0 -U -w "$here/$1" 2>/dev/null &
  caps+=($!)
  if [ $# -gt 1 ]; then
    ip netns exec tn-b tcpdump -Z root -i tn-vb -s0 -U -w "$here/$2" 2>/dev/null &
    caps+=($!)
  fi
  pids+=("${caps[@]}")
  sleep 1
}
stop_capture() {
  sleep 1
  for c in "${caps[@]}"; do kill -TERM $c; wait $c || true; done
}

# user TUN/TAP tunnel endpoints on both nodes: mode, device name, tun|tap, extra options.
endpoints() {
  local mode=$1 dev=$2 kind=$3
  shift 3
  a ip tuntap add $dev mode $kind
  b ip tuntap add $dev mode $kind
  local ready
  ready=$(mktemp -d /tmp/tn-ready.XXXXXX)
  ip netns exec tn-a python3 "$here/usertunnel.py" "$mode" $A $B $dev "$@" --ready "$ready/a" &
  pids+=($!)
  ip netns exec tn-b python3 "$here/usertunnel.py" "$mode" $B $A $dev "$@" --ready "$ready/b" &
  pids+=($!)
  # Until both sockets are bound a node answers the other's packets with ICMP port/protocol unreachable.
  for _ in $(seq 100); do [ -e "$ready/a" ] && [ -e "$ready/b" ] && break; sleep 0.1; done
  rm -rf "$ready"
}

# TCP: a client sends a line, the server answers and both close.
tcp_exchange() { # server-address port
  ip netns exec tn-b sh -c "echo pong | timeout 5 nc -l $1 $2 >/dev/null" &
  local srv=$!
  sleep 0.5
  echo ping | a timeout 5 nc -N "$1" "$2" >/dev/null || true
  wait $srv || true
}

flannel_node_addresses() {
  # As flannel's udp backend sets flannel0 up: the node's pod subnet address, the whole pod network routed into it.
  # flannel's udp backend carries IPv4 only: no IPv6 (router solicitations) on flannel0.
  a sysctl -qw net.ipv6.conf.flannel0.disable_ipv6=1
  b sysctl -qw net.ipv6.conf.flannel0.disable_ipv6=1
  a ip addr add 10.244.1.0/16 dev flannel0
  b ip addr add 10.244.2.0/16 dev flannel0
  a ip link set flannel0 up mtu 1472
  b ip link set flannel0 up mtu 1472
}

# 1. flannel udp backend: ping and a TCP exchange pod network to pod network.
underlay
endpoints flannel-udp flannel0 tun
flannel_node_addresses
capture flannel-udp.pcap
a ping -c 3 -i 0.2 -I 10.244.1.0 10.244.2.0 >/dev/null
tcp_exchange 10.244.2.0 8080
stop_capture

# 2. the same, with node B's firewall dropping UDP 8285 (the carrier port not allowed), captured on
# both nodes; the underlay itself works (a node-to-node ping afterwards).
underlay
endpoints flannel-udp flannel0 tun
flannel_node_addresses
b nft add table inet tn
b nft 'add chain inet tn input { type filter hook input priority 0; }'
b nft add rule inet tn input udp dport 8285 drop
capture flannel-udp-blocked.nodea.pcap flannel-udp-blocked.nodeb.pcap
a ping -c 3 -i 0.2 -W 1 -I 10.244.1.0 10.244.2.0 >/dev/null || true
sleep 1
a ping -c 2 -i 0.5 $B >/dev/null
stop_capture

# 3. GRE with key 42, sequence numbers and checksums (RFC 2890), IPv4 and IPv6 inside.
underlay
endpoints gre tn-gre tun --key 42 --seq --csum
a ip addr add 10.10.0.1 peer 10.10.0.2 dev tn-gre
b ip addr add 10.10.0.2 peer 10.10.0.1 dev tn-gre
a ip -6 addr add fd00:10::1/64 dev tn-gre nodad
b ip -6 addr add fd00:10::2/64 dev tn-gre nodad
a ip link set tn-gre up
b ip link set tn-gre up
capture gre-key-seq-csum.pcap
a ping -c 3 -i 0.2 10.10.0.2 >/dev/null
a ping -6 -c 3 -i 0.2 fd00:10::2 >/dev/null
tcp_exchange 10.10.0.2 8080
stop_capture

# 4. GRE transparent Ethernet bridging (Linux gretap, protocol type 0x6558), no key: ARP and ping.
underlay
endpoints gretap tn-gtap tap
a ip addr add 10.20.0.1/24 dev tn-gtap
b ip addr add 10.20.0.2/24 dev tn-gtap
a ip link set tn-gtap up
b ip link set tn-gtap up
capture gretap.pcap
a ping -c 3 -i 0.2 10.20.0.2 >/dev/null
stop_capture

# 5. Weave Net's fast datapath: the kernel's own VXLAN on UDP 6784.
underlay
a ip link add tn-weave type vxlan id 1 dstport 6784 local $A remote $B dev tn-va
b ip link add tn-weave type vxlan id 1 dstport 6784 local $B remote $A dev tn-vb
a ip addr add 10.32.0.1/12 dev tn-weave
b ip addr add 10.40.0.1/12 dev tn-weave
a ip link set tn-weave up
b ip link set tn-weave up
capture weave-vxlan-6784.pcap
a ping -c 3 -i 0.2 10.40.0.1 >/dev/null
tcp_exchange 10.40.0.1 6783
stop_capture

# What tcpdump prints for the GRE captures (text inputs of the same traffic). flannel-udp and
# Weave's 6784 are not written out: tcpdump shows neither's inner packets (see README.md).
for f in gre-key-seq-csum gretap; do
  TZ=UTC tcpdump -Z root -nn -r "$here/$f.pcap" > "$here/$f.pcap.nn.txt" 2>/dev/null
  TZ=UTC tcpdump -Z root -nn -e -r "$here/$f.pcap" > "$here/$f.pcap.nn-e.txt" 2>/dev/null
  TZ=UTC tcpdump -Z root -nn -v -r "$here/$f.pcap" > "$here/$f.pcap.nn-v.txt" 2>/dev/null
done
ls -l "$here"
