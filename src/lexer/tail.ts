/**
 * The phrases tcpdump prints after "src > dst:" that the packet model needs,
 * read from the parser's token list. Each table row is the text of one
 * tcpdump printer (print-icmp.c, print-icmp6.c, print-tcp.c, print-udp.c).
 */
import type { Frame, Icmp, Ip, Quoted, Tcp, Udp } from '../model.js';
import {
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_REDIRECT,
  ICMP_REDIRECT_HOST,
  ICMP_TIMXCEED,
  ICMP_TIMXCEED_INTRANS,
  ICMP_TIMXCEED_REASS,
  ICMP_UNREACH,
  ICMP_UNREACH_FILTER_PROHIB,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_HOST_PRECEDENCE,
  ICMP_UNREACH_HOST_PROHIB,
  ICMP_UNREACH_HOST_UNKNOWN,
  ICMP_UNREACH_ISOLATED,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_NET,
  ICMP_UNREACH_NET_PROHIB,
  ICMP_UNREACH_NET_UNKNOWN,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PRECEDENCE_CUTOFF,
  ICMP_UNREACH_PROTOCOL,
  ICMP_UNREACH_SRCFAIL,
  ICMP_UNREACH_TOSHOST,
  ICMP_UNREACH_TOSNET,
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_ADMIN,
  ICMP6_DST_UNREACH_NOPORT,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_TIME_EXCEEDED,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MLD_LISTENER_QUERY,
  MLD_LISTENER_REPORT,
  MLDV2_LISTENER_REPORT,
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  ND_REDIRECT,
  ND_ROUTER_ADVERT,
  ND_ROUTER_SOLICIT,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from '../protocols.js';
import { intern } from './intern.js';
import { portOf } from './names.js';
import { plainLexer } from './tokens.js';

/** ICMP destination-unreachable texts (print-icmp.c) -> code; %s is the quoted destination. */
const UNREACH: [RegExp, number][] = [
  [/^net (\S+) unreachable - admin prohibited/, ICMP_UNREACH_NET_PROHIB],
  [/^host (\S+) unreachable - admin prohibited filter/, ICMP_UNREACH_FILTER_PROHIB],
  [/^host (\S+) unreachable - admin prohibited/, ICMP_UNREACH_HOST_PROHIB],
  [/^net (\S+) unreachable - tos prohibited/, ICMP_UNREACH_TOSNET],
  [/^host (\S+) unreachable - tos prohibited/, ICMP_UNREACH_TOSHOST],
  [/^net (\S+) unreachable - unknown/, ICMP_UNREACH_NET_UNKNOWN],
  [/^host (\S+) unreachable - unknown/, ICMP_UNREACH_HOST_UNKNOWN],
  [/^host (\S+) unreachable - host precedence violation/, ICMP_UNREACH_HOST_PRECEDENCE],
  [/^host (\S+) unreachable - precedence cutoff/, ICMP_UNREACH_PRECEDENCE_CUTOFF],
  [/^net (\S+) unreachable/, ICMP_UNREACH_NET],
  [/^host (\S+) unreachable/, ICMP_UNREACH_HOST],
  [/^(\S+) protocol (\d+) unreachable/, ICMP_UNREACH_PROTOCOL],
  [/^(\S+) (udp|tcp) port (\S+) unreachable/, ICMP_UNREACH_PORT],
  [/^(\S+) unreachable - need to frag \(mtu (\d+)\)/, ICMP_UNREACH_NEEDFRAG],
  [/^(\S+) unreachable - source route failed/, ICMP_UNREACH_SRCFAIL],
  [/^(\S+) unreachable - source host isolated/, ICMP_UNREACH_ISOLATED],
];

function quoted(dst: string, proto: number | null = null, dstPort: number | null = null): Quoted {
  // Interned: an error and the flows it is tied to are held for seconds.
  return { src: null, dst: intern(dst), proto, srcPort: null, dstPort, frame: null };
}

function icmpOf(type: number, code: number, rest: Partial<Icmp> = {}): Icmp {
  return { kind: 'icmp', type, code, id: null, seq: null, mtu: null, quoted: null, ...rest };
}

/** "ICMP echo request, id 46, seq 1, length 64" and the error forms; the text after "ICMP ". */
export function parseIcmp(text: string): Icmp | null {
  let m = /^echo (request|reply), id (\d+), seq (\d+)/.exec(text);
  if (m) return icmpOf(m[1] === 'request' ? ICMP_ECHO : ICMP_ECHOREPLY, 0, { id: Number(m[2]), seq: Number(m[3]) });
  for (const [re, code] of UNREACH) {
    m = re.exec(text);
    if (!m) continue;
    if (code === ICMP_UNREACH_PORT)
      return icmpOf(ICMP_UNREACH, code, { quoted: quoted(m[1]!, m[2] === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP, portOf(m[3]!) ?? null) });
    if (code === ICMP_UNREACH_PROTOCOL) return icmpOf(ICMP_UNREACH, code, { quoted: quoted(m[1]!, Number(m[2])) });
    if (code === ICMP_UNREACH_NEEDFRAG) return icmpOf(ICMP_UNREACH, code, { mtu: Number(m[2]), quoted: quoted(m[1]!) });
    return icmpOf(ICMP_UNREACH, code, { quoted: quoted(m[1]!) });
  }
  // "time exceeded in-transit" does not name the destination: the quote is unknown.
  if (text.startsWith('time exceeded'))
    return icmpOf(ICMP_TIMXCEED, text.includes('reassembly') ? ICMP_TIMXCEED_REASS : ICMP_TIMXCEED_INTRANS, { quoted: quoted('?') });
  m = /^redirect (\S+) to (?:net|host) (\S+)/.exec(text);
  if (m) return icmpOf(ICMP_REDIRECT, ICMP_REDIRECT_HOST, { quoted: quoted(m[1]!) });
  m = /^type-#(\d+)/.exec(text);
  if (m) return icmpOf(Number(m[1]), 0);
  return null;
}

/** ICMPv6 (print-icmp6.c): the text after "ICMP6, ". */
export function parseIcmp6(text: string): Icmp | null {
  const v6 = (type: number, code: number, rest: Partial<Icmp> = {}): Icmp => ({ ...icmpOf(type, code, rest), kind: 'icmp6' });
  let m = /^echo (request|reply), id (\d+), seq (\d+)/.exec(text);
  if (m) return v6(m[1] === 'request' ? ICMP6_ECHO_REQUEST : ICMP6_ECHO_REPLY, 0, { id: Number(m[2]), seq: Number(m[3]) });
  m = /^packet too big, mtu (\d+)/.exec(text);
  if (m) return v6(ICMP6_PACKET_TOO_BIG, 0, { mtu: Number(m[1]), quoted: quoted('?') });
  m = /^destination unreachable, (?:unreachable route|no route to) (\S+)/.exec(text);
  if (m) return v6(ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, { quoted: quoted(m[1]!.replace(/,$/, '')) });
  m = /^destination unreachable, unreachable prohibited (\S+)/.exec(text);
  if (m) return v6(ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADMIN, { quoted: quoted(m[1]!.replace(/,$/, '')) });
  m = /^destination unreachable, unreachable address (\S+)/.exec(text);
  if (m) return v6(ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, { quoted: quoted(m[1]!.replace(/,$/, '')) });
  m = /^destination unreachable, (\S+) (tcp|udp) port ([\w-]+)/.exec(text);
  if (m) return v6(ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, { quoted: quoted(m[1]!, m[2] === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP, portOf(m[3]!) ?? null) });
  if (text.startsWith('destination unreachable')) return v6(ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, { quoted: quoted('?') });
  if (text.startsWith('time exceeded')) return v6(ICMP6_TIME_EXCEEDED, 0, { quoted: quoted('?') });
  if (text.startsWith('router solicitation')) return v6(ND_ROUTER_SOLICIT, 0);
  if (text.startsWith('router advertisement')) return v6(ND_ROUTER_ADVERT, 0);
  if (text.startsWith('neighbor solicitation')) return v6(ND_NEIGHBOR_SOLICIT, 0);
  if (text.startsWith('neighbor advertisement')) return v6(ND_NEIGHBOR_ADVERT, 0);
  if (text.startsWith('redirect')) return v6(ND_REDIRECT, 0);
  if (text.startsWith('multicast listener query')) return v6(MLD_LISTENER_QUERY, 0);
  if (text.startsWith('multicast listener')) return v6(text.includes('v2') ? MLDV2_LISTENER_REPORT : MLD_LISTENER_REPORT, 0);
  return null;
}

const TCP_FLAG_LETTERS: Record<string, number> = { S: TCP_SYN, F: TCP_FIN, R: TCP_RST, P: TCP_PSH, U: TCP_URG, E: TCP_ECE, W: TCP_CWR, '.': TCP_ACK };

/**
 * "Flags [S.], seq 1:101, ack 1, win 502, options [...], length 100": seq is the range's start.
 * tcpdump prints later segments' numbers relative to the connection's first ones; tcpseq.ts
 * restores them once the packet is read.
 */
export function parseTcp(text: string, srcPort: number, dstPort: number): Tcp {
  const tcp: Tcp = { kind: 'tcp', srcPort, dstPort, flags: 0, seq: null, ack: null, window: null, payloadLen: null };
  const f = /Flags \[([^\][]*)\]/.exec(text);
  if (f) for (const c of f[1]!) tcp.flags |= TCP_FLAG_LETTERS[c] ?? 0;
  const seq = /, seq (\d+)(?:: ?(\d+))?/.exec(text);
  if (seq) tcp.seq = Number(seq[1]);
  const ack = /, ack (\d+)/.exec(text);
  if (ack) tcp.ack = Number(ack[1]);
  const win = /, win (\d+)/.exec(text);
  if (win) tcp.window = Number(win[1]);
  const len = /, length (\d+)/.exec(text);
  if (len) tcp.payloadLen = Number(len[1]);
  const opts = /, options \[([^\]]*)\]/.exec(text);
  const sack = opts ? sackOf(opts[1]!) : null;
  if (sack) tcp.sack = sack;
  return tcp;
}

/** "sack 2 {1001:2001}{3001:4001}" in a TCP line's options: the blocks' edges, as printed (tcpseq.ts restores them). */
export function sackOf(options: string): number[] | null {
  const at = options.indexOf('sack ');
  if (at < 0) return null;
  const out: number[] = [];
  const re = /\{(\d+):(\d+)\}/y;
  re.lastIndex = options.indexOf('{', at);
  for (let m = re.exec(options); m; m = re.exec(options)) out.push(Number(m[1]), Number(m[2]));
  return out.length > 0 ? out : null;
}

export function parseUdp(text: string, srcPort: number, dstPort: number): Udp {
  const len = /^UDP, (?:bad )?length (\d+)/.exec(text);
  const payloadLen = len ? Number(len[1]) : null;
  return { kind: 'udp', srcPort, dstPort, length: payloadLen !== null ? payloadLen + 8 : null, payloadLen, checksumOk: null };
}

/** Joins token images back into tcpdump's phrasing: no space before , ) ] : and after (. */
export function joinTokens(tokens: string[]): string {
  let out = '';
  // Whether `out` ends with "(", kept aside: out.endsWith() flattens the growing string every
  // time, which made a long line quadratic (a 100 kB line of "(" took half a second).
  let afterParen = false;
  for (const t of tokens) {
    const c = t.charCodeAt(0);
    if (out === '' || afterParen || c === 0x2c /* , */ || c === 0x29 /* ) */ || c === 0x3a /* : */ || c === 0x5d /* ] */) out += t;
    else out += ' ' + t;
    if (t !== '') afterParen = t.charCodeAt(t.length - 1) === 0x28; // (
  }
  return out;
}

/**
 * One space-separated piece of a tail that the lexer cuts only where joinTokens adds no space:
 * "(" before it, "," ":" ")" "]" after it, and in between one word, hex number, IPv4 address
 * (with port), decimal, bracket or a range "a:b" (group 1 and 2: the one piece joinTokens
 * re-spaces, as "a: b"). Followed by one space or the end.
 */
const PIECE =
  /\(*(?:(?:[A-Za-z_?][\w\-./?+@%]*|0x[0-9a-fA-F]+|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})?|\d+(?:\.\d+)?|\[[^\][]*\])[,:)\]]*|(\d+):(\d+)[,)\]]*)(?: |$)/y;

/**
 * A whole tail of PIECE's pieces without a range, each followed by one space and another piece, the
 * last by the end. Each piece has one way to match (what ends it must be a space or the end), so a
 * text that fails does so in time linear in its length.
 */
const PLAIN =
  /^(?:\(*(?:[A-Za-z_?][\w\-./?+@%]*|0x[0-9a-fA-F]+|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})?|\d+(?:\.\d+)?|\[[^\][]*\])[,:)\]]*(?: (?! )|$))+$/;

/** PLAIN, with ranges "a:b" among its pieces. */
const PLAIN_OR_RANGES =
  /^(?:\(*(?:(?:[A-Za-z_?][\w\-./?+@%]*|0x[0-9a-fA-F]+|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\.\d{1,5})?|\d+(?:\.\d+)?|\[[^\][]*\])[,:)\]]*|\d+:\d+[,)\]]*)(?: (?! )|$))+$/;
/** Brackets (kept as they are) or a range's colon (group 1: the digit before it). */
const RANGE_COLONS = /\[[^\][]*\]|(\d):(?=\d)/g;

/**
 * The tail after "src > dst:" as joinTokens(its tokens) gives it, from the raw text: the readers
 * above were written against that spacing. Pieces PIECE accepts are their own joined text (ranges
 * re-spaced); from the first other piece on (DNS's "1234+", an HTTP path, a tab, two spaces) the
 * rest is lexed and joined as before. Lexing can start there because a token never spans the
 * space before a piece. A property test holds it equal to joinTokens over random tails.
 */
export function tailText(raw: string): string {
  // Most tails are pieces without a range: one test, and the raw text is the joined one. With
  // ranges, every digit:digit outside brackets is one (no other piece has a colon before a digit).
  if (PLAIN.test(raw)) return raw;
  if (PLAIN_OR_RANGES.test(raw)) return raw.replace(RANGE_COLONS, (m, d: string | undefined) => (d === undefined ? m : d + ': '));
  // The text so far when it differs from raw (a range was re-spaced), else null.
  let out: string | null = null;
  let pos = 0;
  while (pos < raw.length) {
    PIECE.lastIndex = pos;
    const m = PIECE.exec(raw);
    if (m === null) {
      const rest = plainLexer.tokenize(raw.slice(pos)).tokens.map((t) => t.image);
      const done = out ?? raw.slice(0, pos);
      // What was read ends with its separating space (or is empty): the token join adds its own.
      return joinTokens(done === '' ? rest : [done.slice(0, -1), ...rest]);
    }
    const end = PIECE.lastIndex;
    if (m[1] !== undefined) {
      out ??= raw.slice(0, pos);
      const colon = pos + m[0].indexOf(':');
      out += raw.slice(pos, colon + 1) + ' ' + raw.slice(colon + 1, end);
    } else if (out !== null) out += raw.slice(pos, end);
    pos = end;
  }
  return out ?? raw;
}

/**
 * tcpdump's TCP line as print-tcp.c writes it: flags, [seq a[:b],] [ack n,] win, [options [...],]
 * length, then the payload printer's text or nothing. Options hold no ", ", the flags only letters
 * and dots: the first ", seq", ", ack", ", win" and ", length" of the line are these. Its pieces
 * are their own joined text (a range's "a:b" aside, which parseTcp reads either way).
 */
const TCP_LINE = /^Flags \[([A-Za-z.]*)\](?:, seq (\d+)(?::(\d+))?)?(?:, ack (\d+))?, win (\d+)(?:, options \[(?:[^\][,]|,(?! ))*\])?, length (\d+)(?=:|$)/;
/** "ICMP echo request, id 46, seq 1": its pieces are their own joined text up to the last digit read. */
const ICMP_ECHO_LINE = /^ICMP echo (request|reply), id (\d+), seq (\d+)/;

/** TCP_FLAG_LETTERS by character code (TCP_LINE's flags are letters and dots): no string keys per letter. */
function flagBit(c: number): number {
  switch (c) {
    case 0x53:
      return TCP_SYN; // S
    case 0x46:
      return TCP_FIN; // F
    case 0x52:
      return TCP_RST; // R
    case 0x50:
      return TCP_PSH; // P
    case 0x55:
      return TCP_URG; // U
    case 0x45:
      return TCP_ECE; // E
    case 0x57:
      return TCP_CWR; // W
    case 0x2e:
      return TCP_ACK; // .
    default:
      return 0;
  }
}

/** Where digitsAt stopped. */
let digitsEnd = 0;

/**
 * Number() of the digits from `at` (one at least, as the pattern matched them), and where they end
 * in digitsEnd. Up to 15 digits the sum is exact; longer runs take Number(), which rounds as it does.
 */
function digitsAt(s: string, at: number): number {
  let i = at;
  let v = 0;
  for (let d = s.charCodeAt(i) - 0x30; d >= 0 && d <= 9; d = s.charCodeAt(++i) - 0x30) v = v * 10 + d;
  digitsEnd = i;
  return i - at <= 15 ? v : Number(s.slice(at, i));
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * The transport of the commonest tails, read straight from the raw text where that gives what
 * applyNet's reading of tailText(raw) gives (packet.ts; the golden and differential tests hold it):
 *   - a TCP line of TCP_LINE's shape whose fields are all printed before its payload text, or
 *     that has none (otherwise a later ", seq" could be the first one);
 *   - an ICMP echo: parseIcmp's first pattern on the same characters;
 *   - a tail that does not start with a letter (DNS's "1234+ A? ..."), unless -v said TCP: every
 *     keyword applyNet tests starts with a letter, and the joined text starts with the same
 *     character, so it is UDP without a length, or nothing more when there are no ports.
 * Returns false when the tail is none of these (the caller reads it the general way).
 */
export function fastTransport(f: Frame, ip: Ip, raw: string, sport: number | null, dport: number | null): boolean {
  const c = raw.charCodeAt(0);
  if (!isLetter(c)) {
    if (sport === null || dport === null) return true;
    if (ip.proto === IPPROTO_TCP) return false;
    ip.proto = IPPROTO_UDP;
    f.l4 = { kind: 'udp', srcPort: sport, dstPort: dport, length: null, payloadLen: null, checksumOk: null };
    return true;
  }
  if (c === 0x46 /* F */ && sport !== null && dport !== null) {
    // test(), then the fields read by walking what it matched: no match array and no capture strings.
    if (!TCP_LINE.test(raw)) return false;
    const tcp: Tcp = { kind: 'tcp', srcPort: sport, dstPort: dport, flags: 0, seq: null, ack: null, window: null, payloadLen: null };
    // Each part either starts where it is printed or is absent (the pattern has one way to match).
    let i = 7; // past "Flags ["
    for (let b = raw.charCodeAt(i); b !== 0x5d; b = raw.charCodeAt(++i)) tcp.flags |= flagBit(b);
    i++;
    let seqOrAck = 0;
    if (raw.startsWith(', seq ', i)) {
      seqOrAck++;
      const v = digitsAt(raw, i + 6);
      i = digitsEnd;
      if (raw.charCodeAt(i) === 0x3a) {
        digitsAt(raw, i + 1);
        i = digitsEnd;
      }
      tcp.seq = v;
    }
    if (raw.startsWith(', ack ', i)) {
      seqOrAck++;
      tcp.ack = digitsAt(raw, i + 6);
      i = digitsEnd;
    }
    tcp.window = digitsAt(raw, i + 6); // ", win "
    i = digitsEnd;
    if (raw.startsWith(', options [', i)) {
      const close = raw.indexOf(']', i);
      const sack = sackOf(raw.slice(i + 11, close));
      if (sack) tcp.sack = sack;
      i = close + 1;
    }
    tcp.payloadLen = digitsAt(raw, i + 9); // ", length "
    // Without both seq and ack, a payload's text could hold the ", seq" or ", ack" parseTcp reads.
    if (seqOrAck < 2 && digitsEnd !== raw.length) return false;
    ip.proto = IPPROTO_TCP;
    f.l4 = tcp;
    return true;
  }
  if (c === 0x49 /* I */) {
    const m = ICMP_ECHO_LINE.exec(raw);
    if (m === null) return false;
    ip.proto = IPPROTO_ICMP;
    f.l4 = icmpOf(m[1] === 'request' ? ICMP_ECHO : ICMP_ECHOREPLY, 0, { id: Number(m[2]), seq: Number(m[3]) });
    return true;
  }
  return false;
}
