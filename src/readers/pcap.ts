/**
 * Classic pcap (libpcap's savefile) through pcap-parser, the user's choice of
 * library: µs or ns resolution, either byte order.
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
 * pcap-parser knows only the microsecond magic: a nanosecond file gets its
 * magic rewritten to the microsecond one of the same byte order on the way in
 * (the layout is the same), and its fractions are read as nanoseconds. The
 * same small Transform counts the bytes, so offsets are our own.
 *
 * pcap-parser buffers a record until all its captured bytes are there, so a
 * corrupt length would make it wait for (and allocate) gigabytes: the record
 * header is checked when pcap-parser announces it, and reading stops there.
 */
import { createRequire } from 'node:module';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

const require = createRequire(import.meta.url);

/** pcap-parser is CommonJS without types: the part of it we use. */
interface PcapParser {
  on(ev: 'globalHeader', f: (h: { majorVersion: number; minorVersion: number; snapshotLength: number; linkLayerType: number }) => void): this;
  on(ev: 'packetHeader', f: (h: PcapRecordHeader) => void): this;
  on(ev: 'packet', f: (p: { header: PcapRecordHeader; data: Buffer }) => void): this;
  on(ev: 'error', f: (e: Error) => void): this;
  on(ev: 'end', f: () => void): this;
  /** Set to make it ignore further data (its own flag, checked first thing on every chunk). */
  errored: boolean;
}
interface PcapRecordHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}
const pcapParser = require('pcap-parser') as { parse(input: Readable): PcapParser };

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** A captured length above this is corrupt whatever the snap length says (and must never be buffered). */
export const MAX_RECORD = 16 * 1024 * 1024;
/** libpcap's largest snap length for ordinary link types: beyond it, and beyond the file's snap length, a record is corrupt. */
export const MAX_SNAPLEN = 262144;

const MAGIC_US_BE = 0xa1b2c3d4;
const MAGIC_NS_BE = 0xa1b23c4d;
const MAGIC_NS_LE = 0x4d3cb2a1;

export interface PcapResult {
  nanosecond: boolean;
  records: number;
  bytes: number;
  linkType: number;
  snaplen: number;
}

/**
 * Passes the stream through unchanged except a nanosecond magic, which becomes the microsecond
 * one of the same byte order; counts the bytes. No copy: the first 4 bytes go out as a new chunk.
 */
class MagicFix extends Transform {
  bytes = 0;
  nanosecond = false;
  private magic = Buffer.alloc(4);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const before = this.bytes;
    this.bytes += chunk.length;
    if (before >= 4) return cb(null, chunk);
    const n = Math.min(4 - before, chunk.length);
    chunk.copy(this.magic, before, 0, n);
    if (before + n < 4) return cb(); // held until the magic is whole (a stream may trickle)
    const m = this.magic.readUInt32BE(0);
    if (m === MAGIC_NS_BE) this.magic.writeUInt32BE(MAGIC_US_BE, 0);
    else if (m === MAGIC_NS_LE) this.magic.writeUInt32LE(MAGIC_US_BE, 0);
    this.nanosecond = m === MAGIC_NS_BE || m === MAGIC_NS_LE;
    this.push(this.magic);
    cb(null, chunk.length > n ? chunk.subarray(n) : undefined);
  }

  override _flush(cb: TransformCallback): void {
    if (this.bytes > 0 && this.bytes < 4) this.push(this.magic.subarray(0, this.bytes));
    cb();
  }
}

export function readPcap(stream: Readable, name: string, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<PcapResult> {
  const fix = new MagicFix();
  // pipeline: an error on either side reaches the parser, and destroying `fix` closes the input.
  pipeline(stream, fix, () => undefined);
  const parser = pcapParser.parse(fix);

  let linkType = -1;
  let snaplen = 0;
  let scale = 1e-6;
  let fracLimit = 1e6;
  let badFractions = 0;
  let badLengths = 0;
  let offset = 0; // file offset of the next record header
  let records = 0;
  let stopped = false;
  let settled = false;

  return new Promise<PcapResult>((resolve, reject) => {
    const done = () => resolve({ nanosecond: fix.nanosecond, records, bytes: fix.bytes, linkType, snaplen });
    const fail = (e: InputError) => {
      if (settled) return;
      settled = true;
      stop();
      reject(e);
    };
    const warnStop = (message: string) => {
      if (settled) return;
      settled = true;
      stop();
      onWarning({ input: name, offset, message });
      summarize();
      done();
    };
    /** Makes pcap-parser drop what it holds and ignore the rest; closes the input. */
    const stop = () => {
      stopped = true;
      parser.errored = true;
      fix.destroy();
    };
    const summarize = () => {
      if (badFractions > 1) onWarning({ input: name, message: `${badFractions} records in all have a timestamp fraction of a second or more` });
      if (badLengths > 1) onWarning({ input: name, message: `${badLengths} records in all have impossible lengths (captured more than the packet, or than the snap length, or a packet of 0 bytes)` });
    };

    parser.on('globalHeader', (h) => {
      if (h.majorVersion !== 2) return fail(new InputError(name, `pcap version ${h.majorVersion}.${h.minorVersion} is not supported (only 2.x)`, 4));
      // Upper bits of the link type field say whether frames end with an FCS: the type is the low 16.
      linkType = h.linkLayerType & 0xffff;
      snaplen = h.snapshotLength;
      if (fix.nanosecond) {
        scale = 1e-9;
        fracLimit = 1e9;
      }
      offset = FILE_HEADER;
    });

    parser.on('packetHeader', (h) => {
      const cap = h.capturedLength;
      if (cap > MAX_RECORD || (cap > MAX_SNAPLEN && cap > snaplen)) {
        warnStop(`record claims ${cap} captured bytes (snap length ${snaplen}): the file is corrupt from here; stopped reading after ${records} records`);
      }
    });

    parser.on('packet', (p) => {
      if (stopped) return;
      const h = p.header;
      const frac = h.timestampMicroseconds;
      if (frac >= fracLimit && ++badFractions === 1) {
        onWarning({ input: name, offset, message: `record ${records + 1} has a timestamp fraction of ${frac} ${fix.nanosecond ? 'ns' : 'µs'}, a second or more: used as it is` });
      }
      const cap = h.capturedLength;
      let data = p.data;
      if (cap > h.originalLength || h.originalLength === 0 || (snaplen > 0 && cap > snaplen)) {
        if (++badLengths === 1) onWarning({ input: name, offset, message: `record ${records + 1} claims ${cap} captured bytes of a ${h.originalLength}-byte packet (snap length ${snaplen}): a corrupt or crafted record${snaplen > 0 && cap > snaplen ? ', cut to the snap length as libpcap does' : ''}` });
        // libpcap (and so tcpdump) keeps no more than the snap length of a record.
        if (snaplen > 0 && cap > snaplen) data = data.subarray(0, snaplen);
      }
      records++;
      offset += RECORD_HEADER + cap;
      onRecord(data, linkType, h.timestampSeconds + frac * scale, h.originalLength, null);
    });

    parser.on('error', (e) => {
      if (stopped) return;
      if (linkType < 0) return fail(e instanceof InputError ? e : new InputError(name, `not a readable pcap file: ${e.message}`, 0));
      const what = e instanceof InputError ? e.message : `read error: ${e.message}`;
      warnStop(`${what}; stopped reading after ${records} records`);
    });

    parser.on('end', () => {
      if (settled || stopped) return;
      if (linkType < 0) return fail(new InputError(name, `pcap file ends inside its ${FILE_HEADER}-byte file header (${fix.bytes} bytes)`, 0));
      settled = true;
      const left = fix.bytes - offset;
      if (left > 0) {
        const what = left < RECORD_HEADER ? `${left} of its ${RECORD_HEADER} header bytes` : `${left - RECORD_HEADER} of its captured bytes`;
        onWarning({ input: name, offset, message: `the file was cut inside the record at this offset (${what} present): the ${records} records before it are read` });
      }
      summarize();
      done();
    });
  });
}
