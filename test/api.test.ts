/**
 * The library's entry points: every kind of input (path, stream, Buffer, Uint8Array, string),
 * several capture points at once, names as given, clear errors for wrong arguments; the text
 * grammar outside the import graph of the package's entry; its types under a strict consumer.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, analyzeBuffer, analyzeFile, analyzeFiles, analyzeStream, analyzeText } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const lab = (f: string) => `${root}samples/lab/${f}`;
const tsc = `${root}node_modules/typescript/bin/tsc`;

beforeAll(() => {
  execFileSync(process.execPath, [tsc, '-p', root], { stdio: 'pipe' });
}, 60_000);

const verdicts = (r: { flows: { proto: string; client: string; verdict: string }[] }) => r.flows.map((f) => `${f.proto} ${f.client} ${f.verdict}`);

describe("one input of each kind gives the file's report", () => {
  const file = lab('missing-route.nodea-any.pcap');
  it('path, stream, Buffer, Uint8Array and text alike', async () => {
    const byPath = await analyzeFile(file);
    expect(verdicts(byPath)).toContain('icmp 10.244.3.2 host-unreachable');
    const bytes = readFileSync(file);
    const byStream = await analyzeStream(createReadStream(file), { name: 'node-a' });
    const byBuffer = await analyzeBuffer(bytes);
    const byArray = await analyzeBuffer(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    for (const r of [byStream, byBuffer, byArray]) expect(verdicts(r)).toEqual(verdicts(byPath));
    expect([byStream.inputs[0]!.name, byBuffer.inputs[0]!.name]).toEqual(['node-a', 'buffer']);
    const text = await analyzeText(readFileSync(`${file}.nn-e.txt`, 'utf8'), { name: 'pasted' });
    expect(verdicts(text)).toContain('icmp 10.244.3.2 host-unreachable');
    expect(text.inputs[0]).toEqual({
      name: 'pasted',
      format: 'text',
      packets: expect.any(Number),
      text: { lines: 44, packetLines: 41, read: 41, warned: 0, passedOver: 0 },
      nodeAddresses: ['192.168.232.130'],
      nodeEvidence: expect.arrayContaining([{ address: '192.168.232.130', clue: expect.stringMatching(/^encapsulated packets arrive for it/) }]),
    });
  });

  it('wrong arguments: a clear TypeError', async () => {
    expect(() => analyzeBuffer('x' as never)).toThrow(
      'analyzeBuffer takes a Buffer or Uint8Array, not string: use analyzeText for a string, analyzeFile for a path',
    );
    expect(() => analyzeText(Buffer.from('x') as never)).toThrow('analyzeText takes a string, not object: use analyzeBuffer for bytes');
    expect(() => analyzeFile(Buffer.from('x') as never)).toThrow('analyzeFile takes a path, not bytes: use analyzeBuffer');
  });
});

describe('analyze([...]): several capture points', () => {
  it('two streams (two nodes) give the report of the two files, under the names given', async () => {
    const a = lab('reply-dropped.nodea-any.pcap');
    const b = lab('reply-dropped.nodeb-any.pcap');
    const files = await analyzeFiles([a, b]);
    const streams = await analyze([
      { name: 'node-a', stream: createReadStream(a), node: '192.168.232.130' },
      { name: 'node-b', buffer: readFileSync(b) },
    ]);
    expect(streams.inputs.map((i) => [i.name, i.node])).toEqual([
      ['node-a', '192.168.232.130'],
      ['node-b', undefined],
    ]);
    expect(verdicts(streams)).toEqual(verdicts(files));
    expect(streams.flows.flatMap((f) => f.lost.map((l) => l.locus))).toEqual(files.flows.flatMap((f) => f.lost.map((l) => l.locus)));
    expect(streams.flows.some((f) => f.hops.length === 2)).toBe(true);
  });

  it('an AbortSignal already fired reads nothing and says so', async () => {
    const c = new AbortController();
    c.abort();
    const r = await analyze([{ path: lab('healthy-icmp.nodea-any.pcap') }], { signal: c.signal });
    expect(r.inputs[0]).toMatchObject({ cut: true, packets: 0 });
    expect(r.summary.partial).toBe(true);
  });

  it('no overlay at all: a hint of what to capture', async () => {
    expect((await analyzeFile(lab('admin-prohibited-plain.nodeb-any.pcap'))).hints).toEqual([
      expect.stringContaining('tcpdump -i any -s0 -nn -e -w node.pcap udp port 8472 or icmp'),
    ]);
    expect((await analyzeFile(lab('healthy-icmp.nodea-any.pcap'))).hints).toEqual([]);
  });
});

describe('the package entry', () => {
  /** Modules dist/index.js imports statically, followed through relative imports. */
  function staticGraph(entry: string): Set<string> {
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) walk(fileURLToPath(new URL(m[1]!, `file://${file}`)));
    };
    walk(entry);
    return seen;
  }

  it('does not load the text grammar (nor chevrotain) on import', () => {
    const graph = [...staticGraph(`${root}dist/index.js`)].map((f) => f.slice(root.length));
    expect(graph).toContain('dist/analyze.js');
    expect(graph.filter((f) => f.startsWith('dist/lexer/'))).toEqual([]);
  });

  it('its types compile in a consumer under strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess', () => {
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', `${root}test/consumer`], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out).toBe('');
  }, 60_000);
});
