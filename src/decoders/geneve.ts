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
import { emptyFrame, type Frame, type Tunnel } from '../model.js';
import { ETHERTYPE_TEB } from '../protocols.js';
import { u16, u24 } from './bytes.js';
import { decodeEthernet, decodeEthertype } from './ethernet.js';
import { type DecodeOptions, MAX_DEPTH } from './options.js';

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
  if (depth >= MAX_DEPTH) {
    f.note = `tunnels nested deeper than ${MAX_DEPTH} levels: not decoded further`;
    return;
  }
  const ptype = u16(b, off + 2);
  const inner = emptyFrame(ptype === ETHERTYPE_TEB ? 'ether' : 'none');
  const tunnel: Tunnel = { type: 'geneve', vni: u24(b, off + 4), flags: b[off + 1], inner };
  f.tunnel = tunnel;
  if (ptype === ETHERTYPE_TEB) decodeEthernet(b, off + hlen, end, inner, opts, depth + 1);
  else decodeEthertype(ptype, b, off + hlen, end, inner, opts, depth + 1);
}
