/**
 * The HTML page as text: self-contained, the report's JSON embedded intact, every problem flow
 * drawn, names from the inputs escaped; and the CLI's --format html.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import type { Report } from '../src/report/build.js';
import { renderHtml } from '../src/report/html/page.js';
import { labDir } from './helpers/lab.js';

const bin = fileURLToPath(new URL('../bin/analyze.js', import.meta.url));
const A = labDir + 'blocked-8472.nodea-any.pcap';
const B = labDir + 'blocked-8472.nodeb-any.pcap';

function embedded(html: string): unknown {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(m![1]!);
}

describe('renderHtml', () => {
  let r: Report;
  let html: string;
  beforeAll(async () => {
    r = await analyzeFiles([A, B]);
    html = renderHtml(r);
  });

  it('needs nothing outside itself: no external script, style, image, font or link', () => {
    expect(html).not.toMatch(/<link\b|@import|<img\b|<iframe\b/i);
    expect(html).not.toMatch(/(?<![-\w])(src|href|action)\s*=\s*["'](?!#)/i);
    expect(html.match(/url\(([^)]*)\)/g)?.every((u) => u.startsWith('url(#'))).toBe(true);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
  });

  it('embeds the report as JSON, equal to --format json', () => {
    expect(embedded(html)).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('draws every problem flow, findings largest first', () => {
    for (const f of r.flows.filter((x) => x.verdict !== 'healthy')) {
      expect(html).toContain(`<section class="flow" id="flow-${f.id}"`);
      expect(html).toMatch(new RegExp(`<svg class="ladder" data-flow="${f.id}"`));
    }
    const counts = [...html.matchAll(/<span class="count">(\d+) flows?<\/span>/g)].map((m) => Number(m[1]));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts).toEqual([2, 1]);
  });

  it('escapes what comes from the inputs', () => {
    const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    const page = renderHtml({ ...r, inputs: r.inputs.map((i) => ({ ...i, name: evil })), warnings: [evil] });
    expect(page.match(/<script\b/g)).toHaveLength(2);
    expect(page).not.toContain('<img');
    expect((embedded(page) as Report).inputs[0]!.name).toBe(evil);
  });
});

describe('tunnel diagram', () => {
  it('seed healthy.txt: the underlay rewrites the outer source; the two addresses the anomaly names are marked', async () => {
    const r = await analyzeFiles([fileURLToPath(new URL('../../shared/seed/healthy.txt', import.meta.url))]);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['source-rewritten']);
    const html = renderHtml(r);
    const marked = [...html.matchAll(/<g class="tnode anomaly">.*?<text [^>]*>([^<]+)<\/text>/g)].map((m) => m[1]).sort();
    expect(marked).toEqual(['192.168.223.131', '192.168.232.1']);
    expect([...html.matchAll(/<g class="tedge"/g)]).toHaveLength(2);
  });
});

describe('analyze --format html', () => {
  it('writes the page to stdout and exits 1 for the problems it found', () => {
    const out = spawnSync(process.execPath, [bin, '--format', 'html', A, B], { encoding: 'utf8', timeout: 30_000 });
    expect(out.status).toBe(1);
    expect(out.stderr).toBe('');
    expect(out.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(out.stdout.trimEnd().endsWith('</html>')).toBe(true);
    expect((embedded(out.stdout) as Report).summary.problems).toBe(3);
  });
  it('--flow shows one flow in full in the text report', () => {
    const out = spawnSync(process.execPath, [bin, '--flow', '1', A, B], { encoding: 'utf8', timeout: 30_000 });
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(/^Flow #1: request-only/);
    expect(out.stdout).toContain('Ladder');
  });
});
