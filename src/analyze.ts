/**
 * The pipeline, wired once: inputs -> packets -> flows -> verdicts -> report.
 */
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { decodeFrame, decodeOptions } from './decoders/index.js';
import { FlowTable } from './flows/table.js';
import type { Packet } from './model.js';
import { openInput, readCapture } from './readers/index.js';
import { InputError, type InputWarning } from './readers/types.js';
import { ReportBuilder, type InputSummary, type Report } from './report/build.js';

export const DEFAULT_IDLE_TIMEOUT = 15;
const TEXT_PIECE = 64 * 1024;

export interface AnalyzeOptions {
  /** UDP ports to decode as VXLAN besides 8472 and 4789. */
  vxlanPorts?: number[];
  /** Seconds a request may wait for its reply (default 1). */
  replyTimeout?: number;
  /** Most flows open at once (default 1,000,000); beyond it the least recently active is closed early, with a warning. */
  maxFlows?: number;
  /**
   * Seconds without a packet after which a flow is closed and its memory freed (default 15, at
   * least 10; a TCP connection ended by FINs or a reset is closed 6 s after its last packet). Applies to a single input: flows of several captures
   * are kept to the end, as each capture adds its own view of them.
   */
  idleTimeout?: number;
  /** Most flows listed in full in the report (default 5000; problems first); every flow is counted. */
  maxListed?: number;
  /** The stream "-" stands for (default process.stdin). */
  stdin?: Readable;
}

/** Thrown when no input could be read at all: every input's error, one line each. */
export class AnalyzeError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'AnalyzeError';
  }
}

/**
 * Reads every input into one flow table and returns the report. An input that cannot be read is
 * reported in `inputs[i].error` and in the warnings; when none can be read, AnalyzeError is thrown.
 */
export async function analyzeFiles(paths: string[], opts: AnalyzeOptions = {}): Promise<Report> {
  const replyTimeout = opts.replyTimeout ?? 1;
  const names = paths.map((p) => (p === '-' ? 'stdin' : p));
  const builder = new ReportBuilder(names, { replyTimeout, maxListed: opts.maxListed });
  const table = new FlowTable({
    replyTimeout,
    maxFlows: opts.maxFlows ?? 1_000_000,
    idleTimeout: paths.length === 1 ? (opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT) : Infinity,
    followPackets: paths.length > 1,
    onFlow: (flow, nodes) => builder.add(flow, nodes),
  });
  const decode = decodeOptions(opts.vxlanPorts);
  const warnings: InputWarning[] = [];
  const inputs: InputSummary[] = [];
  const failures: string[] = [];
  const onWarning = (w: InputWarning) => {
    if (warnings.length < 1000) warnings.push(w);
  };

  for (let index = 0; index < paths.length; index++) {
    const path = paths[index]!;
    const name = names[index]!;
    const summary: InputSummary = { name, format: '?', packets: 0 };
    inputs.push(summary);
    try {
      const input = await openInput(path, opts.stdin);
      summary.format = input.format + (input.gzip ? '+gzip' : '');
      if (input.format === 'text') {
        // The grammar (chevrotain and its modules: a third of a second to load) only for text.
        const { TextReader } = await import('./lexer/index.js');
        const reader = new TextReader(name, index, (p) => {
          summary.packets++;
          table.add(p);
        }, onWarning);
        const utf8 = new StringDecoder('utf8');
        // Text in pieces much smaller than a read: each piece's string is dropped before a young
        // collection could promote it (1 MiB strings were most of what full collections freed).
        for await (const chunk of input.chunks ? input.chunks() : input.stream) {
          const bytes = chunk as Buffer;
          for (let o = 0; o < bytes.length; o += TEXT_PIECE) reader.push(utf8.write(bytes.subarray(o, o + TEXT_PIECE)));
        }
        reader.push(utf8.end());
        reader.end();
        if (summary.packets === 0) {
          const tried = reader.tried.length > 0 ? ` (first lines: ${reader.tried.map((t) => JSON.stringify(t)).join(', ')})` : '';
          throw new InputError(name, `no tcpdump packet lines found in ${reader.stats.lines} lines${tried}: is this tcpdump's text output?`);
        }
      } else {
        let no = 0;
        await readCapture(input, (data, linkType, ts, wireLen, ifindex, ifname) => {
          const d = decodeFrame(linkType, data, decode);
          const p: Packet = {
            no: ++no, ts, input: index, wireLen, ifname: ifname ?? null,
            ifindex: d.ifindex ?? ifindex, direction: d.direction, line: null, frame: d.frame,
          };
          table.add(p);
        }, onWarning);
        summary.packets = no;
      }
      table.endInput();
    } catch (e) {
      table.endInput();
      if (!(e instanceof InputError)) throw e;
      const line = e.toString();
      summary.error = line;
      failures.push(line);
    }
  }
  if (failures.length === paths.length) throw new AnalyzeError(failures);
  const report = builder.finish(table.finish(), inputs, warnings);
  report.warnings.unshift(...failures);
  return report;
}

export function analyzeFile(path: string, opts: AnalyzeOptions = {}): Promise<Report> {
  return analyzeFiles([path], opts);
}

/** Analyzes a stream (a capture or tcpdump text). */
export function analyzeStream(stream: Readable, opts: AnalyzeOptions = {}): Promise<Report> {
  return analyzeFiles(['-'], { ...opts, stdin: stream });
}

/** Analyzes tcpdump text given as a string. */
export function analyzeText(text: string, opts: AnalyzeOptions = {}): Promise<Report> {
  return analyzeStream(Readable.from([Buffer.from(text, 'utf8')]), opts);
}
