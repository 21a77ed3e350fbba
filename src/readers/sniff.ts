/**
 * Input format from the first bytes, never from the file name.
 *
 *   d4 c3 b2 a1 / a1 b2 c3 d4   classic pcap, µs, little / big endian
 *   4d 3c b2 a1 / a1 b2 3c 4d   classic pcap, ns, little / big endian
 *   0a 0d 0d 0a                 pcapng section header block (either byte order)
 *   1f 8b                       gzip: unwrapped by the caller and sniffed again
 *   anything else               text when it reads as text, else binary
 */
import { isUtf8 } from 'node:buffer';

export type Sniffed = 'pcap' | 'pcapng' | 'gzip' | 'text' | 'text-utf16le' | 'text-utf16be' | 'binary';

export function sniff(head: Uint8Array): Sniffed {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4) {
    const m = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
    if (m === 0x0a0d0d0a) return 'pcapng';
  }
  // Windows PowerShell's `>` writes UTF-16 with a byte-order mark: still text a person pasted.
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe && looksLikeUtf16(head, true)) return 'text-utf16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff && looksLikeUtf16(head, false)) return 'text-utf16be';
  return looksLikeText(head) ? 'text' : 'binary';
}

/** Control characters a text may hold: tab, line feed, vertical tab, form feed, carriage return, escape. */
function isTextControl(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x1b;
}

/**
 * Valid UTF-8 (the head may end inside a character), no NUL, and at most 2% other control
 * characters: what tcpdump prints and people paste.
 */
export function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  let bad = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0) return false;
    if ((c < 0x20 && !isTextControl(c)) || c === 0x7f) bad++;
  }
  if (bad * 50 > b.length) return false;
  const n = completeUtf8Length(b);
  return n > 0 && isUtf8(b.subarray(0, n));
}

/** Length of b without a multi-byte character cut at its end. */
function completeUtf8Length(b: Uint8Array): number {
  let i = b.length;
  // Step back over continuation bytes (10xxxxxx), at most 3, to the lead byte.
  while (i > 0 && b.length - i < 3 && (b[i - 1]! & 0xc0) === 0x80) i--;
  if (i === 0) return b.length;
  const lead = b[i - 1]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return b.length - (i - 1) < need ? i - 1 : b.length;
}

function looksLikeUtf16(b: Uint8Array, le: boolean): boolean {
  let bad = 0;
  let n = 0;
  for (let i = 2; i + 1 < b.length; i += 2) {
    const u = le ? b[i]! | (b[i + 1]! << 8) : (b[i]! << 8) | b[i + 1]!;
    n++;
    if (u === 0 || (u < 0x20 && !isTextControl(u)) || u === 0x7f) bad++;
  }
  return bad * 50 <= n;
}

/** Formats people may hand us by mistake, by their first bytes, to say what the input is instead. */
const KNOWN: Array<[number[], string]> = [
  [[0xa1, 0xb2, 0xcd, 0x34], 'a "modified" (Kuznetzov) pcap, which is not supported: convert it with editcap -F pcap'],
  [[0x34, 0xcd, 0xb2, 0xa1], 'a "modified" (Kuznetzov) pcap, which is not supported: convert it with editcap -F pcap'],
  [[0x73, 0x6e, 0x6f, 0x6f, 0x70, 0, 0, 0], 'a Solaris snoop capture: convert it with editcap -F pcap'],
  [[0x42, 0x5a, 0x68], 'bzip2 data: decompress it first'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz data: decompress it first'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd data: decompress it first'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive: extract the capture first'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an ELF executable'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
];

/** "de ad be ef 00 01 02 03" plus what those bytes are when we know. */
export function describeHead(b: Uint8Array): string {
  const hex = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  for (const [magic, what] of KNOWN) {
    if (b.length >= magic.length && magic.every((m, i) => b[i] === m)) return `first bytes ${hex}: ${what}`;
  }
  return `first bytes ${hex}`;
}
