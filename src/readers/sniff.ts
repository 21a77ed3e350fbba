/** Input format from the first bytes, never from the file name. */

export type Sniffed = 'pcap' | 'pcap-ns' | 'pcap-swapped' | 'pcap-ns-swapped' | 'pcapng' | 'gzip' | 'text' | 'binary';

export function sniff(head: Uint8Array): Sniffed {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4) {
    const m = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    if (m === 0xa1b2c3d4) return 'pcap-swapped'; // big endian µs
    if (m === 0xd4c3b2a1) return 'pcap';
    if (m === 0xa1b23c4d) return 'pcap-ns-swapped';
    if (m === 0x4d3cb2a1) return 'pcap-ns';
    if (m === 0x0a0d0d0a) return 'pcapng';
  }
  return looksLikeText(head) ? 'text' : 'binary';
}

/** Mostly printable UTF-8 with no NUL: what tcpdump prints and people paste. */
function looksLikeText(b: Uint8Array): boolean {
  let bad = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0) return false;
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) bad++;
  }
  return bad <= b.length / 100;
}
