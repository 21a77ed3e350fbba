/**
 * Next layer by IP protocol number (IPv4 Protocol, IPv6 Next Header after the
 * extension headers): the routing table between the network and transport decoders.
 *
 * `end` is where the captured bytes of the payload end; `length` is the payload
 * length the IP header announces (it can be larger than what was captured).
 * Protocols not listed stay undecoded: Ip.proto says what they are.
 */
import type { Frame } from '../model.js';
import { IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP } from '../protocols.js';
import { decodeGre } from './gre.js';
import { decodeIcmp } from './icmp.js';
import { decodeIcmp6 } from './icmp6.js';
import { decodeIpInIp } from './ipip.js';
import type { DecodeOptions } from './options.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';

/** ipOff: the IP header's offset, for pseudo-header checksums (-1 when it does not serve: IPv6 with a routing header). */
export function decodeIpPayload(
  proto: number,
  b: Uint8Array,
  off: number,
  end: number,
  length: number,
  f: Frame,
  opts: DecodeOptions,
  depth: number,
  ipOff = -1,
): void {
  switch (proto) {
    case IPPROTO_TCP:
      decodeTcp(b, off, end, length, f);
      return;
    case IPPROTO_UDP:
      decodeUdp(b, off, end, length, f, opts, depth, ipOff);
      return;
    case IPPROTO_ICMP:
      decodeIcmp(b, off, end, f, opts, depth);
      return;
    case IPPROTO_ICMPV6:
      decodeIcmp6(b, off, end, f, opts, depth);
      return;
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
      decodeIpInIp(proto, b, off, end, f, opts, depth);
      return;
    case IPPROTO_GRE:
      decodeGre(b, off, end, f, opts, depth);
      return;
  }
}
