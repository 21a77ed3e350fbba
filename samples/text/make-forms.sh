#!/usr/bin/env bash
# Prints each lab capture (samples/lab/*.pcap) with the tcpdump flags people really use, into
# samples/text/FORM/CAPTURE.txt, in UTC, with real tcpdump:
#   names  (no -n)       host and port names: an /etc/hosts naming the lab's addresses (hosts.lab)
#                        and /etc/services with IANA's otv 8472/udp, vxlan 4789/udp, geneve 6081/udp
#                        added (as Fedora's has them), bind-mounted in a private mount namespace;
#                        no DNS (the scratch namespace has no network: other addresses stay numbers).
#                        (-n alone prints what -nn prints in tcpdump 4.99: no form of its own.)
#   ev     -nn -e -v     link header and the IP fields on one line
#   vvv    -nn -vvv
#   q      -nn -q        no inner frames;  eq -nn -e -q (no ethertype after the link header)
#   te     -nn -t -e     no time: each line starts with the link header
#   ttt    -nn -ttt      deltas;  tttt -nn -tttt (dates);  nano -nn --nano
#   A      -nn -A        payload as ASCII;  X -nn -X  payload as hex and ASCII (for SMALL only)
#
#   sudo bash samples/text/make-forms.sh [CAPTURE.pcap ...]
#
# Run as root: like samples/lab/make-text.sh it prints inside a scratch namespace whose
# interfaces have the lab nodes' indexes, so -i any captures name their interfaces.
set -euo pipefail
cd "$(dirname "$0")"
export TZ=UTC
NS=oa-forms
LAB=../lab
[ "$(id -u)" = 0 ] || { echo "make-forms.sh: run as root (network and mount namespaces)" >&2; exit 1; }
ip netns del $NS 2>/dev/null || true
ip netns add $NS
i=2
for name in ens224 flannel.1 cni0 veth-pod; do
  ip -n $NS link add name "$name" index $i type bridge
  i=$((i + 1))
done

declare -A FORMS=(
  [ev]="-nn -e -v" [vvv]="-nn -vvv" [q]="-nn -q" [eq]="-nn -e -q" [te]="-nn -t -e" [ttt]="-nn -ttt"
  [tttt]="-nn -tttt" [nano]="-nn --nano"
)
# The payload dumps are ten times the text: three captures (ICMP, TCP, UDP) are enough.
SMALL=" healthy-icmp.nodea-any.pcap healthy-tcp.nodea-any.pcap healthy-udp.nodea-ens224.pcap "
SERVICES=$(mktemp)
trap 'ip netns del $NS 2>/dev/null || true; rm -f "$SERVICES"' EXIT
{ cat /etc/services; printf 'otv\t\t8472/udp\nvxlan\t\t4789/udp\ngeneve\t\t6081/udp\n'; } >"$SERVICES"

files=("$@")
[ $# -gt 0 ] || files=($(cd $LAB && ls *.pcap))
for f in "${files[@]}"; do
  f=$(basename "$f")
  for form in "${!FORMS[@]}"; do
    mkdir -p "$form"
    # -Z root: tcpdump would drop privileges to a user "tcpdump" that may not exist.
    ip netns exec $NS tcpdump -Z root -r "$LAB/$f" ${FORMS[$form]} 2>/dev/null >"$form/$f.txt"
  done
  if [[ $SMALL == *" $f "* ]]; then
    mkdir -p A X
    ip netns exec $NS tcpdump -Z root -r "$LAB/$f" -nn -A 2>/dev/null >"A/$f.txt"
    ip netns exec $NS tcpdump -Z root -r "$LAB/$f" -nn -X 2>/dev/null >"X/$f.txt"
  fi
  mkdir -p names
  unshare -m bash -c "mount --bind hosts.lab /etc/hosts && mount --bind '$SERVICES' /etc/services && ip netns exec $NS tcpdump -Z root -r '$LAB/$f' 2>/dev/null" >"names/$f.txt"
done
