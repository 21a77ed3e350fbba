/**
 * UDP (RFC 768).
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |     Source      |   Destination   |
 *   |      Port       |      Port       |
 *   +--------+--------+--------+--------+
 *   |     Length      |    Checksum     |
 *   +--------+--------+--------+--------+
 *   |          data octets ...
 *   +---------------- ...
 *
 * Next layer by port (gopacket's port table, DecodeOptions.udpTunnels): a
 * tunnel when either port is a tunnel port (VXLAN, GENEVE, flannel's udp
 * backend), the destination port first (as tcpdump, which also looks at both).
 * A Length of 0 is a jumbogram (RFC 2675) or a BIG TCP super-packet: the IP
 * payload length stands for it.
 */
import type { Frame, Udp } from '../model.js';
import { u16 } from './bytes.js';
import { innerChecksumPending, udpChecksumOk } from './checksum.js';
import { decodeFlannelUdp } from './flannel.js';
import { decodeGeneve } from './geneve.js';
import type { DecodeOptions } from './options.js';
import { decodeVxlan, VXLAN_HEADER_LEN } from './vxlan.js';

export const UDP_HEADER_LEN = 8;

/** ipOff: where the IP header carrying this datagram starts (for the checksum's pseudo-header); -1 when unknown. */
export function decodeUdp(b: Uint8Array, off: number, end: number, length: number, f: Frame, opts: DecodeOptions, depth: number, ipOff = -1): void {
  const avail = end - off;
  if (avail < 4) {
    f.truncated = true;
    return;
  }
  const udp: Udp = { kind: 'udp', srcPort: u16(b, off), dstPort: u16(b, off + 2), length: null, payloadLen: null, checksumOk: null };
  f.l4 = udp;
  if (avail < UDP_HEADER_LEN) {
    f.truncated = true;
    return;
  }
  let ulen = u16(b, off + 4);
  if (ulen === 0) ulen = length;
  udp.length = ulen;
  // A first fragment carries less than the UDP length says: that is not an error.
  if (ulen < UDP_HEADER_LEN || (ulen > length && !(f.ip !== null && f.ip.moreFragments))) {
    f.note = `bad UDP length ${ulen} (IP payload ${length})`;
    return;
  }
  udp.payloadLen = ulen - UDP_HEADER_LEN;
  const pEnd = off + ulen < end ? off + ulen : end;
  const next = opts.udpTunnels.get(udp.dstPort) ?? opts.udpTunnels.get(udp.srcPort);
  if (next === undefined) return;
  // A tunnel carrier's checksum decides whether the receiving kernel hands it to the tunnel at all.
  if (ipOff >= 0 && f.ip && f.ip.fragOffset === 0 && !f.ip.moreFragments && off + ulen <= end) {
    udp.checksumOk = udpChecksumOk(b, f.ip.version, ipOff, off, ulen);
  }
  const tun = off + UDP_HEADER_LEN;
  if (next === 'vxlan') decodeVxlan(b, tun, pEnd, f, opts, depth);
  else if (next === 'geneve') decodeGeneve(b, tun, pEnd, f, opts, depth);
  else if (!decodeFlannelUdp(b, tun, pEnd, f, opts, depth)) udp.checksumOk = null; // not IP inside: plain UDP
  // Wrong only because the inner checksum is still the NIC's to fill in (local checksum offload): not judged.
  if (udp.checksumOk === false && f.tunnel && f.tunnel.inner.link === 'ether') {
    const eth = next === 'vxlan' ? tun + VXLAN_HEADER_LEN : tun + 8 + (b[tun] & 0x3f) * 4;
    if (innerChecksumPending(b, eth, pEnd, f.tunnel.inner.vlans.length)) udp.checksumOk = null;
  }
}
