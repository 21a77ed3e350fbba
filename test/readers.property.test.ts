/**
 * Capture readers on hostile bytes: random data after a valid pcap or pcapng header, real files
 * with a header field or length overwritten, real files cut at random offsets, delivered in
 * random chunk sizes (a pipe gives what it has). Whatever the bytes: readCapture resolves or
 * throws InputError, never anything else, never hangs, hands on records no longer than the input,
 * warns with offsets inside the input, and allocates nothing near what a corrupt length claims.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, type InputWarning, openInput, readCapture } from '../src/readers/index.js';
import { labCaptures } from './helpers/lab.js';

/** Generated cases per property (reported in the closing note of issue 6). */
export const RUNS = { pcapTail: 300, pcapngTail: 300, fieldOverwrite: 400, cut: 300 };
/** A read of at most a few hundred kB: far below this unless something loops or waits forever. */
const SETTLE_MS = 5000;

const LAB = labCaptures();
const PCAPS = LAB.filter((p) => p.endsWith('.pcap')).map((p) => ({ name: p.slice(p.lastIndexOf('/') + 1), bytes: readFileSync(p) }));
const PCAPNG = LAB.filter((p) => p.endsWith('.pcapng')).map((p) => ({ name: p.slice(p.lastIndexOf('/') + 1), bytes: readFileSync(p) }));
const FILES = [...PCAPS, ...PCAPNG];

interface Outcome {
  records: number;
  warnings: InputWarning[];
  error: InputError | null;
}

function chunked(bytes: Uint8Array, size: number): Readable {
  const parts: Buffer[] = [];
  // Views, not copies: the memory tests below measure what the reader keeps, not the test's input.
  for (let o = 0; o < bytes.length; o += size) parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + o, Math.min(size, bytes.length - o)));
  return Readable.from(parts, { objectMode: false });
}

/**
 * Opens and reads `bytes` as stdin in chunks of `chunk` bytes. Throws (failing the property) on
 * anything but InputError, on a hang, and on a record or warning that cannot be right. `size` is
 * what the input holds once decompressed (offsets count decompressed bytes).
 */
async function read(bytes: Uint8Array, chunk: number, what: string, size = bytes.length): Promise<Outcome> {
  const warnings: InputWarning[] = [];
  let records = 0;
  const bad: string[] = [];
  const work = (async () => {
    const input = await openInput('-', chunked(bytes, chunk));
    await readCapture(
      input,
      (data, linkType, ts, wire) => {
        records++;
        if (data.length > size) bad.push(`record of ${data.length} bytes from a ${size}-byte input`);
        if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) bad.push(`link type ${linkType}`);
        if (ts !== null && !Number.isFinite(ts)) bad.push(`time ${ts}`);
        if (!Number.isInteger(wire) || wire < 0) bad.push(`wire length ${wire}`);
      },
      (w) => warnings.push(w),
    );
  })();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: did not settle in ${SETTLE_MS} ms`)), SETTLE_MS)));
  let error: InputError | null = null;
  try {
    await Promise.race([work, hang]);
  } catch (e) {
    if (!(e instanceof InputError))
      throw new Error(`${what} (${bytes.length} bytes, chunks of ${chunk}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    error = e;
    // One line naming the input, as the CLI prints it.
    if (!/^stdin: /.test(e.toString()) || e.toString().includes('\n')) bad.push(`error line ${JSON.stringify(e.toString())}`);
  } finally {
    clearTimeout(timer);
  }
  for (const w of warnings) {
    if (w.offset !== undefined && (!Number.isInteger(w.offset) || w.offset < 0 || w.offset > size))
      bad.push(`warning at offset ${w.offset} of ${size}: ${w.message}`);
    if (w.message.includes('\n')) bad.push(`warning of several lines: ${w.message}`);
  }
  if (bad.length > 0) throw new Error(`${what}: ${bad.slice(0, 5).join('; ')}`);
  return { records, warnings, error };
}

const chunkArb = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 70_000 }));
/** Values that break length arithmetic. */
const u32Arb = fc.oneof(
  fc.constantFrom(0, 1, 3, 4, 11, 12, 15, 16, 27, 28, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff, 262144, 262145, 16 * 1024 * 1024 + 1),
  fc.nat({ max: 0xffffffff }),
);

function pcapHeader(le: boolean, nano: boolean, snaplen: number, linkType: number): Buffer {
  const h = Buffer.alloc(24);
  const magic = nano ? 0xa1b23c4d : 0xa1b2c3d4;
  if (le) {
    h.writeUInt32LE(magic, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(snaplen, 16);
    h.writeUInt32LE(linkType, 20);
  } else {
    h.writeUInt32BE(magic, 0);
    h.writeUInt16BE(2, 4);
    h.writeUInt16BE(4, 6);
    h.writeUInt32BE(snaplen, 16);
    h.writeUInt32BE(linkType, 20);
  }
  return h;
}

function shb(le: boolean): Buffer {
  const b = Buffer.alloc(28);
  const w = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w(0x0a0d0d0a, 0);
  w(28, 4);
  w(0x1a2b3c4d, 8);
  if (le) b.writeUInt16LE(1, 12);
  else b.writeUInt16BE(1, 12);
  w(0xffffffff, 16);
  w(0xffffffff, 20);
  w(28, 24);
  return b;
}

function idb(le: boolean, linkType: number): Buffer {
  const b = Buffer.alloc(20);
  const w = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w(1, 0);
  w(20, 4);
  w(linkType, 8);
  w(262144, 12);
  w(20, 16);
  return b;
}

describe('readCapture: random bytes after a valid header', () => {
  it('classic pcap, any byte order, µs or ns, any snap length and link type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.boolean(),
        u32Arb,
        fc.integer({ min: 0, max: 300 }),
        fc.uint8Array({ maxLength: 3000 }),
        chunkArb,
        async (le, nano, snaplen, lt, tail, chunk) => {
          await read(Buffer.concat([pcapHeader(le, nano, snaplen, lt), tail]), chunk, 'pcap header + random');
        },
      ),
      { numRuns: RUNS.pcapTail },
    );
  });

  it('pcapng, section header (and an interface) then random blocks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.boolean(), fc.uint8Array({ maxLength: 3000 }), chunkArb, async (le, withIdb, tail, chunk) => {
        await read(Buffer.concat([shb(le), withIdb ? idb(le, 1) : Buffer.alloc(0), tail]), chunk, 'pcapng header + random');
      }),
      { numRuns: RUNS.pcapngTail },
    );
  });
});

/** Offsets where a record (pcap) or block (pcapng, little endian as the lab's) starts or the file ends. */
function boundaries(b: Buffer): number[] {
  const ng = b.readUInt32LE(0) === 0x0a0d0d0a;
  const out: number[] = [ng ? 0 : 24];
  for (let o = out[0]!; o + 16 <= b.length; ) {
    o += ng ? b.readUInt32LE(o + 4) : 16 + b.readUInt32LE(o + 8);
    out.push(o);
  }
  return out;
}

describe('readCapture: real captures corrupted', () => {
  it('a 4-byte field overwritten (lengths, magics, versions, block types) at a random 4-aligned offset', async () => {
    const offsetArb = fc.oneof(fc.integer({ min: 0, max: 80 }), fc.nat());
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(fc.tuple(offsetArb, u32Arb, fc.boolean()), { minLength: 1, maxLength: 3 }), chunkArb, async (i, edits, chunk) => {
        const f = FILES[i % FILES.length]!;
        const bytes = Buffer.from(f.bytes);
        for (const [at, v, le] of edits) {
          const o = (at % Math.floor(bytes.length / 4)) * 4;
          if (le) bytes.writeUInt32LE(v >>> 0, o);
          else bytes.writeUInt32BE(v >>> 0, o);
        }
        await read(bytes, chunk, `${f.name} with ${JSON.stringify(edits)}`);
      }),
      { numRuns: RUNS.fieldOverwrite },
    );
  });

  it('cut at a random offset (plain and gzipped): the records before the cut, and a warning, or an InputError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.boolean(), chunkArb, async (i, at, gz, chunk) => {
        const f = FILES[i % FILES.length]!;
        const k = at % (f.bytes.length + 1);
        const cut = f.bytes.subarray(0, k);
        const whole = await read(f.bytes, 1 << 16, f.name);
        const z = gzipSync(f.bytes);
        const input = gz ? z.subarray(0, Math.max(2, Math.floor((k / f.bytes.length) * z.length))) : cut;
        const got = await read(input, chunk, `${f.name} cut at ${k}${gz ? ' (gzip)' : ''}`, gz ? f.bytes.length : k);
        // A cut never invents records; a plain cut inside a record or block says so (one between two is a shorter file).
        expect(got.records).toBeLessThanOrEqual(whole.records);
        if (!gz && got.error === null && !boundaries(f.bytes).includes(k))
          expect(got.warnings.map((w) => w.offset)).toContain(Math.max(...boundaries(f.bytes).filter((b) => b < k)));
      }),
      { numRuns: RUNS.cut },
    );
  });
});

describe('readCapture: lengths that claim gigabytes are never allocated', () => {
  const MB = 1024 * 1024;
  /** Reads and returns how much the process's buffers and heap grew meanwhile. */
  async function growth(bytes: Buffer): Promise<{ outcome: Outcome; grew: number }> {
    const before = process.memoryUsage();
    let peak = 0;
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.arrayBuffers - before.arrayBuffers, m.heapUsed - before.heapUsed);
    }, 1);
    try {
      const outcome = await read(bytes, 64 * 1024, 'huge length');
      const m = process.memoryUsage();
      return { outcome, grew: Math.max(peak, m.arrayBuffers - before.arrayBuffers, m.heapUsed - before.heapUsed) };
    } finally {
      clearInterval(sample);
    }
  }
  // More than the bound after the corrupt header: a reader that buffered the rest of the file
  // waiting for the claimed length would be caught.
  const filler = Buffer.alloc(80 * MB, 0x45);

  for (const claim of [0x80000000, 0xfffffff0, 0xffffffff]) {
    it(`a pcap record header claiming ${claim} captured bytes: stops with a warning`, async () => {
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(1, 0);
      rec.writeUInt32LE(claim, 8);
      rec.writeUInt32LE(claim, 12);
      const { outcome, grew } = await growth(Buffer.concat([pcapHeader(true, false, 0xffffffff, 1), rec, filler]));
      expect(outcome.error).toBeNull();
      expect(outcome.records).toBe(0);
      expect(outcome.warnings.map((w) => [w.offset, /^record claims \d+ captured bytes/.test(w.message)])).toEqual([[24, true]]);
      expect(grew).toBeLessThan(40 * MB);
    });

    it(`a pcapng block claiming ${claim} bytes: stops with a warning`, async () => {
      const epb = Buffer.alloc(32);
      epb.writeUInt32LE(6, 0);
      epb.writeUInt32LE((claim & ~3) >>> 0, 4);
      epb.writeUInt32LE(claim, 20);
      epb.writeUInt32LE(claim, 24);
      const { outcome, grew } = await growth(Buffer.concat([shb(true), idb(true, 1), epb, filler]));
      expect(outcome.error).toBeNull();
      expect(outcome.records).toBe(0);
      expect(outcome.warnings.map((w) => [w.offset, /impossible length/.test(w.message)])).toEqual([[48, true]]);
      expect(grew).toBeLessThan(40 * MB);
    });
  }

  it('a pcapng packet whose captured length exceeds its block: skipped, the next one read', async () => {
    const epb = (cap: number) => {
      const b = Buffer.alloc(36);
      b.writeUInt32LE(6, 0);
      b.writeUInt32LE(36, 4);
      b.writeUInt32LE(cap, 20);
      b.writeUInt32LE(4, 24);
      b.writeUInt32LE(36, 32);
      return b;
    };
    const { outcome, grew } = await growth(Buffer.concat([shb(true), idb(true, 1), epb(0xfffffff0), epb(4)]));
    expect([outcome.error, outcome.records]).toEqual([null, 1]);
    expect(outcome.warnings.map((w) => w.offset)).toEqual([48]);
    expect(grew).toBeLessThan(40 * MB);
  });
});
