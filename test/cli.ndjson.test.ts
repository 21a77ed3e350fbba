/**
 * Machine output: --format json is one document with schemaVersion, --format ndjson one record
 * per line with a `type`, every flow (no listing cap) written as it closes; both are checked
 * against the published schema (schema/report.schema.json) on real lab captures.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile, analyzeStream, VERDICTS } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}bin/analyze.js`;
const lab = (f: string) => `${root}samples/lab/${f}`;
const schema = JSON.parse(readFileSync(`${root}schema/report.schema.json`, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(schema);
const report = ajv.getSchema(schema.$id)!;
const record = ajv.compile({ $ref: `${schema.$id}#/$defs/ndjsonRecord` });

beforeAll(() => {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', root], { stdio: 'pipe' });
}, 60_000);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// One node, two nodes (clock offsets, lost packets, hops of both), no overlay (a hint), a cut
// snapshot length (warnings), an ICMP error attributed to a flow.
const CASES = [
  ['blocked-8472.nodeb-any.pcap'],
  ['blocked-8472.nodea-any.pcap', 'blocked-8472.nodeb-any.pcap'],
  ['reply-dropped.nodea-any.pcap', 'reply-dropped.nodeb-any.pcap'],
  ['admin-prohibited-plain.nodeb-any.pcap'],
  ['snap80.nodea-ens224.pcap'],
  ['missing-route.nodea-any.pcap'],
  ['healthy-snat.nodea-any.pcap.nn-e.txt'],
];

describe('the published schema', () => {
  it('names the verdicts the classifier gives', () => {
    expect(schema.$defs.verdict.enum).toEqual([...VERDICTS]);
  });

  for (const files of CASES) {
    it(`--format json of ${files.join(' + ')} matches it`, () => {
      const r = cli(['--format', 'json', ...files.map(lab)]);
      const doc = JSON.parse(r.out);
      expect(doc.schemaVersion).toBe(1);
      expect(report(doc), JSON.stringify(report.errors)).toBe(true);
    });

    it(`--format ndjson of ${files.join(' + ')}: every line a record of the schema, flows equal the JSON's`, () => {
      const lines = cli(['--format', 'ndjson', ...files.map(lab)])
        .out.trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      for (const l of lines) expect(record(l), `${JSON.stringify(l).slice(0, 200)}: ${JSON.stringify(record.errors)}`).toBe(true);
      expect(lines[0]).toMatchObject({ type: 'start', schemaVersion: 1 });
      expect(lines.at(-1).type).toBe('summary');
      const doc = JSON.parse(cli(['--format', 'json', ...files.map(lab)]).out);
      const flows = lines.filter((l) => l.type === 'flow').map(({ type: _, ...f }) => f);
      expect(flows.sort((a, b) => a.id - b.id)).toEqual([...doc.flows].sort((a, b) => a.id - b.id));
      expect(lines.filter((l) => l.type === 'finding').length).toBe(doc.findings.length);
      expect(lines.filter((l) => l.type === 'tunnel').map((t) => t.tunnel)).toEqual(doc.tunnels.map((t: { type: string }) => t.type));
      // Records in their documented order.
      const order = ['start', 'flow', 'finding', 'tunnel', 'anomaly', 'clockOffset', 'arp', 'input', 'warning', 'hint', 'summary'];
      const seen = lines.map((l) => order.indexOf(l.type));
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    });
  }
});

describe('NDJSON lists every flow', () => {
  it('no listing cap: --max-listed 1 still writes all 4 flows; the JSON lists 1', () => {
    const f = lab('blocked-8472.nodeb-any.pcap');
    const lines = cli(['--format', 'ndjson', '--max-listed', '1', f])
      .out.trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'flow')).toHaveLength(4);
    expect(lines.filter((l) => l.type === 'warning')).toEqual([]);
    expect(JSON.parse(cli(['--format', 'json', '--max-listed', '1', f]).out).flows).toHaveLength(1);
  });

  it('a flow is handed on when it closes, before the input ends; the report then holds none', async () => {
    // tcpdump text: 20 pings at 10:00, then one at 10:01. The first 20 are idle (15 s) long before
    // the input ends, and are handed on while it is still being read.
    const ping = (t: string, id: number) =>
      `${t}.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id ${id}, seq 1, length 64\n` +
      `${t}.001000 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ${id}, seq 1, length 64\n`;
    const seen: number[] = [];
    let closedBeforeEnd = -1;
    async function* text() {
      // More than the 1 KiB read to tell the format, so the rest is read as it comes.
      yield Buffer.from(Array.from({ length: 20 }, (_, i) => ping('10:00:00', i + 1)).join(''));
      yield Buffer.from(ping('10:01:00', 99));
      yield Buffer.from(ping('10:01:01', 100));
      // Streams read ahead: wait (at most 3 s) for the flows to be handed on before ending the input.
      for (let waited = 0; seen.length < 20 && waited < 3000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      closedBeforeEnd = seen.length;
      yield Buffer.from(ping('10:01:02', 101));
    }
    const r = await analyzeStream(text(), { name: 'live', onFlow: (f) => void seen.push(f.id), listFlows: false });
    expect(closedBeforeEnd).toBe(20);
    expect(seen).toHaveLength(23);
    expect(r.flows).toEqual([]);
    expect(r.summary.flows).toBe(23);
    expect(r.summary.verdicts.healthy).toBe(23);
    expect(r.inputs[0]!.name).toBe('live');
  });

  it('the library report validates too', async () => {
    expect(report(await analyzeFile(lab('vtep-misrouted.nodea-any.pcap'))), JSON.stringify(report.errors)).toBe(true);
  });
});
