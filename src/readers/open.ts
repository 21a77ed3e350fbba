/**
 * Opening an input: a path, or "-" for stdin (or a stream the caller gives).
 * The first bytes say what it is; gzip is unwrapped and the inside sniffed
 * again. Every failure is an InputError naming the input, and so is every
 * error the returned stream emits later (a read error, corrupt gzip data).
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, constants as zlib } from 'node:zlib';
import { describeHead, sniff } from './sniff.js';
import { InputError } from './types.js';

export type InputFormat = 'pcap' | 'pcapng' | 'text';

export interface OpenedInput {
  /** The input's name as the user gave it ("stdin" for "-"). */
  name: string;
  format: InputFormat;
  /** The input was gzip-compressed (the stream is already decompressed). */
  gzip: boolean;
  /** Decompressed, from its first byte (text: UTF-8, without a byte-order mark). */
  stream: Readable;
  /**
   * A plain file's bytes (from where `stream` starts), read in chunks into one reused buffer: a
   * chunk is valid only until the next is asked for. Read either this or `stream`, once.
   */
  chunks?: () => AsyncIterable<Buffer>;
}

/** Bytes the format is judged on. */
const HEAD = 1024;
/** Read size: large chunks keep per-chunk costs small (the capture readers copy only records cut by a chunk boundary). */
const CHUNK = 1 << 20;

/** A stream's iterator, with the chunks already taken from it. */
interface Peeked {
  /** Everything read so far (at least HEAD bytes unless the input is shorter). */
  first: Buffer;
  /** The input ended within `first`. */
  done: boolean;
  /** A read error after `first`: the readers say it after handling those bytes. */
  error: InputError | null;
  it: AsyncIterator<unknown>;
}

function asBuffer(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(String(v));
}

/** One line for a read error: what the system or zlib said, without a stack. */
function inputError(name: string, e: unknown, what: string): InputError {
  if (e instanceof InputError) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err.code === 'string' && err.code.startsWith('Z_')) return new InputError(name, `corrupt gzip data (${err.message})`);
  return new InputError(name, `${what}: ${err?.message ?? String(e)}`);
}

async function peek(source: Readable, name: string, what: string): Promise<Peeked> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let got = 0;
  let done = false;
  let error: InputError | null = null;
  try {
    while (got < HEAD) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      const c = asBuffer(r.value);
      chunks.push(c);
      got += c.length;
    }
  } catch (e) {
    if (got === 0) throw inputError(name, e, what);
    error = inputError(name, e, what);
    done = true;
  }
  return { first: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), done, error, it };
}

/** The peeked bytes (from `skip` on) followed by the rest of the input, as one stream. */
function rejoin(p: Peeked, skip: number, name: string, what: string): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    let finished = p.done;
    try {
      if (p.first.length > skip) yield p.first.subarray(skip);
      if (p.error) throw p.error;
      while (!finished) {
        const r = await p.it.next();
        if (r.done) finished = true;
        else yield asBuffer(r.value);
      }
    } catch (e) {
      finished = true;
      throw inputError(name, e, what);
    } finally {
      // The reader stopped early (a corrupt capture): close the input instead of reading it to its end.
      if (!finished) await p.it.return?.();
    }
  }
  return Readable.from(all(), { objectMode: false, highWaterMark: CHUNK });
}

/** UTF-16 text (with its byte-order mark) to UTF-8, so every text reader sees one encoding. */
function utf16ToUtf8(le: boolean): Transform {
  const dec = new StringDecoder('utf16le');
  let odd: number | null = null; // big endian: a byte left from the previous chunk
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      let c = chunk;
      if (!le) {
        const start = odd === null ? 0 : 1;
        const n = (c.length + start) & ~1;
        const sw = Buffer.allocUnsafe(n);
        if (odd !== null && n > 0) sw[0] = odd;
        c.copy(sw, start, 0, n - start);
        odd = (c.length + start) % 2 ? c[c.length - 1]! : null;
        c = sw.swap16();
      }
      cb(null, Buffer.from(dec.write(c), 'utf8'));
    },
    flush(cb: TransformCallback) {
      cb(null, Buffer.from(dec.end(), 'utf8'));
    },
  });
}

/**
 * A chunk read anew for every chunk lives until V8's next full collection once it has survived two
 * young ones, and read chunks then held ~70 MB of a big capture's peak memory: a plain file is
 * read into one buffer instead.
 */
async function* fileChunks(handle: FileHandle, start: number, name: string): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = start;
  try {
    for (;;) {
      let n: number;
      try {
        n = (await handle.read(buf, 0, CHUNK, pos)).bytesRead;
      } catch (e) {
        throw inputError(name, e, 'read error');
      }
      if (n === 0) return;
      pos += n;
      yield buf.subarray(0, n);
    }
  } finally {
    await handle.close();
  }
}

/** A regular file that is a capture or UTF-8 text, read through fileChunks; null for anything else (gzip, UTF-16, not a capture), which openInput reads as a stream. */
async function fileInput(path: string, name: string): Promise<OpenedInput | null> {
  const handle = await fs.open(path, 'r');
  let kind: ReturnType<typeof sniff> | 'empty';
  let first: Buffer;
  try {
    first = Buffer.alloc(HEAD);
    first = first.subarray(0, (await handle.read(first, 0, HEAD, 0)).bytesRead);
    kind = first.length === 0 ? 'empty' : sniff(first);
  } catch (e) {
    await handle.close();
    throw inputError(name, e, 'read error');
  }
  if (kind !== 'pcap' && kind !== 'pcapng' && kind !== 'text') {
    await handle.close();
    if (kind === 'empty') throw new InputError(name, 'empty input');
    return null;
  }
  const start = kind === 'text' && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
  let stream: Readable | null = null;
  return {
    name,
    format: kind,
    gzip: false,
    get stream() {
      return (stream ??= createReadStream('', { fd: handle, start, highWaterMark: CHUNK }));
    },
    chunks: () => fileChunks(handle, start, name),
  };
}

/**
 * Opens a path ("-" is stdin, or the given stream) and sniffs its format from its first bytes;
 * errors and warnings name it `name` (default: the path, "stdin" for "-").
 * Throws InputError for a missing file, a directory, no permission, an empty input, and binary
 * that is neither pcap nor pcapng.
 */
export async function openInput(path: string, stdin?: Readable, name = path === '-' ? 'stdin' : path): Promise<OpenedInput> {
  let source: Readable;
  if (path === '-') source = stdin ?? process.stdin;
  else {
    let regular: boolean;
    try {
      const st = await fs.stat(path);
      regular = st.isFile();
      if (st.isDirectory()) throw new InputError(name, 'is a directory, not a capture or a text file');
      await fs.access(path, fs.constants.R_OK);
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new InputError(name, 'no such file');
      if (code === 'EACCES' || code === 'EPERM') throw new InputError(name, 'permission denied');
      if (code === 'ENOTDIR') throw new InputError(name, 'no such file (a part of the path is not a directory)');
      throw inputError(name, e, 'cannot open');
    }
    if (regular) {
      const direct = await fileInput(path, name);
      if (direct) return direct;
    }
    source = createReadStream(path, { highWaterMark: CHUNK });
  }

  let p = await peek(source, name, 'read error');
  if (p.first.length === 0) throw new InputError(name, 'empty input');
  let kind = sniff(p.first.subarray(0, HEAD));
  let gzip = false;
  if (kind === 'gzip') {
    gzip = true;
    // Z_SYNC_FLUSH at the end: a cut .gz gives what it holds (the capture reader then says where it was cut).
    const gunzip = createGunzip({ finishFlush: zlib.Z_SYNC_FLUSH, chunkSize: 64 * 1024 });
    pipeline(rejoin(p, 0, name, 'read error'), gunzip, () => undefined); // errors reach whoever reads gunzip
    p = await peek(gunzip, name, 'gzip');
    if (p.first.length === 0) throw new InputError(name, 'empty after gzip decompression');
    kind = sniff(p.first.subarray(0, HEAD));
    if (kind === 'gzip') {
      await p.it.return?.();
      throw new InputError(name, 'gzip inside gzip: decompress it once first', 0);
    }
  }
  const what = gzip ? 'gzip' : 'read error';
  switch (kind) {
    case 'pcap':
    case 'pcapng':
      return { name, format: kind, gzip, stream: rejoin(p, 0, name, what) };
    case 'text': {
      const bom = p.first.length >= 3 && p.first[0] === 0xef && p.first[1] === 0xbb && p.first[2] === 0xbf ? 3 : 0;
      return { name, format: 'text', gzip, stream: rejoin(p, bom, name, what) };
    }
    case 'text-utf16le':
    case 'text-utf16be': {
      const utf8 = utf16ToUtf8(kind === 'text-utf16le');
      pipeline(rejoin(p, 2, name, what), utf8, () => undefined);
      return { name, format: 'text', gzip, stream: utf8 };
    }
    default:
      await p.it.return?.(); // close the file: nothing more is read from it
      throw new InputError(name, `not a pcap, pcapng or tcpdump text${gzip ? ' inside the gzip data' : ''} (${describeHead(p.first)})`, 0);
  }
}
