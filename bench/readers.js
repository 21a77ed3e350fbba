#!/usr/bin/env node
/**
 * The capture reader's share of the time: reads every record of a capture
 *   - through the library's readCapture (its own pcap or pcapng reader) with an empty handler,
 *   - through pcap-parser, the user's named dependency for classic pcap, which the library
 *     used before (a devDependency now, kept to measure it; classic pcap in µs only),
 *   - through a direct loop: fs.readSync in 8 MB chunks, record headers parsed in place,
 *     the same empty handler called with a view of each record (classic pcap only),
 * and prints records/s and MB/s of each (best of --repeat runs, 3 by default).
 * With --stages it also times readCapture + the packets (fast path, then decodeFrame only); that
 * + a Map entry per conversation (the least any flow table does); that + FlowTable (flows closed
 * when idle, no report); and the whole analysis (analyzeFile): each stage's own share of the whole.
 *
 * Usage: node bench/readers.js FILE [--repeat N] [--stages]
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { analyzeFile } from '../dist/analyze.js';
import { decodeOptions } from '../dist/decoders/index.js';
import { FlowTable, tupleKey } from '../dist/flows/table.js';
import { viewOf } from '../dist/flows/view.js';
import { openInput, readCapture } from '../dist/readers/index.js';
import { PacketMaker } from '../dist/readers/packets.js';

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

/**
 * readCapture + PacketMaker (the fast path, or with fast false decodeFrame for every record) and
 * then, by `upTo`: nothing more ('decode'); viewOf and one Map entry per conversation, a packet
 * count keyed by the table's own tuple hash, the least any flow table does ('map'); the FlowTable
 * as analyze wires it, flows closed when idle, no report ('table').
 */
async function stages(path, upTo, fast) {
  const input = await openInput(path);
  const maker = new PacketMaker(decodeOptions(), fast);
  const t = upTo === 'table' ? new FlowTable({ replyTimeout: 1, maxFlows: 1_000_000, idleTimeout: 15, onFlow: () => sink++ }) : null;
  const flows = new Map();
  let no = 0;
  const r = await readCapture(
    input,
    (data, linkType, ts, wireLen, ifindex) => {
      const p = maker.packet(data, linkType, ts, wireLen, ifindex, null, ++no, 0);
      if (t) t.add(p);
      else if (upTo === 'map') {
        const v = viewOf(p);
        if (v.kind !== 'conv') return;
        const k = tupleKey(v.tuple);
        flows.set(k, (flows.get(k) ?? 0) + 1);
      } else sink += p.frame.truncated ? 1 : 2;
    },
    () => {},
  );
  if (t) sink += t.finish().flows.length;
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
    `${label.padEnd(58)} ${records.toLocaleString('en-US').padStart(10)} records  ${best.toFixed(3).padStart(7)} s  ${Math.round(records / best)
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
  const rows = [];
  for (const fast of [true, false]) {
    const how = fast ? 'fast path' : 'decodeFrame only';
    rows.push(await time(`+ packets (${how})`, () => stages(path, 'decode', fast), repeat, mb));
    rows.push(await time(`+ packets + a Map per conversation (${how})`, () => stages(path, 'map', fast), repeat, mb));
    rows.push(await time(`+ packets + FlowTable, no report (${how})`, () => stages(path, 'table', fast), repeat, mb));
    rows.push(await time(`analyzeFile, the whole analysis (${how})`, async () => (await analyzeFile(path, { fastPath: fast })).summary.packets, repeat, mb));
  }
  // Each stage's own time: what it adds to the one before it (fast path).
  const [decode, map, table, whole] = rows;
  const own = [
    ['reading records (readCapture)', lib.seconds],
    ['decoding into packets', decode.seconds - lib.seconds],
    ['the flow table (pairing, TCP analysis, sightings, closing flows)', table.seconds - decode.seconds],
    ['judging and the report', whole.seconds - table.seconds],
  ];
  console.log(
    `\nwhere the whole analysis's ${whole.seconds.toFixed(2)} s go (fast path; a Map per conversation instead of the table would take ${(map.seconds - decode.seconds).toFixed(2)} s):`,
  );
  for (const [what, s] of own) console.log(`  ${what.padEnd(66)} ${s.toFixed(2).padStart(6)} s  ${((100 * s) / whole.seconds).toFixed(0).padStart(3)}%`);
  if (pp) console.log(`pcap-parser would take ${((100 * pp.seconds) / whole.seconds).toFixed(0)}% of the whole (its time over the whole's)`);
}
if (sink === 0) console.log('(nothing read)');
