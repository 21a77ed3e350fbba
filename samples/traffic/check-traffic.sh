#!/usr/bin/env bash
# The evidence behind expected.tsv, from the packets themselves (tshark, not our analyzer):
#
#   bash samples/traffic/check-traffic.sh [FILE.pcap ...]
#
# A -i any capture sees each packet on several interfaces (veth-pod, cni0, flannel.1, ens224), and
# tshark's TCP analysis would call every second copy a retransmission; so each capture is first cut
# to one interface: the underlay NIC (ifindex 2, the VXLAN packets, decoded on UDP 8472), or lo
# (ifindex 1) where nothing crossed the NIC (a ping to self). Then, per capture: the TCP and UDP
# conversations, the segments tshark's TCP analysis flags, SYN/FIN/RST, DNS and ICMP.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=(tshark -n -d udp.port==8472,vxlan -o tcp.relative_sequence_numbers:TRUE)
files=("$@")
[ $# -gt 0 ] || files=(*.pcap)
for f in "${files[@]}"; do
  one="$tmp/one.pcap"
  if [ "$(tshark -r "$f" -c 1 -T fields -e frame.encap_type 2>/dev/null)" = 1 ]; then
    cp "$f" "$one"; view="Ethernet (the NIC)"
  elif [ "$(tshark -r "$f" -d udp.port==8472,vxlan -Y 'sll.ifindex == 2 && vxlan' -T fields -e frame.number 2>/dev/null | wc -l)" != 0 ]; then
    tshark -r "$f" -Y 'sll.ifindex == 2' -w "$one" 2>/dev/null; view="ens224 only (ifindex 2)"
  else
    tshark -r "$f" -Y 'sll.ifindex == 1' -w "$one" 2>/dev/null; view="lo only (ifindex 1)"
  fi
  echo "==== $f: $view"
  "${T[@]}" -r "$one" -q -z conv,tcp -z conv,udp 2>/dev/null | grep -E '<->' || true
  echo "-- tcp.analysis.flags, SYN, FIN, RST:"
  "${T[@]}" -r "$one" -Y 'tcp.analysis.flags || tcp.flags.syn == 1 || tcp.flags.fin == 1 || tcp.flags.reset == 1' \
    -T fields -e frame.number -e frame.time_relative -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport \
    -e tcp.flags.str -e tcp.seq -e tcp.ack -e tcp.len -e _ws.expert.message -E occurrence=l 2>/dev/null | cut -c1-200 || true
  echo "-- retransmissions (tcp.analysis.retransmission): $("${T[@]}" -r "$one" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)"
  echo "-- dns, syslog, icmp:"
  "${T[@]}" -r "$one" -Y 'dns || syslog || icmp' 2>/dev/null | sed 's/^ *//' | cut -c1-200 || true
done
