/**
 * Capture readers on real files: tcpdump's regression captures (counts and
 * times checked against the text tcpdump printed for them), the other
 * projects' tunnel captures, and variants made from them in code (big endian,
 * pcapng with every timestamp resolution and block kind, several sections,
 * gzip, cut at every offset, corrupt lengths, read errors).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync, constants as zlib } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type CaptureSummary, InputError, type InputWarning, openInput, readCapture } from '../src/readers/index.js';

const TESTS = fileURLToPath(new URL('../../shared/tcpdump-tests/', import.meta.url));
const OTHER = fileURLToPath(new URL('../../shared/other-captures/', import.meta.url));
const tests = (f: string) => join(TESTS, f);
const tmp = mkdtempSync(join(tmpdir(), 'oa-readers-'));

interface Rec {
  ts: number | null;
  linkType: number;
  wire: number;
  ifindex: number | null;
  /** The record's bytes in hex (compared by the thousand: strings compare fast). */
  data: string;
}
interface Read {
  recs: Rec[];
  warnings: InputWarning[];
  /** "link type N is not one we decode" (vsock-1.pcapng, used for the pcapng block tests, is one): apart from the others. */
  undecoded: InputWarning[];
  summary: CaptureSummary;
  format: string;
}

/** A stream of `bytes` in chunks of `chunk` bytes (a pipe delivers what it has, not whole records). */
function chunked(bytes: Buffer, chunk = bytes.length): Readable {
  const parts: Buffer[] = [];
  for (let o = 0; o < bytes.length; o += chunk) parts.push(bytes.subarray(o, o + chunk));
  return Readable.from(parts, { objectMode: false });
}

async function read(src: string | Buffer | Readable, chunk?: number): Promise<Read> {
  const input = typeof src === 'string' ? await openInput(src) : await openInput('-', Buffer.isBuffer(src) ? chunked(src, chunk) : src);
  const recs: Rec[] = [];
  const warnings: InputWarning[] = [];
  const undecoded: InputWarning[] = [];
  const summary = await readCapture(
    input,
    (data, linkType, ts, wire, ifindex) =>
      recs.push({ ts, linkType, wire, ifindex, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex') }),
    (w) => (/^link type \d+ is not one we decode/.test(w.message) ? undecoded : warnings).push(w),
  );
  return { recs, warnings, undecoded, summary, format: input.format + (input.gzip ? '+gzip' : '') };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).toString();
  }
  throw new Error('expected an InputError');
}

/** The same packets, timestamps within `tol` seconds (another resolution), interface ids aside. */
function expectSame(a: Rec[], b: Rec[], tol = 0): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    expect([x.linkType, x.wire, x.data], `record ${i + 1}`).toEqual([y.linkType, y.wire, y.data]);
    if (tol === 0) expect(x.ts).toBe(y.ts);
    else expect(Math.abs(x.ts! - y.ts!), `record ${i + 1} time`).toBeLessThanOrEqual(tol);
  }
}

// ---------------------------------------------------------------------------------------------
// What tcpdump printed: `-#` packet numbers, then a -tttt date and time in GMT (or its complaint).

interface OutPacket {
  no: number;
  /** "YYYY-MM-DD HH:MM:SS.ffffff", or null where tcpdump printed "[Invalid header ...]". */
  time: string | null;
}

function outPackets(path: string): OutPacket[] {
  const out: OutPacket[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*(\d+) {2}(?:caplen \d+ len \d+ )?(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}) |\[Invalid header)/.exec(line);
    // Continuation lines of -v output are indented too: only the next number in sequence counts.
    if (m && Number(m[1]) === out.length + 1) out.push({ no: out.length + 1, time: m[2] ?? null });
  }
  return out;
}

/** Seconds since the epoch (of a µs capture) as tcpdump -tttt prints them: GMT, microseconds. */
function tttt(ts: number): string {
  let s = Math.floor(ts);
  let us = Math.round((ts - s) * 1e6); // the µs the file holds, without the float error
  if (us >= 1e6) {
    s++;
    us -= 1e6;
  }
  return `${new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${String(us).padStart(6, '0')}`;
}

/** "YYYY-MM-DD HH:MM:SS.ffffff" (GMT) as seconds since the epoch. */
function seconds(time: string): number {
  return Date.parse(`${time.slice(0, 10)}T${time.slice(11, 19)}Z`) / 1000 + Number(time.slice(19));
}

/** Every capture of tcpdump's tests printed with -tttt, once each, with the text printed for it. */
function tcpdumpCases(): Array<[string, string]> {
  const rows = readFileSync(tests('INDEX.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
  const seen = new Map<string, string>();
  for (const [, input, output, , args] of rows) {
    if (args!.includes('-tttt') && !seen.has(input!)) seen.set(input!, output!);
  }
  return [...seen];
}

function otherCases(): Array<[string, string]> {
  const cases: Array<[string, string]> = [];
  for (const dir of ['zeek', 'suricata-verify']) {
    for (const f of readdirSync(join(OTHER, dir))) {
      if (f.endsWith('.pcap')) cases.push([join(dir, f), join(dir, `${f}.tcpdump-4.99.3-e.out`)]);
    }
  }
  return cases;
}

async function agreesWithTcpdump(capture: string, out: string): Promise<void> {
  const { recs, summary } = await read(capture);
  const printed = outPackets(out);
  expect(recs.length).toBe(printed.length);
  expect(summary.records).toBe(recs.length);
  for (const i of new Set([0, printed.length - 1])) {
    const time = printed[i]?.time;
    if (!time) continue; // no packets, or tcpdump printed "[Invalid header ...]"
    if (!summary.nanosecond) expect(tttt(recs[i]!.ts!), `packet ${i + 1}`).toBe(time);
    else {
      // tcpdump truncates nanoseconds to the µs it prints; a double holds such a time to ~0.3 µs.
      const d = recs[i]!.ts! - seconds(time);
      expect(d, `packet ${i + 1}: ${time}`).toBeGreaterThan(-5e-7);
      expect(d, `packet ${i + 1}: ${time}`).toBeLessThan(1.5e-6);
    }
  }
}

describe('every capture of tcpdump’s tests: packet count and first/last time as tcpdump printed them', () => {
  const cases = tcpdumpCases();
  it('has the corpus', () => expect(cases.length).toBeGreaterThan(150));
  for (const [input, output] of cases) it(input, () => agreesWithTcpdump(tests(input), tests(output)));
});

describe('the other projects’ tunnel captures agree with tcpdump 4.99.3 too', () => {
  const cases = otherCases();
  it('has them', () => expect(cases.length).toBeGreaterThan(10));
  for (const [input, output] of cases) it(input, () => agreesWithTcpdump(join(OTHER, input), join(OTHER, output)));
});

// ---------------------------------------------------------------------------------------------
// Variants made from real files.

/** A little-endian classic pcap rewritten big endian: the same records in the other byte order. */
function pcapToBigEndian(le: Buffer): Buffer {
  const be = Buffer.from(le);
  be.writeUInt32BE(le.readUInt32LE(0), 0);
  be.writeUInt16BE(le.readUInt16LE(4), 4);
  be.writeUInt16BE(le.readUInt16LE(6), 6);
  for (const o of [8, 12, 16, 20]) be.writeUInt32BE(le.readUInt32LE(o), o);
  for (let o = 24; o + 16 <= le.length; o += 16 + le.readUInt32LE(o + 8)) {
    for (let i = 0; i < 16; i += 4) be.writeUInt32BE(le.readUInt32LE(o + i), o + i);
  }
  return be;
}

/** Offsets of the record headers of a little-endian pcap, and its length as the end. */
function pcapRecordOffsets(le: Buffer): number[] {
  const at: number[] = [];
  for (let o = 24; o + 16 <= le.length; o += 16 + le.readUInt32LE(o + 8)) at.push(o);
  return at;
}

interface PcapRecord {
  sec: number;
  /** Fraction in nanoseconds. */
  ns: number;
  cap: number;
  wire: number;
  data: Buffer;
}

function pcapRecords(le: Buffer): { linkType: number; snaplen: number; records: PcapRecord[] } {
  const nano = le.readUInt32LE(0) === 0xa1b23c4d;
  const records = pcapRecordOffsets(le).map((o) => {
    const cap = le.readUInt32LE(o + 8);
    return {
      sec: le.readUInt32LE(o),
      ns: le.readUInt32LE(o + 4) * (nano ? 1 : 1000),
      cap,
      wire: le.readUInt32LE(o + 12),
      data: le.subarray(o + 16, o + 16 + cap),
    };
  });
  return { linkType: le.readUInt32LE(20) & 0xffff, snaplen: le.readUInt32LE(16), records };
}

/** Writes pcapng blocks in one byte order. */
class NgWriter {
  parts: Buffer[] = [];
  constructor(readonly le: boolean) {}
  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    this.le ? b.writeUInt16LE(v) : b.writeUInt16BE(v);
    return b;
  }
  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    this.le ? b.writeUInt32LE(v) : b.writeUInt32BE(v);
    return b;
  }
  i64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    this.le ? b.writeBigInt64LE(v) : b.writeBigInt64BE(v);
    return b;
  }
  pad(b: Buffer): Buffer {
    return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  }
  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.pad(value)]);
  }
  block(type: number, ...body: Buffer[]): this {
    const b = this.pad(Buffer.concat(body));
    const len = b.length + 12;
    this.parts.push(Buffer.concat([this.u32(type), this.u32(len), b, this.u32(len)]));
    return this;
  }
  shb(): this {
    return this.block(
      0x0a0d0d0a,
      this.u32(0x1a2b3c4d),
      this.u16(1),
      this.u16(0),
      this.i64(-1n),
      this.option(4, Buffer.from('readers.test')),
      this.option(0, Buffer.alloc(0)),
    );
  }
  idb(linkType: number, snaplen: number, tsresol?: number, tsoffset?: number): this {
    const opts = [this.option(2, Buffer.from('vxlan0'))];
    if (tsresol !== undefined) opts.push(this.option(9, Buffer.from([tsresol])));
    if (tsoffset !== undefined) opts.push(this.option(14, this.i64(BigInt(tsoffset))));
    opts.push(this.option(0, Buffer.alloc(0)));
    return this.block(1, this.u16(linkType), this.u16(0), this.u32(snaplen), ...opts);
  }
  /** Enhanced (6) or obsolete (2) packet block. */
  packet(type: 6 | 2, iface: number, units: bigint, r: { cap: number; wire: number; data: Buffer }): this {
    const id = type === 6 ? this.u32(iface) : Buffer.concat([this.u16(iface), this.u16(0)]);
    return this.block(
      type,
      id,
      this.u32(Number(units >> 32n)),
      this.u32(Number(units & 0xffffffffn)),
      this.u32(r.cap),
      this.u32(r.wire),
      this.pad(r.data),
      this.option(1, Buffer.from('comment')),
      this.option(0, Buffer.alloc(0)),
    );
  }
  spb(r: { wire: number; data: Buffer }): this {
    return this.block(3, this.u32(r.wire), r.data);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

interface NgOptions {
  le?: boolean;
  /** if_tsresol byte (absent: the default, microseconds). */
  tsresol?: number;
  tsoffset?: number;
  block?: 'epb' | 'opb' | 'spb';
  /** Put blocks we do not read (statistics, name resolution, custom) between the packets. */
  noise?: boolean;
}

/** Timestamp units for a time given in seconds and nanoseconds, at resolution byte r. */
function units(sec: number, ns: number, r: number | undefined): bigint {
  const t = BigInt(sec) * 1_000_000_000n + BigInt(ns);
  if (r === undefined) return t / 1000n;
  if (r & 0x80) return (t * (1n << BigInt(r & 0x7f)) + 500_000_000n) / 1_000_000_000n;
  return r >= 9 ? t * 10n ** BigInt(r - 9) : t / 10n ** BigInt(9 - r);
}

/** A real pcap rewritten as a one-section pcapng. */
function pcapToPcapng(pcap: Buffer, o: NgOptions = {}, w = new NgWriter(o.le ?? true)): NgWriter {
  const { linkType, snaplen, records } = pcapRecords(pcap);
  w.shb().idb(linkType, snaplen, o.tsresol, o.tsoffset);
  for (const r of records) {
    if (o.noise) w.block(0x00000bad, Buffer.from('custom block, skipped by length')).block(5, w.u32(0), w.u32(0), w.u32(0));
    if (o.block === 'spb') w.spb(r);
    else w.packet(o.block === 'opb' ? 2 : 6, 0, units(r.sec - (o.tsoffset ?? 0), r.ns, o.tsresol), r);
  }
  return w;
}

/** A little-endian pcapng rewritten big endian: every field this reader reads, swapped. */
function pcapngToBigEndian(le: Buffer): Buffer {
  const be = Buffer.from(le);
  const sw32 = (o: number) => be.writeUInt32BE(le.readUInt32LE(o), o);
  const sw16 = (o: number) => be.writeUInt16BE(le.readUInt16LE(o), o);
  for (let p = 0; p + 12 <= le.length; ) {
    const type = le.readUInt32LE(p);
    const len = le.readUInt32LE(p + 4);
    sw32(p);
    sw32(p + 4);
    sw32(p + len - 4);
    const body = p + 8;
    if (type === 0x0a0d0d0a) {
      sw32(body);
      sw16(body + 4);
      sw16(body + 6);
      be.writeBigInt64BE(le.readBigInt64LE(body + 8), body + 8);
    } else if (type === 1) {
      sw16(body);
      sw32(body + 4);
      for (let o = body + 8; o + 4 <= p + len - 4; ) {
        const code = le.readUInt16LE(o);
        const olen = le.readUInt16LE(o + 2);
        sw16(o);
        sw16(o + 2);
        if (code === 14) be.writeBigInt64BE(le.readBigInt64LE(o + 4), o + 4);
        if (code === 0) break;
        o += 4 + ((olen + 3) & ~3);
      }
    } else if (type === 6) {
      for (let i = 0; i < 20; i += 4) sw32(body + i);
    } else if (type === 2) {
      sw16(body);
      sw16(body + 2);
      for (let i = 4; i < 20; i += 4) sw32(body + i);
    } else if (type === 3) sw32(body);
    p += len;
  }
  return be;
}

const vxlan8472 = readFileSync(tests('vxlan_port_8472.pcap'));

describe('classic pcap', () => {
  it('reads microsecond files with their link type, snap length and size', async () => {
    const r = await read(tests('vxlan_port_8472.pcap'));
    expect(r.format).toBe('pcap');
    expect(r.summary).toEqual({ format: 'pcap', nanosecond: false, records: 10, bytes: vxlan8472.length, linkTypes: [1], snaplen: 1500 });
    expect(r.warnings).toEqual([]);
    expect(r.recs.map((x) => x.ifindex)).toEqual(Array(10).fill(null));
    expect(r.recs[0]!.data.slice(24, 28)).toBe('0800'); // Ethernet carrying IPv4
  });

  it('reports the link type of LINKTYPE_* files', async () => {
    expect((await read(tests('LINKTYPE_IPV6.pcap'))).summary.linkTypes).toEqual([229]);
    expect((await read(tests('LINKTYPE_RAW_ipv6.pcap'))).summary.linkTypes).toEqual([101]);
  });

  it('reads nanosecond files (magic a1b23c4d) with nanosecond fractions', async () => {
    const r = await read(tests('tcp-handshake-nano.pcap'));
    expect(r.summary.nanosecond).toBe(true);
    // tcpdump --nano printed the time of day of each packet.
    const printed = readFileSync(tests('tcp-handshake-nano.out'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[1]!);
    expect(r.recs.length).toBe(printed.length);
    r.recs.forEach((x, i) => {
      const [h, m, s] = printed[i]!.split(':').map(Number);
      expect(Math.abs((x.ts! % 86400) - (h! * 3600 + m! * 60 + s!)), `packet ${i + 1}`).toBeLessThan(5e-7);
    });
  });

  it('reads a nanosecond fraction of a second or more as it is, and says so once', async () => {
    const raw = readFileSync(tests('timestamp_invalid_nano.pcap'));
    const r = await read(raw);
    expect(r.recs).toHaveLength(3);
    // tcpdump: "17:16:10.1000000000 (invalid ns)" and "17:16:10.2147483648 (invalid ns)".
    const sec = raw.readUInt32LE(pcapRecordOffsets(raw)[1]!);
    expect(r.recs[1]!.ts).toBeCloseTo(sec + 1, 6);
    expect(r.recs[2]!.ts).toBeCloseTo(sec + 2.147483648, 6);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatchObject({ offset: pcapRecordOffsets(raw)[1] });
    expect(r.warnings[0]!.message).toMatch(/fraction of 1000000000 ns/);
    expect(r.warnings[1]!.message).toMatch(/^2 records in all/);
  });

  it('reads big-endian files, µs and ns, as the same records', async () => {
    for (const f of ['vxlan_port_8472.pcap', 'tcp-handshake-nano.pcap', 'LINKTYPE_RAW_ipv6.pcap', 'icmp-icmp_print-oobr-2.pcap']) {
      const le = readFileSync(tests(f));
      const a = await read(le);
      const b = await read(pcapToBigEndian(le));
      expect(b.recs, f).toEqual(a.recs);
      expect(b.summary, f).toEqual(a.summary);
    }
  });

  it('keeps no more than the snap length of a record, as libpcap does, and says so', async () => {
    const raw = readFileSync(tests('icmp6_nodeinfo_oobr.pcap'));
    const r = await read(raw);
    expect(raw.readUInt32LE(24 + 8)).toBe(74);
    expect(r.recs[0]!.data).toBe(raw.subarray(24 + 16, 24 + 16 + 61).toString('hex'));
    expect(r.warnings[0]).toMatchObject({ offset: 24 });
    expect(r.warnings[0]!.message).toMatch(/74 captured bytes .*snap length 61.*cut to the snap length/);
  });

  it('a file cut at any offset: the whole records before the cut, a warning naming the cut record, never a throw', async () => {
    const at = pcapRecordOffsets(vxlan8472);
    const full = (await read(vxlan8472)).recs;
    for (let cut = 24; cut < vxlan8472.length; cut++) {
      const r = await read(vxlan8472.subarray(0, cut));
      const whole = at.filter((o, i) => (at[i + 1] ?? vxlan8472.length) <= cut).length;
      expect(r.recs, `cut at ${cut}`).toEqual(full.slice(0, whole));
      if (at.includes(cut)) expect(r.warnings, `cut at ${cut}`).toEqual([]);
      else {
        expect(r.warnings, `cut at ${cut}`).toHaveLength(1);
        expect(r.warnings[0], `cut at ${cut}`).toMatchObject({ input: 'stdin', offset: at[whole] });
        expect(r.warnings[0]!.message).toMatch(/cut inside the record/);
      }
    }
  });

  it('a file cut inside its 24-byte header cannot be read: InputError', async () => {
    for (let cut = 1; cut < 24; cut++) expect(await failure(read(vxlan8472.subarray(0, cut))), `cut at ${cut}`).toMatch(/^stdin: /);
    expect(await failure(read(vxlan8472.subarray(0, 20)))).toMatch(/ends inside its 24-byte file header/);
  });

  it('records arriving in chunks of any size read the same', async () => {
    const whole = await read(vxlan8472);
    for (const size of [1, 2, 3, 5, 15, 16, 17, 24, 100, 999]) expect((await read(vxlan8472, size)).recs, `chunks of ${size}`).toEqual(whole.recs);
  });

  it('stops at an absurd captured length without buffering the rest of the input', async () => {
    for (const [cap, why] of [
      [0x7fffffff, '> 16 MiB'],
      [300000, '> 256 KiB and > snap length 65535'],
    ] as const) {
      const head = Buffer.from(vxlan8472.subarray(0, pcapRecordOffsets(vxlan8472)[2]!)); // header and two records
      head.writeUInt32LE(65535, 16);
      const bad = Buffer.alloc(16);
      bad.writeUInt32LE(cap, 8);
      bad.writeUInt32LE(cap, 12);
      // Then 512 MiB of zeros offered lazily: the reader must stop long before.
      let offered = 0;
      const rest = Readable.from(
        (function* () {
          yield Buffer.concat([head, bad]);
          for (; offered < 512 << 20; offered += 1 << 20) yield Buffer.alloc(1 << 20);
        })(),
        { objectMode: false },
      );
      const r = await read(rest);
      expect(r.recs, why).toHaveLength(2);
      expect(r.warnings[0], why).toMatchObject({ offset: head.length });
      expect(r.warnings[0]!.message, why).toMatch(new RegExp(`claims ${cap} captured bytes.*stopped reading after 2 records`));
      expect(offered, why).toBeLessThan(16 << 20);
    }
  });

  it('a read error after the header is a warning with the offset; before it, an InputError', async () => {
    const at = pcapRecordOffsets(vxlan8472);
    const failing = (n: number) => {
      let calls = 0;
      return new Readable({
        read() {
          if (calls++ === 0) this.push(vxlan8472.subarray(0, n));
          else this.destroy(new Error('EIO: i/o error, read'));
        },
      });
    };
    const r = await read(failing(at[3]! + 5));
    expect(r.recs).toHaveLength(3);
    expect(r.warnings).toEqual([{ input: 'stdin', offset: at[3], message: 'read error: EIO: i/o error, read; stopped reading after 3 records' }]);
    expect(await failure(read(failing(10)))).toBe('stdin: read error: EIO: i/o error, read');
    expect(await failure(read(failing(0)))).toBe('stdin: read error: EIO: i/o error, read');
  });

  it('an unsupported version is an InputError naming the input and offset', async () => {
    const raw = Buffer.from(vxlan8472);
    raw.writeUInt16LE(3, 4);
    expect(await failure(read(raw))).toBe('stdin: offset 4: pcap version 3.4 is not supported (only 2.x)');
  });
});

// ---------------------------------------------------------------------------------------------

const vsock = readFileSync(tests('vsock-1.pcapng'));
const LAB = fileURLToPath(new URL('../samples/lab/', import.meta.url));

/** Each record's (interface id, interface name), counted: what the reader hands on per interface. */
async function names(src: string | Buffer): Promise<Map<string, number>> {
  const input = typeof src === 'string' ? await openInput(src) : await openInput('-', chunked(src, 1000));
  const out = new Map<string, number>();
  await readCapture(
    input,
    (_d, _l, _t, _w, ifindex, ifname) => {
      const k = `${ifindex}:${ifname}`;
      out.set(k, (out.get(k) ?? 0) + 1);
    },
    () => {},
  );
  return out;
}

describe('pcapng', () => {
  it("names each packet's interface from its interface block (if_name), as dumpcap wrote it", async () => {
    // dumpcap -i ens224 -i flannel.1 -i cni0 -i veth-pod in the lab: one block per interface.
    const file = join(LAB, 'pcapng-names.nodea-multi.pcapng');
    const got = await names(file);
    expect([...got.keys()].sort()).toEqual(['0:ens224', '1:flannel.1', '2:cni0', '3:veth-pod']);
    expect([...got.values()].reduce((a, b) => a + b, 0)).toBe((await read(file)).recs.length);
    // Packet by packet, tshark (when installed) names each one the same.
    const tshark = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' });
    if (tshark.status === 0) {
      const ours: string[] = [];
      await readCapture(
        await openInput(file),
        (_d, _l, _t, _w, _i, ifname) => ours.push(ifname ?? ''),
        () => {},
      );
      expect(ours).toEqual(tshark.stdout.trim().split('\n'));
    }
    // The same file big endian (every option header swapped) names them the same.
    expect(await names(pcapngToBigEndian(readFileSync(file)))).toEqual(got);
  });
  it('the "any" pseudo-interface names no interface, and a block without if_name neither', async () => {
    // dumpcap -i any: one block named "any" (Linux cooked v1); editcap -F pcapng: no name at all.
    expect([...(await names(join(LAB, 'pcapng-names.nodea-any.pcapng'))).keys()]).toEqual(['0:null']);
    expect([...(await names(join(LAB, 'healthy-icmp.nodea-any.pcapng'))).keys()]).toEqual(['0:null']);
  });
  it('reads real files: link types, snap length, nanosecond interfaces', async () => {
    const ospf = await read(tests('OSPFv2_Capture_FINAL.pcapng'));
    expect(ospf.format).toBe('pcapng');
    expect(ospf.summary).toMatchObject({ format: 'pcapng', nanosecond: false, linkTypes: [1] });
    const v = await read(vsock);
    expect(v.summary).toEqual({ format: 'pcapng', nanosecond: true, records: 10, bytes: vsock.length, linkTypes: [271], snaplen: 262144 });
    // LINKTYPE_LINUX_VSOCK: read, but no decoder: one warning says so.
    expect(v.undecoded.map((w) => w.message)).toEqual(['link type 271 is not one we decode: its packets are counted, not analyzed']);
    expect(ospf.undecoded).toEqual([]);
    expect(v.recs.every((x) => x.ifindex === 0)).toBe(true);
  });

  it('an empty section is no error', async () => {
    const r = await read(tests('empty.pcapng'));
    expect(r.recs).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.summary.records).toBe(0);
  });

  it('a real pcap rewritten as pcapng gives the same packets, at every timestamp resolution and offset', async () => {
    const pcap = await read(vxlan8472);
    for (const [o, tol] of [
      [{}, 0],
      [{ tsresol: 6, noise: true }, 0],
      [{ tsresol: 9 }, 1e-6],
      [{ tsresol: 3 }, 1e-3], // milliseconds
      [{ tsresol: 0x80 | 20 }, 1e-6], // 2^-20 s
      [{ tsresol: 0x80 | 30, tsoffset: 1_000_000_000 }, 1e-6],
      [{ tsoffset: -3600 }, 1e-6],
      [{ block: 'opb' }, 0],
      [{ le: false, tsresol: 9, noise: true }, 1e-6],
    ] as Array<[NgOptions, number]>) {
      const r = await read(pcapToPcapng(vxlan8472, o).bytes());
      expect(r.warnings, JSON.stringify(o)).toEqual([]);
      expectSame(r.recs, pcap.recs, tol);
      expect(r.summary.nanosecond, JSON.stringify(o)).toBe(o.tsresol !== undefined && (o.tsresol & 0x80 ? (o.tsresol & 0x7f) > 19 : o.tsresol > 6));
    }
  });

  it('simple packet blocks: interface 0, wire length from the block, captured length cut to the snap length, no time', async () => {
    const w = new NgWriter(true).shb().idb(1, 100);
    const { records } = pcapRecords(vxlan8472);
    for (const r of records) w.spb(r);
    const r = await read(w.bytes());
    expect(r.recs.map((x) => [x.wire, x.data.length / 2, x.ts, x.ifindex])).toEqual(records.map((x) => [x.wire, Math.min(100, x.cap), null, 0]));
    expect(r.recs[0]!.data).toBe(records[0]!.data.subarray(0, 100).toString('hex'));
  });

  it('several sections, each in its own byte order, each resetting the interfaces', async () => {
    const raw = readFileSync(tests('LINKTYPE_RAW_ipv6.pcap'));
    const w = pcapToPcapng(vxlan8472, {}, new NgWriter(true));
    const be = new NgWriter(false).shb().idb(1, 0).idb(101, 65535, 9);
    for (const r of pcapRecords(raw).records) be.packet(6, 1, units(r.sec, r.ns, 9), r);
    // A third section whose packet names an interface only the previous section had.
    const third = new NgWriter(true).shb().packet(6, 1, 0n, pcapRecords(raw).records[0]!);
    const file = Buffer.concat([w.bytes(), be.bytes(), third.bytes()]);
    const r = await read(file);
    expectSame(r.recs, [...(await read(vxlan8472)).recs, ...(await read(raw)).recs], 1e-6);
    expect(r.recs.map((x) => x.ifindex)).toEqual([...Array(10).fill(0), 1]);
    expect(r.summary.linkTypes).toEqual([1, 101]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ offset: w.length + be.length + third.parts[0]!.length });
    expect(r.warnings[0]!.message).toMatch(/names interface 1, which its section does not describe/);
  });

  it('real pcapng files rewritten big endian read the same', async () => {
    const files = readdirSync(TESTS).filter((f) => f.endsWith('.pcapng'));
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) {
      const le = readFileSync(tests(f));
      expect(le.readUInt32LE(8), f).toBe(0x1a2b3c4d);
      const a = await read(le);
      const b = await read(pcapngToBigEndian(le));
      expect(b.recs, f).toEqual(a.recs);
      expect(b.warnings, f).toEqual(a.warnings);
    }
  });

  it('blocks arriving in chunks of any size read the same', async () => {
    const whole = await read(vsock);
    for (const size of [1, 2, 3, 7, 12, 13, 64, 100, 1000]) expect((await read(vsock, size)).recs, `chunks of ${size}`).toEqual(whole.recs);
  });

  it('a file cut at any offset: the whole blocks before the cut, a warning naming the cut block, never a throw', async () => {
    const ends: number[] = [];
    for (let p = 0; p < vsock.length; p += vsock.readUInt32LE(p + 4)) ends.push(p + vsock.readUInt32LE(p + 4));
    const full = (await read(vsock)).recs;
    const packetEnds: number[] = [];
    for (let p = 0; p < vsock.length; p += vsock.readUInt32LE(p + 4)) if (vsock.readUInt32LE(p) === 6) packetEnds.push(p + vsock.readUInt32LE(p + 4));
    for (let cut = ends[0]!; cut < vsock.length; cut++) {
      const r = await read(vsock.subarray(0, cut));
      expect(r.recs, `cut at ${cut}`).toEqual(full.slice(0, packetEnds.filter((e) => e <= cut).length));
      if (ends.includes(cut)) expect(r.warnings, `cut at ${cut}`).toEqual([]);
      else {
        expect(r.warnings, `cut at ${cut}`).toHaveLength(1);
        expect(r.warnings[0], `cut at ${cut}`).toMatchObject({ offset: [0, ...ends].filter((e) => e <= cut).pop() });
        expect(r.warnings[0]!.message).toMatch(/cut inside the block/);
      }
    }
    for (let cut = 4; cut < ends[0]!; cut++) expect(await failure(read(vsock.subarray(0, cut))), `cut at ${cut}`).toMatch(/^stdin: /);
  });

  it('bad block lengths: a warning with the offset, the packets before kept, and no huge buffer', async () => {
    const ends: number[] = [];
    for (let p = 0; p < vsock.length; p += vsock.readUInt32LE(p + 4)) ends.push(p + vsock.readUInt32LE(p + 4));
    const second = ends[2]!; // after the section header, the interface and the first packet
    const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
      ['not a multiple of 4', (b) => b.writeUInt32LE(b.readUInt32LE(second + 4) + 1, second + 4), /impossible length/],
      ['below 12', (b) => b.writeUInt32LE(8, second + 4), /impossible length 8/],
      ['beyond any real block', (b) => b.writeUInt32LE(0x7ffffff0, second + 4), /impossible length 2147483632/],
      ['trailing length differs', (b) => b.writeUInt32LE(b.readUInt32LE(second + 4) + 4, second + 4), /trailing length .* differs/],
    ];
    for (const [what, corrupt, msg] of cases) {
      const b = Buffer.from(vsock);
      corrupt(b);
      const r = await read(b);
      expect(r.recs, what).toHaveLength(1);
      expect(r.warnings, what).toHaveLength(1);
      expect(r.warnings[0], what).toMatchObject({ input: 'stdin', offset: second });
      expect(r.warnings[0]!.message, what).toMatch(msg);
      expect(r.warnings[0]!.message, what).toMatch(/stopped reading after 1 packets/);
    }
  });

  it('a packet too large for its block is skipped with a warning, the rest read', async () => {
    const b = Buffer.from(vsock);
    const p = vsock.readUInt32LE(4) + vsock.readUInt32LE(vsock.readUInt32LE(4) + 4); // after SHB and IDB: the first packet
    b.writeUInt32LE(5000, p + 8 + 12);
    const r = await read(b);
    expect(r.recs).toHaveLength(9);
    expect(r.warnings).toEqual([{ input: 'stdin', offset: p, message: 'packet of 5000 captured bytes does not fit its 108-byte block: skipped' }]);
  });

  it('packets naming a missing interface: one warning with the offset, one count', async () => {
    const b = Buffer.from(vsock);
    let first = -1;
    for (let p = 0; p < b.length; p += b.readUInt32LE(p + 4)) {
      if (b.readUInt32LE(p) !== 6) continue;
      b.writeUInt32LE(3, p + 8);
      if (first < 0) first = p;
    }
    const r = await read(b);
    expect(r.recs).toEqual([]);
    expect(r.warnings).toEqual([
      { input: 'stdin', offset: first, message: 'packet names interface 3, which its section does not describe: skipped' },
      { input: 'stdin', message: '10 packets in section 1 named interfaces the section does not describe: skipped' },
    ]);
  });

  it('a first section header that cannot be read is an InputError with its offset', async () => {
    const magic = Buffer.from(vsock);
    magic.writeUInt32LE(0x12345678, 8);
    expect(await failure(read(magic))).toBe('stdin: offset 0: section header block with a bad byte-order magic 0x12345678');
    const version = Buffer.from(vsock);
    version.writeUInt16LE(2, 12);
    expect(await failure(read(version))).toBe('stdin: offset 0: pcapng version 2.0 is not supported');
  });
});

// ---------------------------------------------------------------------------------------------

describe('gzip', () => {
  it('unwraps a .pcap.gz, a .pcapng.gz and gzipped text, sniffing what is inside', async () => {
    const pcap = await read(gzipSync(vxlan8472));
    expect(pcap.format).toBe('pcap+gzip');
    expect(pcap.recs).toEqual((await read(vxlan8472)).recs);
    const ng = await read(gzipSync(vsock), 100);
    expect(ng.format).toBe('pcapng+gzip');
    expect(ng.recs).toEqual((await read(vsock)).recs);
    const text = readFileSync(tests('vxlan.out'));
    const input = await openInput('-', chunked(gzipSync(text)));
    expect([input.format, input.gzip]).toEqual(['text', true]);
    expect(Buffer.concat(await input.stream.toArray())).toEqual(text);
  });

  /** vxlan_port_8472.pcap with its records repeated, their last bytes made random so that gzip cannot fold them. */
  function longCapture(copies: number): Buffer {
    let seed = 7;
    const recs = pcapRecordOffsets(vxlan8472).map((o, i, at) => vxlan8472.subarray(o, at[i + 1] ?? vxlan8472.length));
    const parts = [vxlan8472.subarray(0, 24)];
    for (let c = 0; c < copies; c++) {
      for (const r of recs) {
        const x = Buffer.from(r);
        for (let i = x.length - 16; i < x.length; i++) x[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
        parts.push(x);
      }
    }
    return Buffer.concat(parts);
  }

  it('a cut .pcap.gz gives the records it holds and says where the capture was cut', async () => {
    const big = longCapture(40);
    const at = pcapRecordOffsets(big);
    const gz = gzipSync(big);
    const full = (await read(big)).recs;
    let warned = 0;
    for (const part of [0.3, 0.45, 0.6, 0.75, 0.9]) {
      const cut = gz.subarray(0, Math.floor(gz.length * part));
      // What the cut .gz holds: deflate gives its data out in runs, not byte by byte.
      const holds = gunzipSync(cut, { finishFlush: zlib.Z_SYNC_FLUSH }).length;
      const whole = at.filter((o, i) => (at[i + 1] ?? big.length) <= holds).length;
      const r = await read(cut);
      expect(whole, `cut at ${part}`).toBeGreaterThan(part * 300);
      expect(r.recs, `cut at ${part}`).toEqual(full.slice(0, whole));
      if (at.includes(holds)) expect(r.warnings).toEqual([]);
      else {
        warned++;
        expect(r.warnings, `cut at ${part}`).toEqual([expect.objectContaining({ offset: at[whole] })]);
        expect(r.warnings[0]!.message).toMatch(/cut inside the record/);
      }
    }
    expect(warned).toBeGreaterThan(0);
  });

  it('corrupt gzip data: an InputError at the start, a warning after the records it gave', async () => {
    const big = longCapture(200);
    const at = pcapRecordOffsets(big);
    const gz = gzipSync(big);
    const method = Buffer.from(gz);
    method[2] = 9; // compression method: only 8 (deflate) exists
    expect(await failure(read(method))).toBe('stdin: corrupt gzip data (unknown compression method)');
    const crc = Buffer.from(gz);
    crc[gz.length - 8] ^= 0xff; // the CRC-32 of the data, checked at its end
    const r = await read(crc);
    // The data decompressed before the check failed is read (zlib withholds at most its last output chunk).
    expect(r.recs.length).toBeGreaterThan(at.length / 2);
    expect(r.recs).toEqual((await read(big)).recs.slice(0, r.recs.length));
    expect(r.warnings).toEqual([
      { input: 'stdin', offset: at[r.recs.length], message: `corrupt gzip data (incorrect data check); stopped reading after ${r.recs.length} records` },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('opening inputs', () => {
  it('a plain file of several read chunks (one reused buffer) gives the records its bytes give as a stream', async () => {
    // vxlan_port_8472.pcap's records repeated past 3 MiB: the 1 MiB reads cut records at many places.
    const records = vxlan8472.subarray(24);
    const pcap = Buffer.concat([vxlan8472.subarray(0, 24), ...Array<Buffer>(Math.ceil(3.2e6 / records.length)).fill(records)]);
    const pcapng = pcapToPcapng(pcap).bytes();
    for (const [what, bytes] of [
      ['pcap', pcap],
      ['pcapng', pcapng],
    ] as const) {
      const path = join(tmp, `chunks.${what}`);
      writeFileSync(path, bytes);
      const [file, stream] = [await read(path), await read(bytes, 65536)];
      expect(file.recs.length, what).toBe(pcapRecordOffsets(pcap).length);
      expectSame(file.recs, stream.recs);
      expect(file.warnings, what).toEqual([]);
    }
  });

  it('stdin is a stream the caller gives, named "stdin"', async () => {
    const input = await openInput('-', chunked(vxlan8472, 7));
    expect([input.name, input.format, input.gzip]).toEqual(['stdin', 'pcap', false]);
  });

  it('tcpdump text is text, and its stream is the file from its first byte', async () => {
    const path = tests('vxlan.out');
    const input = await openInput(path);
    expect([input.name, input.format, input.gzip]).toEqual([path, 'text', false]);
    expect(Buffer.concat(await input.stream.toArray())).toEqual(readFileSync(path));
    expect(
      await failure(
        readCapture(
          input,
          () => undefined,
          () => undefined,
        ),
      ),
    ).toMatch(/is tcpdump text, not a capture file/);
  });

  it('UTF-16 text (PowerShell redirection) and a UTF-8 byte-order mark give plain UTF-8', async () => {
    const text = readFileSync(tests('vxlan.out'), 'utf8');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    for (const [what, bytes] of [
      ['utf-16le', le],
      ['utf-16be', be],
      ['utf-8 bom', Buffer.from(`\ufeff${text}`)],
    ] as const) {
      const input = await openInput('-', chunked(bytes, 333)); // odd chunks split code units
      expect(input.format, what).toBe('text');
      expect(Buffer.concat(await input.stream.toArray()).toString('utf8'), what).toBe(text);
    }
  });

  it('a missing file, a directory, an empty file, /dev/null: one line naming the input', async () => {
    expect(await failure(openInput(join(tmp, 'nope.pcap')))).toBe(`${join(tmp, 'nope.pcap')}: no such file`);
    expect(await failure(openInput(join(tmp, 'nope', 'x.pcap')))).toMatch(/: no such file/);
    expect(await failure(openInput(tmp))).toBe(`${tmp}: is a directory, not a capture or a text file`);
    writeFileSync(join(tmp, 'empty.pcap'), '');
    expect(await failure(openInput(join(tmp, 'empty.pcap')))).toBe(`${join(tmp, 'empty.pcap')}: empty input`);
    expect(await failure(openInput('/dev/null'))).toBe('/dev/null: empty input');
    expect(await failure(openInput('-', Readable.from([])))).toBe('stdin: empty input');
    expect(await failure(openInput('-', chunked(gzipSync(Buffer.alloc(0)))))).toBe('stdin: empty after gzip decompression');
  });

  it('a file without read permission is refused', async ({ skip }) => {
    if (process.getuid?.() === 0) skip(); // root reads everything
    const path = join(tmp, 'secret.pcap');
    writeFileSync(path, vxlan8472, { mode: 0 });
    expect(await failure(openInput(path))).toBe(`${path}: permission denied`);
  });

  it('binary that is no capture: InputError saying what the first bytes are', async () => {
    let seed = 12345;
    const random = Buffer.alloc(4096, 0).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    const path = join(tmp, 'random.bin');
    writeFileSync(path, random);
    const hex = [...random.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    expect(await failure(openInput(path))).toBe(`${path}: offset 0: not a pcap, pcapng or tcpdump text (first bytes ${hex})`);
    const bz = Buffer.concat([Buffer.from('BZh91AY&SY'), random]);
    expect(await failure(openInput('-', chunked(bz)))).toMatch(/^stdin: offset 0: .*first bytes 42 5a 68 39 .*bzip2 data: decompress it first/);
    expect(await failure(openInput('-', chunked(gzipSync(random))))).toMatch(/not a pcap, pcapng or tcpdump text inside the gzip data/);
    // A little-endian pcap magic with 24-byte "modified" record headers is named for what it is.
    const kuz = Buffer.from(vxlan8472);
    kuz.writeUInt32LE(0xa1b2cd34, 0);
    expect(await failure(openInput('-', chunked(kuz)))).toMatch(/Kuznetzov/);
  });

  it('the format comes from the bytes, never the name', async () => {
    const a = join(tmp, 'capture.txt');
    writeFileSync(a, vxlan8472);
    expect((await openInput(a)).format).toBe('pcap');
    const b = join(tmp, 'text.pcap');
    writeFileSync(b, readFileSync(tests('vxlan.out')));
    expect((await openInput(b)).format).toBe('text');
  });
});
