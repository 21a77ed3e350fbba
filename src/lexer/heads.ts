/**
 * The addresses of "IP a.b.c.d[.p] > e.f.g.h[.q]:" (an IpHead, or a RecordHead's part after the
 * time) read in one pass over the record's characters: what the IP_HEAD pattern accepts, and the
 * ends as splitPort (packet.ts) reads them, without slices or string hashing (a map lookup of a
 * slice, per address or per head, cost more than all of the rest of a packet's reading).
 */
import { intern } from './intern.js';

/** What scanAddr read: the interned address ('' for one with a leading zero, whose number would not name one spelling) and the port. */
export let addrRead = '';
export let portRead: number | null = null;

/**
 * Interned addresses by their value (octets as base-1000 digits, the spelling having no leading
 * zeros): slot by a hash of the value, a miss interned from a slice of the text.
 */
const ADDR_BITS = 16;
const addrValues = new Float64Array(1 << ADDR_BITS).fill(-1);
const addrStrings: string[] = new Array<string>(1 << ADDR_BITS).fill('');

/**
 * Reads at i what /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})?/ matches when the code unit
 * `term` follows it, and returns where `term` is (-1 when that does not match: a digit run is
 * maximal, so a longer one fails the pattern whatever it backtracks to). Sets addrRead and portRead.
 */
export function scanAddr(s: string, i: number, term: number): number {
  const start = i;
  let value = 0;
  let hash = 0;
  let zero = false;
  for (let k = 0; k < 4; k++) {
    const at = i;
    let v = 0;
    for (let d = s.charCodeAt(i) - 0x30; d >= 0 && d <= 9; d = s.charCodeAt(++i) - 0x30) v = v * 10 + d;
    const n = i - at;
    if (n === 0 || n > 3) return -1;
    if (n > 1 && s.charCodeAt(at) === 0x30) zero = true;
    value = value * 1000 + v;
    hash = Math.imul(hash, 0x9e3779b1) ^ v;
    if (k < 3) {
      if (s.charCodeAt(i) !== 0x2e) return -1;
      i++;
    }
  }
  const addrEnd = i;
  let c = s.charCodeAt(i);
  portRead = null;
  if (c === 0x2e) {
    const at = ++i;
    let v = 0;
    for (let d = s.charCodeAt(i) - 0x30; d >= 0 && d <= 9; d = s.charCodeAt(++i) - 0x30) v = v * 10 + d;
    if (i === at || i - at > 5) return -1;
    portRead = v;
    c = s.charCodeAt(i);
  }
  if (c !== term) return -1;
  if (zero) {
    addrRead = '';
    return i;
  }
  const slot = (hash ^ (hash >>> 15)) & ((1 << ADDR_BITS) - 1);
  if (addrValues[slot] === value) addrRead = addrStrings[slot]!;
  else {
    addrRead = intern(s.slice(start, addrEnd));
    addrValues[slot] = value;
    addrStrings[slot] = addrRead;
  }
  return i;
}
