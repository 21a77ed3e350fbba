#!/usr/bin/env node
/**
 * Where the time goes: runs bench/child.js on one capture under `node --cpu-prof`
 * and prints the functions with the most self time (file:line function, % of
 * samples), or summarizes an existing .cpuprofile.
 *
 * Usage: node bench/profile.js FILE [--top N]
 *        node bench/profile.js --summarize PROFILE.cpuprofile [--top N]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

export function summarize(profile, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const dt = deltas[i] ?? 0;
    total += dt;
    const cf = n.callFrame;
    let file = cf.url ? cf.url.replace(/^file:\/\//, '') : '';
    if (file.startsWith(ROOT)) file = relative(ROOT, file);
    const key = cf.url ? `${file}:${cf.lineNumber + 1} ${cf.functionName || '(anonymous)'}` : cf.functionName || '(anonymous)';
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return {
    totalSeconds: total / 1e6,
    top: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, percent: (100 * us) / total, seconds: us / 1e6 })),
  };
}

function print(s) {
  console.log(`${s.totalSeconds.toFixed(2)} s sampled; self time:`);
  for (const r of s.top) console.log(`${r.percent.toFixed(1).padStart(5)}%  ${r.seconds.toFixed(2).padStart(6)} s  ${r.fn}`);
}

function main() {
  const args = process.argv.slice(2);
  let top = 15;
  const ti = args.indexOf('--top');
  if (ti >= 0) {
    top = Number(args[ti + 1]);
    args.splice(ti, 2);
  }
  if (args[0] === '--summarize') {
    print(summarize(JSON.parse(readFileSync(args[1], 'utf8')), top));
    return;
  }
  const file = args[0];
  if (!file) {
    console.error('usage: node bench/profile.js FILE [--top N] | --summarize PROFILE [--top N]');
    process.exit(2);
  }
  const dir = join(HERE, 'out', 'prof');
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, join(HERE, 'child.js'), file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(r.stdout.trim());
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= started - 1000)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  console.log(`profile: ${relative(process.cwd(), newest)}`);
  print(summarize(JSON.parse(readFileSync(newest, 'utf8')), top));
}

main();
