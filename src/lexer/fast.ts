/**
 * The commonest records of tcpdump -nn read without the lexer and the parser: a record the lexer
 * would cut into exactly RecordHead Tail, or RecordHead TunnelHeader IpHead Tail (a VXLAN/OTV
 * packet and its inner frame), gets here the ParsedRecord the parser makes of those tokens. The
 * same regexes decide, at the same offsets, in the order chevrotain tries them; any other record
 * (null) is lexed and parsed in full. A property test holds the two equal on real and edited records.
 */
import { emptyLink, emptyNet, type ParsedNet, type ParsedRecord } from './parser.js';
import { IP_HEAD, RECORD_HEAD, tailStarts, VXLAN_HEADER } from './tokens.js';

/** What readHead (parser.ts) sets from "IP src > dst:" at text[from, end). */
function head(net: ParsedNet, text: string, from: number, end: number): void {
  const gt = text.indexOf(' > ', from + 3);
  net.kind = 'ip';
  net.head = text.slice(from, end);
  net.src = text.slice(from + 3, gt);
  // The head ends with ":" or ": ".
  net.dst = text.slice(gt + 3, text.charCodeAt(end - 1) === 0x3a ? end - 1 : end - 2);
}

export function fastRecord(text: string): ParsedRecord | null {
  // At offset 0 (a digit) chevrotain tries Tail, which declines before any address, then RecordHead.
  RECORD_HEAD.lastIndex = 0;
  if (!RECORD_HEAD.test(text)) return null;
  const p = RECORD_HEAD.lastIndex;
  if (p >= text.length) return null;
  const sp = text.indexOf(' ');
  const net = emptyNet();
  head(net, text, sp + 1, p);
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
  IP_HEAD.lastIndex = q;
  if (!IP_HEAD.test(text)) return null;
  const r = IP_HEAD.lastIndex;
  // A nested tunnel header starts with OTV or VXLAN, words tailStarts declines.
  if (r >= text.length || !tailStarts(text, r)) return null;
  const inner = emptyNet();
  head(inner, text, q, r);
  inner.tailText = text.slice(r);
  net.tunnel = { words: [text.slice(p, q - 1)], inner: { link: emptyLink(), net: inner } };
  return rec;
}
