/**
 * Tokens of tcpdump's text output. Order matters: chevrotain tries them in
 * this order, so the more specific shapes (date-times, MAC and IP addresses)
 * come before the general ones (numbers, words).
 */
import { createToken, Lexer } from 'chevrotain';

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
/** An IPv4 address, with tcpdump's ".port" when it has one. */
export const Ipv4 = createToken({ name: 'Ipv4', pattern: /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})?(?![\d.])/, categories: any });
/** An IPv6 address, with ".port" when it has one (tcpdump's notation). */
const IPV6 = /(?:[0-9a-fA-F]{0,4}:){2,7}(?:[0-9a-fA-F]{1,4}|\d+\.\d+\.\d+\.\d+)?(?:\.\d{1,5})?/y;
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
export const Word = createToken({ name: 'Word', pattern: /[A-Za-z_?][\w\-.\/?+@%]*/, categories: any });
/**
 * Every UTF-16 code unit /[^\s]/ can start with. chevrotain cannot analyse a complement set, and one
 * such token turns its first-char dispatch off for the whole lexer (every token tried at every
 * offset); listing the start codes keeps it on. The regex still decides, so a hint is never wrong.
 */
const NON_SPACE_CODES = Array.from({ length: 0x10000 }, (_, c) => c).filter((c) => !/\s/.test(String.fromCharCode(c)));
/** Anything else (=, *, #, quotes, ...): kept so that no input stops the lexer. */
export const Other = createToken({ name: 'Other', pattern: /[^\s]/, start_chars_hint: NON_SPACE_CODES, categories: any });

export const allTokens = [WhiteSpace, Mac, DateTime, Time, Ipv4, Ipv6, Hex, Decimal, Num, Bracketed, Gt, Colon, Comma, LParen, RParen, Word, Other];

/** One lexer for all lines (chevrotain lexers are reusable and stateless between calls). */
export const tcpdumpLexer = new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true });
