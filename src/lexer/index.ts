/**
 * tcpdump text as an input: lines are gathered into packet records (a
 * packet's first line, its -v continuation lines, and the encapsulated frame
 * tcpdump prints on the line after a VXLAN/OTV header), each record is
 * tokenized and parsed by the one reused parser, and turned into the packet
 * model. A line that cannot be read is a warning with its line number; the
 * rest is still read.
 */
import type { Packet } from '../model.js';
import type { InputWarning } from '../readers/types.js';
import type { IRecognitionException } from './chevrotain.js';
import { RecordClock, RelativeTimes } from './clock.js';
import { fastRecord } from './fast.js';
import { namesSeen } from './names.js';
import { applyOuterSum, outerSum, quietTunnel } from './notes.js';
import { looksLikePacket, maybePasted, oneSpace, startsRecord, stripMarkers } from './paste.js';
import { toPacket } from './packet.js';
import { parser, type ParsedRecord } from './parser.js';
import { IpHead, plainLexer, RecordHead, Tail, tcpdumpLexer, TunnelHeader } from './tokens.js';

/**
 * tcpdump's own banner and summary, shell prompts (a command after "$ " or "# ") and -x/-X hex
 * dumps: not packets, not worth a warning. One anchored alternation: a packet line fails each
 * branch at its first characters, where a list of regexes cost a test each.
 */
export const NOISE = /^(?:tcpdump: |listening on |reading from file |dropped privs|Warning: |\d+ packets? (?:captured|received by filter|dropped by kernel|dropped by interface)|[\w.@:~\/-]*[$#] |\s+0x[0-9a-f]{4}:\s)/;
/** "   12  " before a packet: tcpdump -#. */
const PACKET_NUMBER = /^\s*\d+\s{2}\S/;
/** A record whose text ends with a tunnel header continues with the encapsulated frame on the next line. */
export const TUNNEL_HEADER_END = /(?:overlay \d+, instance \d+|VXLAN, flags \[[^\][]*\] \(0x[0-9a-f]+\), vni \d+|Geneve, Flags \[[^\][]*\], vni 0x[0-9a-f]+(?:, proto \S+ \(0x[0-9a-f]+\))?(?:, options \[[^\][]*\])?)$/;

/** TUNNEL_HEADER_END's three forms, each tried where alone it can match (see endsWithTunnelHeader). */
const OTV_END = /overlay \d+, instance \d+$/y;
const VXLAN_END = /VXLAN, flags \[[^\][]*\] \(0x[0-9a-f]+\), vni \d+$/y;
/** GENEVE's header at the end of the line (with -v; without it the inner frame follows on the same line, after ": "). */
const GENEVE_END = /Geneve, Flags \[[^\][]*\], vni 0x[0-9a-f]+(?:, proto \S+ \(0x[0-9a-f]+\))?(?:, options \[[^\][]*\])?$/y;

/**
 * TUNNEL_HEADER_END.test(line) without trying it at every offset of every line. Its first two forms
 * end in digits after "instance " or "vni " (checked at the end of the line) and contain no other
 * "overlay " or "VXLAN, flags [" than the one they start with, so only the last of these can start a
 * match; the third is tried from each "Geneve, ", last first (one could sit inside another's options).
 */
export function endsWithTunnelHeader(line: string): boolean {
  let k = line.length;
  while (k > 0 && line.charCodeAt(k - 1) >= 0x30 && line.charCodeAt(k - 1) <= 0x39) k--;
  if (k < line.length) {
    if (line.startsWith('instance ', k - 9)) {
      OTV_END.lastIndex = line.lastIndexOf('overlay ');
      if (OTV_END.lastIndex >= 0 && OTV_END.test(line)) return true;
    } else if (line.startsWith('vni ', k - 4)) {
      VXLAN_END.lastIndex = line.lastIndexOf('VXLAN, flags [');
      if (VXLAN_END.lastIndex >= 0 && VXLAN_END.test(line)) return true;
    }
  }
  // includes() first: V8 searches forward with a fast string search, backward char by char.
  if (!line.includes('Geneve, ')) return false;
  for (let g = line.lastIndexOf('Geneve, '); g >= 0; g = g > 0 ? line.lastIndexOf('Geneve, ', g - 1) : -1) {
    GENEVE_END.lastIndex = g;
    if (GENEVE_END.test(line)) return true;
  }
  return false;
}

/**
 * Whether NOISE can match: its literal branches start with t, l, r, d or W, the packet count with
 * digits then a space, the hex dump with a space; a prompt's "$ " or "# " is the line's first space
 * (nothing before it may be a space). A time-stamped packet line fails all of these at once.
 */
export function maybeNoise(line: string): boolean {
  const c = line.charCodeAt(0);
  if (c === 0x74 || c === 0x6c || c === 0x72 || c === 0x64 || c === 0x57 || !printable(c)) return true;
  let k = 0;
  while (k < line.length && line.charCodeAt(k) >= 0x30 && line.charCodeAt(k) <= 0x39) k++;
  if (k > 0 && line.charCodeAt(k) === 0x20) return true;
  const sp = line.indexOf(' ');
  if (sp < 1) return false;
  const p = line.charCodeAt(sp - 1);
  return p === 0x24 || p === 0x23;
}

/** A first code unit that is printable ASCII and not a space: the line is not blank and not indented. */
function printable(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

/** A record read by fastRecord has none (and nothing writes to this). */
const NO_ERRORS: readonly IRecognitionException[] = [];

/** A record as the grammar reads it: its tokens (raw ones first) parsed by the one parser. */
export function grammarRecord(text: string): { rec: ParsedRecord | undefined; errors: readonly IRecognitionException[] } {
  const tokens = tcpdumpLexer.tokenize(text).tokens;
  parser.input = tokens;
  parser.rawRead = 0;
  let rec: ParsedRecord | undefined = parser.record();
  // A raw token read anywhere but where it belongs, or an error in a record that has one: parsed
  // again from every token, so that such records read exactly as they did before they existed.
  let raw = 0;
  for (const t of tokens) if (t.tokenType === Tail || t.tokenType === TunnelHeader || t.tokenType === IpHead || t.tokenType === RecordHead) raw++;
  // Read once: chevrotain's errors getter copies the list at every call.
  let errors = parser.errors;
  if (raw > 0 && (parser.rawRead !== raw || errors.length > 0)) {
    parser.input = plainLexer.tokenize(text).tokens;
    rec = parser.record();
    errors = parser.errors;
  }
  return { rec, errors };
}

export interface TextStats {
  lines: number;
  /** Records that looked like packets (a time, a number, or addresses). */
  packetLines: number;
  parsed: number;
  skipped: number;
  /** Records that are not tcpdump packet lines (prose, -A payload, code fences): passed over without a warning. */
  passedOver: number;
}

/** Warned once per input: what the text's form hides or changes. */
const ONCE = {
  names: 'addresses are host names (tcpdump ran without -n): flows are keyed by those names; re-run tcpdump with -nn to get the addresses',
  quiet: 'tunnel packets (UDP 8472/4789/6081) without their inner frames: tcpdump -q hides them; re-run tcpdump without -q to see the inner flows',
  port: 'a port printed as a name this reader does not know; re-run tcpdump with -nn to get port numbers',
  relative: 'times start at 00:00:00 and never decrease: read as tcpdump -ttttt (time since the first packet); if the text is -ttt (time since the packet before), the packets are further apart than shown',
} as const;

export class TextReader {
  readonly stats: TextStats = { lines: 0, packetLines: 0, parsed: 0, skipped: 0, passedOver: 0 };
  private partial = '';
  /** The record's lines, trimmed and joined by one space; null between records. */
  private record: string | null = null;
  /** Whether the record's last line ends with a tunnel header (the next line is its inner frame). */
  private tunnelEnd = false;
  private recordLine = 0;
  private count = 0;
  private warned = 0;
  private readonly said = new Set<keyof typeof ONCE>();
  private readonly clock = new RecordClock();
  private readonly times: RelativeTimes;

  constructor(
    private readonly name: string,
    private readonly input: number,
    onPacket: (p: Packet) => void,
    private readonly onWarning: (w: InputWarning) => void,
  ) {
    this.times = new RelativeTimes(onPacket, (first) => this.once(first.line ?? 1, 'relative'));
  }

  push(chunk: string): void {
    const text = this.partial + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    this.partial = text.slice(start);
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.flush();
    this.times.end();
  }

  private line(raw: string): void {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const no = ++this.stats.lines;
    let c = line.charCodeAt(0);
    if (maybePasted(c)) {
      line = stripMarkers(line);
      c = line.charCodeAt(0);
    }
    // Most lines start with a time or a word: blank and indented lines need the full \s tests.
    const plain = printable(c);
    const t = plain ? line.trimEnd() : line.trim();
    if (t === '') {
      this.flush();
      return;
    }
    if ((maybeNoise(line) && NOISE.test(line)) || (!plain && NOISE.test(t))) return;
    // Indented lines continue a record (-v), except a packet number (-#) or a time (an indented
    // paste, -ttt's leading space) that starts one.
    const continues = this.record !== null && ((!plain && /^\s/.test(line) && !PACKET_NUMBER.test(line) && !startsRecord(t)) || this.tunnelEnd);
    if (!continues) {
      this.flush();
      this.recordLine = no;
    }
    const one = oneSpace(t);
    this.record = this.record === null ? one : this.record + ' ' + one;
    this.tunnelEnd = endsWithTunnelHeader(one);
  }

  private warn(line: number, message: string, skipped = true): void {
    if (skipped) this.stats.skipped++;
    if (this.warned++ < 100) this.onWarning({ input: this.name, line, message });
  }

  private once(line: number, what: keyof typeof ONCE): void {
    if (this.said.has(what)) return;
    this.said.add(what);
    this.warn(line, ONCE[what], false);
  }

  private flush(): void {
    let text = this.record;
    if (text === null) return;
    const line = this.recordLine;
    this.record = null;
    this.tunnelEnd = false;
    const sum = outerSum(text);
    if (sum) text = sum.text;
    // The commonest shapes without the lexer and parser (fast.ts), the others through them.
    let rec: ParsedRecord | undefined = fastRecord(text) ?? undefined;
    let errors = NO_ERRORS;
    if (rec === undefined) {
      const read = grammarRecord(text);
      rec = read.rec;
      errors = read.errors;
    }
    const packetLike = rec !== undefined && (rec.time !== null || rec.no !== null || rec.frame.net.src !== null || rec.frame.link.kind !== null);
    const hosts = namesSeen.hosts;
    const ports = namesSeen.unknownPorts;
    const packet = rec && (errors.length === 0 || rec.frame.net.src !== null) ? toPacket(rec, this.clock.seconds(rec.time), this.count + 1, this.input, line) : null;
    if (!packet) {
      if (packetLike || looksLikePacket(text)) {
        this.stats.packetLines++;
        this.warn(line, `not read (${why(errors, text)}): ${text.slice(0, 80)}`);
      } else this.stats.passedOver++;
      return;
    }
    if (packetLike) this.stats.packetLines++;
    this.count++;
    this.stats.parsed++;
    if (namesSeen.hosts !== hosts) this.once(line, 'names');
    if (namesSeen.unknownPorts !== ports) this.once(line, 'port');
    if (sum) applyOuterSum(packet.frame, sum);
    if (quietTunnel(packet.frame, rec!.frame.net.tailText ?? rec!.frame.net.tail[0] ?? '')) this.once(line, 'quiet');
    // Addresses were read but the rest did not parse (a line cut mid-way, a garbled inner frame):
    // the packet counts with what was read, and the reader says so.
    if (errors.length > 0) this.warn(line, `read in part (${why(errors, text)}): ${text.slice(0, 80)}`, false);
    this.times.push(packet, rec!.time?.kind === 'time');
  }
}

/** Why a record was not read (or read in part), in words a person can act on rather than the parser's. */
function why(errors: readonly IRecognitionException[], text: string): string {
  const e = errors[0];
  if (!e) return 'no addresses tcpdump prints for a protocol this reader follows';
  const at = e.token.startOffset;
  if (e.token.image === '' || !(at >= 0) || at >= text.length) return 'cut off: the line ends before tcpdump\'s text for the packet does';
  return `unexpected "${e.token.image.slice(0, 20)}" at column ${at + 1}`;
}

export function parseText(text: string, name = 'text'): { packets: Packet[]; warnings: InputWarning[]; stats: TextStats } {
  const packets: Packet[] = [];
  const warnings: InputWarning[] = [];
  const r = new TextReader(name, 0, (p) => packets.push(p), (w) => warnings.push(w));
  r.push(text);
  r.end();
  return { packets, warnings, stats: r.stats };
}
