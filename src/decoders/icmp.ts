/**
 * ICMP for IPv4 (RFC 792, RFC 1191 next-hop MTU, RFC 4884 length).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Identifier          |        Sequence Number        |  echo 8 / echo reply 0
 *   |     unused    |    Length     |          Next-Hop MTU         |  unreachable 3 (MTU for code 4)
 *   |     unused    |    Length     |          unused               |  time exceeded 11
 *   |                 Gateway Internet Address                      |  redirect 5
 *   |    Pointer    |    Length     |          unused               |  parameter problem 12
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Internet Header + leading octets of the original datagram  |  errors (3, 4, 5, 11, 12)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 4884's Length (32-bit words of original datagram, 0 when the sender does
 * not use extensions) bounds the quote when an extension structure follows it.
 */
import type { Frame, Icmp } from '../model.js';
import {
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_PARAMPROB,
  ICMP_REDIRECT,
  ICMP_SOURCEQUENCH,
  ICMP_TIMXCEED,
  ICMP_UNREACH,
  ICMP_UNREACH_NEEDFRAG,
} from '../protocols.js';
import { u16 } from './bytes.js';
import type { DecodeOptions } from './options.js';
import { decodeQuote } from './quote.js';

export const ICMP_HEADER_LEN = 8;

export function decodeIcmp(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + 2 > end) {
    f.truncated = true;
    return;
  }
  const type = b[off];
  const code = b[off + 1];
  const icmp: Icmp = { kind: 'icmp', type, code, id: null, seq: null, mtu: null, quoted: null };
  f.l4 = icmp;
  if (off + ICMP_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  switch (type) {
    case ICMP_ECHOREPLY:
    case ICMP_ECHO:
      icmp.id = u16(b, off + 4);
      icmp.seq = u16(b, off + 6);
      return;
    case ICMP_UNREACH:
    case ICMP_TIMXCEED:
    case ICMP_PARAMPROB: {
      if (type === ICMP_UNREACH && code === ICMP_UNREACH_NEEDFRAG) icmp.mtu = u16(b, off + 6);
      const words = b[off + 5];
      let qend = end;
      if (words !== 0 && off + ICMP_HEADER_LEN + words * 4 < end) qend = off + ICMP_HEADER_LEN + words * 4;
      icmp.quoted = decodeQuote(4, b, off + ICMP_HEADER_LEN, qend, f, opts, depth);
      return;
    }
    case ICMP_SOURCEQUENCH:
    case ICMP_REDIRECT:
      icmp.quoted = decodeQuote(4, b, off + ICMP_HEADER_LEN, end, f, opts, depth);
      return;
  }
}
