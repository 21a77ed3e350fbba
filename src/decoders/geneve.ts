/**
 * GENEVE (RFC 8926), on UDP 6081.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Virtual Network Identifier (VNI)       |    Reserved   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   ~                    Variable-Length Options                    ~
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Opt Len counts 4-byte words of options, which are skipped. Protocol Type is an
 * EtherType: 0x6558 (Transparent Ethernet Bridging) carries an Ethernet frame,
 * 0x0800 / 0x86dd a bare IP packet (inner link 'none'). Tunnel.flags holds the
 * O (0x80, control) and C (0x40, critical options) byte.
 */
import type { Frame, Tunnel } from '../model.js';
import { u16, u24 } from './bytes.js';
import { decodePayload, payloadFrame } from './ethernet.js';
import { type DecodeOptions, nestedTooDeep } from './options.js';

export const GENEVE_HEADER_LEN = 8;

export function decodeGeneve(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + GENEVE_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  const version = b[off] >> 6;
  if (version !== 0) {
    f.note = `GENEVE version ${version} not decoded`;
    return;
  }
  const hlen = GENEVE_HEADER_LEN + (b[off] & 0x3f) * 4;
  if (off + hlen > end) {
    f.truncated = true;
    return;
  }
  if (nestedTooDeep(f, depth)) return;
  const ptype = u16(b, off + 2);
  const inner = payloadFrame(ptype);
  const tunnel: Tunnel = { type: 'geneve', vni: u24(b, off + 4), flags: b[off + 1], inner };
  f.tunnel = tunnel;
  decodePayload(ptype, b, off + hlen, end, inner, opts, depth + 1);
}
