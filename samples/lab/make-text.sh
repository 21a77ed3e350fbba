#!/usr/bin/env bash
# Rewrites the text tcpdump prints for each lab capture (or the ones named):
# FILE.nn.txt (-nn), FILE.nn-e.txt (-nn -e), FILE.nn-v.txt (-nn -v), in UTC.
#
#   sudo bash samples/lab/make-text.sh [FILE.pcap|FILE.pcapng ...]
#
# A Linux cooked v2 capture (-i any) names each packet's interface by index, and tcpdump
# looks that index up on the machine that reads the file. Every capture here was taken in
# a node namespace of the lab, where the indexes are lo 1, ens224 2, flannel.1 3, cni0 4,
# veth-pod 5. As root, this script prints inside a scratch namespace (oa-text) holding
# placeholder interfaces (bridges) of those names at those indexes, so the text is
# byte for byte what make-captures.sh wrote in the capturing namespace. Without root it
# prints in the current namespace and says so: the interface names of -i any captures are
# then this machine's.
set -euo pipefail
cd "$(dirname "$0")"
export TZ=UTC
NS=${LAB_PREFIX:-oa}-text

run=()
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
  ip netns del $NS 2>/dev/null || true
  trap 'ip netns del $NS 2>/dev/null || true' EXIT
  ip netns add $NS
  i=2
  for name in ens224 flannel.1 cni0 veth-pod; do
    ip -n $NS link add name "$name" index $i type bridge
    i=$((i + 1))
  done
  run=(ip netns exec $NS)
else
  echo "make-text.sh: not root, printing in this namespace: interface names of -i any captures will be this machine's" >&2
fi

files=("$@")
[ $# -gt 0 ] || files=(*.pcap *.pcapng)
for f in "${files[@]}"; do
  [ -e "$f" ] || continue
  "${run[@]}" tcpdump -r "$f" -nn 2>/dev/null >"$f.nn.txt"
  "${run[@]}" tcpdump -r "$f" -nn -e 2>/dev/null >"$f.nn-e.txt"
  "${run[@]}" tcpdump -r "$f" -nn -v 2>/dev/null >"$f.nn-v.txt"
done
