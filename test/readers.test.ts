/** Capture readers on real files: tcpdump's regression captures and the lab's. */
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, openInput, readCapture, type InputWarning } from '../src/readers/index.js';

const shared = (f: string) => fileURLToPath(new URL(`../../shared/tcpdump-tests/${f}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'oa-readers-'));

interface Rec { ts: number | null; len: number; linkType: number; wire: number }

async function read(pathOrBytes: string | Buffer): Promise<{ recs: Rec[]; warnings: InputWarning[]; format: string }> {
  const input = typeof pathOrBytes === 'string' ? await openInput(pathOrBytes) : await openInput('-', Readable.from([pathOrBytes]));
  const recs: Rec[] = [];
  const warnings: InputWarning[] = [];
  await readCapture(input, (data, linkType, ts, wire) => recs.push({ ts, len: data.length, linkType, wire }), (w) => warnings.push(w));
  return { recs, warnings, format: input.format + (input.gzip ? '+gzip' : '') };
}

/** Packet count and first time printed in a tcpdump .out file made with -# -tttt (GMT). */
function outFacts(name: string): { count: number; first: string } {
  const lines = readFileSync(shared(name), 'utf8').split('\n').filter((l) => /^\s*\d+\s{2}/.test(l));
  return { count: lines.length, first: lines[0]!.trim().split(/\s+/).slice(1, 3).join(' ') };
}

/** A little-endian classic pcap rewritten big endian: the same records in the other byte order. */
function toBigEndian(le: Buffer): Buffer {
  const be = Buffer.from(le);
  be.writeUInt32BE(le.readUInt32LE(0), 0);
  be.writeUInt16BE(le.readUInt16LE(4), 4);
  be.writeUInt16BE(le.readUInt16LE(6), 6);
  for (const o of [8, 12, 16, 20]) be.writeUInt32BE(le.readUInt32LE(o), o);
  for (let o = 24; o + 16 <= le.length; ) {
    for (let i = 0; i < 4; i++) be.writeUInt32BE(le.readUInt32LE(o + 4 * i), o + 4 * i);
    o += 16 + le.readUInt32LE(o + 8);
  }
  return be;
}

const iso = (ts: number) => new Date(Math.floor(ts) * 1000).toISOString().replace('T', ' ').slice(0, 19);

describe('classic pcap', () => {
  it('reads microsecond files and agrees with tcpdump on count and first time', async () => {
    const { recs } = await read(shared('tcp_rst_data.pcap'));
    const out = outFacts('tcp_rst_data.out');
    expect(recs.length).toBe(out.count);
    expect(iso(recs[0]!.ts!)).toBe(out.first.slice(0, 19));
    expect(recs[0]!.linkType).toBe(1);
  });

  it('reads nanosecond files (pcap-parser knows only the µs magic) with nanosecond fractions', async () => {
    const { recs } = await read(shared('tcp-handshake-nano.pcap'));
    expect(recs.length).toBe(3);
    // tcpdump --nano prints 17:16:09.924505488 for the first packet.
    const frac = recs[0]!.ts! - Math.floor(recs[0]!.ts!);
    expect(Math.abs(frac - 0.924505488)).toBeLessThan(1e-6);
    expect(new Date(recs[0]!.ts! * 1000).toISOString().slice(11, 19)).toBe('17:16:09');
  });

  it('reads big-endian files as the same records', async () => {
    const le = readFileSync(shared('vxlan.pcap'));
    const a = await read(le);
    const b = await read(toBigEndian(le));
    expect(b.recs).toEqual(a.recs);
    expect(a.recs.length).toBeGreaterThan(0);
  });

  it('unwraps gzip transparently', async () => {
    const raw = readFileSync(shared('vxlan.pcap'));
    const gz = await read(gzipSync(raw));
    expect(gz.format).toBe('pcap+gzip');
    expect(gz.recs).toEqual((await read(raw)).recs);
  });

  it('a file cut at any offset delivers the whole records before the cut and warns, never throws', async () => {
    const raw = readFileSync(shared('vxlan.pcap'));
    const full = (await read(raw)).recs;
    // Record boundaries, to know how many whole records each prefix holds.
    const ends: number[] = [];
    for (let o = 24; o + 16 <= raw.length; ) {
      o += 16 + raw.readUInt32LE(o + 8);
      ends.push(o);
    }
    for (let cut = 24; cut < raw.length; cut++) {
      const r = await read(raw.subarray(0, cut));
      const whole = ends.filter((e) => e <= cut).length;
      expect(r.recs).toEqual(full.slice(0, whole));
      if (cut > 24 && !ends.includes(cut)) expect(r.warnings.map((w) => w.message).join(), `cut at ${cut}`).toMatch(/cut/);
    }
  });

  it('refuses an absurd record length before buffering it', async () => {
    const raw = Buffer.from(readFileSync(shared('vxlan.pcap')));
    raw.writeUInt32LE(0x7fffffff, 24 + 8);
    const r = await read(raw);
    expect(r.recs).toHaveLength(0);
    expect(r.warnings[0]).toMatchObject({ offset: 24 });
    expect(r.warnings[0]!.message).toMatch(/claims 2147483647/);
  });
});

describe('pcapng', () => {
  it('reads enhanced packet blocks and agrees with tcpdump', async () => {
    const { recs, format } = await read(shared('OSPFv2_Capture_FINAL.pcapng'));
    const out = outFacts('OSPFv2_Capture_FINAL.out');
    expect(format).toBe('pcapng');
    expect(recs.length).toBe(out.count);
    expect(iso(recs[0]!.ts!)).toBe(out.first.slice(0, 19));
  });

  it('an empty section is no error', async () => {
    expect((await read(shared('empty.pcapng'))).recs).toHaveLength(0);
  });

  it('warns with the offset of a block with a bad length', async () => {
    const raw = Buffer.from(readFileSync(shared('OSPFv2_Capture_FINAL.pcapng')));
    const shbLen = raw.readUInt32LE(4);
    raw.writeUInt32LE(7, shbLen + 4); // the IDB after the section header
    const r = await read(raw);
    expect(r.recs).toHaveLength(0);
    expect(r.warnings[0]).toMatchObject({ offset: shbLen });
  });
});

describe('bad inputs get one clear error', () => {
  const err = async (p: string | Buffer) => {
    try {
      await read(p);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).toString();
    }
    throw new Error('no error');
  };
  it('missing file, directory, empty file, unreadable file, random binary', async () => {
    expect(await err(join(tmp, 'nope.pcap'))).toMatch(/nope\.pcap: no such file/);
    expect(await err(tmp)).toMatch(/is a directory/);
    writeFileSync(join(tmp, 'empty'), '');
    expect(await err(join(tmp, 'empty'))).toMatch(/empty input/);
    expect(await err(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0, 0, 0, 0]))).toMatch(/stdin: offset 0: not a pcap, pcapng or tcpdump text \(first bytes de ad be ef/);
    if (process.getuid?.() !== 0) {
      writeFileSync(join(tmp, 'secret'), 'x');
      chmodSync(join(tmp, 'secret'), 0);
      expect(await err(join(tmp, 'secret'))).toMatch(/permission denied/);
    }
  });
  it('text is recognised as text', async () => {
    const input = await openInput(shared('vxlan.out'));
    expect(input.format).toBe('text');
  });
});
