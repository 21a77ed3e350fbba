/**
 * The pipeline, wired once: inputs -> packets -> flows -> verdicts -> report. A pcapng file that
 * merges several nodes' captures is read as one input per capture point (readers/points.ts).
 */
import { promises as fs } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { HELD_FLOWS } from './classifier/index.js';
import { decodeOptions } from './decoders/index.js';
import { commonClock, FIRST_LOOK } from './flows/first-look.js';
import type { GivenNode } from './flows/identity.js';
import { FlowTable } from './flows/table.js';
import { MERGE_PIECE, Merge } from './merge.js';
import type { Packet } from './model.js';
import { type OpenedInput, openInput, readCapture } from './readers/index.js';
import { type Pacing, pacedInput, pacedStream } from './readers/pacing.js';
import { PacketMaker } from './readers/packets.js';
import { planPoints } from './readers/plan.js';
import { InputError, type InputWarning } from './readers/types.js';
import { type FlowReport, type InputSummary, type Report, ReportBuilder } from './report/build.js';

export const DEFAULT_IDLE_TIMEOUT = 15;
/** Said when no tunnel packet was seen at all: the capture missed the underlay, or the filter did. */
export const NO_OVERLAY_HINT =
  'no overlay (VXLAN, GENEVE, IP-in-IP) packet was seen: capture where the tunnel runs, on the node itself, with: tcpdump -i any -s0 -nn -e -w node.pcap udp port 8472 or icmp (4789 for VXLAN on the IANA port, 6081 for GENEVE)';
const TEXT_PIECE = 64 * 1024;

/** One capture point's input: a file, a stream, bytes or tcpdump text. */
export interface Source {
  /** The name the report gives it (default: the path, else "stdin", "buffer" or "text"). */
  name?: string;
  path?: string;
  stream?: Readable | AsyncIterable<Uint8Array>;
  buffer?: Uint8Array;
  text?: string;
  /** The node it was captured on (--node): an address, or a name (resolved to its addresses by `resolveNode`); kept in the report's inputs and trusted over the packets. */
  node?: string;
}

/** How far the reading is, for a progress line (updated as chunks are read). */
export interface Progress {
  /** Index of the input being read. */
  input: number;
  name: string;
  bytes: number;
  /** The input's size when known (a plain file), else null. */
  size: number | null;
  packets: number;
  /** Flows open in the table. */
  open: number;
}

export interface AnalyzeOptions {
  /** UDP ports to decode as VXLAN besides 8472 and 4789. */
  vxlanPorts?: number[];
  /** Seconds a request may wait for its reply (default 1). */
  replyTimeout?: number;
  /** Most flows open at once (default 1,000,000); beyond it the least recently active is closed early, with a warning. */
  maxFlows?: number;
  /**
   * Seconds without a packet after which a flow is closed and its memory freed (default 15, at
   * least 10; a TCP connection ended by FINs or a reset is closed 6 s after its last packet).
   * Several captures are read together, merged by time, when their clocks agree; when they do not
   * (or cannot be compared), they are read one after the other and their flows kept to the end.
   */
  idleTimeout?: number;
  /** Most flows listed in full in the report (default 5000; problems first); every flow is counted. */
  maxListed?: number;
  /** The stream "-" stands for (default process.stdin). */
  stdin?: Readable;
  /** Stops reading when aborted: the report covers what was read, and says the input was cut. */
  signal?: AbortSignal;
  /** Every flow's report as soon as it is judged (when it closes; with several inputs, at the end, or past the first few thousand flows as they close). */
  onFlow?: (flow: FlowReport) => void;
  /** false: flows go only to onFlow, `flows` stays empty and memory does not grow with them. */
  listFlows?: boolean;
  /** Kept up to date while reading. */
  progress?: Progress;
  /** Awaited before each chunk is read (an output's backpressure). */
  beforeChunk?: () => Promise<void> | undefined;
  /** The zone tcpdump text's local times were printed in (an IANA name; default UTC). Captures keep their own UTC times. */
  tz?: string;
  /** The cluster's name for a node's underlay address, for naming where to run each next step. */
  nameNode?: (address: string) => string | null;
  /** A node's addresses by its name (the cluster's description), for sources whose `node` is a name. */
  resolveNode?: (name: string) => string[];
  /** Shapes the finished report (the cluster's description names addresses and checks the capture: kube/). */
  annotate?: (report: Report) => void;
  /** false: every record takes decodeFrame, the reference path (the report is the same; test/fast-path.test.ts). */
  fastPath?: boolean;
}

/** Thrown when no input could be read at all: every input's error, one line each. */
export class AnalyzeError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'AnalyzeError';
  }
}

function sourceName(s: Source): string {
  return s.name ?? s.path ?? (s.stream ? 'stdin' : s.buffer ? 'buffer' : s.text !== undefined ? 'text' : 'input');
}

async function open(s: Source, name: string, pacing: Pacing): Promise<OpenedInput> {
  let stream: Readable | null = null;
  if (s.stream) stream = s.stream instanceof Readable ? s.stream : Readable.from(s.stream);
  else if (s.buffer) stream = Readable.from([Buffer.from(s.buffer.buffer, s.buffer.byteOffset, s.buffer.byteLength)]);
  else if (s.text !== undefined) stream = Readable.from([Buffer.from(s.text, 'utf8')]);
  else if (s.path === undefined) throw new InputError(name, 'nothing to read: give a path, stream, buffer or text');
  // A stream is paced before its format is sniffed, so an interrupt also ends a wait for its first bytes.
  if (stream) return pacedInput(await openInput('-', pacedStream(stream, { signal: pacing.signal }), name), pacing);
  return pacedInput(await openInput(s.path!, undefined, name), pacing);
}

async function sizeOf(s: Source): Promise<number | null> {
  if (s.buffer) return s.buffer.byteLength;
  if (s.path === undefined) return null;
  const st = await fs.stat(s.path).catch(() => null);
  return st?.isFile() ? st.size : null;
}

/** One source's place among the inputs: its first input index, and its capture points when it is split. */
interface Entry {
  source: Source;
  name: string;
  base: number;
  /** Capture points read as inputs of their own (null: the source is one input). */
  points: string[] | null;
  unsplitMerges: number;
}

/** Sources in order, a merged pcapng file taking one input per capture point. */
async function plan(sources: Source[]): Promise<Entry[]> {
  const entries: Entry[] = [];
  let base = 0;
  for (const source of sources) {
    const name = sourceName(source);
    const p = source.path !== undefined && source.path !== '-' ? await planPoints(source.path, name) : null;
    const points = p && p.labels.length > 1 ? p.labels : null;
    entries.push({ source, name, base, points, unsplitMerges: p?.unsplitMerges ?? 0 });
    base += points ? points.length : 1;
  }
  return entries;
}

/** The one table and report of an analysis, made once the inputs' first packets tell how they are read. */
interface Analysis {
  table: FlowTable;
  builder: ReportBuilder;
}

/**
 * Reads every source into one flow table and returns the report. A source that cannot be read is
 * reported in `inputs[i].error` and in the warnings; when none can be read, AnalyzeError is thrown.
 *
 * Several inputs are read together, merged by time (merge.ts), when a first look at their first
 * packets finds their clocks agree (flows/first-look.ts): flows then close when idle as with one
 * input. Otherwise they are read one after the other and every flow is kept to the end.
 */
export async function analyze(sources: Source[], opts: AnalyzeOptions = {}): Promise<Report> {
  const replyTimeout = opts.replyTimeout ?? 1;
  const entries = await plan(sources);
  const names = entries.flatMap((e) => (e.points ? e.points.map((_, k) => `${e.name}#${k + 1}`) : [e.name]));
  const given: (GivenNode | undefined)[] = entries.flatMap((e) =>
    Array.from({ length: e.points?.length ?? 1 }, () => givenNode(e.source.node, opts.resolveNode)),
  );
  const idle = opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
  let made: Analysis | null = null;
  const start = (together: boolean): Analysis => {
    const builder = new ReportBuilder(names, {
      replyTimeout,
      maxListed: opts.maxListed,
      onFlow: opts.onFlow,
      listFlows: opts.listFlows,
      given: given.map((g) => g?.name),
      nameNode: opts.nameNode,
      // Read together, flows close as they go: the report holds a bounded number of them.
      ...(names.length > 1 && together ? { held: HELD_FLOWS, inputEnd: (i: number) => made?.table.inputs[i]?.end ?? null } : {}),
    });
    const table = new FlowTable({
      replyTimeout,
      maxFlows: opts.maxFlows ?? 1_000_000,
      idleTimeout: together ? idle : Infinity,
      followPackets: names.length > 1,
      given,
      onFlow: (flow, nodes) => builder.add(flow, nodes),
    });
    made = { table, builder };
    return made;
  };
  const single = names.length === 1;
  const { table: direct } = single ? start(true) : { table: null };
  const merge = single
    ? null
    : new Merge(entries.length, {
        first: FIRST_LOOK,
        decide: (first) => {
          const ahead = commonClock(first);
          start(ahead !== null);
          return ahead;
        },
        sink: (p) => made!.table.add(p),
        onInputEnd: () => made!.table.endInput(),
      });
  const decode = decodeOptions(opts.vxlanPorts);
  // The fast path's packet is reused for the next record: merged reading holds packets, so it takes decodeFrame's.
  const packets = new PacketMaker(decode, opts.fastPath !== false && single);
  const warnings: InputWarning[] = [];
  const failures: string[] = [];
  const onWarning = (w: InputWarning) => {
    if (warnings.length < 1000) warnings.push(w);
  };
  const inputs: InputSummary[] = names.map((name) => ({ name, format: '?', packets: 0 }));
  const { signal, progress } = opts;
  const openCount = () => made?.table.openCount ?? 0;
  if (progress) {
    const sizes = await Promise.all(entries.map((e) => sizeOf(e.source)));
    const size = sizes.some((n) => n === null) ? null : sizes.reduce((a, n) => a! + n!, 0);
    Object.assign(progress, { input: 0, name: entries.map((e) => e.name).join(' + '), bytes: 0, size, packets: 0, open: 0 });
  }

  const read = async (e: Entry, k: number): Promise<void> => {
    const mine = inputs.slice(e.base, e.base + (e.points?.length ?? 1));
    const summary = mine[0]!;
    const emit = merge ? (p: Packet) => merge.push(k, p) : (p: Packet) => direct!.add(p);
    if (e.source.node !== undefined) for (const m of mine) m.node = e.source.node;
    if (e.points)
      onWarning({
        input: e.name,
        message: `merges ${e.points.length} capture points (interface blocks of several systems): read as ${e.points.map((p, k) => `${names[e.base + k]} (${p})`).join(', ')}`,
      });
    if (e.unsplitMerges > 0)
      onWarning({
        input: e.name,
        message:
          'was merged by mergecap from captures it did not keep apart (-I all folds identical interfaces): read as one capture point; the per-node files (or mergecap -I none) give better answers',
      });
    if (signal?.aborted) {
      for (const m of mine) m.cut = true;
      merge?.end(k);
      return;
    }
    const pacing: Pacing = {
      signal,
      piece: merge ? MERGE_PIECE : undefined,
      beforeChunk: () => {
        const mine = merge?.pace(k);
        const theirs = opts.beforeChunk?.();
        return mine && theirs ? mine.then(() => theirs) : (mine ?? theirs);
      },
      onBytes:
        progress &&
        ((n) => {
          progress.bytes += n;
          progress.packets = inputs.reduce((a, m) => a + m.packets, 0);
          progress.open = openCount();
        }),
    };
    try {
      const input = await open(e.source, e.name, pacing);
      for (const m of mine) m.format = input.format + (input.gzip ? '+gzip' : '');
      if (progress && input.gzip) progress.size = null;
      if (input.format === 'text') await readText(input, e.base, summary, emit, onWarning, opts.tz ?? null);
      else {
        const split = e.points !== null;
        const read = await readCapture(
          input,
          (data, linkType, ts, wireLen, ifindex, ifname, point) => {
            const at = split ? (point ?? 0) : 0;
            emit(packets.packet(data, linkType, ts, wireLen, ifindex, ifname ?? null, ++mine[at]!.packets, e.base + at));
          },
          onWarning,
        );
        if (!split && (read.points?.length ?? 0) > 1)
          onWarning({
            input: e.name,
            message: `holds ${read.points!.length} capture points (interface blocks of several systems), read here as one: give it as a file to have them read apart`,
          });
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // An interrupt before anything was read is a cut, not an unreadable input.
      if (!signal?.aborted) {
        const line = err.toString();
        for (const m of mine) m.error = line;
        failures.push(line);
      }
    } finally {
      if (merge) merge.end(k);
      else direct!.endInput();
    }
    if (signal?.aborted) for (const m of mine) m.cut = true;
  };
  await Promise.all(entries.map((e, k) => read(e, k)));
  if (failures.length === entries.length) throw new AnalyzeError(failures);
  // Made by now: with several inputs, the merge decides once every input has ended, if not before.
  const { table, builder } = made!;
  const report = builder.finish(table.finish(), inputs, warnings);
  report.warnings.unshift(...failures);
  const cut = inputs.filter((i) => i.cut);
  if (cut.length)
    report.warnings.push(
      `interrupted: ${cut.map((i) => i.name).join(', ')} ${cut.length === 1 ? 'was' : 'were'} not read to the end; the report covers what was read`,
    );
  report.summary.partial = cut.length > 0 || report.summary.evicted > 0;
  if (report.tunnels.length === 0 && report.summary.packets > 0) report.hints.push(NO_OVERLAY_HINT);
  opts.annotate?.(report);
  return report;
}

/** A node the caller named: an address stands for itself, a name for the addresses it resolves to. */
function givenNode(node: string | undefined, resolve: AnalyzeOptions['resolveNode']): GivenNode | undefined {
  if (node === undefined) return undefined;
  if (isIPv4(node) || isIPv6(node)) return { name: node, addresses: [node] };
  return { name: node, addresses: resolve?.(node) ?? [] };
}

/** tcpdump text, decoded in pieces much smaller than a read (see below), line by line into the table. */
async function readText(
  input: OpenedInput,
  index: number,
  summary: InputSummary,
  emit: (p: Packet) => void,
  onWarning: (w: InputWarning) => void,
  tz: string | null,
): Promise<void> {
  // The grammar (chevrotain and its modules) is loaded only for text.
  const { TextReader } = await import('./lexer/index.js');
  const reader = new TextReader(
    input.name,
    index,
    (p) => {
      summary.packets++;
      emit(p);
    },
    onWarning,
    { tz },
  );
  const utf8 = new StringDecoder('utf8');
  // Each piece's string is dropped before a young collection could promote it (1 MiB strings were
  // most of what full collections freed).
  for await (const chunk of input.chunks ? input.chunks() : input.stream) {
    const bytes = chunk as Buffer;
    for (let o = 0; o < bytes.length; o += TEXT_PIECE) reader.push(utf8.write(bytes.subarray(o, o + TEXT_PIECE)));
  }
  reader.push(utf8.end());
  reader.end();
  const st = reader.stats;
  summary.text = { lines: st.lines, packetLines: st.packetLines, read: st.parsed, warned: st.skipped, passedOver: st.passedOver };
  if (summary.packets === 0) {
    const tried = reader.tried.length > 0 ? ` (first lines: ${reader.tried.map((t) => JSON.stringify(t)).join(', ')})` : '';
    throw new InputError(input.name, `no tcpdump packet lines found in ${reader.stats.lines} lines${tried}: is this tcpdump's text output?`);
  }
}
