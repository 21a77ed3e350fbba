/**
 * The HTML report in a real headless Chromium (Debian's package, driven by playwright-core; no
 * browser download): it loads from disk with no console error and no request, each problem
 * flow's ladder has one lane per place a capture saw it and one row per packet, lost packets are
 * marked on the underlay, the table filters and sorts, the JSON parses, and a screenshot looks
 * like the page (size and a few pixels). UPDATE_SCREENSHOTS=1 writes them to docs/screenshots.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import { analyze, annotate, nodeNamer, readCluster, resolver } from '../src/index.js';
import type { FlowReport, Report } from '../src/report/build.js';
import { renderHtml } from '../src/report/html/page.js';
import { labDir } from './helpers/lab.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) console.warn(`report.browser.test: SKIPPED, no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
const shots = process.env.UPDATE_SCREENSHOTS ? fileURLToPath(new URL('../docs/screenshots/', import.meta.url)) : mkdtempSync(join(tmpdir(), 'oa-shots-'));
mkdirSync(shots, { recursive: true });

let ctx: BrowserContext;

/** Opens a report's page from disk; collects console errors and every request other than the page itself. */
async function open(r: Report, name: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'oa-html-')), `${name}.html`);
  writeFileSync(file, renderHtml(r));
  const page = await ctx.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (q) => {
    if (q.url() !== `file://${file}`) requests.push(q.url());
  });
  await page.goto(`file://${file}`);
  return { page, errors, requests };
}

function flow(r: Report, client: string, server: string): FlowReport {
  const f = r.flows.find((x) => x.proto === 'icmp' && x.client === client && x.server === server);
  if (!f) throw new Error(`no flow ${client} -> ${server}`);
  return f;
}

/** Places a flow was seen at, per capture point, as the report tells them. */
function places(f: FlowReport): number {
  return f.hops.reduce((n, h) => n + new Set([...h.requestPath, ...h.replyPath].map((s) => s.ifname ?? s.ifindex)).size, 0);
}

/** Colour of one pixel of a PNG, read back by the browser itself (no image library). */
async function pixel(png: Buffer, x: number, y: number): Promise<number[]> {
  const p = await ctx.newPage();
  const rgba = await p.evaluate(
    async ([b64, px, py]) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      return [...g.getImageData(px as number, py as number, 1, 1).data];
    },
    [png.toString('base64'), Math.round(x), Math.round(y)] as const,
  );
  await p.close();
  return rgba;
}

describe.skipIf(!present)('HTML report in headless Chromium', () => {
  let blocked: Report;
  let healthy: Report;
  beforeAll(async () => {
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'oa-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    blocked = await analyzeFiles([labDir + 'blocked-8472.nodea-any.pcap', labDir + 'blocked-8472.nodeb-any.pcap']);
    healthy = await analyzeFiles([labDir + 'healthy-icmp.nodea-any.pcap']);
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
  });

  it('two nodes, UDP 8472 blocked: the requests leave node B encapsulated and are marked lost on the underlay', async () => {
    const { page, errors, requests } = await open(blocked, 'blocked-8472');
    const bToA = flow(blocked, '10.244.3.2', '10.244.2.2');
    const svg = page.locator(`svg.ladder[data-flow="${bToA.id}"]`);
    await expect(svg.count()).resolves.toBe(1);
    // One lane per place node B saw it (pod veth, bridge, flannel.1, NIC), the underlay, node A with nothing.
    await expect(svg.locator('.lane[data-kind=seen]').count()).resolves.toBe(places(bToA));
    expect(places(bToA)).toBe(4);
    await expect(svg.locator('.lane[data-kind=gap]').count()).resolves.toBe(1);
    await expect(svg.locator('.lane[data-kind=unseen]').count()).resolves.toBe(1);
    // One row per request followed, each ending in a cross on the underlay band, with the words.
    await expect(svg.locator('.row[data-role=request]').count()).resolves.toBe(bToA.hops[0]!.packets.length);
    const marks = svg.locator('.lost-mark');
    await expect(marks.count()).resolves.toBe(3);
    const gap = await svg.locator('.lane[data-kind=gap] rect').boundingBox();
    for (let i = 0; i < 3; i++) {
      await expect(marks.nth(i).getAttribute('data-lane-kind')).resolves.toBe('gap');
      const x = await marks.nth(i).locator('path').boundingBox();
      expect(x!.x + x!.width / 2).toBeCloseTo(gap!.x + gap!.width / 2, 0);
      await expect(marks.nth(i).textContent()).resolves.toContain('never arrived at 192.168.232.130');
    }
    // The encapsulated arrows name their outer endpoints and VNI.
    await expect(svg.locator('text.outer').first().textContent()).resolves.toBe('192.168.223.131 > 192.168.232.130:8472');
    // Node A's pings reach node B; B's replies are the lost ones: both nodes' lanes, six rows, three crosses.
    const aToB = flow(blocked, '10.244.2.2', '10.244.3.2');
    const svg2 = page.locator(`svg.ladder[data-flow="${aToB.id}"]`);
    await expect(svg2.locator('.lane[data-kind=seen]').count()).resolves.toBe(8);
    await expect(svg2.locator('.row').count()).resolves.toBe(6);
    await expect(svg2.locator('.row[data-role=reply][data-lost] .lost-mark').count()).resolves.toBe(3);
    // Every problem flow has its diagram; every diagram's lost marks match the report's lost packets.
    for (const f of blocked.flows.filter((x) => x.verdict !== 'healthy')) {
      await expect(page.locator(`svg.ladder[data-flow="${f.id}"] .lost-mark`).count()).resolves.toBe(f.lost.length);
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const png = await page.screenshot({ fullPage: true, path: join(shots, 'blocked-8472-page.png') });
    const size = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    expect(png.readUInt32BE(16)).toBe(size[0]);
    expect(png.readUInt32BE(20)).toBe(size[1]);
    expect(size[1]).toBeGreaterThan(1500);
    // A few pixels: the first cross is red, the underlay band pale, the page white.
    const box = await marks.first().locator('path').boundingBox();
    const scroll = await page.evaluate(() => window.scrollY);
    const [r, g, b] = await pixel(png, box!.x + box!.width / 2, box!.y + scroll + box!.height / 2);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(110);
    expect(b).toBeLessThan(110);
    const band = await pixel(png, gap!.x + 10, gap!.y + scroll + 5);
    expect(band.slice(0, 3)).toEqual([0xf1, 0xf5, 0xf9]);
    expect((await pixel(png, 3, 3)).slice(0, 3)).toEqual([255, 255, 255]);
    await svg.screenshot({ path: join(shots, 'blocked-8472-ladder.png') });
    await svg2.screenshot({ path: join(shots, 'blocked-8472-replies-lost-ladder.png') });
    await page.locator('svg.tunnels').screenshot({ path: join(shots, 'blocked-8472-tunnels.png') });
    await page.close();
  }, 60_000);

  it('the flow table filters by verdict and address, and sorts by a column', async () => {
    const { page } = await open(blocked, 'table');
    const visible = () => page.locator('#flows tbody tr:visible');
    await expect(visible().count()).resolves.toBe(blocked.flows.length);
    await page.selectOption('#f-verdict', 'healthy');
    await expect(visible().count()).resolves.toBe(blocked.summary.verdicts.healthy);
    await page.selectOption('#f-verdict', '');
    await page.fill('#f-text', '10.244.2.2');
    const want = blocked.flows.filter((f) => f.client === '10.244.2.2' || f.server === '10.244.2.2').length;
    await expect(visible().count()).resolves.toBe(want);
    expect(want).toBeLessThan(blocked.flows.length);
    await page.fill('#f-text', '');
    const ids = async () => (await page.locator('#flows tbody tr td:first-child').allTextContents()).map((t) => Number(t.slice(1)));
    await page.click('#flows th:first-child');
    const up = await ids();
    expect(up).toEqual([...up].sort((a, b) => a - b));
    await page.click('#flows th:first-child');
    expect(await ids()).toEqual([...up].reverse());
    // A problem flow's id links to its diagram.
    const link = page.locator('#flows a[href^="#flow-"]').first();
    const target = (await link.getAttribute('href'))!;
    await expect(page.locator(`${target} svg.ladder`).count()).resolves.toBe(1);
    await page.close();
  }, 60_000);

  it("one capture (the seed's misrouted.txt): the reply is marked where it should have left encapsulated", async () => {
    const r = await analyzeFiles([fileURLToPath(new URL('../../shared/seed/misrouted.txt', import.meta.url))]);
    const { page, errors, requests } = await open(r, 'misrouted');
    const svg = page.locator('svg.ladder').first();
    await expect(svg.locator('.lane[data-kind=seen]').count()).resolves.toBe(2);
    const mark = svg.locator('.row[data-role=reply] .lost-mark');
    await expect(mark.count()).resolves.toBe(1);
    await expect(mark.getAttribute('data-lane-kind')).resolves.toBe('seen');
    await expect(mark.textContent()).resolves.toContain('never left this node encapsulated');
    const lane = await svg.locator('.lane[data-kind=seen]').first().getAttribute('data-x');
    await expect(mark.getAttribute('data-x')).resolves.toBe(lane);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page
      .locator('section.flow')
      .first()
      .screenshot({ path: join(shots, 'seed-misrouted-flow.png') });
    await page.close();
  }, 60_000);

  it("with --kube: each capture's node and its clues, the cluster's disagreements with their commands, the names", async () => {
    const kube = fileURLToPath(new URL('../samples/kube/', import.meta.url));
    const c = await readCluster([`${kube}lab-cluster-stale-ip.yaml`, `${kube}lab-endpoints.yaml`]);
    const r = await analyze([{ path: `${labDir}silent-receiver.nodea-overlay.pcap` }, { path: `${labDir}blocked-8472.nodeb-any.pcap` }], {
      resolveNode: resolver(c),
      nameNode: nodeNamer(c),
      annotate: (x) => annotate(x, c),
    });
    const { page, errors, requests } = await open(r, 'kube');
    const cards = page.locator('.node-card');
    await expect(cards.count()).resolves.toBe(2);
    // Node A sent no IPv4: named by the VTEP MAC its flannel.1's link-local address is made from.
    await expect(cards.nth(0).locator('h3').textContent()).resolves.toBe(`${labDir}silent-receiver.nodea-overlay.pcap — node-a (192.168.232.130)`);
    await expect(cards.nth(0).locator('ul.clues li').first().textContent()).resolves.toContain('is made from VTEP MAC 02:bb:32:12:e0:c2');
    await expect(cards.nth(1).locator('h3').textContent()).resolves.toContain('node-b');
    await expect(cards.nth(1).locator('ul.clues li').first().textContent()).resolves.toBe(
      '192.168.223.131: sends encapsulated packets from it (8 packets leaving)',
    );
    // The stale description's disagreements, each with commands that say where to run them.
    const found = page.locator('.cluster-finding');
    await expect(found.count()).resolves.toBe(r.cluster!.findings.length);
    expect(r.cluster!.findings.length).toBeGreaterThan(0);
    for (const f of await found.locator('pre.cmds').allTextContents()) for (const line of f.split('\n')) expect(line).toMatch(/ {3}# (on |from )|^kubectl /);
    await expect(page.locator('table.names tr').count()).resolves.toBe(Object.keys(r.cluster!.names).length + 1);
    // The findings' commands name the nodes by the description.
    await expect(page.locator('.finding:not(.cluster-finding) pre.cmds').first().textContent()).resolves.toContain('# on node-b');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.locator('#nodes').scrollIntoViewIfNeeded();
    const top = await page.locator('#nodes').boundingBox();
    const end = await page.locator('#problems').boundingBox();
    const scroll = await page.evaluate(() => window.scrollY);
    await page.screenshot({
      fullPage: true,
      path: join(shots, 'kube-nodes-cluster.png'),
      clip: { x: 0, y: top!.y + scroll - 10, width: 1280, height: end!.y - top!.y },
    });
    await page.close();
  }, 60_000);

  it('the embedded JSON parses and is the report; a healthy capture has no problem section and no error', async () => {
    const { page, errors, requests } = await open(healthy, 'healthy');
    const json = await page.evaluate(() => JSON.parse(document.getElementById('report-data')!.textContent!));
    expect(json).toEqual(JSON.parse(JSON.stringify(healthy)));
    await page.click('#json summary');
    await expect(page.locator('#json-text').textContent()).resolves.toContain('"verdict": "healthy"');
    await expect(page.locator('#problems').count()).resolves.toBe(0);
    await expect(page.locator('.finding').count()).resolves.toBe(0);
    await expect(page.locator('.lost-mark').count()).resolves.toBe(0);
    // Healthy flows' diagrams are there, folded.
    await expect(page.locator('details.flow svg.ladder').count()).resolves.toBe(healthy.flows.length);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.screenshot({ fullPage: true, path: join(shots, 'healthy-page.png') });
    await page.close();
  }, 60_000);
});
