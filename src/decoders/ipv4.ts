/**
 * IPv4 (RFC 791).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: bit 0 reserved, bit 1 DF (don't fragment), bit 2 MF (more fragments).
 * Options are skipped via IHL. The datagram ends at Total Length: bytes after it
 * are link padding (Ethernet's 60-byte minimum). A Total Length of 0 is what the
 * kernel leaves on TSO / BIG TCP super-packets captured on the host; like tcpdump
 * we then presume the datagram is what was captured.
 */
import type { Frame, Ip } from '../model.js';
import { formatIPv4, u16 } from './bytes.js';
import { decodeIpPayload } from './ipnext.js';
import type { DecodeOptions } from './options.js';

export const IPV4_MIN_HEADER_LEN = 20;
export const IP_DF = 0x4000;
const IP_MF = 0x2000;
const IP_OFFMASK = 0x1fff;

export function decodeIPv4(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + IPV4_MIN_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  const version = b[off] >> 4;
  if (version !== 4) {
    f.note = `IPv4 packet with IP version ${version}`;
    return;
  }
  const ihl = (b[off] & 0x0f) * 4;
  let total = u16(b, off + 2);
  const frag = u16(b, off + 6);
  const ip: Ip = {
    version: 4,
    src: formatIPv4(b, off + 12),
    dst: formatIPv4(b, off + 16),
    proto: b[off + 9],
    ttl: b[off + 8],
    id: u16(b, off + 4),
    length: total,
    fragOffset: (frag & IP_OFFMASK) * 8,
    moreFragments: (frag & IP_MF) !== 0,
    dontFragment: (frag & IP_DF) !== 0,
  };
  f.ip = ip;
  if (ihl < IPV4_MIN_HEADER_LEN) {
    f.note = `IPv4 header length ${ihl} < ${IPV4_MIN_HEADER_LEN}`;
    return;
  }
  if (total === 0) {
    total = end - off; // presumed TSO / BIG TCP
    ip.length = total;
  }
  if (total < ihl) {
    f.note = `IPv4 total length ${total} < header length ${ihl}`;
    return;
  }
  const dgramEnd = off + total;
  const capEnd = dgramEnd < end ? dgramEnd : end;
  if (off + ihl > capEnd) {
    f.truncated = true;
    return;
  }
  // Only the first fragment carries the transport header.
  if (ip.fragOffset === 0) decodeIpPayload(ip.proto, b, off + ihl, capEnd, total - ihl, f, opts, depth, off);
  // A tunnel's payload is its inner frame's business: the inner frame records its own cut.
  if (capEnd < dgramEnd && f.tunnel === null) f.truncated = true;
}
