/**
 * Classic pcap through pcap-parser (the user's choice of library), µs or ns
 * resolution, either byte order.
 *
 * pcap-parser knows only the microsecond magic: a nanosecond file gets its
 * magic rewritten to the microsecond one on the way in (the record layout is
 * the same) and its fractions read as nanoseconds, so it stays one stream.
 */
import { Transform, type Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

const require = createRequire(import.meta.url);
// pcap-parser is CommonJS without types: the part of its interface we use.
interface PcapParser {
  on(ev: 'globalHeader', f: (h: { snapshotLength: number; linkLayerType: number }) => void): this;
  on(ev: 'packetHeader', f: (h: { capturedLength: number; originalLength: number }) => void): this;
  on(ev: 'packet', f: (p: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) => void): this;
  on(ev: 'error', f: (e: Error) => void): this;
  on(ev: 'end', f: () => void): this;
  buffer: Buffer | null;
  errored: boolean;
  /** The function reading the next part: parsePacketBody after a record header was taken. */
  state: { name: string };
  stream: Readable;
}
const pcapParser = require('pcap-parser') as { parse(input: Readable): PcapParser };

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** Largest record we accept: far beyond any real snap length (262144), small enough never to exhaust memory. */
const MAX_RECORD = 16 * 1024 * 1024;

export interface PcapResult {
  records: number;
  bytes: number;
  linkType: number;
  snaplen: number;
}

/** Rewrites a nanosecond magic to the microsecond one of the same byte order. */
function nanoToMicro(): Transform {
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!done && chunk.length >= 4) {
        done = true;
        const c = Buffer.from(chunk);
        if (c[0] === 0x4d && c[1] === 0x3c) c.writeUInt32LE(0xa1b2c3d4, 0);
        else c.writeUInt32BE(0xa1b2c3d4, 0);
        cb(null, c);
        return;
      }
      cb(null, chunk);
    },
  });
}

export function readPcap(stream: Readable, name: string, nano: boolean, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<PcapResult> {
  const source = nano ? stream.pipe(nanoToMicro()) : stream;
  const parser = pcapParser.parse(source);
  const scale = nano ? 1e-9 : 1e-6;
  let linkType = -1;
  let snaplen = 0;
  let offset = GLOBAL_HEADER; // file offset of the record being read
  let records = 0;
  let stopped = false;
  return new Promise((resolve, reject) => {
    let failure: InputError | null = null;
    parser.on('globalHeader', (h) => {
      linkType = h.linkLayerType;
      snaplen = h.snapshotLength;
    });
    parser.on('packetHeader', (h) => {
      if (h.capturedLength > MAX_RECORD || (h.capturedLength > h.originalLength && h.capturedLength > Math.max(snaplen, 262144))) {
        // pcap-parser would buffer the whole claimed length: stop before it does.
        onWarning({ input: name, offset, message: `record claims ${h.capturedLength} captured bytes (snap length ${snaplen}): the file is corrupt from here, stopped reading` });
        stopped = true;
        parser.errored = true;
        parser.buffer = null;
        stream.destroy();
        finish();
      }
    });
    parser.on('packet', (p) => {
      const h = p.header;
      records++;
      offset += RECORD_HEADER + h.capturedLength;
      onRecord(p.data, linkType, h.timestampSeconds + h.timestampMicroseconds * scale, h.originalLength, null);
    });
    parser.on('error', (e) => {
      if (records === 0) failure = new InputError(name, `not a readable pcap file: ${e.message}`, 0);
      else onWarning({ input: name, offset, message: e.message });
    });
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      if (failure) return reject(failure);
      if (linkType < 0) return reject(new InputError(name, 'pcap file ends inside its 24-byte file header', 0));
      // A record header already taken (waiting for its body) counts as left over too.
      const left = (parser.buffer ? parser.buffer.length : 0) + (parser.state.name === 'parsePacketBody' ? RECORD_HEADER : 0);
      if (!stopped && left > 0) {
        onWarning({ input: name, offset, message: `capture ends inside a record (${left} bytes left over): the file was cut, the rest is analyzed` });
      }
      resolve({ records, bytes: offset + left, linkType, snaplen });
    };
    parser.on('end', finish);
    stream.on('error', (e) => {
      if (!stopped) {
        failure = new InputError(name, e.message);
        finish();
      }
    });
  });
}
