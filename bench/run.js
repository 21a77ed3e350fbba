#!/usr/bin/env node
/**
 * The benchmark: for each capture size and each format (pcap, pcapng, tcpdump
 * text of the same packets), analyze it in a child process (bench/child.js,
 * or the CLI with --cli) and report packets/s, MB/s, wall time, peak RSS and
 * whether the verdict counts equal the generator's truth. When tshark and
 * tcpdump are installed, they read the same binary file in the same run:
 *   tshark -r FILE -q -d udp.port==8472,vxlan -z conv,ip
 *   tcpdump -nn -r FILE > /dev/null
 * and our time is given as a ratio of theirs (ours/theirs: 0.05 = 20x faster).
 *
 * Then two nodes' captures of the largest size analyzed together against each alone
 * (bench/nodes.js; --no-nodes skips it), and the start-up on a 200-packet capture
 * (bench/startup.js; --no-startup skips it).
 *
 * Captures are generated (bench/generate.js) into bench/out/ when missing.
 * Every run is appended to bench/out/results.jsonl.
 *
 * Usage: node bench/run.js [10k] [100k] [1m] [--all] [--formats pcap,pcapng,text]
 *                          [--repeat N] [--no-tools] [--cli] [--seed N] [--heap MB]
 *                          [--no-nodes] [--no-startup]
 * --heap MB gives the analyzer's node a larger heap (--max-old-space-size) for the 1m size.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capturePaths, DEFAULT_SEED, ensure, GENERATOR_VERSION, haveTool, OUT_DIR, SIZES } from './generate.js';
import { benchNodes, DEFAULT_OFFSET } from './nodes.js';
import { benchStartup } from './startup.js';
import { timed } from './timed.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const FORMATS = ['pcap', 'pcapng', 'text'];
const VERDICTS = ['healthy', 'lossy', 'request-only', 'host-unreachable', 'refused', 'filtered', 'frag-needed', 'incomplete'];

function usage(code) {
  console.log(
    'usage: node bench/run.js [10k] [100k] [1m] [--all] [--formats pcap,pcapng,text] [--repeat N] [--no-tools] [--cli] [--seed N] [--heap MB] [--no-nodes] [--no-startup]',
  );
  process.exit(code);
}

function parseArgs(argv) {
  const o = { names: [], formats: FORMATS, repeat: 1, tools: true, cli: false, seed: DEFAULT_SEED, heapMB: null, nodes: true, startup: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--all') o.names.push('10k', '100k', '1m');
    else if (a === '--formats') o.formats = String(argv[++i]).split(',');
    else if (a === '--repeat') o.repeat = Number(argv[++i]);
    else if (a === '--no-tools') o.tools = false;
    else if (a === '--no-nodes') o.nodes = false;
    else if (a === '--no-startup') o.startup = false;
    else if (a === '--cli') o.cli = true;
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--heap') o.heapMB = Number(argv[++i]);
    else if (a === '-h' || a === '--help') usage(0);
    else if (SIZES[a.toLowerCase()] !== undefined) o.names.push(a.toLowerCase());
    else {
      console.error(`run.js: unknown argument ${a}`);
      usage(2);
    }
  }
  if (o.names.length === 0) o.names = ['10k', '100k'];
  o.names = [...new Set(o.names)];
  if (o.formats.some((f) => !FORMATS.includes(f))) {
    console.error(`run.js: --formats takes ${FORMATS.join(',')}`);
    process.exit(2);
  }
  if (!Number.isInteger(o.repeat) || o.repeat < 1) {
    console.error('run.js: --repeat needs a positive integer');
    process.exit(2);
  }
  return o;
}

/** Lines in a text file (counted in 8 MB reads). */
function countLines(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  let n = 0;
  try {
    for (let r; (r = readSync(fd, buf, 0, buf.length, null)) > 0; ) for (let i = buf.indexOf(10); i !== -1 && i < r; i = buf.indexOf(10, i + 1)) n++;
  } finally {
    closeSync(fd);
  }
  return n;
}

/** The summary part of a report: from the child's JSON line, or from the CLI's whole JSON report. */
function readSummary(path, cli) {
  const text = readFileSync(path, 'utf8');
  if (!cli) return JSON.parse(text.trim().split('\n').pop());
  const r = JSON.parse(text);
  return { packets: r.summary.packets, flows: r.summary.flows, verdicts: r.summary.verdicts, warnings: r.warnings.length, maxRssKB: null };
}

/** Differences between the verdict counts and the truth, as "healthy -1, lossy +1"; "" when equal. */
function verdictDiff(got, truth) {
  const parts = [];
  for (const v of VERDICTS) {
    const want = truth.verdicts[v] ?? 0;
    const have = got?.[v] ?? 0;
    if (have !== want) parts.push(`${v} ${have - want > 0 ? '+' : ''}${have - want}`);
  }
  return parts.join(', ');
}

async function runOurs(file, cli, truth, heapMB) {
  const tmp = mkdtempSync(join(tmpdir(), 'bench-out-'));
  const outPath = join(tmp, 'out.json');
  const args = [...(heapMB ? [`--max-old-space-size=${heapMB}`] : []), ...(cli ? ['bin/analyze.js', file, '--format', 'json'] : ['bench/child.js', file])];
  const t = await timed(process.execPath, args, outPath);
  let summary = null;
  let error = null;
  try {
    summary = readSummary(outPath, cli);
  } catch (e) {
    const lines = t.stderr.trim().split('\n');
    const fatal = lines.find((l) => /FATAL ERROR|Error:|error:/.test(l));
    error = `no summary (exit ${t.code}): ${fatal?.trim() ?? (lines.slice(-3).join(' | ') || e.message)}`;
  }
  rmSync(tmp, { recursive: true, force: true });
  const maxRssKB = t.maxRssKB ?? summary?.maxRssKB ?? null;
  const diff = summary ? verdictDiff(summary.verdicts, truth) : null;
  return {
    seconds: t.seconds,
    analyzeSeconds: summary?.analyzeSeconds ?? null,
    maxRssKB,
    packets: summary?.packets ?? null,
    flows: summary?.flows ?? null,
    verdicts: summary?.verdicts ?? null,
    warnings: summary?.warnings ?? null,
    match: diff === '',
    diff,
    error,
  };
}

async function best(n, f) {
  let b = null;
  for (let i = 0; i < n; i++) {
    const r = await f();
    if (b === null || (r.seconds < b.seconds && !r.error)) b = r;
  }
  return b;
}

function fmtNum(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(rows, headers) {
  const cells = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('run.js: dist/index.js is missing: build the library first (npm run build)');
    process.exit(2);
  }
  const tshark = o.tools && haveTool('tshark');
  const tcpdump = o.tools && haveTool('tcpdump');
  const needText = o.formats.includes('text');
  if (needText && !haveTool('tcpdump')) {
    console.error('run.js: tcpdump is not installed: no text captures (apt-get install tcpdump); skipping the text format');
    o.formats = o.formats.filter((f) => f !== 'text');
  }
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? '?',
    cpus: cpus().length,
    memGB: Math.round(totalmem() / 2 ** 30),
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null,
    generator: GENERATOR_VERSION,
    runner: (o.cli ? 'bin/analyze.js --format json' : 'bench/child.js (analyzeFile)') + (o.heapMB ? ` --max-old-space-size=${o.heapMB}` : ''),
    tshark: tshark ? spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : null,
    tcpdump: tcpdump ? spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : null,
  };
  console.log(`node ${meta.node}, ${meta.cpus} x ${meta.cpu}, ${meta.memGB} GB; runner: ${meta.runner}${o.repeat > 1 ? `, best of ${o.repeat}` : ''}`);
  if (o.tools && !tshark) console.log('tshark not installed: no tshark comparison (apt-get install tshark)');
  if (o.tools && !tcpdump) console.log('tcpdump not installed: no tcpdump comparison (apt-get install tcpdump)');

  const rows = [];
  const results = join(OUT_DIR, 'results.jsonl');
  /** tcpdump -nn -r on each size's pcap: the time it takes to print the text that the text rows read. */
  const tcpdumpPrint = new Map();
  for (const name of o.names) {
    const truth = ensure(name, { seed: o.seed, text: needText, log: (s) => console.log(`generated ${s}`) });
    const paths = capturePaths(name);
    for (const format of o.formats) {
      const file = paths[format];
      const rel = relative(ROOT, file);
      const mb = statSync(file).size / 1e6;
      process.stdout.write(`${name} ${format}: ours`);
      const ours = await best(o.repeat, () => runOurs(rel, o.cli, truth, o.heapMB));
      let ts = null;
      let td = null;
      if (format !== 'text' && tshark) {
        process.stdout.write(', tshark');
        ts = await best(o.repeat, () => timed('tshark', ['-r', rel, '-q', '-d', 'udp.port==8472,vxlan', '-z', 'conv,ip']));
      }
      if (tcpdump) {
        // Text is measured against tcpdump printing that text from the pcap (what made it), once per size.
        const of = format === 'text' ? relative(ROOT, paths.pcap) : rel;
        if (format !== 'text' || !tcpdumpPrint.has(name)) {
          process.stdout.write(', tcpdump');
          const t = await best(o.repeat, () => timed('tcpdump', ['-nn', '-r', of]));
          if (format === 'pcap' || format === 'text') tcpdumpPrint.set(name, t);
          td = t;
        }
        if (format === 'text') td = tcpdumpPrint.get(name);
      }
      const lines = format === 'text' ? countLines(file) : null;
      process.stdout.write('\n');
      if (ours.error) console.log(`  ours failed: ${ours.error}`);
      else if (!ours.match) console.log(`  verdicts differ from the truth: ${ours.diff}`);
      const pkts = truth.packets;
      const rec = {
        ...meta,
        size: name,
        flows: truth.flows,
        format,
        file: rel,
        bytes: statSync(file).size,
        packets: pkts,
        truth: truth.verdicts,
        ours: {
          ...ours,
          packetsPerSecond: pkts / ours.seconds,
          mbPerSecond: mb / ours.seconds,
          lines,
          linesPerSecond: lines !== null ? lines / ours.seconds : null,
        },
        tshark: ts ? { seconds: ts.seconds, maxRssKB: ts.maxRssKB, code: ts.code, ratio: ours.seconds / ts.seconds } : null,
        tcpdump: td ? { seconds: td.seconds, maxRssKB: td.maxRssKB, code: td.code, ratio: ours.seconds / td.seconds } : null,
      };
      appendFileSync(results, JSON.stringify(rec) + '\n');
      rows.push([
        name,
        format,
        fmtNum(mb, 1),
        fmtNum(pkts),
        fmtNum(ours.seconds, 2),
        ours.error ? '-' : fmtNum(pkts / ours.seconds),
        lines !== null && !ours.error ? fmtNum(lines / ours.seconds) : '-',
        ours.error ? '-' : fmtNum(mb / ours.seconds, 1),
        fmtNum(ours.maxRssKB !== null ? ours.maxRssKB / 1024 : null),
        ours.error ? 'error' : ours.match ? 'yes' : 'NO',
        ts ? fmtNum(ts.seconds, 2) : '-',
        ts && !ours.error ? fmtNum(ours.seconds / ts.seconds, 3) : '-',
        td ? fmtNum(td.seconds, 2) : '-',
        td && !ours.error ? fmtNum(ours.seconds / td.seconds, 3) : '-',
      ]);
    }
  }
  console.log('');
  console.log(
    table(rows, [
      'size',
      'format',
      'MB',
      'packets',
      'wall s',
      'packets/s',
      'lines/s',
      'MB/s',
      'RSS MB',
      'verdicts=truth',
      'tshark s',
      'ours/tshark',
      'tcpdump s',
      'ours/tcpdump',
    ]),
  );
  console.log(`\nwall s: the whole child process (node start, import, read, decode, flows, report; until it failed, for an error); RSS: its peak.`);
  console.log(
    "ours/X: our wall time over X's on the same file (0.05 = 20x faster than X); for text, tcpdump is its time printing that text (tcpdump -nn -r on the pcap).",
  );
  if (o.nodes) {
    console.log('');
    await benchNodes({ name: o.names.at(-1), offset: DEFAULT_OFFSET, repeat: o.repeat });
  }
  if (o.startup) {
    console.log('');
    await benchStartup();
  }
  console.log(`results appended to ${relative(process.cwd(), results)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
