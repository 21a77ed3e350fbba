/**
 * Tokens of tcpdump's text output. Order matters: chevrotain tries them in
 * this order, so the more specific shapes (date-times, MAC and IP addresses)
 * come before the general ones (numbers, words).
 */
import { createToken, type IToken, Lexer } from './chevrotain.js';

/**
 * The category of every token the parser sees: the parts kept as token lists consume "any token"
 * as one category match instead of an alternative per token type.
 */
export const AnyToken = createToken({ name: 'AnyToken', pattern: Lexer.NA });
const any = [AnyToken];

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t]+/, group: Lexer.SKIPPED });
/** -tttt: 2020-01-01 12:00:00.123456 */
export const DateTime = createToken({ name: 'DateTime', pattern: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?/, categories: any });
/** Default HH:MM:SS.ffffff, and -ttt / -ttttt deltas. */
export const Time = createToken({ name: 'Time', pattern: /\d\d:\d\d:\d\d(?:\.\d+)?/, categories: any });
export const Mac = createToken({ name: 'Mac', pattern: /[0-9a-f]{2}(?::[0-9a-f]{2}){5}(?![0-9a-f:])/, categories: any });
/** An IPv4 address, with tcpdump's ".port" when it has one: a number, or a name without -n (".http-alt"). */
export const Ipv4 = createToken({
  name: 'Ipv4',
  pattern: /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.[A-Za-z][\w-]*(?![\w.-])|(?:\.\d{1,5})?(?![\d.]))/,
  categories: any,
});
/** An IPv6 address, with ".port" when it has one (tcpdump's notation). */
const IPV6 = /(?:[0-9a-fA-F]{0,4}:){2,7}(?:[0-9a-fA-F]{1,4}|\d+\.\d+\.\d+\.\d+)?(?:\.\d{1,5}|\.[A-Za-z][\w-]*(?![\w.-]))?/y;
/** An IPv6 address, with ".port" when it has one; the ':' that ends "src > dst:" is not part of it. */
export const Ipv6 = createToken({
  name: 'Ipv6',
  categories: any,
  line_breaks: false,
  start_chars_hint: [...'0123456789abcdefABCDEF:'],
  pattern: {
    exec(text: string, offset: number): RegExpExecArray | null {
      IPV6.lastIndex = offset;
      const m = IPV6.exec(text);
      if (!m) return null;
      const s = m[0];
      if (s.endsWith(':') && !s.endsWith('::')) {
        if (s.length - 1 < 3) return null;
        m[0] = s.slice(0, -1);
      }
      return m;
    },
  },
});
export const Hex = createToken({ name: 'Hex', pattern: /0x[0-9a-fA-F]+/, categories: any });
/** -tt epoch times and other decimals. */
export const Decimal = createToken({ name: 'Decimal', pattern: /\d+\.\d+/, categories: any });
export const Num = createToken({ name: 'Num', pattern: /\d+/, categories: any });
/**
 * [S.], [DF], [I], options [...]: kept whole. tcpdump never nests brackets; stopping at a "[" keeps a
 * line of unclosed ones linear (each would otherwise scan to the line's end: 100 kB took 8 s).
 */
export const Bracketed = createToken({ name: 'Bracketed', pattern: /\[[^\][]*\]/, categories: any });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: any });
export const Colon = createToken({ name: 'Colon', pattern: /:/, categories: any });
export const Comma = createToken({ name: 'Comma', pattern: /,/, categories: any });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, categories: any });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, categories: any });
export const Word = createToken({ name: 'Word', pattern: /[A-Za-z_?][\w\-./?+@%]*/, categories: any });
/**
 * Every UTF-16 code unit /[^\s]/ can start with. chevrotain cannot analyse a complement set, and one
 * such token turns its first-char dispatch off for the whole lexer (every token tried at every
 * offset); listing the start codes keeps it on. The regex still decides, so a hint is never wrong.
 */
const NON_SPACE_CODES = Array.from({ length: 0x10000 }, (_, c) => c).filter((c) => !/\s/.test(String.fromCharCode(c)));
/** Anything else (=, *, #, quotes, ...): kept so that no input stops the lexer. */
export const Other = createToken({ name: 'Other', pattern: /[^\s]/, start_chars_hint: NON_SPACE_CODES, categories: any });

const SPACE = /\s/;
/** The tail's first word, when it is one that the parser looks at (tunnel headers, IP-in-IP). */
const WORD_AT = /[A-Za-z_?][\w\-./?+@%]*/y;
const KEEP_LEXING = new Set(['VXLAN', 'OTV', 'Geneve', 'VXLAN-GPE', 'GREv0', 'IP', 'IP6']);

/**
 * "IP a.b.c.d[.port] > e.f.g.h[.port]: " (what tcpdump prints before every IPv4 packet's tail) in
 * one token, with the space after it (one whitespace token fewer), or at the end. The tokens it
 * stands for (Word "IP", two Ipv4 around a Gt, a Colon) are what the lexer makes of that text: the
 * space and colon after the addresses end them, and a colon followed by a space or nothing is no
 * IPv6 address.
 */
export const IP_HEAD = /IP \d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})? > \d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})?:(?: |$)/y;

/** An IPv4 packet's "IP src > dst:", read by the network rule as the tokens it stands for. */
export const IpHead = createToken({
  name: 'IpHead',
  categories: any,
  line_breaks: false,
  start_chars_hint: ['I'],
  pattern: {
    exec(text: string, offset: number): RegExpExecArray | null {
      IP_HEAD.lastIndex = offset;
      return IP_HEAD.exec(text);
    },
  },
});

/**
 * A record's time of day and its IpHead, "HH:MM:SS[.f] IP a.b.c.d[.p] > e.f.g.h[.q]: ", in one token:
 * how most lines of tcpdump -nn start. The time is the Time token's text (followed by a space, it is
 * no MAC address), the rest an IpHead's.
 */
export const RECORD_HEAD =
  /\d\d:\d\d:\d\d(?:\.\d+)? IP \d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})? > \d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})?:(?: |$)/y;

/** "HH:MM:SS.f IP src > dst: ", read by the record rule as a time and an IpHead. */
export const RecordHead = createToken({
  name: 'RecordHead',
  categories: any,
  line_breaks: false,
  start_chars_hint: [...'0123456789'],
  pattern: {
    exec(text: string, offset: number): RegExpExecArray | null {
      RECORD_HEAD.lastIndex = offset;
      return RECORD_HEAD.exec(text);
    },
  },
});

/** The tokens "addr > addr :" (or an IpHead) end the matched tokens: the tail after "src > dst:" starts here. */
function afterAddresses(tokens: IToken[]): boolean {
  const n = tokens.length;
  if (n >= 1 && (tokens[n - 1]!.tokenType === IpHead || tokens[n - 1]!.tokenType === RecordHead)) return true;
  if (n < 4 || tokens[n - 1]!.tokenType !== Colon) return false;
  const dst = tokens[n - 2]!.tokenType;
  const src = tokens[n - 4]!.tokenType;
  return (dst === Ipv4 || dst === Ipv6 || dst === Word) && tokens[n - 3]!.tokenType === Gt && (src === Ipv4 || src === Ipv6 || src === Word);
}

/**
 * The VXLAN header as tcpdump prints it for UDP 8472 (OTV) and 4789, spaced as the token join
 * spaces it, with the space after it (the parser drops it) or at the end: a record repeats it
 * packet after packet. The word, comma,
 * bracket, parenthesised hex and numbers it is made of are the tokens the parser would have read
 * one by one, and none of them is one the tunnel rule stops at.
 */
export const VXLAN_HEADER = /(?:OTV, flags \[[^\][]*\] \(0x[0-9a-f]+\), overlay \d+, instance \d+|VXLAN, flags \[[^\][]*\] \(0x[0-9a-f]+\), vni \d+)(?: |$)/y;

/** A VXLAN/OTV header after "src > dst:", in one token (the tunnel rule reads its words as one). */
export const TunnelHeader = createToken({
  name: 'TunnelHeader',
  categories: any,
  line_breaks: false,
  start_chars_hint: ['O', 'V'],
  pattern: {
    exec(text: string, offset: number, tokens: IToken[]): RegExpExecArray | null {
      if (!afterAddresses(tokens)) return null;
      VXLAN_HEADER.lastIndex = offset;
      return VXLAN_HEADER.exec(text);
    },
  },
});

/**
 * Everything after "src > dst:" in one token. The printers' phrases there (TCP flags and options,
 * DNS questions, ICMP texts) are most of a record's words, and tail.ts reads them from the raw text
 * anyway: one token instead of dozens is most of the lexer's work saved. It matches only right after
 * the tokens "addr > addr :", and not where the parser looks at the tail's first word (a tunnel
 * header or IP-in-IP: those stay tokens, and the inner frame's own tail is then one token again).
 * The parser re-reads a record without it wherever it lands somewhere else (see index.ts).
 */
export const Tail = createToken({
  name: 'Tail',
  categories: any,
  line_breaks: false,
  start_chars_hint: NON_SPACE_CODES,
  pattern: {
    exec(text: string, offset: number, tokens: IToken[]): RegExpExecArray | null {
      if (!afterAddresses(tokens)) return null;
      if (!tailStarts(text, offset)) return null;
      return [text.slice(offset)] as unknown as RegExpExecArray;
    },
  },
});

/**
 * Whether a Tail starts at `offset`, the addresses before it: not at a space (the hint keeps it off
 * those below U+0100), nor at a tunnel header's or IP-in-IP's first word.
 */
export function tailStarts(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset);
  // chevrotain shares one first-character slot among all codes of a 256-code block above 255, so
  // a hint does not keep it from trying here at a space such as U+FEFF (which no token matches).
  if ((c <= 0x20 || c > 0x7e) && SPACE.test(text[offset]!)) return false;
  // I, O, G, V: only these start a word of KEEP_LEXING (and no token before Word in allTokens).
  if (c === 0x49 || c === 0x4f || c === 0x47 || c === 0x56) {
    WORD_AT.lastIndex = offset;
    const w = WORD_AT.exec(text);
    if (w && KEEP_LEXING.has(w[0])) return false;
  }
  return true;
}

/**
 * The tokens of the tail, and of a record read again without the raw tokens. The time (every
 * record's first token; its addresses are mostly in an IpHead) is tried early among the shapes that
 * start with a digit: no text matches two of Ipv4, Mac, Time and DateTime at once (their ':', '-'
 * and '.' fall at different places), except a time that is also a MAC ("08:00:00:11:22:33"), which
 * needs Mac before Time.
 */
export const plainTokens = [WhiteSpace, Mac, Time, Ipv4, DateTime, Ipv6, Hex, Decimal, Num, Bracketed, Gt, Colon, Comma, LParen, RParen, Word, Other];
/**
 * The raw tokens first: Tail is tried at every token start (the others at O, V, I and digits), and
 * declines in a comparison or two except after "addr > addr :". Tail before IpHead: after the
 * addresses, "IP ..." is IP-in-IP or an inner frame, which Tail leaves to IpHead.
 */
export const allTokens = [TunnelHeader, Tail, IpHead, RecordHead, ...plainTokens];

/** One lexer for all records (chevrotain lexers are reusable and stateless between calls). */
export const tcpdumpLexer = new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true });
/** Every token lexed: for a record the Tail token landed in the wrong place, and for a tail read in part. */
export const plainLexer = new Lexer(plainTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true });
