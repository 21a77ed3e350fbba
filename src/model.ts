/**
 * The one packet model.
 *
 * The binary decoders (src/decoders) and the tcpdump text grammar (src/lexer)
 * both produce these records; nothing downstream knows which one fed it. A
 * field a source cannot know (the IP id in tcpdump text without -v, the MAC
 * addresses without -e) is null, never a guess.
 */

/** Direction of a packet relative to the capturing host, where the link layer says (Linux cooked captures). */
export type Direction = 'in' | 'out' | 'broadcast' | 'multicast' | 'other';

/** Link-layer framing of a Frame. 'none' is a bare network-layer packet (IP-in-IP inner, an ICMP error's quote). */
export type LinkKind = 'ether' | 'sll' | 'sll2' | 'raw' | 'null' | 'none';

export interface Packet {
  /** 1-based position of the packet in its input. */
  no: number;
  /**
   * Seconds since the epoch, fractional. Text without a date counts from midnight of an unknown day;
   * text printed with `-t` (no time at all) gives null.
   */
  ts: number | null;
  /** Index of the input (file) the packet came from, in the order the inputs were given. */
  input: number;
  /** Length on the wire, in bytes (null when the source does not say). */
  wireLen: number | null;
  /** Interface name (tcpdump text of `-i any` v2) or null. */
  ifname: string | null;
  /** Interface index (Linux cooked v2, pcapng interface id) or null. */
  ifindex: number | null;
  /** Which way the packet went through the capturing host, when the capture says (cooked captures). */
  direction: Direction | null;
  /** Line number in the text input the packet started on (text inputs only). */
  line: number | null;
  frame: Frame;
}

export interface Frame {
  link: LinkKind;
  /** Link-layer source and destination (MAC addresses, lower case, colon separated), null when unknown. */
  src: string | null;
  dst: string | null;
  /** 802.1Q / 802.1ad VLAN ids, outermost first; empty when untagged. */
  vlans: number[];
  /** EtherType of the payload (0x0800, 0x86dd, 0x0806, ...), null when unknown. */
  ethertype: number | null;
  ip: Ip | null;
  arp: Arp | null;
  l4: L4 | null;
  /** Set when this frame carries a tunnel (VXLAN, GENEVE, IP-in-IP, GRE, flannel-udp): the encapsulated frame is tunnel.inner. */
  tunnel: Tunnel | null;
  /** The captured bytes ended before a header this frame announced (snap length, cut packet). */
  truncated: boolean;
  /** Why decoding stopped early, when it did for a reason other than truncation (unknown ethertype, bad version). */
  note: string | null;
}

export interface Ip {
  version: 4 | 6;
  src: string;
  dst: string;
  /** Upper-layer protocol: IPv4 protocol, or IPv6 next header after the extension headers. */
  proto: number;
  /** TTL or hop limit. */
  ttl: number | null;
  /** IPv4 identification, IPv6 fragment header identification, null when absent or unknown. */
  id: number | null;
  /** Total length of the datagram from its header (IPv4 total length, IPv6 40 + payload length). */
  length: number | null;
  /** Fragment offset in bytes. A non-first fragment has no l4. */
  fragOffset: number;
  moreFragments: boolean;
  dontFragment: boolean;
}

export interface Arp {
  /** 1 request, 2 reply. */
  op: number;
  senderMac: string | null;
  senderIp: string;
  targetMac: string | null;
  targetIp: string;
}

export type L4 = Udp | Tcp | Icmp;

export interface Udp {
  kind: 'udp';
  srcPort: number;
  dstPort: number;
  /** UDP length field (header included), null when unknown. */
  length: number | null;
  /** Payload bytes (from the length field, or what the text says). */
  payloadLen: number | null;
  /**
   * Whether the checksum is right; null when not checked: zero (none), a partial (offload) sum, a
   * cut or fragmented datagram, text. Checked only on tunnel carriers (the outer UDP of VXLAN/GENEVE).
   */
  checksumOk: boolean | null;
}

export interface Tcp {
  kind: 'tcp';
  srcPort: number;
  dstPort: number;
  /** Flag bits, TCP_* of protocols.ts. */
  flags: number;
  /** Absolute sequence and acknowledgement numbers, null when unknown (tcpdump prints relative ones after the first). */
  seq: number | null;
  ack: number | null;
  window: number | null;
  payloadLen: number | null;
  /** SACK blocks (RFC 2018) as absolute [left, right, left, right, ...] edges of the peer's sequence space; absent when the segment carries none. */
  sack?: number[];
}

/** ICMP (kind 'icmp') and ICMPv6 (kind 'icmp6') share one shape; type and code are the protocol's own numbers. */
export interface Icmp {
  kind: 'icmp' | 'icmp6';
  type: number;
  code: number;
  /** Echo identifier and sequence number (echo request/reply only). */
  id: number | null;
  seq: number | null;
  /** Next-hop MTU of fragmentation needed / packet too big. */
  mtu: number | null;
  /** For errors (unreachable, time exceeded, ...): the datagram the error is about. */
  quoted: Quoted | null;
}

/** What an ICMP error says about the datagram it answers. */
export interface Quoted {
  src: string | null;
  dst: string;
  proto: number | null;
  srcPort: number | null;
  dstPort: number | null;
  /** The quoted datagram decoded as far as it goes (link 'none'), through a tunnel when it holds one; null from text. */
  frame: Frame | null;
}

/**
 * vxlan (UDP 8472, 4789, Weave's 6784), geneve (UDP 6081), ipip (IP protocol 4 and 41: IP-in-IP, 6in4),
 * gre (IP protocol 47, with or without key, gretap), flannel-udp (flannel's udp backend, UDP 8285).
 */
export type TunnelType = 'vxlan' | 'geneve' | 'ipip' | 'gre' | 'flannel-udp';

export interface Tunnel {
  type: TunnelType;
  /** VXLAN/GENEVE virtual network identifier (tcpdump's OTV "instance"), the GRE key; null for IP-in-IP, flannel-udp, GRE without a key. */
  vni: number | null;
  /** The tunnel header's flags byte (VXLAN 0x08 = I flag, GRE's C/R/K/S byte), null when not applicable or unknown. */
  flags: number | null;
  inner: Frame;
}

/**
 * Re-exported for compatibility: the numbers live in protocols.ts; modules that took them from here
 * (src/flows, src/classifier) keep compiling until they import protocols.ts themselves.
 */
export {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_QINQ,
  ETHERTYPE_VLAN,
  GENEVE_PORT,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  VXLAN_PORT_IANA,
  VXLAN_PORT_LINUX,
} from './protocols.js';

export function emptyFrame(link: LinkKind): Frame {
  return { link, src: null, dst: null, vlans: [], ethertype: null, ip: null, arp: null, l4: null, tunnel: null, truncated: false, note: null };
}

/** The innermost frame: follow tunnels down to the last encapsulated frame. */
export function innermost(frame: Frame): Frame {
  let f = frame;
  while (f.tunnel) f = f.tunnel.inner;
  return f;
}
