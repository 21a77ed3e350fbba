#!/usr/bin/env node
/**
 * The tcpdump text reader's share of the time: reads a text file through the
 * library's TextReader in the chunks analyzeFile gets from a utf8 stream, with
 * empty packet and warning handlers, and prints lines/s (best of --repeat runs,
 * 3 by default: the machine is shared, so single runs are noisy).
 *
 * Usage: node bench/text.js FILE [--repeat N]
 */
import { createReadStream } from 'node:fs';
import { TextReader } from '../dist/index.js';

const args = process.argv.slice(2);
const path = args[0];
if (!path) {
  console.error('usage: node bench/text.js FILE [--repeat N]');
  process.exit(2);
}
const ri = args.indexOf('--repeat');
const repeat = ri >= 0 ? Number(args[ri + 1]) : 3;

let sink = 0;
async function once() {
  let warnings = 0;
  const r = new TextReader(
    path,
    0,
    (p) => {
      sink += p.no;
    },
    () => {
      warnings++;
    },
  );
  const stream = createReadStream(path);
  stream.setEncoding('utf8');
  for await (const chunk of stream) r.push(chunk);
  r.end();
  return { ...r.stats, warnings };
}

const runs = [];
let stats;
for (let i = 0; i < repeat; i++) {
  const t0 = process.hrtime.bigint();
  stats = await once();
  runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
const best = Math.min(...runs);
console.log(
  `${path}: ${stats.lines.toLocaleString('en-US')} lines, ${stats.parsed.toLocaleString('en-US')} packets, ${stats.skipped} skipped, ${stats.warnings} warnings`,
);
console.log(
  `TextReader best of ${repeat}: ${best.toFixed(3)} s  ${Math.round(stats.lines / best).toLocaleString('en-US')} lines/s   (runs: ${runs.map((s) => s.toFixed(3)).join(', ')})`,
);
if (sink === 0) console.log('(nothing read)');
