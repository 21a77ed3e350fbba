/**
 * GRE (RFC 2784, with RFC 2890's key and sequence number), IP protocol 47.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Checksum (optional)      |  Offset / Reserved1 (optional)|  C or R
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Key (optional)                        |  K
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Sequence Number (optional)                    |  S
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Routing (optional, RFC 1701)                ~  R
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Protocol Type is an EtherType: 0x0800 / 0x86dd carry a bare IP packet (Linux
 * `type gre`, `ip6gre`; inner link 'none'), 0x6558 (Transparent Ethernet
 * Bridging) an Ethernet frame (Linux `type gretap`, NVGRE). Others (keep-alives,
 * ERSPAN, PPP of PPTP's version 1) leave a note on the inner frame, as does a
 * header with nothing after it (a keep-alive reply). The key, when
 * present, names the tunnel the way a VNI does: Tunnel.vni holds it (null
 * without K); Tunnel.flags holds the first byte (C 0x80, R 0x40, K 0x20, S 0x10).
 * RFC 1701 source routing (R) is obsolete and unsupported by Linux: not decoded.
 */
import type { Frame } from '../model.js';
import { u16, u32 } from './bytes.js';
import { decodePayload, payloadFrame } from './ethernet.js';
import { type DecodeOptions, nestedTooDeep } from './options.js';

export const GRE_MIN_HEADER_LEN = 4;
const GRE_C = 0x80;
const GRE_R = 0x40;
const GRE_K = 0x20;
const GRE_S = 0x10;
const GRE_VERSION_MASK = 0x07;

export function decodeGre(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + GRE_MIN_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  const flags = b[off];
  const version = b[off + 1] & GRE_VERSION_MASK;
  if (version !== 0) {
    f.note = `GRE version ${version}${version === 1 ? ' (PPTP)' : ''} not decoded`;
    return;
  }
  if (flags & GRE_R) {
    f.note = 'GRE with source routing (RFC 1701) not decoded';
    return;
  }
  let hlen = GRE_MIN_HEADER_LEN;
  if (flags & GRE_C) hlen += 4;
  const keyAt = off + hlen;
  if (flags & GRE_K) hlen += 4;
  if (flags & GRE_S) hlen += 4;
  if (off + hlen > end) {
    f.truncated = true;
    return;
  }
  if (nestedTooDeep(f, depth)) return;
  const ptype = u16(b, off + 2);
  const inner = payloadFrame(ptype);
  f.tunnel = { type: 'gre', vni: flags & GRE_K ? u32(b, keyAt) : null, flags, inner };
  // Cisco's keep-alive reply and other bare headers: nothing inside (or the capture ends right here).
  if (off + hlen === end) {
    inner.note = 'GRE header without payload (keep-alive)';
    return;
  }
  decodePayload(ptype, b, off + hlen, end, inner, opts, depth + 1);
}
