/**
 * BSD loopback encapsulation: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108).
 *
 *   +---------------------------+
 *   |    Address family (AF_)   | (4 octets)
 *   +---------------------------+
 *   |           Payload         |
 *
 * LINKTYPE_NULL stores the family in the capturing host's byte order, LOOP in
 * network order; neither is reliably what it claims, so (like tcpdump) a value
 * with bits in the upper half is read the other way round. IPv4 is AF_INET 2
 * everywhere; IPv6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS).
 */
import type { Frame } from '../model.js';
import { BSD_AF_INET, BSD_AF_INET6_BSD, BSD_AF_INET6_DARWIN, BSD_AF_INET6_FREEBSD, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../protocols.js';
import { u32 } from './bytes.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import type { DecodeOptions } from './options.js';

export const NULL_HEADER_LEN = 4;

export function decodeNull(b: Uint8Array, f: Frame, opts: DecodeOptions): void {
  const end = b.length;
  if (end < NULL_HEADER_LEN) {
    f.truncated = true;
    return;
  }
  let family = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24); // little-endian
  if ((family & 0xffff0000) !== 0) family = u32(b, 0);
  switch (family) {
    case BSD_AF_INET:
      f.ethertype = ETHERTYPE_IPV4;
      decodeIPv4(b, NULL_HEADER_LEN, end, f, opts, 0);
      return;
    case BSD_AF_INET6_BSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
      f.ethertype = ETHERTYPE_IPV6;
      decodeIPv6(b, NULL_HEADER_LEN, end, f, opts, 0);
      return;
    default:
      f.note = `loopback address family ${family} not decoded`;
  }
}
