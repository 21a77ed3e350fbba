#!/usr/bin/env bash
# Captures real kernel traffic through kube-proxy's NAT over a flannel-like VXLAN overlay (see
# lib.sh), one scenario at a time, with real tcpdump on both nodes. Run as root:
#   sudo bash samples/kube-nat/make-captures.sh [scenario...]
# Needs: iproute2, tcpdump, nftables, iputils-ping, socat, python3 (one ARP request).
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
trap lab_down EXIT

# The client pod pings the Service IP (answered by node-b itself), then opens TCP 80 and sends
# one DNS query (UDP 53) on it: both DNATed to web-0 on node-a.
to_service() {
  nsx $NS_PB ping -c 2 -i 0.3 -W 1 $SVC >/dev/null || true
  echo hello | nsx $NS_PB socat -T1 - TCP:$SVC:80,sourceport=41234,connect-timeout=2 >/dev/null 2>&1 || true
  # A DNS query (A? web.default.svc.cluster.local.)
  printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03web\x07default\x03svc\x07cluster\x05local\x00\x00\x01\x00\x01' |
    nsx $NS_PB socat -T1 - UDP:$SVC:53,sourceport=41235 >/dev/null 2>&1 || true
}
SERVERS=()
servers() {
  nsx $NS_PA socat -T3 TCP-LISTEN:80,reuseaddr SYSTEM:'read l; echo ok' &
  SERVERS+=($!)
  # A DNS server's answer: the query back, flagged a response (NXDOMAIN).
  nsx $NS_PA python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
s.settimeout(3)
try:
    q, a = s.recvfrom(512)
    s.sendto(q[:2] + b"\x81\x83" + q[4:], a)
except TimeoutError:
    pass' &
  SERVERS+=($!)
  sleep 0.5
}
# One ARP request from the router for node-a (arping's part): node-a answers it, and sends no IPv4.
arp_for_a() {
  nsx $NS_R python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("r-a", 0))
mac = bytes.fromhex("005056c00003")
ip = lambda a: bytes(int(x) for x in a.split("."))
arp = bytes.fromhex("0001080006040001") + mac + ip("192.168.232.1") + bytes(6) + ip("192.168.232.130")
s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)'
}
wait_servers() {
  for pid in "${SERVERS[@]}"; do wait "$pid" || true; done
  SERVERS=()
}
drop_8472_b_to_a() {
  nsx $NS_R nft add table inet f
  nsx $NS_R nft add chain inet f c '{ type filter hook forward priority 0; }'
  nsx $NS_R nft add rule inet f c ip saddr 192.168.223.0/24 ip daddr 192.168.232.0/24 udp dport 8472 drop
}
capture_both() {
  local s=$1
  capture_start $NS_B any "$s.nodeb-any.pcap"
  # and as Linux cooked v1, the seed's format (directions, no interface names)
  [ "${2:-}" = sll1 ] && capture_start $NS_B any "$s.nodeb-any-sll1.pcap" -y LINUX_SLL
  capture_start $NS_B ens224 "$s.nodeb-ens224.pcap"
  capture_start $NS_A any "$s.nodea-any.pcap"
  capture_start $NS_A ens224 "$s.nodea-ens224.pcap"
  sleep 1
}

scenario() {
  local s=$1
  echo "== $s" >&2
  kube_lab_up
  case $s in
    svc-blocked)
      # The seed: UDP 8472 from node-b's subnet to node-a's is dropped on the way.
      drop_8472_b_to_a
      capture_both "$s" sll1
      arp_for_a
      to_service ;;
    svc-healthy)
      servers
      capture_both "$s"
      to_service
      wait_servers ;;
    nodeport-healthy)
      # A client on the underlay (the router) opens node-b's NodePort: DNATed to web-0 and
      # masqueraded to node-b's flannel.1 address.
      servers
      capture_both "$s"
      echo hello | nsx $NS_R socat -T1 - TCP:192.168.223.131:30080,sourceport=41236,connect-timeout=2 >/dev/null 2>&1 || true
      wait_servers ;;
    nodeport-blocked)
      # The same NodePort connection, UDP 8472 dropped from node-b's subnet to node-a's.
      drop_8472_b_to_a
      capture_both "$s"
      arp_for_a
      echo hello | nsx $NS_R socat -T1 - TCP:192.168.223.131:30080,sourceport=41236,connect-timeout=2 >/dev/null 2>&1 || true ;;
    stale-fdb)
      # node-b's fdb sends node-a's VTEP MAC to 192.168.232.131, which no node holds: the router
      # asks ARP for it in vain, then reports it unreachable to node-b.
      nsx $NS_B bridge fdb del $MAC_FA dev flannel.1 dst 192.168.232.130
      nsx $NS_B bridge fdb append $MAC_FA dev flannel.1 dst 192.168.232.131
      capture_both "$s"
      to_service
      sleep 4 ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
  # End marker on node-b only: node-a stays silent where nothing reached it.
  sleep 1.5
  nsx $NS_B ping -c1 -W1 192.168.223.1 >/dev/null || true
  capture_stop 1
  lab_down
}

ALL=(svc-blocked svc-healthy nodeport-healthy nodeport-blocked stale-fdb)
for s in "${@:-${ALL[@]}}"; do scenario "$s"; done
