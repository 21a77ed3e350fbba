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
import { toPacket } from './packet.js';
import { parser, type ParsedRecord } from './parser.js';
import { tcpdumpLexer } from './tokens.js';

/** tcpdump's own banner and summary, and shell prompts: not packets, not worth a warning. */
const NOISE = [
  /^tcpdump: /,
  /^listening on /,
  /^reading from file /,
  /^dropped privs/,
  /^Warning: /,
  /^\d+ packets? (captured|received by filter|dropped by kernel|dropped by interface)/,
  /^[\w.@:~\/-]*[$#] /, // shell prompt with a command
  /^\s+0x[0-9a-f]{4}:\s/, // -x / -X hex dump
];
/** "   12  " before a packet: tcpdump -#. */
const PACKET_NUMBER = /^\s*\d+\s{2}\S/;
/** A record whose text ends with a tunnel header continues with the encapsulated frame on the next line. */
const TUNNEL_HEADER_END = /(?:overlay \d+, instance \d+|VXLAN, flags \[[^\][]*\] \(0x[0-9a-f]+\), vni \d+|Geneve, .*)$/;

export interface TextStats {
  lines: number;
  /** Records that looked like packets (a time, a number, or addresses). */
  packetLines: number;
  parsed: number;
  skipped: number;
}

export class TextReader {
  readonly stats: TextStats = { lines: 0, packetLines: 0, parsed: 0, skipped: 0 };
  private partial = '';
  private record: string[] = [];
  private recordLine = 0;
  private count = 0;
  private warned = 0;
  /** The last -tttt date seen and its midnight in epoch seconds. */
  private day = '';
  private midnight = 0;

  constructor(
    private readonly name: string,
    private readonly input: number,
    private readonly onPacket: (p: Packet) => void,
    private readonly onWarning: (w: InputWarning) => void,
  ) {}

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
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const no = ++this.stats.lines;
    if (line.trim() === '') {
      this.flush();
      return;
    }
    if (NOISE.some((re) => re.test(line))) return;
    // Indented lines continue a record (-v), except a packet number (-#) that starts one.
    const numbered = PACKET_NUMBER.test(line);
    const continues = this.record.length > 0 && ((!numbered && /^\s/.test(line)) || TUNNEL_HEADER_END.test(this.record[this.record.length - 1]!.trimEnd()));
    if (!continues) {
      this.flush();
      this.recordLine = no;
    }
    this.record.push(line.trim());
  }

  private warn(line: number, message: string, skipped = true): void {
    if (skipped) this.stats.skipped++;
    if (this.warned++ < 100) this.onWarning({ input: this.name, line, message });
  }

  private flush(): void {
    if (this.record.length === 0) return;
    const text = this.record.join(' ');
    const line = this.recordLine;
    this.record = [];
    const lexed = tcpdumpLexer.tokenize(text);
    parser.input = lexed.tokens;
    const rec: ParsedRecord | undefined = parser.record();
    if (!rec) {
      this.warn(line, `${parser.errors[0]?.message.split('\n')[0] ?? 'unreadable'}: ${text.slice(0, 80)}`);
      return;
    }
    const looksLikePacket = rec.time !== null || rec.no !== null || rec.frame.net.src !== null;
    if (looksLikePacket) this.stats.packetLines++;
    const packet = parser.errors.length === 0 || rec.frame.net.src !== null ? toPacket(rec, this.timeOf(rec), this.count + 1, this.input, line) : null;
    if (!packet) {
      const why = parser.errors[0]?.message ?? 'not a packet line tcpdump prints for a protocol we read';
      this.warn(line, `${why.split('\n')[0]}: ${text.slice(0, 80)}`);
      return;
    }
    this.count++;
    this.stats.parsed++;
    // Addresses were read but the rest did not parse (a line cut mid-way, a garbled inner frame):
    // the packet counts with what was read, and the reader says so.
    if (parser.errors.length > 0) this.warn(line, `read in part (${parser.errors[0]!.message.split('\n')[0]}): ${text.slice(0, 80)}`, false);
    this.onPacket(packet);
  }

  /** Seconds: epoch for -tttt and -tt, seconds since midnight for time of day (and the -ttt/-ttttt forms). */
  private timeOf(rec: ParsedRecord): number | null {
    const t = rec.time;
    if (!t) return null;
    switch (t.kind) {
      case 'decimal':
        return Number(t.image);
      // The DateTime and Time tokens have fixed-width fields ("YYYY-MM-DD HH:MM:SS[.f]", "HH:MM:SS[.f]"):
      // sliced at their positions, and a day's midnight parsed once, not per packet.
      case 'datetime': {
        const i = t.image;
        const d = i.slice(0, 10);
        if (d !== this.day) {
          this.day = d;
          this.midnight = Date.parse(`${d}T00:00:00Z`) / 1000;
        }
        return this.midnight + Number(i.slice(11, 13)) * 3600 + Number(i.slice(14, 16)) * 60 + Number(i.slice(17));
      }
      case 'time': {
        const i = t.image;
        return Number(i.slice(0, 2)) * 3600 + Number(i.slice(3, 5)) * 60 + Number(i.slice(6));
      }
    }
  }
}

export function parseText(text: string, name = 'text'): { packets: Packet[]; warnings: InputWarning[]; stats: TextStats } {
  const packets: Packet[] = [];
  const warnings: InputWarning[] = [];
  const r = new TextReader(name, 0, (p) => packets.push(p), (w) => warnings.push(w));
  r.push(text);
  r.end();
  return { packets, warnings, stats: r.stats };
}
