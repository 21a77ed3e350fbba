#!/usr/bin/env bash
# Captures as a capture filter or a short snap length leaves them, derived from real lab
# captures by tcpdump and editcap (the same BPF filter tcpdump applies live; editcap -s cuts
# each packet as a short -s would):
#
#   oneway.nodea-ens224.pcap   healthy-icmp.nodea-ens224.pcap through 'src host 192.168.223.131':
#                              the requests arriving from the peer VTEP, none of the replies.
#   snap80.nodea-ens224.pcap   healthy-icmp.nodea-ens224.pcap cut at 80 bytes: the outer headers
#                              and VXLAN are whole, the inner IP header is not.
#   silent-receiver.nodea-overlay.pcap
#                              silent-receiver.nodea-any.pcap through 'udp port 8472 or ip6': the
#                              overlay's port and IPv6 only; node A sends no IPv4 at all, only its
#                              flannel.1's IPv6 (link-local address from its MAC, EUI-64).
#
# Then their text, as make-text.sh prints it.  Usage: bash samples/lab/make-derived.sh
set -euo pipefail
cd "$(dirname "$0")"
tcpdump -r healthy-icmp.nodea-ens224.pcap -w oneway.nodea-ens224.pcap 'src host 192.168.223.131' 2>/dev/null
editcap -F pcap -s 80 healthy-icmp.nodea-ens224.pcap snap80.nodea-ens224.pcap
tcpdump -r silent-receiver.nodea-any.pcap -w silent-receiver.nodea-overlay.pcap 'udp port 8472 or ip6' 2>/dev/null
bash make-text.sh oneway.nodea-ens224.pcap snap80.nodea-ens224.pcap silent-receiver.nodea-overlay.pcap
