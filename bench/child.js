#!/usr/bin/env node
/**
 * One benchmark run in its own process, so its peak memory is its own:
 * analyzes its inputs (several: read together, as several capture points) with the built
 * library and prints one JSON line (packets, flows, verdict counts, time inside the analysis,
 * peak RSS).
 *
 * Usage: node bench/child.js FILE [FILE...] [--reply-timeout S]
 */
// The modules the CLI loads (the package's index also loads the text grammar, which analyze.js
// loads only for text), with the CLI's process settings.
import { analyzeFiles } from '../dist/analyze.js';
import { limitHeapGrowth } from '../dist/heap.js';

limitHeapGrowth();

const args = process.argv.slice(2);
const files = [];
const opts = {};
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--reply-timeout') opts.replyTimeout = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: node bench/child.js FILE [FILE...] [--reply-timeout S]');
  process.exit(2);
}

const t0 = process.hrtime.bigint();
const report = await analyzeFiles(files, opts);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const ru = process.resourceUsage();
const out = {
  file: files.join(' '),
  format: report.inputs[0]?.format ?? null,
  packets: report.summary.packets,
  flows: report.summary.flows,
  verdicts: report.summary.verdicts,
  warnings: report.warnings.length,
  firstWarnings: report.warnings.slice(0, 3),
  analyzeSeconds: seconds,
  userSeconds: ru.userCPUTime / 1e6,
  systemSeconds: ru.systemCPUTime / 1e6,
  maxRssKB: ru.maxRSS,
};
process.stdout.write(JSON.stringify(out) + '\n');
