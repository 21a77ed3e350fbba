/**
 * What one packet means for the flow table: which conversation it belongs to,
 * whether it came through a tunnel, and whether it is a conversation at all.
 *
 * A packet is looked at through its innermost frame (the payload of the last
 * tunnel). The tunnel packet itself (outer IP/UDP 8472) is not a flow: it is
 * the road the flow travels on.
 */

import { type Frame, type Icmp, type Ip, innermost, type Packet, type Quoted, type Tunnel } from '../model.js';
import {
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_PARAMPROB,
  ICMP_REDIRECT,
  ICMP_SOURCEQUENCH,
  ICMP_TIMXCEED,
  ICMP_UNREACH,
  ICMP6_DST_UNREACH,
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_PARAM_PROB,
  ICMP6_TIME_EXCEEDED,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from '../protocols.js';

export type FlowProto = 'icmp' | 'icmp6' | 'tcp' | 'udp';

/** The tunnel a packet travelled in, seen from outside: type, VNI, UDP port and outer endpoints. */
export interface TunnelHop {
  type: Tunnel['type'];
  vni: number | null;
  /** UDP destination port of the outer packet (null for IP-in-IP). */
  port: number | null;
  outerSrc: string;
  outerDst: string;
  /** Inner frame's MAC addresses (for recognising the same frame bare on the overlay device). */
  innerSrcMac: string | null;
  innerDstMac: string | null;
}

/** The conversation-level identity of a packet. */
export interface Tuple {
  proto: FlowProto;
  src: string;
  dst: string;
  /** Ports for TCP/UDP; the echo identifier (both sides) for ICMP echo. */
  srcPort: number;
  dstPort: number;
}

export type View =
  /** A packet of a conversation (echo, TCP, UDP). */
  | { kind: 'conv'; tuple: Tuple; ip: Ip; frame: Frame; tunnel: TunnelHop | null }
  /** An ICMP/ICMPv6 error: evidence about some other packet. */
  | { kind: 'error'; ip: Ip; icmp: Icmp; quoted: Quoted; tunnel: TunnelHop | null }
  /** ARP: evidence, not a conversation. */
  | { kind: 'arp'; frame: Frame; tunnel: TunnelHop | null }
  /** Not judged: neighbour discovery, multicast, broadcast, protocols we do not follow, undecodable. */
  | { kind: 'other'; reason: string; tunnel: TunnelHop | null };

/** ICMP types that are errors about another datagram (v4: unreachable, source quench, redirect, time exceeded, parameter problem). */
const ICMP4_ERRORS = new Set([ICMP_UNREACH, ICMP_SOURCEQUENCH, ICMP_REDIRECT, ICMP_TIMXCEED, ICMP_PARAMPROB]);
/** ICMPv6 errors: destination unreachable, packet too big, time exceeded, parameter problem. */
const ICMP6_ERRORS = new Set([ICMP6_DST_UNREACH, ICMP6_PACKET_TOO_BIG, ICMP6_TIME_EXCEEDED, ICMP6_PARAM_PROB]);

export function isMulticastOrBroadcast(ip: Ip): boolean {
  if (ip.version === 4) {
    if (ip.dst === '255.255.255.255') return true;
    // 224-239 as the first octet, read from its characters (no number parsed per packet).
    const d = ip.dst;
    return d.charCodeAt(0) === 50 && d.charCodeAt(3) === 46 && ((d.charCodeAt(1) === 50 && d.charCodeAt(2) >= 52) || d.charCodeAt(1) === 51);
  }
  return ip.dst.startsWith('ff');
}

/** The frame that carries the innermost one (the last tunnel's carrier), or null when there is no tunnel. */
function carrierOf(outer: Frame): Frame | null {
  let carrier: Frame | null = null;
  for (let f = outer; f.tunnel; f = f.tunnel.inner) carrier = f;
  return carrier;
}

/** The tunnel whose payload is `inner`, described from the frame that carries it (written into `into` when given). */
function tunnelHop(carrier: Frame | null, inner: Frame, into?: TunnelHop): TunnelHop | null {
  if (!carrier || !carrier.tunnel) return null;
  const ip = carrier.ip;
  const l4 = carrier.l4;
  const hop = into ?? ({} as TunnelHop);
  hop.type = carrier.tunnel.type;
  hop.vni = carrier.tunnel.vni;
  hop.port = l4 && l4.kind === 'udp' ? l4.dstPort : null;
  hop.outerSrc = ip ? ip.src : '?';
  hop.outerDst = ip ? ip.dst : '?';
  hop.innerSrcMac = inner.src;
  hop.innerDstMac = inner.dst;
  return hop;
}

/**
 * Objects a conversation's view is written into, reused packet after packet (the flow table keeps
 * numbers and strings from a view, never the view). Views of errors, ARP and the rest are new
 * objects: errors are kept until they are tied to a flow.
 */
export interface ViewScratch {
  conv: Extract<View, { kind: 'conv' }>;
  hop: TunnelHop;
}
export function viewScratch(): ViewScratch {
  return {
    conv: {
      kind: 'conv',
      tuple: { proto: 'udp', src: '', dst: '', srcPort: 0, dstPort: 0 },
      ip: null as unknown as Ip,
      frame: null as unknown as Frame,
      tunnel: null,
    },
    hop: { type: 'vxlan', vni: null, port: null, outerSrc: '', outerDst: '', innerSrcMac: null, innerDstMac: null },
  };
}

export function viewOf(p: Packet, scratch?: ViewScratch): View {
  return viewOfFrame(p.frame, p.direction === 'broadcast' || p.direction === 'multicast', scratch);
}

export function viewOfFrame(outer: Frame, linkBroadcast = false, scratch?: ViewScratch): View {
  const carrier = outer.tunnel ? carrierOf(outer) : null;
  const f = carrier ? carrier.tunnel!.inner : outer;
  if (f.arp) return { kind: 'arp', frame: f, tunnel: tunnelHop(carrier, f) };
  const ip = f.ip;
  if (!ip) return { kind: 'other', reason: f.truncated ? 'truncated before the IP header' : 'not IP', tunnel: tunnelHop(carrier, f) };
  const l4 = f.l4;
  if (!l4)
    return {
      kind: 'other',
      reason: ip.fragOffset > 0 ? 'non-first fragment' : f.truncated ? 'truncated before the transport header' : `IP protocol ${ip.proto}`,
      tunnel: tunnelHop(carrier, f),
    };
  if (l4.kind === 'icmp' || l4.kind === 'icmp6') {
    const errors = l4.kind === 'icmp' ? ICMP4_ERRORS : ICMP6_ERRORS;
    if (errors.has(l4.type) && l4.quoted) return { kind: 'error', ip, icmp: l4, quoted: l4.quoted, tunnel: tunnelHop(carrier, f) };
  }
  if (linkBroadcast || isMulticastOrBroadcast(ip) || (f.dst !== null && f.dst === 'ff:ff:ff:ff:ff:ff')) {
    return { kind: 'other', reason: 'multicast or broadcast', tunnel: tunnelHop(carrier, f) };
  }
  const tuple = tupleOf(ip, l4, scratch?.conv.tuple);
  if (!tuple) return { kind: 'other', reason: `${l4.kind} type ${'type' in l4 ? l4.type : ''} is not a conversation`, tunnel: tunnelHop(carrier, f) };
  if (!scratch) return { kind: 'conv', tuple, ip, frame: f, tunnel: tunnelHop(carrier, f) };
  const v = scratch.conv;
  v.ip = ip;
  v.frame = f;
  v.tunnel = tunnelHop(carrier, f, scratch.hop);
  return v;
}

/** The conversation tuple of a packet (written into `into` when given), or null when it is not part of one (neighbour discovery, ...). */
export function tupleOf(ip: Ip, l4: NonNullable<Frame['l4']>, into?: Tuple): Tuple | null {
  let srcPort: number;
  let dstPort: number;
  if (l4.kind === 'tcp' || l4.kind === 'udp') {
    srcPort = l4.srcPort;
    dstPort = l4.dstPort;
  } else {
    if (!isEcho(l4)) return null;
    srcPort = dstPort = l4.id ?? 0;
  }
  const t = into ?? ({} as Tuple);
  t.proto = l4.kind;
  t.src = ip.src;
  t.dst = ip.dst;
  t.srcPort = srcPort;
  t.dstPort = dstPort;
  return t;
}

/** The tuple of the datagram an ICMP error quotes, when the quote says enough (binary quotes do, text only for port unreachable). */
export function quotedTuple(q: Quoted): { tuple: Tuple; tunnel: TunnelHop | null } | null {
  if (q.frame) {
    const v = viewOfFrame(q.frame);
    if (v.kind === 'conv') return { tuple: v.tuple, tunnel: v.tunnel };
    return null;
  }
  if (q.src !== null && q.srcPort !== null && q.dstPort !== null && (q.proto === IPPROTO_TCP || q.proto === IPPROTO_UDP)) {
    return { tuple: { proto: q.proto === IPPROTO_TCP ? 'tcp' : 'udp', src: q.src, dst: q.dst, srcPort: q.srcPort, dstPort: q.dstPort }, tunnel: null };
  }
  return null;
}

export function isEcho(icmp: Icmp): boolean {
  return icmp.kind === 'icmp' ? icmp.type === ICMP_ECHO || icmp.type === ICMP_ECHOREPLY : icmp.type === ICMP6_ECHO_REQUEST || icmp.type === ICMP6_ECHO_REPLY;
}

export function isEchoRequest(icmp: Icmp): boolean {
  return icmp.kind === 'icmp' ? icmp.type === ICMP_ECHO : icmp.type === ICMP6_ECHO_REQUEST;
}
