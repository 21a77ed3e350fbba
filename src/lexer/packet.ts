/**
 * Parsed tcpdump record -> the packet model (src/model.ts), the same records
 * the binary decoders produce. What the text does not show stays null.
 */
import { type Direction, emptyFrame, type Frame, type Ip, type LinkKind, type Packet, type Tunnel } from '../model.js';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPPROTO_ESP,
  IPPROTO_GRE,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IGMP,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_OSPF,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_VRRP,
} from '../protocols.js';
import { intern } from './intern.js';
import { isHostName, portOf, splitNamed } from './names.js';
import type { ParsedLink, ParsedNet, ParsedRecord } from './parser.js';
import { fastTransport, joinTokens, parseIcmp, parseIcmp6, parseTcp, parseUdp, tailText } from './tail.js';

const DIRECTION: Record<string, Direction> = { In: 'in', Out: 'out', B: 'broadcast', M: 'multicast', P: 'other' };

/** IP protocol numbers by the name tcpdump prints in -v's "proto NAME (N)". */
const IPPROTO_UNKNOWN = 255;

/** "10.0.0.1.53" -> ["10.0.0.1", 53]; "fe80::1.546" -> ["fe80::1", 546]; an address without a port -> [addr, null]. */
export function splitPort(image: string, v6: boolean): [string, number | null] {
  if (isHostName(image)) return splitNamed(image);
  // Counted in place: split() built an array of pieces for each of the 2-4 addresses of a packet.
  let dots = 0;
  for (let i = image.indexOf('.'); i !== -1; i = image.indexOf('.', i + 1)) dots++;
  const withPort = v6 ? dots === 1 || dots === 4 : dots === 4;
  if (!withPort) return [intern(image), null];
  const i = image.lastIndexOf('.');
  return [intern(image.slice(0, i)), portOf(image.slice(i + 1)) ?? null];
}

function ipFields(net: ParsedNet, src: string, dst: string): Ip {
  // Without -v there are no fields and every pattern below fails on the empty text: its result directly.
  if (net.vfields.length === 0) {
    const v6 = net.kind === 'ip6';
    return {
      version: v6 ? 6 : 4,
      src,
      dst,
      proto: IPPROTO_UNKNOWN,
      ttl: null,
      id: null,
      length: v6 ? 0 : null,
      fragOffset: 0,
      moreFragments: false,
      dontFragment: false,
    };
  }
  const v = joinTokens(net.vfields);
  const num = (re: RegExp) => {
    const m = re.exec(v);
    return m ? Number(m[1]) : null;
  };
  const flags = /flags \[([^\][]*)\]/.exec(v);
  const proto = /(?:proto|next-header) \S+ \((\d+)\)/.exec(v);
  return {
    version: net.kind === 'ip6' ? 6 : 4,
    src,
    dst,
    proto: proto ? Number(proto[1]) : IPPROTO_UNKNOWN,
    ttl: num(/(?:ttl|hlim) (\d+)/),
    id: num(/\bid (\d+)/),
    length: net.kind === 'ip6' ? (num(/payload length: (\d+)/) ?? -40) + 40 : num(/\blength (\d+)/),
    fragOffset: num(/offset (\d+)/) ?? 0,
    moreFragments: flags ? flags[1]!.includes('+') : false,
    dontFragment: flags ? flags[1]!.includes('DF') : false,
  };
}

function applyLink(f: Frame, link: ParsedLink): void {
  f.src = link.src;
  f.dst = link.dst;
  f.vlans = link.vlans;
  f.ethertype = link.ethertype;
}

/** The last tunnel header read and its fields: a capture repeats the same few headers packet after packet. */
let lastWords: string[] = [];
let lastVni: number | null = null;
let lastFlags: number | null = null;

function sameWords(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function tunnelOf(words: string[], inner: Frame): Tunnel {
  if (words[0] === 'IPIP') return { type: 'ipip', vni: null, flags: null, inner };
  if (!sameWords(words, lastWords)) {
    const text = joinTokens(words);
    const flags = /flags \[[^\][]*\] \((0x[0-9a-f]+)\)/i.exec(text);
    const vni = /(?:instance |vni |key ?= ?)(0x[0-9a-f]+|\d+)/.exec(text);
    lastWords = words;
    lastVni = vni ? Number(vni[1]) : null;
    lastFlags = flags ? parseInt(flags[1]!, 16) : null;
  }
  return { type: words[0] === 'Geneve' ? 'geneve' : words[0] === 'GREv0' ? 'gre' : 'vxlan', vni: lastVni, flags: lastFlags, inner };
}

/** Fills f from a parsed network part. Returns false when nothing of it could be read. */
function applyNet(f: Frame, net: ParsedNet): boolean {
  if (net.kind === 'arp') {
    const text = joinTokens(net.tail);
    let m = /(?:^|, )Request who-has (\S+)(?: \(([0-9a-f:]+)\))? tell (\S+?),/.exec(text);
    if (m) {
      f.arp = { op: 1, senderMac: null, senderIp: m[3]!, targetMac: m[2] ?? null, targetIp: m[1]! };
      return true;
    }
    m = /(?:^|, )Reply (\S+) is-at ([0-9a-f:]+)/.exec(text);
    if (m) {
      f.arp = { op: 2, senderMac: m[2]!, senderIp: m[1]!, targetMac: null, targetIp: '?' };
      return true;
    }
    // "[|arp]": the snap length (or a short frame) cut the ARP header.
    if (text.includes('[|arp]')) {
      f.truncated = true;
      return true;
    }
    return false;
  }
  if (net.truncated) {
    f.truncated = true;
    return true;
  }
  if ((net.kind !== 'ip' && net.kind !== 'ip6') || net.src === null || net.dst === null) return false;
  const v6 = net.kind === 'ip6';
  let src: string, sport: number | null, dst: string, dport: number | null;
  if (net.headSrc !== null && net.headSrc !== '' && net.headDst !== '') {
    src = net.headSrc;
    sport = net.headSport;
    dst = net.headDst!;
    dport = net.headDport;
  } else {
    [src, sport] = splitPort(net.src, v6);
    [dst, dport] = splitPort(net.dst, v6);
  }
  const ip = ipFields(net, src, dst);
  f.ip = ip;
  if (f.ethertype === null) f.ethertype = v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  if (net.tunnel) {
    const bare = net.tunnel.words[0] === 'IPIP' || (net.tunnel.words[0] === 'GREv0' && net.tunnel.inner.link.src === null);
    const inner = emptyFrame(bare ? 'none' : 'ether');
    applyLink(inner, net.tunnel.inner.link);
    applyNet(inner, net.tunnel.inner.net);
    f.tunnel = tunnelOf(net.tunnel.words, inner);
    if (f.tunnel.type === 'ipip') ip.proto = inner.ip?.version === 6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
    else if (f.tunnel.type === 'gre') ip.proto = IPPROTO_GRE;
    else if (sport !== null && dport !== null) {
      ip.proto = IPPROTO_UDP;
      f.l4 = { kind: 'udp', srcPort: sport, dstPort: dport, length: null, payloadLen: null, checksumOk: null };
    }
    return true;
  }
  if (net.tailText !== null && !net.tailText.startsWith('[icmp6') && fastTransport(f, ip, net.tailText, sport, dport)) return true;
  // Before ICMPv6: a hop-by-hop header (MLD's router alert) as "HBH ", with -v "HBH (rtalert: 0x0000) (padn) ", and -v's "[icmp6 sum ok] ".
  const text = (net.tailText !== null ? tailText(net.tailText) : joinTokens(net.tail)).replace(/^(?:HBH (?:\([^)]*\) )*)?(?:\[[^\]]*\] )?(?=ICMP6)/, '');
  if (text.startsWith('ICMP6')) {
    ip.proto = IPPROTO_ICMPV6;
    f.l4 = parseIcmp6(text.replace(/^ICMP6,? /, ''));
  } else if (text.startsWith('ICMP ')) {
    ip.proto = IPPROTO_ICMP;
    f.l4 = parseIcmp(text.slice(5));
  } else if (sport !== null && dport !== null) {
    // The transport is named by its printer: "Flags [...]" is TCP, "UDP," and the tunnels are UDP;
    // an application printer (domain, NTP, ...) with no keyword: -v's proto, else UDP.
    const tcp = text.startsWith('Flags ') || /^tcp \d+/.test(text) || (ip.proto === IPPROTO_TCP && !text.startsWith('UDP'));
    if (tcp) {
      ip.proto = IPPROTO_TCP;
      f.l4 = parseTcp(text, sport, dport);
    } else {
      ip.proto = IPPROTO_UDP;
      f.l4 = parseUdp(text, sport, dport);
    }
  } else if (ip.proto === IPPROTO_UNKNOWN) {
    if (text.startsWith('igmp')) ip.proto = IPPROTO_IGMP;
    else if (text.startsWith('GREv')) ip.proto = IPPROTO_GRE;
    else if (text.startsWith('ESP')) ip.proto = IPPROTO_ESP;
    else if (text.startsWith('OSPF')) ip.proto = IPPROTO_OSPF;
    else if (text.startsWith('VRRP')) ip.proto = IPPROTO_VRRP;
  }
  return true;
}

/** Link kind of a top-level frame from the printer that printed it. */
function linkKind(link: ParsedLink): LinkKind {
  return link.kind ?? 'raw';
}

/** A printer's name as tcpdump starts a line with it: STP, LLDP, CDPv2, IS-IS, MPLS, ... */
const PRINTER = /^[A-Z][\w-]*$/;

/**
 * A link protocol (no network part we model) is still a packet, not a conversation, when tcpdump
 * printed it as one: a link header (-e, -i any), or a time then a printer's name.
 */
function linkProtocol(rec: ParsedRecord): boolean {
  const net = rec.frame.net;
  if (net.kind !== 'other') return false;
  return rec.frame.link.kind !== null || (rec.time !== null && PRINTER.test(net.tail[0] ?? ''));
}

export function toPacket(rec: ParsedRecord, ts: number | null, no: number, input: number, line: number): Packet | null {
  const f = emptyFrame(linkKind(rec.frame.link));
  applyLink(f, rec.frame.link);
  const l = rec.frame.link;
  if (!applyNet(f, rec.frame.net) && !linkProtocol(rec)) return null;
  return {
    no: rec.no ?? no,
    ts,
    input,
    wireLen: null,
    ifname: l.ifname && l.ifname !== '?' ? l.ifname : null,
    ifindex: l.ifindex,
    direction: l.direction ? (DIRECTION[l.direction] ?? null) : null,
    line,
    frame: f,
  };
}
