/**
 * The Internet checksum (RFC 1071) of UDP over IPv4 and IPv6 (RFC 768, RFC 8200 8.1):
 * the one's complement sum of a pseudo-header (addresses, protocol, UDP length) and the
 * whole datagram. Only called for a nonzero checksum field, so a capture of zero-checksum
 * VXLAN (Linux's default over IPv4) pays nothing.
 */
import { IPPROTO_TCP, IPPROTO_UDP } from '../protocols.js';
import { u16 } from './bytes.js';

/** Adds the 16-bit big-endian words of b[start, end) to sum (an odd last byte is padded with zero). */
function add(b: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Whether the UDP checksum of the datagram at b[udpOff, udpOff + ulen) is right, given the IP
 * header at ipOff. null when it cannot be judged: a zero field (no checksum), or a field holding
 * only the pseudo-header sum, which is what Linux leaves for the NIC to finish (checksum offload,
 * CHECKSUM_PARTIAL): a capture on the sending host shows that value, and so does one on a host
 * reached through veth, where no NIC ever finishes it. Callers pass whole, unfragmented datagrams.
 */
export function udpChecksumOk(b: Uint8Array, version: 4 | 6, ipOff: number, udpOff: number, ulen: number): boolean | null {
  const field = u16(b, udpOff + 6);
  if (field === 0) return null;
  let pseudo = IPPROTO_UDP + ulen;
  pseudo = version === 4 ? add(b, ipOff + 12, ipOff + 20, pseudo) : add(b, ipOff + 8, ipOff + 40, pseudo);
  if (fold(pseudo) === field) return null;
  return fold(add(b, udpOff, udpOff + ulen, pseudo)) === 0xffff;
}

/**
 * Whether the inner TCP/UDP checksum of the Ethernet frame at b[eth, end) is still partial (the
 * pseudo-header sum Linux leaves for the NIC). Then the outer checksum was made by local checksum
 * offload (RFC 7605's LCO, Linux udp_set_csum): right only once the NIC fills the inner one in,
 * so a capture before the NIC (or through veth) shows it "wrong": it cannot be judged.
 * Untagged or VLAN-tagged Ethernet, IPv4 or IPv6 without extension headers; false otherwise.
 */
export function innerChecksumPending(b: Uint8Array, eth: number, end: number, vlans: number): boolean {
  const ip = eth + 14 + 4 * vlans;
  if (ip + 20 > end) return false;
  const version = b[ip]! >> 4;
  let l4: number;
  let proto: number;
  let len: number;
  let pseudo: number;
  if (version === 4) {
    l4 = ip + (b[ip]! & 0x0f) * 4;
    proto = b[ip + 9]!;
    len = u16(b, ip + 2) - (l4 - ip);
    pseudo = add(b, ip + 12, ip + 20, 0);
  } else if (version === 6 && ip + 40 <= end) {
    l4 = ip + 40;
    proto = b[ip + 6]!;
    len = u16(b, ip + 4);
    pseudo = add(b, ip + 8, ip + 40, 0);
  } else return false;
  const field = proto === IPPROTO_TCP ? l4 + 16 : proto === IPPROTO_UDP ? l4 + 6 : -1;
  if (field < 0 || field + 2 > end) return false;
  return fold(pseudo + proto + len) === u16(b, field);
}
