# A two-node flannel VXLAN cluster with kube-proxy's NAT, in network namespaces (sourced by
# make-captures.sh). Builds on ../lab/lib.sh (nsx, sysctls, peer_add, capture_start/stop, text_of).
#
#   pod web-0 10.244.2.5 -- cni0 [node-a] flannel.1 10.244.2.0 -- ens224 192.168.232.130
#                                                                        |
#                                                        192.168.232.1 [router] 192.168.223.1
#                                                                        |
#   pod client-0 10.244.3.5 -- cni0 [node-b] flannel.1 10.244.3.0 -- ens224 192.168.223.131
#
# kube-proxy as IPVS mode leaves it on a node: the Service IP 10.96.0.20 on a local device (lo
# here: the kernel has no dummy devices; kube-ipvs0 is one), so ping to it is answered by the node
# itself; TCP 80 and UDP 53 to it DNATed to web-0 (nft, as kube-proxy's iptables rules do), and
# NodePort 30080 on every node's address DNATed to web-0 and masqueraded. Namespaces are kn-*,
# apart from ../lab's oa-*; nothing touches the root namespace.
source ../lab/lib.sh

NS_R=kn-router NS_A=kn-nodea NS_B=kn-nodeb NS_PA=kn-web0 NS_PB=kn-client0
SVC=10.96.0.20 WEB=10.244.2.5 CLIENT=10.244.3.5

# pod NODE_NS POD_NS PREFIX HOST MAC: a pod with its veth on the node's cni0.
pod_up() {
  local ns=$1 podns=$2 pfx=$3 host=$4 mac=$5
  nsx "$ns" ip link add veth-pod type veth peer name eth0 netns "$podns"
  nsx "$ns" ip link set veth-pod master cni0 up
  nsx "$podns" ip link set lo up
  nsx "$podns" ip link set eth0 address "$mac"
  nsx "$podns" ip addr add "$pfx.$host/24" dev eth0
  nsx "$podns" ip link set eth0 up
  nsx "$podns" ip route add default via "$pfx.1"
}

# knode NS IP GW PREFIX FLANNEL_MAC NIC_MAC CNI0_MAC: a node as flannel and kube-proxy set it up.
knode_up() {
  local ns=$1 ip=$2 gw=$3 pfx=$4 fmac=$5 nicmac=$6 brmac=$7
  nsx "$ns" ip link set lo up
  nsx "$ns" ip link set ens224 address "$nicmac"
  nsx "$ns" ip addr add "$ip/24" dev ens224
  nsx "$ns" ip link set ens224 up
  nsx "$ns" ip route add default via "$gw"
  nsx "$ns" ip link add flannel.1 type vxlan id 1 local "$ip" dev ens224 dstport 8472 nolearning
  nsx "$ns" ip link set flannel.1 address "$fmac" mtu 1450
  nsx "$ns" ip addr add "$pfx.0/32" dev flannel.1
  nsx "$ns" ip link set flannel.1 up
  nsx "$ns" ip link add cni0 type bridge
  nsx "$ns" ip link set cni0 address "$brmac"
  nsx "$ns" ip addr add "$pfx.1/24" dev cni0
  nsx "$ns" ip link set cni0 up
  # kube-ipvs0's part: the Service IP is local on every node.
  nsx "$ns" ip addr add "$SVC/32" dev lo
  nsx "$ns" nft -f - <<NFT
table ip kube-proxy {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    ip daddr $SVC tcp dport 80 dnat to $WEB:80
    ip daddr $SVC udp dport 53 dnat to $WEB:53
    fib daddr type local tcp dport 30080 meta mark set 0x4000 dnat to $WEB:80
  }
  chain output {
    type nat hook output priority -100;
    ip daddr $SVC tcp dport 80 dnat to $WEB:80
    ip daddr $SVC udp dport 53 dnat to $WEB:53
  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
    meta mark & 0x4000 == 0x4000 masquerade
  }
}
NFT
}

kube_lab_up() {
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
  knode_up $NS_A 192.168.232.130 192.168.232.1 10.244.2 $MAC_FA 00:0c:29:05:bd:55 0a:58:0a:f4:02:01
  knode_up $NS_B 192.168.223.131 192.168.223.1 10.244.3 $MAC_FB 00:0c:29:7a:10:31 0a:58:0a:f4:03:01
  pod_up $NS_A $NS_PA 10.244.2 5 0a:58:0a:f4:02:05
  pod_up $NS_B $NS_PB 10.244.3 5 0a:58:0a:f4:03:05
  peer_add $NS_A 10.244.3 $MAC_FB 192.168.223.131
  peer_add $NS_B 10.244.2 $MAC_FA 192.168.232.130
  # Warm the underlay ARP caches so captures start with the traffic under test.
  nsx $NS_A ping -c1 -W1 192.168.232.1 >/dev/null
  nsx $NS_B ping -c1 -W1 192.168.223.1 >/dev/null
  nsx $NS_A ping -c1 -W1 192.168.223.131 >/dev/null
  nsx $NS_PB ping -c1 -W1 10.244.3.1 >/dev/null
  nsx $NS_PA ping -c1 -W1 10.244.2.1 >/dev/null
}
