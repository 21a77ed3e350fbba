/**
 * tcpdump text as an input: lines are gathered into packet records (a
 * packet's first line, its -v continuation lines, and the encapsulated frame
 * tcpdump prints on the line after a VXLAN/OTV header), each record is
 * tokenized and parsed by the one reused parser, and turned into the packet
 * model. Paste damage is undone first (paste.ts). A packet line that cannot
 * be read is a warning with its line number and the reason; text that is
 * not a packet line (prose, -A payload) is passed over; the rest is still
 * read.
 */

import type { Packet } from '../model.js';
import type { InputWarning } from '../readers/types.js';
import type { IRecognitionException } from './chevrotain.js';
import { RecordClock, RelativeTimes } from './clock.js';
import { fastRecord } from './fast.js';
import { endsWithTunnelHeader, maybeNoise, NOISE, printable } from './lines.js';
import { namesSeen } from './names.js';
import { applyOuterSum, outerSum, quietTunnel } from './notes.js';
import { toPacket } from './packet.js';
import { type ParsedRecord, parser } from './parser.js';
import {
  dropLengths,
  isArrowRest,
  looksLikePacket,
  maybePasted,
  oneSpace,
  startsPacket,
  startsRecord,
  stripMarkers,
  type Wrap,
  wrapOf,
  wrapShows,
} from './paste.js';
import { TcpSequences } from './tcpseq.js';
import { IpHead, plainLexer, RecordHead, Tail, TunnelHeader, tcpdumpLexer } from './tokens.js';

export { endsWithTunnelHeader, maybeNoise, NOISE, TUNNEL_HEADER_END } from './lines.js';

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
  relative:
    'times start at 00:00:00 and never decrease: read as tcpdump -ttttt (time since the first packet); if the text is -ttt (time since the packet before), the packets are further apart than shown',
} as const;

/** Whether the record's last line, wrapped, continues on `line`: the text shows it, the join completes a tunnel header, or the record does not read without it. */
function continuesWrapped(record: string, line: string, joined: string): boolean {
  if (wrapShows(record, line) || endsWithTunnelHeader(joined)) return true;
  if (fastRecord(record)) return false;
  const { rec, errors } = grammarRecord(record);
  return rec === undefined || errors.length > 0;
}

export class TextReader {
  readonly stats: TextStats = { lines: 0, packetLines: 0, parsed: 0, skipped: 0, passedOver: 0 };
  /** The first records not read (passed over or warned), cut to 60 characters: what to show when nothing was read. */
  readonly tried: string[] = [];
  private partial = '';
  /** The record's lines, trimmed and joined by one space; null between records. */
  private record: string | null = null;
  /** Whether the record's last line ends with a tunnel header (the next line is its inner frame). */
  private tunnelEnd = false;
  private recordLine = 0;
  /** How the previous line, as pasted, may have been wrapped (paste.ts wrapOf). */
  private prevWrap: Wrap = 'none';
  private count = 0;
  private warned = 0;
  private readonly seqs = new TcpSequences();
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
    const pasted = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let line = pasted;
    const no = ++this.stats.lines;
    let c = line.charCodeAt(0);
    // A line wrapped between "src" and "> dst:" starts with tcpdump's '>', not a quote marker.
    if (maybePasted(c) && !(c === 0x3e && this.prevWrap === 'words' && this.record !== null && isArrowRest(line))) {
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
    const continues = this.record !== null && ((!plain && /^\s/.test(line) && !startsRecord(t)) || this.tunnelEnd);
    const one = oneSpace(t);
    const prev = this.prevWrap;
    this.prevWrap = wrapOf(pasted);
    if (!continues && this.record !== null && prev !== 'none' && plain && !startsRecord(t) && !t.includes('..')) {
      // A line wrapped at a terminal's (or an editor's) width: the rest of the record's last line.
      // Shown by the wrap itself (a space left at the end, a terminal's width), then the rest may
      // be what follows "length N: " (addresses); else by the record (see continuesWrapped). Not
      // -A's payload, which shows runs of '.' for the bytes it cannot print.
      const joined = this.record + (prev === 'words' ? ' ' : '') + one;
      const shown = prev !== 'long' && !startsPacket(t);
      if (shown || (!looksLikePacket(t) && continuesWrapped(this.record, one, joined))) {
        this.record = joined;
        this.tunnelEnd = endsWithTunnelHeader(joined);
        return;
      }
    }
    if (!continues) {
      this.flush();
      this.recordLine = no;
    }
    this.record = this.record === null ? one : this.record + ' ' + one;
    // The record's end, not the line's: a header wrapped before its last words ends the record.
    this.tunnelEnd = endsWithTunnelHeader(this.record);
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
    text = dropLengths(text);
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
    const packet =
      rec && (errors.length === 0 || rec.frame.net.src !== null) ? toPacket(rec, this.clock.seconds(rec.time), this.count + 1, this.input, line) : null;
    if (!packet) {
      if (this.tried.length < 3) this.tried.push(text.slice(0, 60));
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
    this.seqs.restore(packet.frame);
    this.times.push(packet, rec!.time?.kind === 'time');
  }
}

/** Why a record was not read (or read in part), in words a person can act on rather than the parser's. */
function why(errors: readonly IRecognitionException[], text: string): string {
  const e = errors[0];
  if (!e) return 'no addresses tcpdump prints for a protocol this reader follows';
  const at = e.token.startOffset;
  if (e.token.image === '' || !(at >= 0) || at >= text.length) return "cut off: the line ends before tcpdump's text for the packet does";
  return `unexpected "${e.token.image.slice(0, 20)}" at column ${at + 1}`;
}

export function parseText(text: string, name = 'text'): { packets: Packet[]; warnings: InputWarning[]; stats: TextStats } {
  const packets: Packet[] = [];
  const warnings: InputWarning[] = [];
  const r = new TextReader(
    name,
    0,
    (p) => packets.push(p),
    (w) => warnings.push(w),
  );
  r.push(text);
  r.end();
  return { packets, warnings, stats: r.stats };
}
