/**
 * The library's entry points: `analyze` (pipeline.ts) takes several sources, one per capture
 * point; these take one input of each kind.
 */
import type { Readable } from 'node:stream';
import { type AnalyzeOptions, analyze } from './pipeline.js';
import type { Report } from './report/types.js';

export { AnalyzeError, type AnalyzeOptions, analyze, DEFAULT_IDLE_TIMEOUT, NO_OVERLAY_HINT, type Progress, type Source } from './pipeline.js';

/** Every path ("-" is stdin) into one report. */
export function analyzeFiles(paths: string[], opts: AnalyzeOptions = {}): Promise<Report> {
  return analyze(
    paths.map((p) => (p === '-' ? { name: 'stdin', stream: opts.stdin ?? process.stdin } : { path: p })),
    opts,
  );
}
/** Analyzes a capture file or a tcpdump text file. */
export function analyzeFile(path: string, opts: AnalyzeOptions = {}): Promise<Report> {
  if (typeof path !== 'string')
    throw new TypeError(`analyzeFile takes a path, not ${(path as unknown) instanceof Uint8Array ? 'bytes: use analyzeBuffer' : typeof path}`);
  return analyze([{ path }], opts);
}

/** Analyzes a stream (a capture or tcpdump text, maybe gzipped), named `name` in the report (default "stdin"). */
export function analyzeStream(stream: Readable | AsyncIterable<Uint8Array>, opts: AnalyzeOptions & { name?: string } = {}): Promise<Report> {
  const { name = 'stdin', ...rest } = opts;
  return analyze([{ name, stream }], rest);
}

/** Analyzes the bytes of a capture (pcap, pcapng, maybe gzipped) or of tcpdump text: a Buffer or any Uint8Array. */
export function analyzeBuffer(buffer: Uint8Array, opts: AnalyzeOptions & { name?: string } = {}): Promise<Report> {
  if (!(buffer instanceof Uint8Array))
    throw new TypeError(`analyzeBuffer takes a Buffer or Uint8Array, not ${typeof buffer}: use analyzeText for a string, analyzeFile for a path`);
  const { name = 'buffer', ...rest } = opts;
  return analyze([{ name, buffer }], rest);
}

/** Analyzes tcpdump text given as a string. */
export function analyzeText(text: string, opts: AnalyzeOptions & { name?: string } = {}): Promise<Report> {
  if (typeof text !== 'string') throw new TypeError(`analyzeText takes a string, not ${typeof text}: use analyzeBuffer for bytes`);
  const { name = 'text', ...rest } = opts;
  return analyze([{ name, text }], rest);
}
