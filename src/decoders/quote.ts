/**
 * The datagram an ICMP or ICMPv6 error quotes, decoded like a packet of its own.
 *
 * Linux quotes as much as fits in 576 bytes (ICMP) or 1280 (ICMPv6), so an error
 * about a VXLAN packet holds the outer IP/UDP, the VXLAN header and the start of
 * the inner frame: the quoted frame goes through the tunnel as far as the bytes
 * go. Routers following RFC 792 quote the IP header and 8 bytes: enough for the
 * ports. The quoted IP length is usually larger than the quote; the quoted frame
 * is then marked truncated, which is normal for a quote.
 */
import { emptyFrame, type Frame, type Quoted } from '../model.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../protocols.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import { type DecodeOptions, MAX_DEPTH } from './options.js';

/** The quote at [off, end) as IPv`version`; null (with a note or truncation on `f`) when it holds no IP header. */
export function decodeQuote(version: 4 | 6, b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): Quoted | null {
  if (depth >= MAX_DEPTH) {
    f.note = `nesting deeper than ${MAX_DEPTH} levels: quoted datagram not decoded`;
    return null;
  }
  const q = emptyFrame('none');
  q.ethertype = version === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  if (version === 4) decodeIPv4(b, off, end, q, opts, depth + 1);
  else decodeIPv6(b, off, end, q, opts, depth + 1);
  const ip = q.ip;
  if (ip === null) {
    if (q.truncated) f.truncated = true;
    else f.note = `quoted datagram: ${q.note ?? 'no IP header'}`;
    return null;
  }
  const l4 = q.l4;
  const ports = l4 !== null && (l4.kind === 'tcp' || l4.kind === 'udp');
  return {
    src: ip.src,
    dst: ip.dst,
    proto: ip.proto,
    srcPort: ports ? l4.srcPort : null,
    dstPort: ports ? l4.dstPort : null,
    frame: q,
  };
}
