/**
 * pcapng (draft-ietf-opsawg-pcapng): section header, interface description,
 * enhanced and simple packet blocks, both byte orders, several sections.
 * Unknown blocks are skipped by their length.
 *
 *    0                   1                   2                   3
 *   +---------------------------------------------------------------+
 *   |                          Block Type                           |
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *   /                          Block Body                           /
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 */
import type { Readable } from 'node:stream';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** No real block is this large; a larger length is corruption, and must not make us buffer it. */
const MAX_BLOCK = 64 * 1024 * 1024;

interface Iface {
  linkType: number;
  snaplen: number;
  /** Seconds per timestamp unit. */
  unit: number;
  offset: number;
}

export interface PcapngResult {
  records: number;
  bytes: number;
  linkTypes: number[];
  snaplen: number | null;
}

export async function readPcapng(stream: Readable, name: string, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<PcapngResult> {
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0; // offset in buf
  let base = 0; // file offset of buf[0]
  let le = true;
  let ifaces: Iface[] = [];
  let records = 0;
  const linkTypes = new Set<number>();
  let snaplen: number | null = null;
  let stopped = false;

  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));

  const parseIdb = (body: number, end: number) => {
    const iface: Iface = { linkType: u16(body), snaplen: u32(body + 4), unit: 1e-6, offset: 0 };
    let o = body + 8;
    while (o + 4 <= end) {
      const code = u16(o);
      const len = u16(o + 2);
      if (code === 0) break;
      if (o + 4 + len > end) break;
      if (code === 9 && len >= 1) {
        const r = buf[o + 4]!;
        iface.unit = r & 0x80 ? Math.pow(2, -(r & 0x7f)) : Math.pow(10, -r);
      } else if (code === 14 && len >= 8) {
        iface.offset = Number(le ? buf.readBigInt64LE(o + 4) : buf.readBigInt64BE(o + 4));
      }
      o += 4 + ((len + 3) & ~3);
    }
    ifaces.push(iface);
    linkTypes.add(iface.linkType);
    if (snaplen === null) snaplen = iface.snaplen;
  };

  /** Handles every whole block in buf; returns false when the file cannot be read further. */
  const blocks = (): boolean => {
    while (buf.length - pos >= 12) {
      const at = base + pos;
      let type = buf.readUInt32LE(pos);
      if (type === SHB) {
        const magic = buf.readUInt32LE(pos + 8);
        if (magic === BYTE_ORDER_MAGIC) le = true;
        else if (magic === 0x4d3c2b1a) le = false;
        else {
          onWarning({ input: name, offset: at, message: `pcapng section header with a bad byte-order magic 0x${magic.toString(16)}: stopped reading` });
          return false;
        }
      } else type = u32(pos);
      const len = u32(pos + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
        onWarning({ input: name, offset: at, message: `pcapng block of type 0x${type.toString(16)} with a bad length ${len}: stopped reading` });
        return false;
      }
      if (buf.length - pos < len) return true; // wait for more bytes
      if (u32(pos + len - 4) !== len) {
        onWarning({ input: name, offset: at, message: `pcapng block of type 0x${type.toString(16)}: trailing length differs from leading length ${len}: stopped reading` });
        return false;
      }
      const body = pos + 8;
      const end = pos + len - 4;
      switch (type) {
        case SHB:
          ifaces = [];
          break;
        case IDB:
          if (end - body >= 8) parseIdb(body, end);
          break;
        case EPB:
        case OPB: {
          if (end - body < 20) break;
          const id = type === EPB ? u32(body) : u16(body);
          const iface = ifaces[id];
          if (!iface) {
            onWarning({ input: name, offset: at, message: `packet names interface ${id}, which the section does not describe: skipped` });
            break;
          }
          const hi = u32(body + 4);
          const lo = u32(body + 8);
          const cap = u32(body + 12);
          const wire = u32(body + 16);
          if (body + 20 + cap > end) {
            onWarning({ input: name, offset: at, message: `packet of ${cap} bytes does not fit its block: skipped` });
            break;
          }
          const ts = (hi * 4294967296 + lo) * iface.unit + iface.offset;
          records++;
          onRecord(buf.subarray(body + 20, body + 20 + cap), iface.linkType, ts, wire, id);
          break;
        }
        case SPB: {
          const iface = ifaces[0];
          if (!iface) {
            onWarning({ input: name, offset: at, message: 'simple packet block without an interface: skipped' });
            break;
          }
          const wire = u32(body);
          const cap = Math.min(wire, iface.snaplen || wire, end - body - 4);
          records++;
          onRecord(buf.subarray(body + 4, body + 4 + cap), iface.linkType, null, wire, 0);
          break;
        }
        default:
          break; // name resolution, statistics, custom blocks: not needed
      }
      pos += len;
    }
    return true;
  };

  for await (const chunk of stream) {
    if (stopped) continue;
    const c = chunk as Buffer;
    // Keep the unread tail and append: one copy per chunk, not per packet.
    buf = pos < buf.length ? Buffer.concat([buf.subarray(pos), c]) : c;
    base += pos;
    pos = 0;
    if (!blocks()) stopped = true;
  }
  if (!stopped && buf.length - pos > 0) {
    onWarning({ input: name, offset: base + pos, message: `capture ends inside a block (${buf.length - pos} bytes left over): the file was cut, the rest is analyzed` });
  }
  if (base + pos === 0 && buf.length === 0) throw new InputError(name, 'empty pcapng file');
  return { records, bytes: base + buf.length, linkTypes: [...linkTypes], snaplen };
}
