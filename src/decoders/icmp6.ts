/**
 * ICMPv6 (RFC 4443; neighbour discovery RFC 4861; RFC 4884 length).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Identifier          |        Sequence Number        |  echo request 128 / reply 129
 *   |     Length    |                 Unused                        |  unreachable 1, time exceeded 3
 *   |                             MTU                               |  packet too big 2
 *   |                            Pointer                            |  parameter problem 4
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |    As much of the invoking packet as fits in the minimum MTU   |  errors (1-4)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Neighbour discovery (133-137) and the rest are kept as type and code only.
 * RFC 4884's Length counts 64-bit words of the invoking packet.
 */
import type { Frame, Icmp } from '../model.js';
import { ICMP6_DST_UNREACH, ICMP6_ECHO_REPLY, ICMP6_ECHO_REQUEST, ICMP6_PACKET_TOO_BIG, ICMP6_PARAM_PROB, ICMP6_TIME_EXCEEDED } from '../protocols.js';
import { u16, u32 } from './bytes.js';
import type { DecodeOptions } from './options.js';
import { decodeQuote } from './quote.js';

const ICMP6_HEADER_LEN = 8;

export function decodeIcmp6(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + 2 > end) {
    f.truncated = true;
    return;
  }
  const type = b[off];
  const code = b[off + 1];
  const icmp: Icmp = { kind: 'icmp6', type, code, id: null, seq: null, mtu: null, quoted: null };
  f.l4 = icmp;
  if (off + ICMP6_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  switch (type) {
    case ICMP6_ECHO_REQUEST:
    case ICMP6_ECHO_REPLY:
      icmp.id = u16(b, off + 4);
      icmp.seq = u16(b, off + 6);
      return;
    case ICMP6_PACKET_TOO_BIG:
      icmp.mtu = u32(b, off + 4);
      icmp.quoted = decodeQuote(6, b, off + ICMP6_HEADER_LEN, end, f, opts, depth);
      return;
    case ICMP6_DST_UNREACH:
    case ICMP6_TIME_EXCEEDED: {
      const words = b[off + 4];
      let qend = end;
      if (words !== 0 && off + ICMP6_HEADER_LEN + words * 8 < end) qend = off + ICMP6_HEADER_LEN + words * 8;
      icmp.quoted = decodeQuote(6, b, off + ICMP6_HEADER_LEN, qend, f, opts, depth);
      return;
    }
    case ICMP6_PARAM_PROB:
      icmp.quoted = decodeQuote(6, b, off + ICMP6_HEADER_LEN, end, f, opts, depth);
      return;
  }
}
