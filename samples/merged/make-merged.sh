#!/usr/bin/env bash
# Two nodes' captures of one incident merged into one file, the ways people merge them, from the
# lab's blocked-8472 captures (node A and node B, `tcpdump -i any`, UDP 8472 dropped between them),
# by Wireshark's editcap and mergecap (4.0.17, Debian's wireshark-common):
#
#   none.pcapng  mergecap -I none: one section, each file's interface block kept (the two are
#                identical: Linux cooked v2, no name): split by interface block.
#   cat.pcapng   cat of the two pcapng files: two sections: split by section.
#   all.pcapng   mergecap's default (-I all) folds the identical interface blocks into one:
#                the nodes cannot be told apart; read as one, with a warning.
#
# Usage: bash samples/merged/make-merged.sh
set -euo pipefail
cd "$(dirname "$0")"
lab=../lab
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
editcap -F pcapng "$lab/blocked-8472.nodea-any.pcap" "$tmp/a.pcapng"
editcap -F pcapng "$lab/blocked-8472.nodeb-any.pcap" "$tmp/b.pcapng"
mergecap -I none -w none.pcapng "$tmp/a.pcapng" "$tmp/b.pcapng"
mergecap -w all.pcapng "$tmp/a.pcapng" "$tmp/b.pcapng"
cat "$tmp/a.pcapng" "$tmp/b.pcapng" > cat.pcapng
