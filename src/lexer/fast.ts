/**
 * The commonest records of tcpdump -nn read without the lexer and the parser: a record the lexer
 * would cut into exactly RecordHead Tail, or RecordHead TunnelHeader IpHead Tail (a VXLAN/OTV
 * packet and its inner frame), gets here the ParsedRecord the parser makes of those tokens. What
 * the raw tokens' patterns accept decides, at the same offsets, in the order chevrotain tries them
 * (the time and the heads scanned by hand, their addresses read on the way); any other record
 * (null) is lexed and parsed in full. A property test holds the two equal on real and edited records.
 */
import { emptyLink, emptyNet, type ParsedNet, type ParsedRecord, readHead } from './parser.js';
import { tailStarts, VXLAN_HEADER } from './tokens.js';

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Where the space after a time at 0 is (/\d\d:\d\d:\d\d(?:\.\d+)? /), or -1. */
function timeEnd(s: string): number {
  if (!isDigit(s.charCodeAt(0)) || !isDigit(s.charCodeAt(1)) || s.charCodeAt(2) !== 0x3a || !isDigit(s.charCodeAt(3)) || !isDigit(s.charCodeAt(4))) return -1;
  if (s.charCodeAt(5) !== 0x3a || !isDigit(s.charCodeAt(6)) || !isDigit(s.charCodeAt(7))) return -1;
  let i = 8;
  if (s.charCodeAt(i) === 0x2e) {
    while (isDigit(s.charCodeAt(++i)));
    if (i === 9) return -1;
  }
  return s.charCodeAt(i) === 0x20 ? i : -1;
}

/**
 * Where what IP_HEAD matches at `at` ends ("IP src > dst:" and its space, or the text's end), its
 * addresses read into net; -1 where it does not match.
 */
function head(net: ParsedNet, text: string, at: number): number {
  if (!text.startsWith('IP ', at)) return -1;
  const colon = readHead(net, text, at + 3);
  if (colon < 0) return -1;
  if (colon + 1 === text.length) return colon + 1;
  return text.charCodeAt(colon + 1) === 0x20 ? colon + 2 : -1;
}

export function fastRecord(text: string): ParsedRecord | null {
  // At offset 0 (a digit) chevrotain tries Tail, which declines before any address, then RecordHead.
  const sp = timeEnd(text);
  if (sp < 0) return null;
  const net = emptyNet();
  const p = head(net, text, sp + 1);
  if (p < 0 || p >= text.length) return null;
  const rec: ParsedRecord = { no: null, time: { kind: 'time', image: text.slice(0, sp) }, frame: { link: emptyLink(), net } };
  // After the addresses, TunnelHeader is tried before Tail (at O and V).
  VXLAN_HEADER.lastIndex = p;
  if (!VXLAN_HEADER.test(text)) {
    if (!tailStarts(text, p)) return null;
    net.tailText = text.slice(p);
    return rec;
  }
  const q = VXLAN_HEADER.lastIndex;
  // The header's space was taken with it; the inner "IP src > dst:" must follow at once (at its
  // "I" Tail declines after a TunnelHeader, and IpHead comes next).
  const inner = emptyNet();
  const r = head(inner, text, q);
  // A nested tunnel header starts with OTV or VXLAN, words tailStarts declines.
  if (r < 0 || r >= text.length || !tailStarts(text, r)) return null;
  inner.tailText = text.slice(r);
  net.tunnel = { words: [text.slice(p, q - 1)], inner: { link: emptyLink(), net: inner } };
  return rec;
}
