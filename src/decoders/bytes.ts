/**
 * Big-endian reads and the address strings of the model.
 *
 * Callers check bounds before reading: these helpers do not (an out-of-range read
 * of a Uint8Array gives undefined, which would turn into NaN, never an exception).
 */

export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}

export function u32(b: Uint8Array, o: number): number {
  // Multiplication keeps the top bit out of the sign: 0xffffffff stays positive.
  return b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push((i < 16 ? '0' : '') + i.toString(16));

/** "0x0800"-style 16-bit value for notes. */
export function hex4(v: number): string {
  return '0x' + HEX2[(v >> 8) & 0xff] + HEX2[v & 0xff];
}

// A capture talks to few hosts again and again: each address string is built once and then
// found in a direct-mapped cache (a typed array of keys beside the strings, no Map hashing of
// a boxed number per packet). A colliding address just replaces the slot's, so memory is fixed.
// Handing out the same string each time also makes later string compares and Map lookups cheap.
const SLOTS = 1 << 14;
const macKeys = new Float64Array(SLOTS).fill(-1);
const macStrs: string[] = new Array<string>(SLOTS).fill('');
const v4Keys = new Float64Array(SLOTS).fill(-1);
const v4Strs: string[] = new Array<string>(SLOTS).fill('');

/** 48-bit MAC address: lower case, colon separated, as tcpdump -e prints it. */
export function formatMac(b: Uint8Array, off: number): string {
  const lo = u32(b, off + 2);
  const key = b[off] * 0x10000000000 + b[off + 1] * 0x100000000 + lo;
  const i = Math.imul(lo ^ (b[off + 1] << 8) ^ b[off], 0x9e3779b1) >>> 18;
  if (macKeys[i] === key) return macStrs[i]!;
  const s = HEX2[b[off]] + ':' + HEX2[b[off + 1]] + ':' + HEX2[b[off + 2]] + ':' + HEX2[b[off + 3]] + ':' + HEX2[b[off + 4]] + ':' + HEX2[b[off + 5]];
  macKeys[i] = key;
  macStrs[i] = s;
  return s;
}

const CACHE_MAX = 1 << 16;
let v6cache = new Map<string, string>();

/** Dotted-quad IPv4 address at `off` (4 bytes). */
export function formatIPv4(b: Uint8Array, off: number): string {
  const key = u32(b, off);
  const i = Math.imul(key, 0x9e3779b1) >>> 18;
  if (v4Keys[i] === key) return v4Strs[i]!;
  const s = b[off] + '.' + b[off + 1] + '.' + b[off + 2] + '.' + b[off + 3];
  v4Keys[i] = key;
  v4Strs[i] = s;
  return s;
}

/**
 * IPv6 address at `off` (16 bytes) in the inet_ntop form tcpdump prints (RFC 5952):
 * lower-case hex without leading zeros, the longest run of two or more zero groups
 * (the first of equal runs) as "::", and the dotted IPv4 tail for IPv4-mapped
 * (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses.
 */
export function formatIPv6(b: Uint8Array, off: number): string {
  // Keyed by the address as eight 16-bit code units: far cheaper to build than the text.
  const key = String.fromCharCode(
    u16(b, off),
    u16(b, off + 2),
    u16(b, off + 4),
    u16(b, off + 6),
    u16(b, off + 8),
    u16(b, off + 10),
    u16(b, off + 12),
    u16(b, off + 14),
  );
  let s = v6cache.get(key);
  if (s === undefined) {
    s = ntop6(b, off);
    if (v6cache.size >= CACHE_MAX) v6cache = new Map();
    v6cache.set(key, s);
  }
  return s;
}

function ntop6(b: Uint8Array, off: number): string {
  // Longest run of zero groups.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (b[off + 2 * i] === 0 && b[off + 2 * i + 1] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;

  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // inet_ntop's embedded-IPv4 rule: six zero groups, or five and then ffff.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && b[off + 10] === 0xff && b[off + 11] === 0xff))) {
      s += b[off + 12] + '.' + b[off + 13] + '.' + b[off + 14] + '.' + b[off + 15];
      return s;
    }
    const w = u16(b, off + 2 * i);
    s += w.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}
