/**
 * The fast path: the shapes nearly every overlay capture is made of, read straight from the
 * bytes into one packet that is reused for every record, so the common case allocates nothing.
 *
 *   Ethernet | Linux cooked v1/v2
 *     -> IPv4 (whole, not a fragment)
 *       [-> UDP to a VXLAN port -> VXLAN -> Ethernet -> IPv4 (whole, not a fragment)]
 *         -> TCP (no SACK blocks) | UDP (not a tunnel port) | ICMP echo / echo reply
 *
 * Anything else (IPv6, ARP, VLAN tags, ICMP errors, GENEVE and the other tunnels, fragments, cut
 * or malformed headers, broadcast and multicast) is declined: decode() returns null and the
 * caller takes decodeFrame(), the reference path. What decode() does return equals what
 * decodeFrame() gives for the same bytes (test/fast.test.ts proves it on every capture we have
 * and on mutated ones).
 *
 * The packet and every object under it are overwritten by the next decode(): a consumer keeps
 * numbers and strings from it, never the objects.
 */
import { type Direction, emptyFrame, type Frame, type Icmp, type Ip, type Packet, type Tcp, type Tunnel, type Udp } from '../model.js';
import {
  ARPHRD_NETLINK,
  ETHERTYPE_IPV4,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  TCP_ACK,
} from '../protocols.js';
import { formatIPv4, formatMac, u16, u24, u32 } from './bytes.js';
import { innerChecksumPending, udpChecksumOk } from './checksum.js';
import { ETHERNET_HEADER_LEN } from './ethernet.js';
import { ICMP_HEADER_LEN } from './icmp.js';
import { IP_DF, IPV4_MIN_HEADER_LEN } from './ipv4.js';
import type { DecodeOptions } from './options.js';
import { SLL_HEADER_LEN, SLL2_HEADER_LEN } from './sll.js';
import { sackBlocks, TCP_MIN_HEADER_LEN } from './tcp.js';
import { UDP_HEADER_LEN } from './udp.js';
import { VXLAN_FLAG_I, VXLAN_HEADER_LEN } from './vxlan.js';

const MAC_LEN = 6;
/** IPv4's more-fragments flag and fragment offset: any fragment is declined. */
const IP_MF_OR_OFFSET = 0x3fff;
/** The group bit of a MAC address: broadcast and multicast frames are declined. */
const MAC_GROUP = 0x01;
/** Linux cooked packet types 1 (broadcast) and 2 (multicast) are declined; 0 in, 3 other, 4 out. */
const COOKED_DIRECTIONS: readonly (Direction | null)[] = ['in', null, null, 'other', 'out'];

function ip(): Ip {
  return { version: 4, src: '', dst: '', proto: 0, ttl: null, id: null, length: null, fragOffset: 0, moreFragments: false, dontFragment: false };
}
function udp(): Udp {
  return { kind: 'udp', srcPort: 0, dstPort: 0, length: null, payloadLen: null, checksumOk: null };
}
function tcp(): Tcp {
  return { kind: 'tcp', srcPort: 0, dstPort: 0, flags: 0, seq: null, ack: null, window: null, payloadLen: null };
}
function icmp(): Icmp {
  return { kind: 'icmp', type: 0, code: 0, id: null, seq: null, mtu: null, quoted: null };
}

/** One layer's reused objects: a frame, its IPv4 header and one of each transport. */
interface Level {
  frame: Frame;
  ip: Ip;
  udp: Udp;
  tcp: Tcp;
  icmp: Icmp;
}
function level(link: Frame['link']): Level {
  const f = emptyFrame(link);
  return { frame: f, ip: ip(), udp: udp(), tcp: tcp(), icmp: icmp() };
}

export class FastDecoder {
  /** Filled by decode(): the caller sets no, ts, input, wireLen, ifname and, when null, ifindex. */
  readonly packet: Packet;
  private readonly outer: Record<'ether' | 'sll' | 'sll2', Level> = { ether: level('ether'), sll: level('sll'), sll2: level('sll2') };
  private readonly inner = level('ether');
  private readonly tunnel: Tunnel;

  constructor(private readonly opts: DecodeOptions) {
    this.tunnel = { type: 'vxlan', vni: null, flags: null, inner: this.inner.frame };
    this.packet = { no: 0, ts: null, input: 0, wireLen: null, ifname: null, ifindex: null, direction: null, line: null, frame: this.outer.ether.frame };
  }

  /** The record `b[start, end)` of link type `linkType` as this.packet, or null when it is not a shape this path reads. */
  decode(linkType: number, b: Uint8Array, start: number, end: number): Packet | null {
    const p = this.packet;
    let lv: Level;
    let off: number;
    p.direction = null;
    p.ifindex = null;
    switch (linkType) {
      case LINKTYPE_ETHERNET: {
        if (start + ETHERNET_HEADER_LEN > end || u16(b, start + 12) !== ETHERTYPE_IPV4 || b[start]! & MAC_GROUP) return null;
        lv = this.outer.ether;
        lv.frame.dst = formatMac(b, start);
        lv.frame.src = formatMac(b, start + 6);
        off = start + ETHERNET_HEADER_LEN;
        break;
      }
      case LINKTYPE_LINUX_SLL: {
        if (start + SLL_HEADER_LEN > end || u16(b, start + 14) !== ETHERTYPE_IPV4 || u16(b, start + 2) === ARPHRD_NETLINK) return null;
        const dir = COOKED_DIRECTIONS[u16(b, start)];
        if (!dir) return null;
        p.direction = dir;
        lv = this.outer.sll;
        lv.frame.src = u16(b, start + 4) === MAC_LEN ? formatMac(b, start + 6) : null;
        off = start + SLL_HEADER_LEN;
        break;
      }
      case LINKTYPE_LINUX_SLL2: {
        if (start + SLL2_HEADER_LEN > end || u16(b, start) !== ETHERTYPE_IPV4 || u16(b, start + 8) === ARPHRD_NETLINK) return null;
        const dir = COOKED_DIRECTIONS[b[start + 10]!];
        if (!dir) return null;
        p.direction = dir;
        p.ifindex = u32(b, start + 4);
        lv = this.outer.sll2;
        lv.frame.src = b[start + 11] === MAC_LEN ? formatMac(b, start + 12) : null;
        off = start + SLL2_HEADER_LEN;
        break;
      }
      default:
        return null;
    }
    const f = lv.frame;
    f.ethertype = ETHERTYPE_IPV4;
    f.tunnel = null;
    p.frame = f;
    if (!this.ipv4(lv, b, off, end, true)) return null;
    return p;
  }

  /** IPv4 and what it carries into `lv`; false to decline. `outer`: a VXLAN carrier may follow. */
  private ipv4(lv: Level, b: Uint8Array, off: number, end: number, outer: boolean): boolean {
    if (off + IPV4_MIN_HEADER_LEN > end || b[off]! >> 4 !== 4) return false;
    const ihl = (b[off]! & 0x0f) * 4;
    const total = u16(b, off + 2);
    const frag = u16(b, off + 6);
    // Fragments, BIG TCP's zero length, bad lengths and cut datagrams go the reference way.
    if (ihl < IPV4_MIN_HEADER_LEN || total < ihl || (frag & IP_MF_OR_OFFSET) !== 0 || off + total > end) return false;
    const h = lv.ip;
    h.src = formatIPv4(b, off + 12);
    h.dst = formatIPv4(b, off + 16);
    // Broadcast and multicast are no conversation: declined (viewOf says why).
    if (b[off + 16]! >= 224) return false;
    h.proto = b[off + 9]!;
    h.ttl = b[off + 8]!;
    h.id = u16(b, off + 4);
    h.length = total;
    h.dontFragment = (frag & IP_DF) !== 0;
    const f = lv.frame;
    f.ip = h;
    const l4 = off + ihl;
    const l4End = off + total;
    const length = total - ihl;
    switch (h.proto) {
      case IPPROTO_TCP:
        return this.tcp(lv, b, l4, l4End, length);
      case IPPROTO_UDP:
        return this.udp(lv, b, l4, l4End, length, outer ? off : -1);
      case IPPROTO_ICMP:
        return this.icmp(lv, b, l4, l4End);
      default:
        return false;
    }
  }

  private tcp(lv: Level, b: Uint8Array, off: number, end: number, length: number): boolean {
    if (off + TCP_MIN_HEADER_LEN > end) return false;
    const hlen = (b[off + 12]! >> 4) * 4;
    if (hlen < TCP_MIN_HEADER_LEN || hlen > length || off + hlen > end || sackBlocks(b, off + TCP_MIN_HEADER_LEN, off + hlen) !== null) return false;
    const t = lv.tcp;
    t.srcPort = u16(b, off);
    t.dstPort = u16(b, off + 2);
    t.seq = u32(b, off + 4);
    t.flags = b[off + 13]!;
    t.ack = t.flags & TCP_ACK ? u32(b, off + 8) : null;
    t.window = u16(b, off + 14);
    t.payloadLen = length - hlen;
    lv.frame.l4 = t;
    return true;
  }

  /** ipOff >= 0: an outer datagram, which may carry VXLAN (checked like decodeUdp checks a carrier). */
  private udp(lv: Level, b: Uint8Array, off: number, end: number, length: number, ipOff: number): boolean {
    if (off + UDP_HEADER_LEN > end) return false;
    const ulen = u16(b, off + 4);
    if (ulen < UDP_HEADER_LEN || ulen > length) return false;
    const u = lv.udp;
    u.srcPort = u16(b, off);
    u.dstPort = u16(b, off + 2);
    u.length = ulen;
    u.payloadLen = ulen - UDP_HEADER_LEN;
    u.checksumOk = null;
    lv.frame.l4 = u;
    const next = this.opts.udpTunnels.get(u.dstPort) ?? this.opts.udpTunnels.get(u.srcPort);
    if (next === undefined) return true;
    if (next !== 'vxlan' || ipOff < 0) return false;
    const tun = off + UDP_HEADER_LEN;
    const pEnd = off + ulen;
    const eth = tun + VXLAN_HEADER_LEN;
    if (eth + ETHERNET_HEADER_LEN > pEnd || u16(b, eth + 12) !== ETHERTYPE_IPV4 || b[eth]! & MAC_GROUP) return false;
    u.checksumOk = udpChecksumOk(b, 4, ipOff, off, ulen);
    const flags = b[tun]!;
    const t = this.tunnel;
    t.vni = flags & VXLAN_FLAG_I ? u24(b, tun + 4) : null;
    t.flags = flags;
    const inner = this.inner;
    const f = inner.frame;
    f.dst = formatMac(b, eth);
    f.src = formatMac(b, eth + 6);
    f.ethertype = ETHERTYPE_IPV4;
    if (!this.ipv4(inner, b, eth + ETHERNET_HEADER_LEN, pEnd, false)) return false;
    lv.frame.tunnel = t;
    // Wrong only because the inner checksum is still the NIC's to fill in (local checksum offload).
    if (u.checksumOk === false && innerChecksumPending(b, eth, pEnd, 0)) u.checksumOk = null;
    return true;
  }

  private icmp(lv: Level, b: Uint8Array, off: number, end: number): boolean {
    if (off + ICMP_HEADER_LEN > end) return false;
    const type = b[off]!;
    if (type !== ICMP_ECHO && type !== ICMP_ECHOREPLY) return false;
    const c = lv.icmp;
    c.type = type;
    c.code = b[off + 1]!;
    c.id = u16(b, off + 4);
    c.seq = u16(b, off + 6);
    lv.frame.l4 = c;
    return true;
  }
}
