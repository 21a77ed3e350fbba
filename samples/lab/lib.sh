# Builds a flannel-like VXLAN overlay out of network namespaces (sourced by make-captures.sh).
#
#   pod-a 10.244.2.2 -- cni0 [node-a] flannel.1 10.244.2.0 -- ens224 192.168.232.130
#                                                                  |
#                                                  192.168.232.1 [router] 192.168.223.1
#                                                                  |
#   pod-b 10.244.3.2 -- cni0 [node-b] flannel.1 10.244.3.0 -- ens224 192.168.223.131
#
# flannel's VXLAN backend as flannel sets it up: flannel.1 on UDP 8472 with
# learning off, a route to the peer's pod subnet via the peer's flannel.1
# address (onlink), a permanent neighbour entry for it and an fdb entry that
# sends its MAC to the peer node. Everything lives in namespaces named oa-*;
# nothing touches the root namespace (no address, no route, no rule there).
set -euo pipefail

# LAB_PREFIX: another prefix for the namespaces, so that two runs on one machine do not meet.
P=${LAB_PREFIX:-oa}
NS_R=$P-router NS_A=$P-nodea NS_B=$P-nodeb NS_PA=$P-poda NS_PB=$P-podb
MAC_FA=02:bb:32:12:e0:c2   # node A flannel.1 (the seed's)
MAC_FB=5a:af:8c:67:f0:d6   # node B flannel.1 (the seed's)

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

lab_down() {
  for ns in $NS_R $NS_A $NS_B $NS_PA $NS_PB; do ip netns del "$ns" 2>/dev/null || true; done
}

sysctls() {
  nsx "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  # No IPv6: keeps router solicitations and MLD reports of fresh interfaces out of the captures.
  nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# node NS NAME IP GW POD_SUBNET_PREFIX FLANNEL_MAC NIC_MAC
node_up() {
  local ns=$1 ip=$2 gw=$3 pfx=$4 fmac=$5 podns=$6 nicmac=$7 brmac=$8 podmac=$9
  nsx "$ns" ip link set lo up
  nsx "$ns" ip link set ens224 address "$nicmac"
  nsx "$ns" ip addr add "$ip/24" dev ens224
  nsx "$ns" ip link set ens224 up
  nsx "$ns" ip route add default via "$gw"
  nsx "$ns" ip link add flannel.1 type vxlan id 1 local "$ip" dev ens224 dstport 8472 nolearning ${VXLAN_EXTRA:-}
  nsx "$ns" ip link set flannel.1 address "$fmac" mtu 1450
  nsx "$ns" ip addr add "$pfx.0/32" dev flannel.1
  nsx "$ns" ip link set flannel.1 up
  nsx "$ns" ip link add cni0 type bridge
  nsx "$ns" ip link set cni0 address "$brmac"
  nsx "$ns" ip addr add "$pfx.1/24" dev cni0
  nsx "$ns" ip link set cni0 up
  nsx "$ns" ip link add veth-pod type veth peer name eth0 netns "$podns"
  nsx "$ns" ip link set veth-pod master cni0 up
  nsx "$podns" ip link set lo up
  nsx "$podns" ip link set eth0 address "$podmac"
  nsx "$podns" ip addr add "$pfx.2/24" dev eth0
  nsx "$podns" ip link set eth0 up
  nsx "$podns" ip route add default via "$pfx.1"
}

# peer NS PEER_POD_PFX PEER_FLANNEL_MAC PEER_NODE_IP
peer_add() {
  local ns=$1 pfx=$2 fmac=$3 nodeip=$4
  nsx "$ns" ip route add "$pfx.0/24" via "$pfx.0" dev flannel.1 onlink
  nsx "$ns" ip neigh add "$pfx.0" lladdr "$fmac" dev flannel.1 nud permanent
  nsx "$ns" bridge fdb append "$fmac" dev flannel.1 dst "$nodeip"
}

lab_up() {
  lab_down
  for ns in $NS_R $NS_A $NS_B $NS_PA $NS_PB; do ip netns add "$ns"; done
  for ns in $NS_R $NS_A $NS_B $NS_PA $NS_PB; do sysctls "$ns"; done
  ip link add r-a netns $NS_R type veth peer name ens224 netns $NS_A
  ip link add r-b netns $NS_R type veth peer name ens224 netns $NS_B
  nsx $NS_R ip link set lo up
  nsx $NS_R ip link set r-a address 00:50:56:c0:00:03
  nsx $NS_R ip link set r-b address 00:50:56:c0:00:04
  nsx $NS_R ip addr add 192.168.232.1/24 dev r-a
  nsx $NS_R ip addr add 192.168.223.1/24 dev r-b
  nsx $NS_R ip link set r-a up
  nsx $NS_R ip link set r-b up
  node_up $NS_A 192.168.232.130 192.168.232.1 10.244.2 $MAC_FA $NS_PA 00:0c:29:05:bd:55 0a:58:0a:f4:02:01 0a:58:0a:f4:02:02
  node_up $NS_B 192.168.223.131 192.168.223.1 10.244.3 $MAC_FB $NS_PB 00:0c:29:7a:10:31 0a:58:0a:f4:03:01 0a:58:0a:f4:03:02
  peer_add $NS_A 10.244.3 $MAC_FB 192.168.223.131
  peer_add $NS_B 10.244.2 $MAC_FA 192.168.232.130
  # Warm the underlay ARP caches so captures start with the traffic under test.
  nsx $NS_A ping -c1 -W1 192.168.232.1 >/dev/null
  nsx $NS_B ping -c1 -W1 192.168.223.1 >/dev/null
  nsx $NS_A ping -c1 -W1 192.168.223.131 >/dev/null
}

# capture_start NS IFACE FILE [extra tcpdump args...]: starts tcpdump in the background.
CAPTURES=() CAPTURE_FILES=()
capture_start() {
  local ns=$1 ifc=$2 file=$3; shift 3
  CAPTURE_FILES+=("$ns:$file")
  ip netns exec "$ns" tcpdump -i "$ifc" -s 0 -U -w "$file" "$@" 'not port 22' >/dev/null 2>&1 &
  CAPTURES+=($!)
}

# dumpcap_start NS FILE IFACE...: a pcapng from dumpcap, one interface block (with its if_name) per
# interface; `any` gives one block named "any" (Linux cooked), which names no interface.
dumpcap_start() {
  local ns=$1 file=$2; shift 2
  local args=() i
  for i in "$@"; do args+=(-i "$i"); done
  CAPTURE_FILES+=("$ns:$file")
  ip netns exec "$ns" dumpcap -q "${args[@]}" -w "$file" >/dev/null 2>&1 &
  CAPTURES+=($!)
}

# capture_stop: lets the last packets in, then stops every running capture.
capture_stop() {
  sleep "${1:-2}"
  for pid in "${CAPTURES[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${CAPTURES[@]}"; do wait "$pid" 2>/dev/null || true; done
  CAPTURES=()
  local nf
  for nf in "${CAPTURE_FILES[@]}"; do text_of "${nf%%:*}" "${nf#*:}"; done
  CAPTURE_FILES=()
}

# text_of NS FILE: writes FILE.nn.txt (-nn), FILE.nn-e.txt (-nn -e), FILE.nn-v.txt (-nn -v).
# Printed inside the capturing namespace: a Linux cooked v2 capture names interfaces by index,
# and tcpdump looks the names up on the machine (namespace) that reads the file.
text_of() {
  local ns=$1 f=$2
  nsx "$ns" env TZ=UTC tcpdump -r "$f" -nn 2>/dev/null >"$f.nn.txt"
  nsx "$ns" env TZ=UTC tcpdump -r "$f" -nn -e 2>/dev/null >"$f.nn-e.txt"
  nsx "$ns" env TZ=UTC tcpdump -r "$f" -nn -v 2>/dev/null >"$f.nn-v.txt"
}

# to_pcapng NS FILE.pcap: the same capture as pcapng (editcap), with its text; skipped without editcap.
to_pcapng() {
  if ! command -v editcap >/dev/null; then echo "editcap not found: no ${2%.pcap}.pcapng" >&2; return 0; fi
  editcap -F pcapng "$2" "${2%.pcap}.pcapng"
  text_of "$1" "${2%.pcap}.pcapng"
}
