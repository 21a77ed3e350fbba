#!/usr/bin/env node
/**
 * Start-up: the command (bin/analyze.js) on a capture of about 200 packets, wall time from spawn
 * to exit, next to node doing nothing (node -e '') and, when installed, tshark reading the same
 * file (tshark -r FILE -q). The capture is made once by bench/generate.js
 * (bench/out/vxlan-startup.pcap). Median and fastest of RUNS runs each (default 7), the three
 * interleaved so a busy moment of a shared machine falls on all of them.
 *
 * Usage: node bench/startup.js [--runs N]
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { capturePaths, generate, haveTool, OUT_DIR } from './generate.js';
import { timed } from './timed.js';

const ROOT = resolve(OUT_DIR, '..', '..');
/** Flows of the start-up capture: about 200 packets. */
const FLOWS = 24;

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** Runs the case and prints it; returns the figures (seconds). */
export async function benchStartup({ runs = 7 } = {}) {
  const paths = capturePaths('startup');
  const truth = existsSync(paths.pcap) ? null : generate({ name: 'startup', flows: FLOWS, text: false });
  const file = relative(ROOT, paths.pcap);
  const cases = [
    ['node -e ""', process.execPath, ['-e', '']],
    ['analyze FILE', process.execPath, ['bin/analyze.js', file]],
    ...(haveTool('tshark') ? [['tshark -r FILE -q', 'tshark', ['-r', file, '-q']]] : []),
  ];
  const times = cases.map(() => []);
  for (let i = 0; i < runs; i++) for (const [k, [, cmd, args]] of cases.entries()) times[k].push((await timed(cmd, args)).seconds);
  console.log(`start-up, ${file}${truth ? ` (${truth.packets} packets)` : ''}: wall seconds, median and fastest of ${runs}`);
  const rec = { date: new Date().toISOString(), bench: 'startup', file, runs };
  for (const [k, [what]] of cases.entries()) {
    console.log(`  ${what.padEnd(18)} ${median(times[k]).toFixed(3)}  ${Math.min(...times[k]).toFixed(3)}`);
    rec[what] = { median: median(times[k]), fastest: Math.min(...times[k]) };
  }
  console.log('  target: analyze FILE under 0.150');
  appendFileSync(join(OUT_DIR, 'results.jsonl'), `${JSON.stringify(rec)}\n`);
  return rec;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--runs');
  benchStartup({ runs: i > 0 ? Number(process.argv[i + 1]) : 7 }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
