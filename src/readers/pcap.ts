/**
 * Classic pcap (libpcap's savefile), read directly: µs or ns resolution,
 * either byte order.
 *
 *   File header (24 bytes)                 Record header (16 bytes)
 *   +-------------------------------+      +-------------------------------+
 *   |         Magic Number          |      |   Timestamp (seconds)         |
 *   +---------------+---------------+      +-------------------------------+
 *   | Major Version | Minor Version |      |   Timestamp (µs or ns)        |
 *   +---------------+---------------+      +-------------------------------+
 *   |     Reserved1 (thiszone)      |      |   Captured Packet Length      |
 *   +-------------------------------+      +-------------------------------+
 *   |     Reserved2 (sigfigs)       |      |   Original Packet Length      |
 *   +-------------------------------+      +-------------------------------+
 *   |           SnapLen             |      /   Packet Data (captured len)  /
 *   +-------------------------------+      +-------------------------------+
 *   | FCS |0|F|  0  |   LinkType    |
 *   +-------------------------------+
 *
 * Records are handed on as views of the input's chunks, their headers read in
 * place; only a record (or header) cut by a chunk boundary is copied, into one
 * reused buffer that grows only for a larger cut record. This replaced
 * pcap-parser, which concatenated its leftover with every chunk and built
 * objects per record: see the README's performance section for the figures.
 *
 * A record header is checked as soon as it is whole, before its data is
 * awaited, so a corrupt length never makes the reader wait for (or allocate)
 * what it claims.
 */
import type { Readable } from 'node:stream';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** A captured length above this is corrupt whatever the snap length says (and must never be buffered). */
export const MAX_RECORD = 16 * 1024 * 1024;
/** libpcap's largest snap length for ordinary link types: beyond it, and beyond the file's snap length, a record is corrupt. */
export const MAX_SNAPLEN = 262144;

/** Magics as the first four bytes read big endian. */
const MAGIC_US_BE = 0xa1b2c3d4;
const MAGIC_US_LE = 0xd4c3b2a1;
const MAGIC_NS_BE = 0xa1b23c4d;
const MAGIC_NS_LE = 0x4d3cb2a1;

/** First size of the carry-over buffer: most cut records fit, so it rarely grows. */
const CARRY = 64 * 1024;

export interface PcapResult {
  nanosecond: boolean;
  records: number;
  bytes: number;
  linkType: number;
  snaplen: number;
}

class PcapReader {
  le = true;
  nanosecond = false;
  private scale = 1e-6;
  private fracLimit = 1e6;
  /** -1 until the file header is read. */
  linkType = -1;
  snaplen = 0;
  records = 0;
  /** Bytes received (decompressed). */
  bytes = 0;
  /** File offset of the next record header. */
  private offset = 0;
  private badFractions = 0;
  private badLengths = 0;
  /** A warning ended reading: the rest of the input is not read. */
  stopped = false;

  /** The file header or record that the previous chunks cut, gathered here. */
  private carry = Buffer.alloc(0);
  private carryView = new DataView(this.carry.buffer, this.carry.byteOffset, 0);
  private carryLen = 0;
  /** Bytes the carried piece needs: the file header, a record header, or header and captured bytes. */
  private need = FILE_HEADER;

  constructor(
    private readonly name: string,
    private readonly onRecord: RecordHandler,
    private readonly onWarning: (w: InputWarning) => void,
  ) {}

  push(c: Buffer): void {
    this.bytes += c.length;
    let i = 0;
    if (this.carryLen > 0 || this.linkType < 0) {
      i = this.finishCarried(c);
      if (i < 0) return;
    }
    const v = new DataView(c.buffer, c.byteOffset, c.length);
    const le = this.le;
    const n = c.length;
    this.need = RECORD_HEADER;
    while (n - i >= RECORD_HEADER) {
      const cap = v.getUint32(i + 8, le);
      if (!this.capOk(cap)) return;
      if (n - i - RECORD_HEADER < cap) {
        this.need = RECORD_HEADER + cap;
        break;
      }
      this.record(c, v, i, cap);
      i += RECORD_HEADER + cap;
    }
    if (i < n) this.append(c, i, n - i);
  }

  /** Completes the carried piece from `c`: where c's unused bytes start, or -1 when none are left (or reading stopped). */
  private finishCarried(c: Buffer): number {
    let i = 0;
    for (;;) {
      const n = Math.min(this.need - this.carryLen, c.length - i);
      this.append(c, i, n);
      i += n;
      if (this.carryLen < this.need) return -1;
      if (this.linkType < 0) {
        this.fileHeader(this.carry);
        this.carryLen = 0;
        this.need = RECORD_HEADER;
        return i;
      }
      const cap = this.carryView.getUint32(8, this.le);
      if (this.need === RECORD_HEADER) {
        if (!this.capOk(cap)) return -1;
        this.need = RECORD_HEADER + cap;
        if (cap > 0) continue;
      }
      this.record(this.carry, this.carryView, 0, cap);
      this.carryLen = 0;
      this.need = RECORD_HEADER;
      return i;
    }
  }

  /** Appends to the carried piece, growing the buffer only when the piece needs more than it holds. */
  private append(c: Buffer, i: number, n: number): void {
    const want = Math.max(this.need, this.carryLen + n);
    if (want > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(want, CARRY));
      this.carry.copy(grown, 0, 0, this.carryLen);
      this.carry = grown;
      this.carryView = new DataView(grown.buffer, grown.byteOffset, grown.length);
    }
    c.copy(this.carry, this.carryLen, i, i + n);
    this.carryLen += n;
  }

  private fileHeader(b: Buffer): void {
    const m = b.readUInt32BE(0);
    if (m !== MAGIC_US_BE && m !== MAGIC_US_LE && m !== MAGIC_NS_BE && m !== MAGIC_NS_LE) {
      throw new InputError(this.name, `not a readable pcap file: unknown magic number ${b.toString('hex', 0, 4)}`, 0);
    }
    this.le = m === MAGIC_US_LE || m === MAGIC_NS_LE;
    this.nanosecond = m === MAGIC_NS_BE || m === MAGIC_NS_LE;
    const u16 = (o: number) => (this.le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (o: number) => (this.le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const major = u16(4);
    if (major !== 2) throw new InputError(this.name, `pcap version ${major}.${u16(6)} is not supported (only 2.x)`, 4);
    // Upper bits of the link type field say whether frames end with an FCS: the type is the low 16.
    this.linkType = u32(20) & 0xffff;
    this.snaplen = u32(16);
    if (this.nanosecond) {
      this.scale = 1e-9;
      this.fracLimit = 1e9;
    }
    this.offset = FILE_HEADER;
  }

  /** A captured length no capture can have stops reading here, before its bytes are awaited. */
  private capOk(cap: number): boolean {
    if (cap > MAX_RECORD || (cap > MAX_SNAPLEN && cap > this.snaplen)) {
      this.warnStop(
        `record claims ${cap} captured bytes (snap length ${this.snaplen}): the file is corrupt from here; stopped reading after ${this.records} records`,
      );
      return false;
    }
    return true;
  }

  /** The whole record whose header is at `p` in `b` (v views b). */
  private record(b: Buffer, v: DataView, p: number, cap: number): void {
    const le = this.le;
    const sec = v.getUint32(p, le);
    const frac = v.getUint32(p + 4, le);
    const wire = v.getUint32(p + 12, le);
    if (frac >= this.fracLimit && ++this.badFractions === 1) {
      this.onWarning({
        input: this.name,
        offset: this.offset,
        message: `record ${this.records + 1} has a timestamp fraction of ${frac} ${this.nanosecond ? 'ns' : 'µs'}, a second or more: used as it is`,
      });
    }
    const snaplen = this.snaplen;
    let len = cap;
    if (cap > wire || wire === 0 || (snaplen > 0 && cap > snaplen)) {
      if (++this.badLengths === 1)
        this.onWarning({
          input: this.name,
          offset: this.offset,
          message: `record ${this.records + 1} claims ${cap} captured bytes of a ${wire}-byte packet (snap length ${snaplen}): a corrupt or crafted record${snaplen > 0 && cap > snaplen ? ', cut to the snap length as libpcap does' : ''}`,
        });
      // libpcap (and so tcpdump) keeps no more than the snap length of a record.
      if (snaplen > 0 && cap > snaplen) len = snaplen;
    }
    this.records++;
    this.offset += RECORD_HEADER + cap;
    this.onRecord(b.subarray(p + RECORD_HEADER, p + RECORD_HEADER + len), this.linkType, sec + frac * this.scale, wire, null);
  }

  private warnStop(message: string): void {
    this.stopped = true;
    this.onWarning({ input: this.name, offset: this.offset, message });
    this.summarize();
  }

  private summarize(): void {
    if (this.badFractions > 1)
      this.onWarning({ input: this.name, message: `${this.badFractions} records in all have a timestamp fraction of a second or more` });
    if (this.badLengths > 1)
      this.onWarning({
        input: this.name,
        message: `${this.badLengths} records in all have impossible lengths (captured more than the packet, or than the snap length, or a packet of 0 bytes)`,
      });
  }

  /** The input failed (a read error, corrupt gzip data): fatal inside the file header, else the records read stand. */
  readError(e: unknown): void {
    const err = e as Error;
    if (this.linkType < 0) throw e instanceof InputError ? e : new InputError(this.name, `not a readable pcap file: ${err?.message ?? String(e)}`, 0);
    const what = e instanceof InputError ? e.message : `read error: ${err?.message ?? String(e)}`;
    this.warnStop(`${what}; stopped reading after ${this.records} records`);
  }

  end(): void {
    if (this.linkType < 0) throw new InputError(this.name, `pcap file ends inside its ${FILE_HEADER}-byte file header (${this.bytes} bytes)`, 0);
    const left = this.bytes - this.offset;
    if (left > 0) {
      const what = left < RECORD_HEADER ? `${left} of its ${RECORD_HEADER} header bytes` : `${left - RECORD_HEADER} of its captured bytes`;
      this.onWarning({
        input: this.name,
        offset: this.offset,
        message: `the file was cut inside the record at this offset (${what} present): the ${this.records} records before it are read`,
      });
    }
    this.summarize();
  }
}

function result(r: PcapReader): PcapResult {
  return { nanosecond: r.nanosecond, records: r.records, bytes: r.bytes, linkType: r.linkType, snaplen: r.snaplen };
}

/** Reads chunks that are valid only until the next is asked for (OpenedInput.chunks): the reader copies what it keeps. */
export async function readPcapChunks(
  chunks: AsyncIterable<Buffer>,
  name: string,
  onRecord: RecordHandler,
  onWarning: (w: InputWarning) => void,
): Promise<PcapResult> {
  const r = new PcapReader(name, onRecord, onWarning);
  const it = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await it.next();
      } catch (e) {
        r.readError(e);
        return result(r);
      }
      if (next.done) break;
      r.push(next.value);
      if (r.stopped) return result(r);
    }
  } finally {
    await it.return?.();
  }
  r.end();
  return result(r);
}

/**
 * Reads in flowing mode ('data' events), each chunk as it arrives: an async iterator would drop
 * the chunks still buffered when the input then fails, and their records must be read.
 */
export function readPcap(stream: Readable, name: string, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<PcapResult> {
  const r = new PcapReader(name, onRecord, onWarning);
  return new Promise<PcapResult>((resolve, reject) => {
    let settled = false;
    /** Runs the last step (which may throw InputError) and answers once, whatever the stream says after. */
    const settle = (last: () => void) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      try {
        last();
      } catch (e) {
        return reject(e);
      }
      resolve(result(r));
    };
    const onData = (chunk: Buffer) => {
      try {
        r.push(chunk);
      } catch (e) {
        // A file header we cannot read, or an exception from onRecord: not a read error.
        settled = true;
        stream.off('data', onData);
        stream.destroy();
        return reject(e);
      }
      if (r.stopped) {
        // A corrupt length: close the input instead of reading it to its end.
        settle(() => undefined);
        stream.destroy();
      }
    };
    stream.on('data', onData);
    stream.on('end', () => settle(() => r.end()));
    stream.on('error', (e) => settle(() => r.readError(e)));
    // Destroyed by someone else without an error: what came is all there is, rather than a wait for ever.
    stream.on('close', () => settle(() => r.end()));
  });
}
