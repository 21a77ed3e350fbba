/**
 * Opening inputs and reading captures. The format is sniffed from the first
 * bytes; a gzip-compressed input is unwrapped and sniffed again.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { readPcap } from './pcap.js';
import { readPcapng } from './pcapng.js';
import { sniff, type Sniffed } from './sniff.js';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

export { sniff, type Sniffed } from './sniff.js';
export * from './types.js';

export type InputFormat = 'pcap' | 'pcapng' | 'text';

export interface OpenedInput {
  name: string;
  format: InputFormat;
  gzip: boolean;
  /** Decompressed, from its first byte. */
  stream: Readable;
  /** What the first bytes said (pcap byte order and resolution). */
  sniffed: Sniffed;
}

export interface CaptureSummary {
  format: 'pcap' | 'pcapng';
  nanosecond: boolean;
  records: number;
  bytes: number;
  linkTypes: number[];
  snaplen: number | null;
}

const HEAD = 512;

/** Reads the first bytes of a stream and gives back a stream that still starts with them. */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let got = 0;
  const it = stream[Symbol.asyncIterator]();
  let done = false;
  while (got < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as string);
    chunks.push(c);
    got += c.length;
  }
  const head = Buffer.concat(chunks);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  out.write(head);
  if (done) out.end();
  else {
    (async () => {
      try {
        for (let r = await it.next(); !r.done; r = await it.next()) {
          if (!out.write(r.value)) await new Promise((res) => out.once('drain', res));
        }
        out.end();
      } catch (e) {
        out.destroy(e as Error);
      }
    })();
  }
  return { head, stream: out };
}

function describeBytes(b: Buffer): string {
  return [...b.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Opens a path ("-" is stdin, or the given stream) and sniffs its format. Throws InputError for a
 * missing file, a directory, no permission, an empty input, and binary that is no capture.
 */
export async function openInput(path: string, stdin?: Readable): Promise<OpenedInput> {
  const name = path === '-' ? 'stdin' : path;
  let stream: Readable;
  if (path === '-') stream = stdin ?? process.stdin;
  else {
    try {
      const st = await fs.stat(path);
      if (st.isDirectory()) throw new InputError(name, 'is a directory, not a capture');
      await fs.access(path, fs.constants.R_OK);
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(name, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open: ${(e as Error).message}`);
    }
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
  }
  let gzip = false;
  let { head, stream: s } = await peek(stream, HEAD);
  let kind = sniff(head);
  if (kind === 'gzip') {
    gzip = true;
    const gunzip = createGunzip();
    gunzip.on('error', () => undefined); // reported where the stream is read
    ({ head, stream: s } = await peek(s.pipe(gunzip), HEAD).catch((e: Error) => {
      throw new InputError(name, `broken gzip data: ${e.message}`);
    }));
    kind = sniff(head);
  }
  if (head.length === 0) throw new InputError(name, gzip ? 'empty after decompression' : 'empty input');
  if (kind === 'binary' || kind === 'gzip') {
    throw new InputError(name, `not a pcap, pcapng or tcpdump text (first bytes ${describeBytes(head)})`, 0);
  }
  const format: InputFormat = kind === 'text' ? 'text' : kind === 'pcapng' ? 'pcapng' : 'pcap';
  return { name, format, gzip, stream: s, sniffed: kind };
}

/** Streams the records of a pcap or pcapng input to onRecord; problems that leave the rest readable go to onWarning. */
export async function readCapture(input: OpenedInput, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<CaptureSummary> {
  if (input.format === 'pcapng') {
    const r = await readPcapng(input.stream, input.name, onRecord, onWarning);
    return { format: 'pcapng', nanosecond: false, ...r };
  }
  if (input.format !== 'pcap') throw new InputError(input.name, 'not a capture file');
  const nano = input.sniffed === 'pcap-ns' || input.sniffed === 'pcap-ns-swapped';
  const r = await readPcap(input.stream, input.name, nano, onRecord, onWarning);
  return { format: 'pcap', nanosecond: nano, records: r.records, bytes: r.bytes, linkTypes: [r.linkType], snaplen: r.snaplen };
}
