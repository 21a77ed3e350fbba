#!/usr/bin/env node
import { decodeFrame, decodeOptions } from '../dist/decoders/index.js';
import { FlowTable } from '../dist/flows/table.js';
/**
 * What an open flow costs in memory: feeds a capture through the flow table (as analyzeFile
 * does, no report) and, every --every packets, collects garbage and prints the live heap plus
 * array buffers against the number of flows open then. The per-flow cost is the slope.
 *
 * Usage: node --expose-gc bench/flowcost.js FILE [--every N]
 */
import { openInput, readCapture } from '../dist/readers/index.js';

const [file, ...rest] = process.argv.slice(2);
if (!file || typeof global.gc !== 'function') {
  console.error('usage: node --expose-gc bench/flowcost.js FILE [--every N]');
  process.exit(2);
}
const every = rest[0] === '--every' ? Number(rest[1]) : 100_000;
const live = () => {
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const base = live();
const opts = decodeOptions();
const table = new FlowTable({ replyTimeout: 1, maxFlows: 1_000_000, idleTimeout: 15, onFlow: () => {} });
let no = 0;
const rows = [];
await readCapture(
  await openInput(file),
  (data, linkType, ts, wireLen, ifindex) => {
    const d = decodeFrame(linkType, data, opts);
    table.add({ no: ++no, ts, input: 0, wireLen, ifname: null, ifindex: d.ifindex ?? ifindex, direction: d.direction, line: null, frame: d.frame });
    if (no % every === 0) rows.push({ packets: no, open: table.openCount, liveMB: (live() - base) / 1e6 });
  },
  () => {},
);
table.finish();
for (const r of rows) console.log(`${r.packets} packets: ${r.open} flows open, ${r.liveMB.toFixed(1)} MB live`);
// Least squares of live bytes on open flows.
const n = rows.length;
const mx = rows.reduce((s, r) => s + r.open, 0) / n;
const my = rows.reduce((s, r) => s + r.liveMB * 1e6, 0) / n;
const slope = rows.reduce((s, r) => s + (r.open - mx) * (r.liveMB * 1e6 - my), 0) / rows.reduce((s, r) => s + (r.open - mx) ** 2, 0);
const perFlow = rows.reduce((s, r) => s + (r.liveMB * 1e6) / r.open, 0) / n;
console.log(`per open flow: ${Math.round(perFlow)} bytes on average (live / open), slope ${Math.round(slope)} bytes`);
