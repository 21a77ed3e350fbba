/**
 * The terminal report fits its width, leads with findings by size, gives one line per problem
 * flow, summarizes long lists, and `--flow ID` shows one flow in full.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import type { Report } from '../src/report/build.js';
import { renderText } from '../src/report/text.js';
import { labDir } from './helpers/lab.js';

const seedDir = fileURLToPath(new URL('../../shared/seed/', import.meta.url));

function widest(text: string): number {
  return Math.max(...text.split('\n').map((l) => l.length));
}

/** Lines of the section that starts with `title`, up to the next blank line. */
function section(text: string, title: RegExp): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => title.test(l));
  if (i < 0) return [];
  const end = lines.indexOf('', i);
  return lines.slice(i + 1, end < 0 ? undefined : end);
}

/** Terminal colour sequences (ESC [ ... m), built so no control character sits in a literal. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

describe('terminal report of the lab and the seed', () => {
  const inputs = [
    ...readdirSync(labDir)
      .filter((f) => /\.pcap$/.test(f))
      .map((f) => [labDir + f]),
    [labDir + 'blocked-8472.nodea-any.pcap', labDir + 'blocked-8472.nodeb-any.pcap'],
    ...['healthy.txt', 'missing-route.txt', 'misrouted.txt'].map((f) => [seedDir + f]),
  ];
  it('fits 80 columns, and every flow in full fits too', async () => {
    expect(inputs.length).toBeGreaterThan(10);
    for (const files of inputs) {
      const r = await analyzeFiles(files);
      const text = renderText(r, false);
      expect(widest(text), files.join(' ')).toBeLessThanOrEqual(80);
      const detail = renderText(r, false, { flows: r.flows.map((f) => f.id) });
      expect(widest(detail), files.join(' ')).toBeLessThanOrEqual(80);
      // Colours take no columns.
      expect(widest(renderText(r, true).replace(ANSI, ''))).toBeLessThanOrEqual(80);
      for (const width of [40, 120]) expect(widest(renderText(r, false, { width }))).toBeLessThanOrEqual(width);
    }
  });
});

describe('terminal report of the two-node blocked capture', () => {
  let r: Report;
  beforeAll(async () => {
    r = await analyzeFiles([labDir + 'blocked-8472.nodea-any.pcap', labDir + 'blocked-8472.nodeb-any.pcap']);
  });

  it('findings come before the flows, then one line per problem flow, each with its id', () => {
    const text = renderText(r, false);
    expect(text.indexOf('Findings')).toBeLessThan(text.indexOf('Problem flows'));
    const problems = section(text, /^Problem flows/).filter((l) => /^ {2}#/.test(l));
    expect(problems.map((l) => Number(/^ {2}#(\d+)/.exec(l)![1]))).toEqual(r.flows.filter((f) => f.verdict !== 'healthy').map((f) => f.id));
    expect(text).toContain('2 flows from 10.244.3.0/24 to 10.244.2.0/24');
    expect(text).not.toMatch(/all \d+ flows|\b1 flows\b|\b1 packets\b/);
  });

  it('orders findings by how many flows they cover', () => {
    const counts = [1, 7, 3];
    const f0 = r.findings[0]!;
    const many: Report = { ...r, findings: counts.map((count, i) => ({ ...f0, count, summary: `finding ${i}` })) };
    const firsts = section(renderText(many, false, { width: 200 }), /^Findings/).filter((l) => /^ {2}\d+\. /.test(l));
    expect(firsts.map((l) => /finding (\d)/.exec(l)![1])).toEqual(['1', '2', '0']);
  });

  it('summarizes long lists with counts and points to --format html', () => {
    const f = r.flows.find((x) => x.verdict !== 'healthy')!;
    const flows = Array.from({ length: 500 }, (_, i) => ({ ...f, id: i + 1 }));
    const findings = Array.from({ length: 40 }, (_, i) => ({ ...r.findings[0]!, count: 40 - i }));
    const endpoints = Array.from({ length: 300 }, (_, i) => ({ src: `192.168.1.${i % 250}`, dst: '192.168.2.1', packets: i }));
    const big: Report = {
      ...r,
      flows,
      findings,
      tunnels: [{ ...r.tunnels[0]!, endpoints }],
      summary: { ...r.summary, flows: 10_000, problems: 10_000, listed: 500, verdicts: { ...r.summary.verdicts, 'request-only': 10_000, healthy: 0 } },
    };
    const text = renderText(big, false);
    expect(widest(text)).toBeLessThanOrEqual(80);
    expect(text.split('\n').length).toBeLessThan(200);
    expect(section(text, /^Problem flows/).filter((l) => /^ {2}#/.test(l))).toHaveLength(20);
    const joined = text.replace(/\n {2,}/g, ' ');
    expect(joined).toMatch(/and 9,980 more problem flows: see analyze --format html/);
    expect(joined).toMatch(/and 35 more findings: see analyze --format html/);
    expect(joined).toMatch(/and 296 more directions: see analyze --format html/);
  });

  it("--flow ID: the flow's places, lost packets, an ASCII ladder and what to run; an unknown id says so", () => {
    const id = r.flows.find((f) => f.client === '10.244.3.2' && f.proto === 'icmp')!.id;
    const text = renderText(r, false, { flows: [id, 999] });
    expect(text).toMatch(new RegExp(`^Flow #${id}: request-only, icmp 10\\.244\\.3\\.2 -> 10\\.244\\.2\\.2`));
    expect(section(text, /Lost packets \(3\)/).filter((l) => l.startsWith('  - '))).toHaveLength(3);
    const ladder = section(text, /^ {2}Ladder$/);
    expect(ladder.filter((l) => /X/.test(l) && /^ {2}\d\d:/.test(l))).toHaveLength(3);
    expect(text).toMatch(/\$ allow UDP 8472 both ways between the node subnets \(192\.168\.223\.131 and\s+192\.168\.232\.130\)/);
    expect(text).toContain('No flow #999 in this report: the ids are 1 to 5.');
  });
});
