/**
 * TCP (RFC 9293).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |       |       |R|E|G|K|H|T|N|N|                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The payload length comes from the IP length, not from what was captured.
 * A header cut short (an ICMP error quotes only 8 bytes of it under RFC 792)
 * still gives the fields it holds; the rest are null (flags 0) and the frame is
 * marked truncated.
 */
import type { Frame, Tcp } from '../model.js';
import { TCP_ACK, TCPOPT_EOL, TCPOPT_NOP, TCPOPT_SACK } from '../protocols.js';
import { u16, u32 } from './bytes.js';

export const TCP_MIN_HEADER_LEN = 20;

export function decodeTcp(b: Uint8Array, off: number, end: number, length: number, f: Frame): void {
  const avail = end - off;
  if (avail < 4) {
    f.truncated = true;
    return;
  }
  const tcp: Tcp = { kind: 'tcp', srcPort: u16(b, off), dstPort: u16(b, off + 2), flags: 0, seq: null, ack: null, window: null, payloadLen: null };
  f.l4 = tcp;
  if (avail >= 8) tcp.seq = u32(b, off + 4);
  if (avail >= 14) {
    tcp.flags = b[off + 13];
    // Without ACK the field is not an acknowledgement (tcpdump flags a non-zero one as an oddity).
    if (tcp.flags & TCP_ACK) tcp.ack = u32(b, off + 8);
  }
  if (avail >= 16) tcp.window = u16(b, off + 14);
  if (avail < TCP_MIN_HEADER_LEN) {
    f.truncated = true;
    return;
  }
  const hlen = (b[off + 12] >> 4) * 4;
  if (hlen < TCP_MIN_HEADER_LEN) {
    f.note = `TCP header length ${hlen} < ${TCP_MIN_HEADER_LEN}`;
    return;
  }
  if (hlen > length) {
    f.note = `TCP header length ${hlen} > segment length ${length}`;
    return;
  }
  tcp.payloadLen = length - hlen;
  if (off + hlen > end) f.truncated = true; // options cut
  const sack = sackBlocks(b, off + TCP_MIN_HEADER_LEN, Math.min(off + hlen, end));
  if (sack) tcp.sack = sack;
}

/** The SACK option's blocks among the options in [off, end), or null: a malformed or cut option ends the walk. */
export function sackBlocks(b: Uint8Array, off: number, end: number): number[] | null {
  let i = off;
  while (i < end) {
    const kind = b[i]!;
    if (kind === TCPOPT_EOL) return null;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return null;
    const len = b[i + 1]!;
    if (len < 2 || i + len > end) return null;
    if (kind === TCPOPT_SACK) {
      const out: number[] = [];
      for (let k = i + 2; k + 8 <= i + len; k += 8) out.push(u32(b, k), u32(b, k + 4));
      return out.length > 0 ? out : null;
    }
    i += len;
  }
  return null;
}
