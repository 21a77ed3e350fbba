#!/usr/bin/env bash
# Captures real kernel traffic of a flannel-like VXLAN overlay (see lib.sh), one
# scenario at a time, with real tcpdump. Run as root: sudo bash make-captures.sh [scenario...]
# Needs: iproute2, tcpdump, nftables, iputils-ping, socat, ethtool; editcap and dumpcap
# (wireshark-common, tshark) for the pcapng files. Writes each capture's text beside it (make-text.sh redoes that text anywhere).
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
trap lab_down EXIT

ping_b_to_a() { nsx $NS_PB ping -c "${1:-3}" -i 0.3 -W 1 10.244.2.2 >/dev/null || true; }
ping_a_to_b() { nsx $NS_PA ping -c "${1:-3}" -i 0.3 -W 1 10.244.3.2 >/dev/null || true; }
# Node B itself pings node A's flannel.1: 10.244.3.0 -> 10.244.2.0, the seed's own flow.
ping_vtep_b_to_a() { nsx $NS_B ping -c "${1:-3}" -i 0.3 -W 1 10.244.2.0 >/dev/null || true; }
# Node A reaches B's subnet through a next hop that does not exist: ARP fails, the kernel
# reports the peer VTEP unreachable to itself (the seed's missing-route excerpt).
break_route_a() {
  nsx $NS_A ip route add 192.168.223.0/24 via 192.168.232.254
  nsx $NS_A ip neigh flush dev ens224
}
# Node A has no fdb entry for B's flannel.1 MAC: replies are made on flannel.1 and dropped there.
del_fdb_a() { nsx $NS_A bridge fdb del $MAC_FB dev flannel.1 dst 192.168.223.131; }
# nft_router FAMILY TABLE CHAIN-SPEC RULE: one chain with one rule on the router.
nft_router() {
  nsx $NS_R nft add table "$1" "$2"
  nsx $NS_R nft add chain "$1" "$2" c "$3"
  nsx $NS_R nft add rule "$1" "$2" c $4
}

# Starts captures on node A: -i any (Linux cooked v2) and -i ens224 (Ethernet), plus extras.
capture_a() {
  local s=$1; shift
  capture_start $NS_A any "$s.nodea-any.pcap"
  capture_start $NS_A ens224 "$s.nodea-ens224.pcap"
  for extra in "$@"; do
    case $extra in
      sll1) capture_start $NS_A any "$s.nodea-any-sll1.pcap" -y LINUX_SLL ;;
      nano) capture_start $NS_A any "$s.nodea-any-nano.pcap" --time-stamp-precision=nano ;;
      nodeb) capture_start $NS_B any "$s.nodeb-any.pcap" ;;
    esac
  done
  sleep 1
}

scenario() {
  local s=$1
  echo "== $s" >&2
  case $s in udpcsum-*) export VXLAN_EXTRA=udpcsum ;; *) export VXLAN_EXTRA= ;; esac
  lab_up
  case $s in
    healthy-icmp)
      capture_a "$s" sll1
      ping_b_to_a 3 ;;  # after the captures stop: healthy-icmp.nodea-any.pcapng (editcap)
    healthy-tcp)
      capture_a "$s" nano
      nsx $NS_PA socat -T3 TCP-LISTEN:8080,reuseaddr SYSTEM:'read l; echo ok' &
      sleep 0.5
      echo hello | nsx $NS_PB socat -T2 - TCP:10.244.2.2:8080 >/dev/null
      wait $! ;;
    healthy-udp)
      capture_a "$s"
      nsx $NS_PA socat -T3 UDP-RECVFROM:5353 SYSTEM:'read l; echo pong' &
      sleep 0.5
      echo ping | nsx $NS_PB socat -T1 - UDP:10.244.2.2:5353 >/dev/null
      wait $! ;;
    healthy-snat)
      # The seed's underlay: the device between the subnets rewrites the outer source of B's VXLAN packets.
      nft_router ip nat '{ type nat hook postrouting priority 100; }' 'oifname "r-a" udp dport 8472 masquerade'
      capture_a "$s"
      ping_b_to_a 3 ;;
    blocked-8472)
      # The incident: UDP 8472 from B's subnet to A's is dropped on the way.
      nft_router inet f '{ type filter hook forward priority 0; }' 'ip saddr 192.168.223.0/24 ip daddr 192.168.232.0/24 udp dport 8472 drop'
      capture_a "$s" nodeb
      ping_b_to_a 3
      ping_a_to_b 3
      nsx $NS_PB socat -T1 - TCP:10.244.2.2:8080,connect-timeout=2 </dev/null >/dev/null 2>&1 || true ;;
    reply-dropped)
      # Only A's answers are lost: UDP 8472 from A's subnet to B's is dropped.
      nft_router inet f '{ type filter hook forward priority 0; }' 'ip saddr 192.168.232.0/24 ip daddr 192.168.223.0/24 udp dport 8472 drop'
      capture_a "$s" nodeb
      ping_b_to_a 3 ;;
    missing-route)
      break_route_a
      capture_a "$s" sll1
      ping_b_to_a 3
      sleep 4 ;;  # ARP for the next hop gives up after ~3 s: then come the ICMP errors
    misrouted)
      del_fdb_a
      capture_a "$s" sll1
      ping_b_to_a 3 ;;
    # The seed's own flow, node B's flannel.1 to node A's (no pod, no cni0), in the seed's
    # three situations; -i any as cooked v1 too, the seed's format.
    vtep-healthy)
      capture_a "$s" sll1
      ping_vtep_b_to_a 3 ;;
    vtep-missing-route)
      break_route_a
      capture_a "$s" sll1
      ping_vtep_b_to_a 3
      sleep 4 ;;
    vtep-misrouted)
      del_fdb_a
      capture_a "$s" sll1
      ping_vtep_b_to_a 3 ;;
    tcp-refused)
      capture_a "$s"
      nsx $NS_PB socat -T1 - TCP:10.244.2.2:9,connect-timeout=1 </dev/null >/dev/null 2>&1 || true ;;
    udp-refused)
      capture_a "$s"
      echo ping | nsx $NS_PB socat -T1 - UDP:10.244.2.2:9999 >/dev/null 2>&1 || true ;;
    frag-needed)
      # Pod MTU 1500 over flannel.1's 1450: node A answers "need to frag (mtu 1450)".
      capture_a "$s"
      nsx $NS_PA ping -M do -s 1460 -c 2 -i 0.3 -W 1 10.244.3.2 >/dev/null 2>&1 || true ;;
    admin-prohibited)
      # The device between the subnets rejects B's VXLAN with ICMP admin-prohibited; captured on B.
      nft_router inet f '{ type filter hook forward priority 0; }' 'ip saddr 192.168.223.0/24 ip daddr 192.168.232.0/24 udp dport 8472 reject with icmp type admin-prohibited'
      capture_start $NS_B any "$s.nodeb-any.pcap"
      capture_start $NS_B ens224 "$s.nodeb-ens224.pcap"
      sleep 1
      ping_b_to_a 3 ;;
    admin-prohibited-plain)
      # No tunnel: node B opens TCP to node A's kube-proxy health port (the article's
      # `nc -vz 192.168.232.128 10256`), the device between the subnets rejects it; captured on B.
      nft_router inet f '{ type filter hook forward priority 0; }' 'ip saddr 192.168.223.0/24 ip daddr 192.168.232.0/24 tcp dport 10256 reject with icmp type admin-prohibited'
      capture_start $NS_B any "$s.nodeb-any.pcap"
      capture_start $NS_B ens224 "$s.nodeb-ens224.pcap"
      sleep 1
      nsx $NS_B socat -T1 - TCP:192.168.232.130:10256,connect-timeout=2 </dev/null >/dev/null 2>&1 || true ;;
    pcapng-names)
      # dumpcap on four interfaces at once: one pcapng interface block each, named (if_name).
      dumpcap_start $NS_A "$s.nodea-multi.pcapng" ens224 flannel.1 cni0 veth-pod
      # and on "any": one block named "any" (Linux cooked v1), which names no interface.
      dumpcap_start $NS_A "$s.nodea-any.pcapng" any
      sleep 1.5
      ping_b_to_a 3 ;;
    udpcsum-healthy)
      # VXLAN with outer UDP checksums (udpcsum; flannel leaves them off). Node B computes them in
      # software (tx checksum offload off on its NIC), node A leaves its own to the (veth) "NIC":
      # A's capture shows correct ones arriving and partial ones (pseudo-header sum) leaving.
      nsx $NS_B ethtool -K ens224 tx off >/dev/null
      capture_a "$s" nodeb
      ping_b_to_a 3 ;;
    udpcsum-corrupted)
      # As udpcsum-healthy, and the router rewrites one byte of B's VXLAN packets without fixing the
      # UDP checksum (nft raw payload write: the VXLAN header's last reserved byte). Node A's kernel
      # drops every one of them on the UDP checksum (Udp InCsumErrors) before VXLAN sees it.
      nsx $NS_B ethtool -K ens224 tx off >/dev/null
      nft_router inet f '{ type filter hook forward priority 0; }' 'ip saddr 192.168.223.0/24 ip daddr 192.168.232.0/24 udp dport 8472 @th,120,8 set 0x5a'
      capture_a "$s" nodeb
      ping_b_to_a 3
      nsx $NS_A grep '^Udp:' /proc/net/snmp >&2 ;;
    silent-receiver)
      # blocked-8472 seen from a node that sends no IPv4 of its own: only B's pod pings A's, B's
      # VXLAN to A is dropped, A answers nothing and has no end marker. A's flannel.1 gets IPv6
      # (link-local from its MAC, EUI-64): its router solicitations and MLD reports leave on
      # flannel.1 and go nowhere (no fdb entry for multicast), the clue to which node A is.
      nft_router inet f '{ type filter hook forward priority 0; }' 'ip saddr 192.168.223.0/24 ip daddr 192.168.232.0/24 udp dport 8472 drop'
      capture_a "$s" nodeb
      echo 0 | nsx $NS_A tee /proc/sys/net/ipv6/conf/flannel.1/disable_ipv6 >/dev/null
      ping_b_to_a 3
      sleep 3 ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
  # End marker: each node pings its router once the reply timeout has passed, so every capture
  # (even one on a single interface that saw nothing else) visibly lasts past the last request.
  sleep 1.5
  [ "$s" = silent-receiver ] || nsx $NS_A ping -c1 -W1 192.168.232.1 >/dev/null || true
  nsx $NS_B ping -c1 -W1 192.168.223.1 >/dev/null || true
  capture_stop 1
  # silent-receiver: node A's NIC saw only the router's ARP (nothing to compare with tcpdump).
  if [ "$s" = silent-receiver ]; then rm -f "$s".nodea-ens224.pcap*; fi
  if [ "$s" = healthy-icmp ]; then to_pcapng $NS_A "$s.nodea-any.pcap"; fi
  lab_down
}

ALL=(healthy-icmp healthy-tcp healthy-udp healthy-snat blocked-8472 reply-dropped missing-route misrouted tcp-refused udp-refused frag-needed admin-prohibited admin-prohibited-plain vtep-healthy vtep-missing-route vtep-misrouted pcapng-names udpcsum-healthy udpcsum-corrupted silent-receiver)
for s in "${@:-${ALL[@]}}"; do scenario "$s"; done
