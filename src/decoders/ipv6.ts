/**
 * IPv6 (RFC 8200) and its extension headers.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Source Address (128 bits)                 |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Destination Address (128 bits)               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension headers, walked until an upper-layer protocol:
 *
 *   Hop-by-Hop (0), Routing (43), Destination Options (60), Mobility (135), HIP (139), Shim6 (140):
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Next Header  |  Hdr Ext Len  |  (Hdr Ext Len + 1) * 8 octets |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Fragment (44):
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Identification                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Authentication Header (51, RFC 4302): Next Header, Payload Len = (length / 4) - 2.
 *
 * ESP (50) and No Next Header (59) end the walk: what follows is opaque.
 * A Payload Length of 0 means a Jumbo Payload option in the Hop-by-Hop header
 * (RFC 2675), or else a BIG TCP super-packet whose length is what was captured.
 */
import type { Frame, Ip } from '../model.js';
import {
  IPPROTO_AH as NH_AH,
  IPPROTO_DSTOPTS as NH_DSTOPTS,
  IPPROTO_ESP as NH_ESP,
  IPPROTO_FRAGMENT as NH_FRAGMENT,
  IPPROTO_HIP as NH_HIP,
  IPPROTO_HOPOPTS as NH_HOPOPTS,
  IPPROTO_MOBILITY as NH_MOBILITY,
  IPPROTO_NONE as NH_NONE,
  IPPROTO_ROUTING as NH_ROUTING,
  IPPROTO_SHIM6 as NH_SHIM6,
} from '../protocols.js';
import { formatIPv6, u16, u32 } from './bytes.js';
import { decodeIpPayload } from './ipnext.js';
import type { DecodeOptions } from './options.js';

export const IPV6_HEADER_LEN = 40;
const OPT_PAD1 = 0;
const OPT_JUMBO = 0xc2;

export function decodeIPv6(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + IPV6_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  const version = b[off] >> 4;
  if (version !== 6) {
    f.note = `IPv6 packet with IP version ${version}`;
    return;
  }
  let nh = b[off + 6];
  let plen = u16(b, off + 4);
  if (plen === 0 && nh !== NH_NONE) {
    const jumbo = nh === NH_HOPOPTS ? jumboLength(b, off + IPV6_HEADER_LEN, end) : -1;
    plen = jumbo >= 0 ? jumbo : end - off - IPV6_HEADER_LEN; // else presumed BIG TCP
  }
  const ip: Ip = {
    version: 6,
    src: formatIPv6(b, off + 8),
    dst: formatIPv6(b, off + 24),
    proto: nh,
    ttl: b[off + 7],
    id: null,
    length: IPV6_HEADER_LEN + plen,
    fragOffset: 0,
    moreFragments: false,
    dontFragment: false,
  };
  f.ip = ip;
  const dgramEnd = off + IPV6_HEADER_LEN + plen;
  const capEnd = dgramEnd < end ? dgramEnd : end;
  let p = off + IPV6_HEADER_LEN;
  // A routing header makes the pseudo-header's destination the final one, not this header's: not checked.
  let routed = false;
  // Each extension header is at least 8 bytes, so the walk ends within the datagram.
  walk: for (;;) {
    let len: number;
    if (nh === NH_ROUTING) routed = true;
    switch (nh) {
      case NH_HOPOPTS:
      case NH_ROUTING:
      case NH_DSTOPTS:
      case NH_MOBILITY:
      case NH_HIP:
      case NH_SHIM6:
        if (p + 2 > capEnd) break walk;
        len = (b[p + 1] + 1) * 8;
        break;
      case NH_AH:
        if (p + 2 > capEnd) break walk;
        len = (b[p + 1] + 2) * 4;
        break;
      case NH_FRAGMENT:
        len = 8;
        if (p + len <= capEnd) {
          const w = u16(b, p + 2);
          ip.fragOffset = w & 0xfff8;
          ip.moreFragments = (w & 1) !== 0;
          ip.id = u32(b, p + 4);
        }
        break;
      default:
        break walk; // upper layer, ESP or no next header
    }
    if (p + len > dgramEnd) {
      f.note = `IPv6 extension header ${nh} (${len} bytes) overruns the payload length`;
      ip.proto = nh;
      return;
    }
    if (p + len > capEnd) break;
    nh = b[p];
    p += len;
  }
  ip.proto = nh;
  if (isExtension(nh)) {
    // The walk stopped inside an extension header: cut by the capture, or too short a payload.
    if (capEnd < dgramEnd) f.truncated = true;
    else f.note = `IPv6 extension header ${nh} overruns the payload length`;
    return;
  }
  if (ip.fragOffset === 0 && nh !== NH_ESP && nh !== NH_NONE) decodeIpPayload(nh, b, p, capEnd, dgramEnd - p, f, opts, depth, routed ? -1 : off);
  if (capEnd < dgramEnd && f.tunnel === null) f.truncated = true;
}

function isExtension(nh: number): boolean {
  return (
    nh === NH_HOPOPTS || nh === NH_ROUTING || nh === NH_FRAGMENT || nh === NH_DSTOPTS || nh === NH_AH || nh === NH_MOBILITY || nh === NH_HIP || nh === NH_SHIM6
  );
}

/** The Jumbo Payload length from the Hop-by-Hop options header at `p`, or -1 when there is none. */
function jumboLength(b: Uint8Array, p: number, end: number): number {
  if (p + 2 > end) return -1;
  let hend = p + (b[p + 1] + 1) * 8;
  if (hend > end) hend = end;
  let o = p + 2;
  while (o < hend) {
    const type = b[o];
    if (type === OPT_PAD1) {
      o++;
      continue;
    }
    if (o + 2 > hend) return -1;
    const len = b[o + 1];
    if (type === OPT_JUMBO && len === 4 && o + 6 <= hend) return u32(b, o + 2);
    o += 2 + len;
  }
  return -1;
}
