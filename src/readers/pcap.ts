/**
 * Classic pcap (libpcap's savefile): µs or ns resolution, either byte order.
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
 * Records are read straight from the stream's chunks: each record header is
 * read in place and the record handed on as a view of the chunk, so a record
 * costs no copy and no object beyond that view (pcap-parser, which this
 * replaced, made several per record: 1.9 M records/s against 6.5 M and more,
 * see README). A record cut by a chunk's end is carried into the next one; a
 * corrupt length is refused before anything waits for its bytes.
 */
import type { Readable } from 'node:stream';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** A captured length above this is corrupt whatever the snap length says (and must never be buffered). */
export const MAX_RECORD = 16 * 1024 * 1024;
/** libpcap's largest snap length for ordinary link types: beyond it, and beyond the file's snap length, a record is corrupt. */
export const MAX_SNAPLEN = 262144;

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

export interface PcapResult {
  nanosecond: boolean;
  records: number;
  bytes: number;
  linkType: number;
  snaplen: number;
}

/** Reads a classic pcap stream (already sniffed as one) record by record. */
export async function readPcap(stream: Readable, name: string, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<PcapResult> {
  let le = true;
  let nanosecond = false;
  let linkType = -1;
  let snaplen = 0;
  let scale = 1e-6;
  let fracLimit = 1e6;
  let badFractions = 0;
  let badLengths = 0;
  let bytes = 0;
  let offset = 0; // file offset of the next record header
  let records = 0;
  /** Bytes of a record (or the file header) cut by the end of the previous chunk. */
  let carry: Buffer | null = null;

  const summarize = () => {
    if (badFractions > 1) onWarning({ input: name, message: `${badFractions} records in all have a timestamp fraction of a second or more` });
    if (badLengths > 1) onWarning({ input: name, message: `${badLengths} records in all have impossible lengths (captured more than the packet, or than the snap length, or a packet of 0 bytes)` });
  };
  const result = (): PcapResult => ({ nanosecond, records, bytes, linkType, snaplen });
  /** A problem after which nothing more can be trusted: say where, keep what was read. */
  const stopAt = (message: string): PcapResult => {
    stream.destroy();
    onWarning({ input: name, offset, message });
    summarize();
    return result();
  };

  /** Reads one chunk's records; returns a result when reading must stop there. */
  const onChunk = (chunk: Buffer): PcapResult | null => {
    bytes += chunk.length;
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = null;
    let pos = 0;
    if (linkType < 0) {
      if (buf.length < FILE_HEADER) {
        carry = buf;
        return null;
      }
      const magic = buf.readUInt32BE(0);
      le = magic !== MAGIC_US && magic !== MAGIC_NS;
      nanosecond = (le ? buf.readUInt32LE(0) : magic) === MAGIC_NS;
      const major = le ? buf.readUInt16LE(4) : buf.readUInt16BE(4);
      const minor = le ? buf.readUInt16LE(6) : buf.readUInt16BE(6);
      if (major !== 2) throw new InputError(name, `pcap version ${major}.${minor} is not supported (only 2.x)`, 4);
      snaplen = le ? buf.readUInt32LE(16) : buf.readUInt32BE(16);
      // Upper bits of the link type field say whether frames end with an FCS: the type is the low 16.
      linkType = (le ? buf.readUInt32LE(20) : buf.readUInt32BE(20)) & 0xffff;
      if (nanosecond) {
        scale = 1e-9;
        fracLimit = 1e9;
      }
      pos = offset = FILE_HEADER;
    }
    while (buf.length - pos >= RECORD_HEADER) {
      const sec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
      const frac = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      const cap = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
      const orig = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
      if (cap > MAX_RECORD || (cap > MAX_SNAPLEN && cap > snaplen)) {
        return stopAt(`record claims ${cap} captured bytes (snap length ${snaplen}): the file is corrupt from here; stopped reading after ${records} records`);
      }
      if (buf.length - pos - RECORD_HEADER < cap) break;
      if (frac >= fracLimit && ++badFractions === 1) {
        onWarning({ input: name, offset, message: `record ${records + 1} has a timestamp fraction of ${frac} ${nanosecond ? 'ns' : 'µs'}, a second or more: used as it is` });
      }
      let kept = cap;
      if (cap > orig || orig === 0 || (snaplen > 0 && cap > snaplen)) {
        if (++badLengths === 1) onWarning({ input: name, offset, message: `record ${records + 1} claims ${cap} captured bytes of a ${orig}-byte packet (snap length ${snaplen}): a corrupt or crafted record${snaplen > 0 && cap > snaplen ? ', cut to the snap length as libpcap does' : ''}` });
        // libpcap (and so tcpdump) keeps no more than the snap length of a record.
        if (snaplen > 0 && cap > snaplen) kept = snaplen;
      }
      const start = pos + RECORD_HEADER;
      records++;
      pos = start + cap;
      offset += RECORD_HEADER + cap;
      onRecord(buf.subarray(start, start + kept), linkType, sec + frac * scale, orig, null);
    }
    if (pos < buf.length) carry = buf.subarray(pos);
    return null;
  };

  const ended = (): PcapResult => {
    if (linkType < 0) throw new InputError(name, `pcap file ends inside its ${FILE_HEADER}-byte file header (${bytes} bytes)`, 0);
    const left = bytes - offset;
    if (left > 0) {
      const what = left < RECORD_HEADER ? `${left} of its ${RECORD_HEADER} header bytes` : `${left - RECORD_HEADER} of its captured bytes`;
      onWarning({ input: name, offset, message: `the file was cut inside the record at this offset (${what} present): the ${records} records before it are read` });
    }
    summarize();
    return result();
  };

  // 'data' events, not async iteration: chunks that came before a read error are still read.
  return new Promise<PcapResult>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => PcapResult) => {
      if (settled) return;
      settled = true;
      try {
        resolve(f());
      } catch (e) {
        stream.destroy();
        reject(e);
      }
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        const stop = onChunk(chunk);
        if (stop) finish(() => stop);
      } catch (e) {
        finish(() => {
          throw e;
        });
      }
    });
    stream.on('error', (e) => {
      finish(() => {
        if (linkType < 0) throw e instanceof InputError ? e : new InputError(name, `not a readable pcap file: ${e.message}`, 0);
        return stopAt(`${e instanceof InputError ? e.message : `read error: ${e.message}`}; stopped reading after ${records} records`);
      });
    });
    stream.on('end', () => finish(ended));
  });
}
