#!/usr/bin/env node
/**
 * Two nodes' captures analyzed together, against each analyzed alone: the benchmark's capture
 * (bench/generate.js) is node A's view; node B's view (vxlan-NAME.nodeb.pcap, made here once) is
 * the same packets seen at a second capture point, its clock OFFSET seconds ahead (0.12 s of
 * clock and 0.3 ms of transit by default: NTP-synced nodes). Each run is a child process
 * (bench/child.js), so its peak RSS is its own; its CPU time (user) is given too, steadier than
 * wall time on a shared machine. Every run is appended to bench/out/results.jsonl.
 *
 * Usage: node bench/nodes.js [10k | 100k | 1m] [--offset S] [--repeat N]
 */
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { capturePaths, ensure, OUT_DIR, SIZES } from './generate.js';
import { timed } from './timed.js';

const ROOT = resolve(OUT_DIR, '..', '..');

function parseArgs(argv) {
  const o = { name: '100k', offset: DEFAULT_OFFSET, repeat: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--offset') o.offset = Number(argv[++i]);
    else if (a === '--repeat') o.repeat = Number(argv[++i]);
    else if (SIZES[a.toLowerCase()] !== undefined) o.name = a.toLowerCase();
    else {
      console.error(`nodes.js: unknown argument ${a} (usage: node bench/nodes.js [10k|100k|1m] [--offset S] [--repeat N])`);
      process.exit(2);
    }
  }
  return o;
}

/** Copies a classic pcap (µs, little endian: the generator's), each record's time `offset` seconds later. */
export function shifted(from, to, offset) {
  const shift = Math.round(offset * 1e6);
  const inFd = openSync(from, 'r');
  const tmp = `${to}.part`;
  const outFd = openSync(tmp, 'w');
  const buf = Buffer.allocUnsafe(16 << 20);
  let have = 0;
  let first = true;
  try {
    for (let r; (r = readSync(inFd, buf, have, buf.length - have, null)) > 0; ) {
      have += r;
      let at = 0;
      if (first) {
        at = 24;
        first = false;
      }
      while (at + 16 <= have) {
        const len = buf.readUInt32LE(at + 8);
        if (at + 16 + len > have) break;
        const us = buf.readUInt32LE(at) * 1e6 + buf.readUInt32LE(at + 4) + shift;
        buf.writeUInt32LE(Math.floor(us / 1e6), at);
        buf.writeUInt32LE(us % 1e6, at + 4);
        at += 16 + len;
      }
      writeSync(outFd, buf, 0, at);
      buf.copy(buf, 0, at, have);
      have -= at;
    }
    if (have > 0) throw new Error(`${from}: ${have} bytes of a cut record at the end`);
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
  renameSync(tmp, to);
}

async function run(files) {
  const tmp = mkdtempSync(join(tmpdir(), 'bench-nodes-'));
  const outPath = join(tmp, 'out.json');
  const t = await timed(process.execPath, ['bench/child.js', ...files], outPath);
  let summary = null;
  try {
    summary = JSON.parse(readFileSync(outPath, 'utf8').trim().split('\n').pop());
  } catch {
    summary = { error: `exit ${t.code}: ${t.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
  rmSync(tmp, { recursive: true, force: true });
  return { seconds: t.seconds, maxRssKB: t.maxRssKB ?? summary.maxRssKB ?? null, ...summary };
}

async function best(n, f) {
  let b = null;
  for (let i = 0; i < n; i++) {
    const r = await f();
    if (b === null || r.seconds < b.seconds) b = r;
  }
  return b;
}

const mb = (kb) => (kb === null ? '-' : (kb / 1024).toFixed(0));
const equal = (v, truth) =>
  Object.entries(truth).every(([k, n]) => (v?.[k] ?? 0) === n) &&
  Object.values(v ?? {}).reduce((a, n) => a + n, 0) === Object.values(truth).reduce((a, n) => a + n, 0);

/** Runs the case and prints it; `o`: { name, offset, repeat }. */
export async function benchNodes(o) {
  const truth = ensure(o.name, { text: false, log: (s) => console.log(`generated ${s}`) });
  const a = capturePaths(o.name).pcap;
  const b = a.replace(/\.pcap$/, '.nodeb.pcap');
  if (!existsSync(b)) shifted(a, b, o.offset);
  const [ra, rb] = [relative(ROOT, a), relative(ROOT, b)];
  console.log(
    `two nodes, ${o.name} (${truth.flows} flows, ${truth.packets} packets each; B's clock ${o.offset} s ahead)${o.repeat > 1 ? `, best of ${o.repeat}` : ''}`,
  );
  const alone = [];
  for (const f of [ra, rb]) {
    process.stdout.write(`  ${f} alone...`);
    alone.push(await best(o.repeat, () => run([f])));
    process.stdout.write('\n');
  }
  process.stdout.write('  both together...');
  const both = await best(o.repeat, () => run([ra, rb]));
  process.stdout.write('\n');
  const sum = alone[0].seconds + alone[1].seconds;
  const rows = [
    ['A alone', alone[0]],
    ['B alone', alone[1]],
    ['A and B together', both],
  ];
  for (const [what, r] of rows)
    console.log(
      `  ${what.padEnd(17)} ${r.seconds.toFixed(2).padStart(6)} s  ${(r.userSeconds ?? NaN).toFixed(2).padStart(6)} s CPU  ${mb(r.maxRssKB).padStart(5)} MB peak RSS  ${r.error ?? `${r.flows} flows, verdicts ${equal(r.verdicts, truth.verdicts) ? '= truth' : `differ: ${JSON.stringify(r.verdicts)}`}`}`,
    );
  const cpu = both.userSeconds / (alone[0].userSeconds + alone[1].userSeconds);
  console.log(
    `  together / sum alone: ${(both.seconds / sum).toFixed(2)} wall, ${cpu.toFixed(2)} CPU (target at most 1.2); peak RSS together ${mb(both.maxRssKB)} MB (target under 250 MB for 1M flows)`,
  );
  const rec = {
    date: new Date().toISOString(),
    bench: 'nodes',
    cpuRatio: cpu,
    size: o.name,
    flows: truth.flows,
    packets: truth.packets,
    offset: o.offset,
    alone,
    both,
    ratio: both.seconds / sum,
  };
  appendFileSync(join(OUT_DIR, 'results.jsonl'), `${JSON.stringify(rec)}\n`);
  return rec;
}

export const DEFAULT_OFFSET = 0.1203;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('nodes.js: dist/index.js is missing: build the library first (npm run build)');
    process.exit(2);
  }
  benchNodes(parseArgs(process.argv.slice(2))).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
