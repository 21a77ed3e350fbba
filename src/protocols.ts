/**
 * Every protocol number and well-known port the project uses, by name, in one
 * place (as gopacket's layers/enums.go and ports.go): link types, EtherTypes,
 * IP protocol numbers, ICMP and ICMPv6 types and codes, TCP flag bits, the UDP
 * ports of the tunnels we see through and GRE's protocol types.
 *
 * Names follow the C headers and registries they come from (pcap-linktype(7),
 * <netinet/ip_icmp.h>, <netinet/icmp6.h>, IANA) so they can be looked up there.
 * Nothing here decides anything: decoders route on these, flows and verdicts
 * compare with them.
 */

// ---- Link-layer header types of a capture (tcpdump.org LINKTYPE_* / DLT_*) ----
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as most systems numbered it before LINKTYPE_RAW, found in old files. */
export const DLT_RAW_12 = 12;
/** DLT_RAW on OpenBSD. */
export const DLT_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

// ---- Linux ARPHRD_* device types (in cooked headers) and ARP hardware types ----
export const ARPHRD_ETHER = 1;
/** ATM ARP (RFC 2225), which lays its addresses out differently. */
export const ARPHRD_ATM = 19;
export const ARPHRD_NETLINK = 824;

// ---- BSD loopback address families (LINKTYPE_NULL / LOOP header) ----
export const BSD_AF_INET = 2;
export const BSD_AF_INET6_BSD = 24; // NetBSD, OpenBSD
export const BSD_AF_INET6_FREEBSD = 28;
export const BSD_AF_INET6_DARWIN = 30;

// ---- EtherTypes (IEEE 802 numbers; also GENEVE's and GRE's protocol type) ----
/** Values below this in an Ethernet type field are an 802.3 length (LLC follows). */
export const ETHERTYPE_MIN = 0x0600;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
/** Transparent Ethernet Bridging: an Ethernet frame follows (GRE "gretap", GENEVE, NVGRE). */
export const ETHERTYPE_TEB = 0x6558;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ S-tag. */
export const ETHERTYPE_QINQ_OLD = 0x9100;

// ---- GRE protocol types (RFC 2784: an EtherType) ----
export const GRE_PROTO_IPV4 = ETHERTYPE_IPV4;
export const GRE_PROTO_IPV6 = ETHERTYPE_IPV6;
export const GRE_PROTO_TEB = ETHERTYPE_TEB;

// ---- IP protocol numbers (IPv4 Protocol, IPv6 Next Header; IANA) ----
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
/** IPv4 in IP (RFC 2003). */
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/** IPv6 in IP (6in4, RFC 4213; also 6in6). */
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_OSPF = 89;
export const IPPROTO_VRRP = 112;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

// ---- ICMP for IPv4 (RFC 792): types ----
export const ICMP_ECHOREPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_SOURCEQUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_TIMXCEED = 11;
export const ICMP_PARAMPROB = 12;

// ICMP destination unreachable codes (RFC 792, 1122, 1812).
export const ICMP_UNREACH_NET = 0;
export const ICMP_UNREACH_HOST = 1;
export const ICMP_UNREACH_PROTOCOL = 2;
export const ICMP_UNREACH_PORT = 3;
/** Fragmentation needed and DF set: the header carries the next-hop MTU (RFC 1191). */
export const ICMP_UNREACH_NEEDFRAG = 4;
export const ICMP_UNREACH_SRCFAIL = 5;
export const ICMP_UNREACH_NET_UNKNOWN = 6;
export const ICMP_UNREACH_HOST_UNKNOWN = 7;
export const ICMP_UNREACH_ISOLATED = 8;
export const ICMP_UNREACH_NET_PROHIB = 9;
export const ICMP_UNREACH_HOST_PROHIB = 10;
export const ICMP_UNREACH_TOSNET = 11;
export const ICMP_UNREACH_TOSHOST = 12;
export const ICMP_UNREACH_FILTER_PROHIB = 13;
export const ICMP_UNREACH_HOST_PRECEDENCE = 14;
export const ICMP_UNREACH_PRECEDENCE_CUTOFF = 15;

// ICMP time exceeded codes.
export const ICMP_TIMXCEED_INTRANS = 0;
export const ICMP_TIMXCEED_REASS = 1;

// ICMP redirect codes.
export const ICMP_REDIRECT_NET = 0;
export const ICMP_REDIRECT_HOST = 1;

// ---- ICMPv6 (RFC 4443, RFC 4861): types ----
export const ICMP6_DST_UNREACH = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_PARAM_PROB = 4;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
export const ND_ROUTER_SOLICIT = 133;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;
export const MLD_LISTENER_QUERY = 130;
export const MLD_LISTENER_REPORT = 131;
export const MLDV2_LISTENER_REPORT = 143;

// ICMPv6 destination unreachable codes.
export const ICMP6_DST_UNREACH_NOROUTE = 0;
export const ICMP6_DST_UNREACH_ADMIN = 1;
export const ICMP6_DST_UNREACH_BEYONDSCOPE = 2;
export const ICMP6_DST_UNREACH_ADDR = 3;
export const ICMP6_DST_UNREACH_NOPORT = 4;
/** Source address failed ingress/egress policy (RFC 4443). */
export const ICMP6_DST_UNREACH_POLICY = 5;
export const ICMP6_DST_UNREACH_REJECT_ROUTE = 6;

// ---- TCP flag bits (RFC 9293, RFC 3168), in the 14th header byte ----
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

// ---- TCP options (RFC 9293, RFC 2018) ----
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_SACK = 5;

// ---- UDP ports of the tunnels we see through (next-layer routing by port) ----
/** VXLAN on the Linux kernel's default port: flannel's vxlan backend, Calico VXLAN. */
export const VXLAN_PORT_LINUX = 8472;
/** VXLAN on IANA's port (RFC 7348): Cilium, Antrea, OVS, NSX. */
export const VXLAN_PORT_IANA = 4789;
/** VXLAN of Weave Net's fast datapath (Open vSwitch in the kernel). */
export const VXLAN_PORT_WEAVE = 6784;
/** GENEVE (RFC 8926): OVN-Kubernetes, Antrea, AWS Gateway Load Balancer, Cilium's geneve mode. */
export const GENEVE_PORT = 6081;
/** flannel's "udp" backend: a bare IP packet as the UDP payload, from the flanneld process. */
export const FLANNEL_UDP_PORT = 8285;
