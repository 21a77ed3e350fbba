/**
 * VXLAN (RFC 7348), on UDP 4789 (IANA) or 8472 (the Linux kernel's default, flannel's).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|R|R|R|I|R|R|R|            Reserved                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Inner Ethernet frame ...
 *
 * The I flag (0x08) says the VNI is valid; without it the VNI is null (the RFC
 * makes it meaningless). Other flag bits are reserved and kept in Tunnel.flags
 * as they are (tcpdump prints 0x0c for GBP/GPE-tinted headers and still decodes).
 */
import { emptyFrame, type Frame, type Tunnel } from '../model.js';
import { u24 } from './bytes.js';
import { decodeEthernet } from './ethernet.js';
import { type DecodeOptions, nestedTooDeep } from './options.js';

export const VXLAN_HEADER_LEN = 8;
export const VXLAN_FLAG_I = 0x08;

export function decodeVxlan(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + VXLAN_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  if (nestedTooDeep(f, depth)) return;
  const flags = b[off];
  const inner = emptyFrame('ether');
  const tunnel: Tunnel = { type: 'vxlan', vni: flags & VXLAN_FLAG_I ? u24(b, off + 4) : null, flags, inner };
  f.tunnel = tunnel;
  decodeEthernet(b, off + VXLAN_HEADER_LEN, end, inner, opts, depth + 1);
}
