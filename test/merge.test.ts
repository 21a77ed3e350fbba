/**
 * Several inputs read together (merge.ts, flows/first-look.ts): merged by time when a first look
 * finds their clocks agree, so flows close when idle as with one input; one after the other,
 * every flow kept to the end, when it does not.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPacket } from '../bench/generate.js';
import { analyze, analyzeFiles } from '../src/analyze.js';
import { commonClock } from '../src/flows/first-look.js';
import { TextReader } from '../src/lexer/index.js';
import { Merge } from '../src/merge.js';
import type { Packet } from '../src/model.js';
import { echo } from './helpers/packets.js';

const T0 = 1_790_000_000;

/** The same ping seen at two capture points: input 1's clock `offset` seconds ahead (transit included). */
function twoViews(pings: number, gap: number, offset: number): [Packet[], Packet[]] {
  const a: Packet[] = [];
  const b: Packet[] = [];
  for (let i = 0; i < pings; i++) {
    const ts = T0 + i * gap;
    for (const [p, dt] of [
      [echo(ts, '10.244.1.2', '10.244.2.2', 8, 100 + i, 1), 0],
      [echo(ts + 0.001, '10.244.2.2', '10.244.1.2', 0, 100 + i, 1), 0.001],
    ] as const) {
      a.push(p);
      b.push({ ...p, input: 1, ts: T0 + i * gap + dt + offset });
    }
  }
  return [a, b];
}

/** Runs a merge over inputs given as chunks of packets, each reader awaiting pace() before a chunk as the readers do. */
async function merged(inputs: Packet[][][], first: number, order: (first: Packet[]) => Map<number, number> | null): Promise<{ out: Packet[]; ends: number[] }> {
  const out: Packet[] = [];
  const ends: number[] = [];
  const m = new Merge(inputs.length, { first, decide: order, sink: (p) => out.push(p), onInputEnd: (i) => ends.push(i) });
  await Promise.all(
    inputs.map(async (chunks, k) => {
      for (const chunk of chunks) {
        await m.pace(k);
        for (const p of chunk) m.push(k, p);
      }
      m.end(k);
    }),
  );
  return { out, ends };
}

const chunked = (ps: Packet[], n: number) => Array.from({ length: Math.ceil(ps.length / n) }, (_, i) => ps.slice(i * n, i * n + n));

describe('Merge', () => {
  const [a, b] = twoViews(50, 2, 0.0003);
  it('by time, a clock ahead taken off: every packet once, in time order, whatever the chunks', async () => {
    const [x, y] = twoViews(50, 2, 0.3);
    const { out } = await merged([chunked(x, 7), chunked(y, 3)], 10, () => new Map([[1, 0.3]]));
    expect(out.map((p) => p.ts! - (p.input === 1 ? 0.3 : 0))).toEqual(out.map((p) => p.ts! - (p.input === 1 ? 0.3 : 0)).sort((u, v) => u - v));
    expect(out.filter((p) => p.input === 1)).toEqual(y);
  });
  it('by time: every packet once, in time order, whatever the chunks', async () => {
    const { out } = await merged([chunked(a, 7), chunked(b, 3)], 10, () => new Map());
    expect(out).toHaveLength(a.length + b.length);
    expect(out.map((p) => p.ts)).toEqual(out.map((p) => p.ts).sort((x, y) => x! - y!));
    expect(out.filter((p) => p.input === 1)).toEqual(b);
  });
  it('one after the other: all of the first input, its end, then the second', async () => {
    const { out, ends } = await merged([chunked(a, 5), chunked(b, 5)], 10, () => null);
    expect(out).toEqual([...a, ...b]);
    expect(ends).toEqual([0, 1]);
  });
  it('the first look sees the first packets of every input (all of a shorter one)', async () => {
    let looked: Packet[] = [];
    await merged([chunked(a, 4), chunked(b.slice(0, 6), 4)], 20, (first) => {
      looked = first;
      return new Map();
    });
    expect(looked.filter((p) => p.input === 0).length).toBeGreaterThanOrEqual(20);
    expect(looked.filter((p) => p.input === 1)).toEqual(b.slice(0, 6));
  });
  it('a reader waits while its packets wait for the other input: what is held stays about a chunk', async () => {
    let pushed = 0;
    let most = 0;
    const out: Packet[] = [];
    const m = new Merge(2, { first: 4, decide: () => new Map(), sink: (p) => out.push(p) });
    await Promise.all(
      [chunked(a, 4), chunked(b, 4)].map(async (chunks, k) => {
        for (const chunk of chunks) {
          await m.pace(k);
          for (const p of chunk) m.push(k, p);
          pushed += chunk.length;
          most = Math.max(most, pushed - out.length);
          // The other reader runs between chunks, as readers do between reads.
          await new Promise((r) => setImmediate(r));
        }
        m.end(k);
      }),
    );
    expect(out).toHaveLength(a.length + b.length);
    expect(most).toBeLessThanOrEqual(12);
  });
});

describe('first look', () => {
  it('clocks that agree: the same packets a fraction of a second apart, the offset from them', () => {
    const [a, b] = twoViews(20, 1, 0.0003);
    expect(commonClock([...a, ...b])!.get(1)).toBeCloseTo(0.0003, 6);
    expect(commonClock([...a, ...twoViews(20, 1, 0.4)[1]])!.get(1)).toBeCloseTo(0.4, 6);
    expect(commonClock([...a, ...b])).not.toBeNull();
  });
  it('without IP ids (tcpdump text without -v), by sequence; a capture and a text of the other node, too', () => {
    const [a, b] = twoViews(20, 1, 0.0003);
    const noId = (p: Packet) => ({ ...p, frame: { ...p.frame, ip: { ...p.frame.ip!, id: null } } });
    expect(commonClock([...a.map(noId), ...b.map(noId)])).not.toBeNull();
    expect(commonClock([...a, ...b.map(noId)])).not.toBeNull();
  });
  it('clocks a few seconds apart, no packet in common, or times without a date: one after the other', () => {
    const [a, b] = twoViews(20, 1, 3);
    expect(commonClock([...a, ...b])).toBeNull();
    // A third input with pings of its own: nothing ties it to the two others.
    const [near, nearB] = twoViews(20, 1, 0.0003);
    const c = echo(T0, '10.244.9.2', '10.244.2.2', 8, 9, 1, 2);
    expect(commonClock([...near, ...nearB])).not.toBeNull();
    expect(commonClock([...near, ...nearB, c])).toBeNull();
    const [x, y] = twoViews(20, 1, 0);
    expect(commonClock([...x, ...y].map((p) => ({ ...p, ts: p.ts! % 86400 })))).toBeNull();
  });
  it('one input, or inputs of which one gave nothing: nothing to compare', () => {
    const [a] = twoViews(5, 1, 0);
    expect(commonClock(a)).not.toBeNull();
  });
});

/** A classic pcap of Ethernet frames. */
function pcap(records: [number, Uint8Array][]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const parts = [head];
  for (const [ts, bytes] of records) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(ts), 0);
    h.writeUInt32LE(Math.round((ts % 1) * 1e6), 4);
    h.writeUInt32LE(bytes.length, 8);
    h.writeUInt32LE(bytes.length, 12);
    parts.push(h, Buffer.from(bytes));
  }
  return Buffer.concat(parts);
}

/** Two nodes' captures of `pings` pings from node 1's pod to node 2's, one every `gap` s; node 2's clock `offset` s ahead. */
function nodeCaptures(pings: number, gap: number, offset: number): [Buffer, Buffer] {
  const node = (n: number) => ({ ip: (192 << 24) | (168 << 16) | (1 << 8) | n, nic: [2, 0, 0, 0, 0, n], vtep: [2, 0, 0, 0, 1, n], sideA: n === 1, outerId: n });
  const client = { ip: (10 << 24) | (244 << 16) | (1 << 8) | 2, port: 0, node: node(1), outerPort: 40001 };
  const server = { ip: (10 << 24) | (244 << 16) | (2 << 8) | 2, port: 0, node: node(2), outerPort: 40002 };
  const a: [number, Uint8Array][] = [];
  const b: [number, Uint8Array][] = [];
  for (let i = 0; i < pings; i++) {
    const ts = T0 + i * gap;
    const ids = { client: { ...client, port: 1000 + i, ipId: 1000 + i }, server: { ...server, port: 1000 + i, ipId: 5000 + i } };
    const req = buildPacket({ event: 'echo-request', ...ids });
    const rep = buildPacket({ event: 'echo-reply', ...ids });
    a.push([ts, req], [ts + 0.0011, rep]);
    b.push([ts + 0.0003 + offset, req], [ts + 0.0008 + offset, rep]);
  }
  return [pcap(a), pcap(b)];
}

describe('two nodes read together', () => {
  // 40 pings 30 s apart: each flow is idle long before the next one starts.
  it('clocks that agree: flows close when idle, so a bound of 2 open flows closes none early', async () => {
    const [a, b] = nodeCaptures(40, 30, 0);
    const r = await analyze(
      [
        { name: 'a', buffer: a },
        { name: 'b', buffer: b },
      ],
      { maxFlows: 2 },
    );
    expect(r.summary.flows).toBe(40);
    expect(r.summary.verdicts.healthy).toBe(40);
    expect(r.summary.evicted).toBe(0);
    for (const f of r.flows) expect(f.hops.map((h) => h.input)).toEqual(['a', 'b']);
  });
  it('clocks a minute apart: read one after the other, every flow kept to the end (as before), the same verdicts', async () => {
    const [a, b] = nodeCaptures(40, 30, 60);
    // Kept open: the bound of 2 closes flows early (and their second sides come as flows of their own).
    const bounded = await analyze(
      [
        { name: 'a', buffer: a },
        { name: 'b', buffer: b },
      ],
      { maxFlows: 2 },
    );
    expect(bounded.summary.evicted).toBeGreaterThan(0);
    const r = await analyze([
      { name: 'a', buffer: a },
      { name: 'b', buffer: b },
    ]);
    expect(r.summary).toMatchObject({ flows: 40, evicted: 0 });
    expect(r.summary.verdicts.healthy).toBe(40);
    for (const f of r.flows) expect(f.hops.map((h) => h.input)).toEqual(['a', 'b']);
  });
});

describe('tcpdump text of two nodes', () => {
  /** The packets of text files, as inputs 0, 1, ... */
  function textPackets(files: string[]): Packet[] {
    const out: Packet[] = [];
    files.forEach((f, i) => {
      const r = new TextReader(
        f,
        i,
        (p) => out.push(p),
        () => undefined,
      );
      r.push(readFileSync(f, 'utf8'));
      r.end();
    });
    return out;
  }
  const lab = (f: string) => `samples/lab/${f}`;
  it('with dates (-tttt): read by time, with the verdicts the captures get', async () => {
    const texts = ['blocked-8472.nodea-any.pcap.txt', 'blocked-8472.nodeb-any.pcap.txt'].map((f) => `samples/text/tttt/${f}`);
    expect(commonClock(textPackets(texts))).not.toBeNull();
    const verdicts = (r: Awaited<ReturnType<typeof analyzeFiles>>) => r.flows.map((f) => `${f.proto} ${f.client} ${f.server} ${f.verdict}`).sort();
    const fromText = await analyzeFiles(texts);
    const fromPcap = await analyzeFiles([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap')]);
    expect(verdicts(fromText)).toEqual(verdicts(fromPcap));
  });
  it('without dates: no common clock, read one after the other', () => {
    const texts = [lab('blocked-8472.nodea-any.pcap.nn-e.txt'), lab('blocked-8472.nodeb-any.pcap.nn-e.txt')];
    expect(commonClock(textPackets(texts))).toBeNull();
  });
});
