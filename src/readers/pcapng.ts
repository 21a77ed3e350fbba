/**
 * pcapng (draft-ietf-opsawg-pcapng), read directly: section header, interface
 * description, enhanced, simple and (obsolete) packet blocks, both byte
 * orders, several sections in one file. Other blocks are skipped by length.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                          Block Type                           |
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *   /                          Block Body                           /
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *
 * The input is read in large chunks and blocks are handed on as views of the
 * chunk; only a block that straddles two chunks is copied (into one reused,
 * growing buffer), so no packet is copied otherwise.
 */
import { MAX_RECORD } from './pcap.js';
import { type CapturePoint, PointSplitter } from './points.js';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** Smallest block: type, length, length. */
const MIN_BLOCK = 12;
/** Largest block we accept (Wireshark's limit too): a larger length is corruption and is never buffered. */
const MAX_BLOCK = MAX_RECORD;

/*
 * Section Header Block body     Interface Description Block body   Enhanced Packet Block body
 * +---------------------------+ +-------------+-------------+     +---------------------------+
 * |    Byte-Order Magic       | |  LinkType   |  Reserved   |     |      Interface ID         |
 * +-------------+-------------+ +-------------+-------------+     +---------------------------+
 * | Major Vers. | Minor Vers. | |          SnapLen          |     | Timestamp (High)          |
 * +-------------+-------------+ +---------------------------+     +---------------------------+
 * |   Section Length (64)     | /   Options (variable)      /     | Timestamp (Low)           |
 * +---------------------------+ +---------------------------+     +---------------------------+
 * /   Options (variable)      /                                   | Captured Packet Length    |
 * +---------------------------+  Simple Packet Block body         +---------------------------+
 *                                +---------------------------+     | Original Packet Length    |
 *  Obsolete Packet Block body:   | Original Packet Length    |     +---------------------------+
 *  Interface ID is 16 bits,      +---------------------------+     / Packet Data, padded to 32 /
 *  then Drops Count (16), then   / Packet Data, padded       /     +---------------------------+
 *  as in the enhanced block.     +---------------------------+     / Options (variable)        /
 */

/** IDB options we read. */
const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const IF_OS = 12;
/** SHB option: the application that wrote the section. */
const SHB_USERAPPL = 4;

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (10^6 unless if_tsresol says otherwise). */
  perSecond: number;
  /** if_tsoffset: seconds added to every timestamp. */
  tsOffset: number;
  /** if_name, when it names one interface. */
  name: string | null;
  /** The capture point (points.ts) it belongs to. */
  point: number;
}

const utf8 = new TextDecoder('utf-8');

/**
 * The interface an if_name option names: UTF-8, maybe NUL-padded by some writers. Linux's "any"
 * (dumpcap -i any) is every interface at once, so it names none of them.
 */
function ifName(b: Buffer, start: number, len: number): string | null {
  const name = text(b, start, len);
  return name === '' || name === 'any' ? null : name;
}

/** A string option, without the NUL padding some writers add. */
function text(b: Buffer, start: number, len: number): string {
  let end = start + len;
  while (end > start && b[end - 1] === 0) end--;
  return utf8.decode(b.subarray(start, end));
}

export interface PcapngResult {
  nanosecond: boolean;
  records: number;
  bytes: number;
  linkTypes: number[];
  snaplen: number | null;
  /** The capture points its interfaces belong to (several when it merges several captures). */
  points: CapturePoint[];
  /** Sections mergecap wrote whose captures cannot be told apart. */
  unsplitMerges: number;
}

class Reader {
  readonly splitter = new PointSplitter();
  le = true;
  ifaces: Iface[] = [];
  sections = 0;
  records = 0;
  linkTypes: number[] = [];
  snaplen: number | null = null;
  nanosecond = false;
  /** Packets naming an interface the section does not describe (warned once per section). */
  orphans = 0;
  /** Packets whose captured length exceeds their wire length, or with a wire length of 0 (warned once). */
  badLengths = 0;
  stopped = false;

  constructor(
    readonly name: string,
    readonly onRecord: RecordHandler,
    readonly onWarning: (w: InputWarning) => void,
    readonly headersOnly = false,
  ) {}

  u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }

  warn(offset: number, message: string): void {
    this.onWarning({ input: this.name, offset, message });
  }
  /** Before the first section header is read nothing is readable: that is an InputError, not a warning. */
  fatal: InputError | null = null;
  stop(offset: number, message: string): -1 {
    if (this.sections === 0) this.fatal = new InputError(this.name, message, offset);
    else this.warn(offset, `${message}: stopped reading after ${this.records} packets`);
    this.stopped = true;
    return -1;
  }

  /**
   * Total length of the block whose first 12 bytes are at b[p], after the checks that need
   * no more than those; -1 (with a warning) when the file cannot be read past it.
   * A section header sets the byte order of itself and what follows.
   */
  header(b: Buffer, p: number, at: number): number {
    const type = b.readUInt32LE(p); // the SHB type reads the same in both orders
    if (type === SHB) {
      const magic = b.readUInt32LE(p + 8);
      if (magic === BYTE_ORDER_MAGIC) this.le = true;
      else if (magic === BYTE_ORDER_MAGIC_SWAPPED) this.le = false;
      else return this.stop(at, `section header block with a bad byte-order magic 0x${magic.toString(16).padStart(8, '0')}`);
    }
    const len = this.u32(b, p + 4);
    if (len < MIN_BLOCK || len % 4 !== 0 || len > MAX_BLOCK) {
      return this.stop(at, `block of type 0x${this.u32(b, p).toString(16)} has an impossible length ${len}`);
    }
    return len;
  }

  /** Handles one whole block of `len` bytes at b[p] (file offset `at`). */
  block(b: Buffer, p: number, len: number, at: number): void {
    const type = this.u32(b, p);
    if (this.headersOnly && type !== SHB && type !== IDB) return;
    const end = p + len - 4; // the trailing length
    if (this.u32(b, end) !== len) {
      this.stop(at, `block of type 0x${type.toString(16)}: its trailing length ${this.u32(b, end)} differs from its leading length ${len}`);
      return;
    }
    const body = p + 8;
    switch (type) {
      case SHB: {
        if (len < 28) return void this.stop(at, `section header block of ${len} bytes, shorter than 28`);
        const major = this.u16(b, body + 4);
        if (major !== 1) return void this.stop(at, `pcapng version ${major}.${this.u16(b, body + 6)} is not supported`);
        this.endSection();
        this.sections++;
        this.ifaces = [];
        this.splitter.startSection(this.userappl(b, body + 16, end));
        return;
      }
      case IDB:
        if (len < 20) return this.warn(at, `interface description block of ${len} bytes, shorter than 20: ignored`);
        return this.interface(b, body, end);
      case EPB:
      case OPB: {
        if (len < 32) return this.warn(at, `packet block of ${len} bytes, shorter than 32: skipped`);
        const id = type === EPB ? this.u32(b, body) : this.u16(b, body);
        const iface = this.ifaces[id];
        if (!iface) return this.orphan(at, id);
        const cap = this.u32(b, body + 12);
        const data = body + 20;
        if (cap > end - data) return this.warn(at, `packet of ${cap} captured bytes does not fit its ${len}-byte block: skipped`);
        const wire = this.u32(b, body + 16);
        if ((cap > wire || wire === 0) && ++this.badLengths === 1) {
          this.warn(at, `packet ${this.records + 1} claims ${cap} captured bytes of a ${wire}-byte packet: a corrupt or crafted record, read as it is`);
        }
        const units = this.u32(b, body + 4) * 4294967296 + this.u32(b, body + 8);
        this.records++;
        this.onRecord(b.subarray(data, data + cap), iface.linkType, units / iface.perSecond + iface.tsOffset, wire, id, iface.name, iface.point);
        return;
      }
      case SPB: {
        if (len < 16) return this.warn(at, `simple packet block of ${len} bytes, shorter than 16: skipped`);
        const iface = this.ifaces[0];
        if (!iface) return this.orphan(at, 0);
        const wire = this.u32(b, body);
        const data = body + 4;
        // Captured length is implied: the wire length, cut to the snap length and to the block.
        let cap = Math.min(wire, end - data);
        if (iface.snaplen > 0 && cap > iface.snaplen) cap = iface.snaplen;
        this.records++;
        this.onRecord(b.subarray(data, data + cap), iface.linkType, null, wire, 0, iface.name, iface.point);
        return;
      }
      default:
        return; // statistics, name resolution, decryption secrets, custom blocks: nothing we use
    }
  }

  interface(b: Buffer, body: number, end: number): void {
    const iface: Iface = { linkType: this.u16(b, body), snaplen: this.u32(b, body + 4), perSecond: 1e6, tsOffset: 0, name: null, point: 0 };
    let raw: string | null = null;
    let os: string | null = null;
    for (let o = body + 8; o + 4 <= end; ) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      if (code === OPT_ENDOFOPT || o + 4 + olen > end) break;
      if (code === IF_NAME) {
        iface.name = ifName(b, o + 4, olen);
        raw = text(b, o + 4, olen);
      } else if (code === IF_OS) {
        os = text(b, o + 4, olen);
      } else if (code === IF_TSRESOL && olen >= 1) {
        const r = b[o + 4]!;
        // High bit set: a negative power of 2; else a negative power of 10.
        iface.perSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      } else if (code === IF_TSOFFSET && olen >= 8) {
        iface.tsOffset = Number(this.le ? b.readBigInt64LE(o + 4) : b.readBigInt64BE(o + 4));
      }
      o += 4 + ((olen + 3) & ~3);
    }
    iface.point = this.splitter.iface(iface.linkType, iface.snaplen, raw, os);
    this.ifaces.push(iface);
    if (!this.linkTypes.includes(iface.linkType)) this.linkTypes.push(iface.linkType);
    if (this.snaplen === null || iface.snaplen > this.snaplen) this.snaplen = iface.snaplen;
    if (iface.perSecond > 1e6) this.nanosecond = true;
  }

  orphan(at: number, id: number): void {
    if (++this.orphans === 1) this.warn(at, `packet names interface ${id}, which its section does not describe: skipped`);
  }

  /** shb_userappl from the section header's options (from `o` to the block's end), if any. */
  userappl(b: Buffer, o: number, end: number): string | null {
    while (o + 4 <= end) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      if (code === OPT_ENDOFOPT || o + 4 + olen > end) return null;
      if (code === SHB_USERAPPL) return text(b, o + 4, olen);
      o += 4 + ((olen + 3) & ~3);
    }
    return null;
  }

  endSection(): void {
    if (this.orphans > 1)
      this.onWarning({
        input: this.name,
        message: `${this.orphans} packets in section ${this.sections} named interfaces the section does not describe: skipped`,
      });
    this.orphans = 0;
  }
}

/**
 * Streams the packets of a pcapng input to onRecord. headersOnly: section headers and interface
 * blocks alone are read (no packet is handed on), for the capture points (plan.ts).
 */
export async function readPcapng(
  stream: AsyncIterable<Buffer>,
  name: string,
  onRecord: RecordHandler,
  onWarning: (w: InputWarning) => void,
  headersOnly = false,
): Promise<PcapngResult> {
  const r = new Reader(name, onRecord, onWarning, headersOnly);
  /** A block cut by a chunk boundary, gathered here; need = 12 until its length is known. */
  let pend = Buffer.alloc(0);
  let pendLen = 0;
  let pendNeed = MIN_BLOCK;
  let pendAt = 0;
  let base = 0; // file offset of the current chunk's first byte
  let bytes = 0;

  const take = (c: Buffer, i: number, n: number) => {
    if (pendLen + n > pend.length) {
      const grown = Buffer.allocUnsafe(Math.max(pendLen + n, pend.length * 2, 65536));
      pend.copy(grown, 0, 0, pendLen);
      pend = grown;
    }
    c.copy(pend, pendLen, i, i + n);
    pendLen += n;
  };

  try {
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      bytes += c.length;
      let i = 0;
      // First finish the block the previous chunk cut.
      while (pendLen > 0 && i < c.length) {
        const n = Math.min(pendNeed - pendLen, c.length - i);
        take(c, i, n);
        i += n;
        if (pendLen < pendNeed) break;
        if (pendNeed === MIN_BLOCK) {
          const len = r.header(pend, 0, pendAt);
          if (len < 0) break;
          pendNeed = len;
          if (len > MIN_BLOCK) continue;
        }
        r.block(pend, 0, pendNeed, pendAt);
        pendLen = 0;
        pendNeed = MIN_BLOCK;
      }
      if (r.stopped) break;
      // Then every whole block inside the chunk, in place.
      while (c.length - i >= MIN_BLOCK) {
        const len = r.header(c, i, base + i);
        if (len < 0) break;
        if (c.length - i < len) {
          pendNeed = len;
          break;
        }
        r.block(c, i, len, base + i);
        if (r.stopped) break;
        i += len;
      }
      if (r.stopped) break;
      if (i < c.length && pendLen === 0) {
        pendAt = base + i;
        take(c, i, c.length - i);
      }
      base += c.length;
    }
  } catch (e) {
    // A read error (or corrupt gzip data) after some blocks: what was read stands.
    const message = e instanceof InputError ? e.message : `read error: ${(e as Error).message}`;
    r.stop(pendLen > 0 ? pendAt : base, message);
  }
  if (r.fatal) throw r.fatal;
  if (bytes === 0) throw new InputError(name, 'empty input');
  if (!r.stopped && pendLen > 0) {
    if (r.sections === 0) throw new InputError(name, `pcapng file ends inside its first section header block (${bytes} bytes)`, 0);
    const of = pendNeed > MIN_BLOCK ? ` (${pendLen} of its ${pendNeed} bytes present)` : '';
    r.warn(pendAt, `the file was cut inside the block at this offset${of}: the ${r.records} packets before it are read`);
  }
  r.endSection();
  r.splitter.endSection();
  if (r.badLengths > 1)
    onWarning({ input: name, message: `${r.badLengths} packets in all claim more captured bytes than the packet had, or a packet of 0 bytes` });
  return {
    nanosecond: r.nanosecond,
    records: r.records,
    bytes,
    linkTypes: r.linkTypes,
    snaplen: r.snaplen,
    points: r.splitter.points,
    unsplitMerges: r.splitter.unsplitMerges,
  };
}
