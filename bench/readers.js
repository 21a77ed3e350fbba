#!/usr/bin/env node
/**
 * The capture reader's share of the time: reads every record of a capture
 *   - through the library's readCapture (its own pcap or pcapng reader) with an empty handler,
 *   - through pcap-parser, the user's named dependency for classic pcap, which the library
 *     used before (a devDependency now, kept to measure it; classic pcap in µs only),
 *   - through a direct loop: fs.readSync in 8 MB chunks, record headers parsed in place,
 *     the same empty handler called with a view of each record (classic pcap only),
 * and prints records/s and MB/s of each (best of --repeat runs, 3 by default).
 * With --stages it also times readCapture + decodeFrame; that + a Map entry per conversation
 * (the least any flow table does); that + FlowTable (flows closed when idle, no report); and the
 * whole analysis (analyzeFile): each stage's share of the whole.
 *
 * Usage: node bench/readers.js FILE [--repeat N] [--stages]
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { analyzeFile } from '../dist/analyze.js';
import { decodeFrame, decodeOptions } from '../dist/decoders/index.js';
import { FlowTable, tupleKey } from '../dist/flows/table.js';
import { viewOf } from '../dist/flows/view.js';
import { openInput, readCapture } from '../dist/readers/index.js';

let sink = 0;
/** The empty handler both readers call: touches the record so no engine can skip the call. */
function onRecord(data, linkType, ts, wireLen) {
  sink += data.length + wireLen;
}

async function viaLibrary(path) {
  const input = await openInput(path);
  const r = await readCapture(input, onRecord, () => {});
  return r.records;
}

/** readCapture + decodeFrame, and optionally the flow table, as analyzeFile wires them (flows closed when idle, no report). */
async function stages(path, table) {
  const input = await openInput(path);
  const opts = decodeOptions();
  const t = table ? new FlowTable({ replyTimeout: 1, maxFlows: 1_000_000, idleTimeout: 15, onFlow: () => sink++ }) : null;
  let no = 0;
  const r = await readCapture(
    input,
    (data, linkType, ts, wireLen, ifindex) => {
      const d = decodeFrame(linkType, data, opts);
      no++;
      if (t) t.add({ no, ts, input: 0, wireLen, ifname: null, ifindex: d.ifindex ?? ifindex, direction: d.direction, line: null, frame: d.frame });
      else sink += d.frame.truncated ? 1 : 2;
    },
    () => {},
  );
  if (t) sink += t.finish().flows.length;
  return r.records;
}

/**
 * readCapture + decodeFrame + viewOf + one Map entry per conversation (a packet count keyed by a
 * number hashed from its tuple): the least any flow table does, for judging what the whole can reach.
 */
async function floor(path) {
  const input = await openInput(path);
  const opts = decodeOptions();
  const flows = new Map();
  const r = await readCapture(
    input,
    (data, linkType, ts, wireLen, ifindex) => {
      const d = decodeFrame(linkType, data, opts);
      const v = viewOf({ no: 0, ts, input: 0, wireLen, ifname: null, ifindex: d.ifindex ?? ifindex, direction: d.direction, line: null, frame: d.frame });
      if (v.kind !== 'conv') return;
      // The table's own key, the same both ways round (collisions do not matter here).
      const k = tupleKey(v.tuple);
      flows.set(k, (flows.get(k) ?? 0) + 1);
    },
    () => {},
  );
  sink += flows.size;
  return r.records;
}

/** pcap-parser's records with the same empty handler, read in the 1 MiB chunks the library reads; null when it is not installed. */
async function viaPcapParser(path) {
  let parse;
  try {
    ({ parse } = (await import('pcap-parser')).default);
  } catch {
    return null;
  }
  return new Promise((resolve, reject) => {
    const parser = parse(createReadStream(path, { highWaterMark: 1 << 20 }));
    let records = 0;
    parser.on('packet', (p) => {
      records++;
      onRecord(p.data, 0, p.header.timestampSeconds + p.header.timestampMicroseconds * 1e-6, p.header.originalLength);
    });
    parser.on('end', () => resolve(records));
    parser.on('error', reject);
  });
}

const CHUNK = 8 << 20;

/** Classic pcap, µs or ns, either byte order: record headers read straight from big chunks. */
function direct(path) {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let len = readSync(fd, buf, 0, buf.length, null);
    if (len < 24) throw new Error(`${path}: shorter than a pcap header`);
    const magic = buf.readUInt32LE(0);
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap`);
    const scale = magic === 0xa1b23c4d || buf.readUInt32BE(0) === 0xa1b23c4d ? 1e-9 : 1e-6;
    const linkType = le ? buf.readUInt32LE(20) : buf.readUInt32BE(20);
    let pos = 24;
    let records = 0;
    for (;;) {
      while (pos + 16 <= len) {
        const caplen = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
        if (pos + 16 + caplen > len) break;
        const sec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
        const frac = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
        const wire = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
        onRecord(buf.subarray(pos + 16, pos + 16 + caplen), linkType, sec + frac * scale, wire, null);
        records++;
        pos += 16 + caplen;
      }
      // Move the partial record to the front and read more behind it.
      const left = len - pos;
      if (left > 0 && pos > 0) buf.copy(buf, 0, pos, len);
      if (left + 16 > buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      pos = 0;
      const n = readSync(fd, buf, left, buf.length - left, null);
      len = left + n;
      if (n === 0) break;
    }
    return records;
  } finally {
    closeSync(fd);
  }
}

async function time(label, f, repeat, mb) {
  const all = [];
  let records = 0;
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    records = await f();
    all.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const best = Math.min(...all);
  console.log(
    `${label.padEnd(50)} ${records.toLocaleString('en-US').padStart(10)} records  ${best.toFixed(3).padStart(7)} s  ${Math.round(records / best)
      .toLocaleString('en-US')
      .padStart(11)} records/s  ${(mb / best).toFixed(0).padStart(5)} MB/s   (runs: ${all.map((s) => s.toFixed(3)).join(', ')})`,
  );
  return { label, records, seconds: best, runs: all };
}

const args = process.argv.slice(2);
const path = args[0];
if (!path) {
  console.error('usage: node bench/readers.js FILE [--repeat N] [--stages]');
  process.exit(2);
}
const ri = args.indexOf('--repeat');
const repeat = ri >= 0 ? Number(args[ri + 1]) : 3;
const mb = statSync(path).size / 1e6;
const input = await openInput(path);
input.stream.destroy();
console.log(`${path}: ${mb.toFixed(1)} MB, ${input.format}; empty record handler, best of ${repeat}`);
const lib = await time(`readCapture (${input.format} reader)`, () => viaLibrary(path), repeat, mb);
let pp = null;
if (input.format === 'pcap') {
  const d = await time('direct loop (readSync 8 MB chunks)', () => direct(path), repeat, mb);
  console.log(`readCapture takes ${(lib.seconds / d.seconds).toFixed(1)}x the direct loop's time`);
  if ((await viaPcapParser(path)) === null) console.log('pcap-parser is not installed (npm install): not measured');
  else {
    pp = await time('pcap-parser', () => viaPcapParser(path), repeat, mb);
    console.log(`pcap-parser takes ${(pp.seconds / d.seconds).toFixed(1)}x the direct loop's time, ${(pp.seconds / lib.seconds).toFixed(1)}x readCapture's`);
  }
}
if (args.includes('--stages')) {
  await time('readCapture + decodeFrame', () => stages(path, false), repeat, mb);
  await time('readCapture + decodeFrame + a Map per conversation', () => floor(path), repeat, mb);
  await time('readCapture + decodeFrame + FlowTable (no report)', () => stages(path, true), repeat, mb);
  const whole = await time('analyzeFile (the whole analysis, with the report)', async () => (await analyzeFile(path)).summary.packets, repeat, mb);
  const share = (r) => `${((100 * r.seconds) / whole.seconds).toFixed(0)}%`;
  console.log(`share of the whole analysis: readCapture ${share(lib)}${pp ? `; pcap-parser would be ${share(pp)} (its time over the whole's)` : ''}`);
}
if (sink === 0) console.log('(nothing read)');
