/**
 * What the text reader produces, pinned: every packet, warning and count it gives for tcpdump's
 * own regression outputs, the lab's text in every form (samples/text), the seed, the regression samples and (when generated)
 * the benchmark's VXLAN text, hashed per file into test/golden/lexer-text.json.
 *
 * The reader was rewritten for speed (the tail after "src > dst:" read from its raw text instead of
 * from re-joined tokens, lines split by hand); this is what shows that no field changed. A change
 * that is meant to alter output regenerates the file with GOLDEN_UPDATE=1 and says why.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TextReader } from '../src/lexer/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOLDEN = `${ROOT}test/golden/lexer-text.json`;
const SHARED = `${ROOT}../shared/`;

/** Corpus name (relative to the repository) -> path; missing directories give nothing. */
function corpus(): Map<string, string> {
  const files = new Map<string, string>();
  const add = (dir: string, name: string, keep: (f: string) => boolean) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).filter(keep).sort()) files.set(name + f, dir + f);
  };
  add(`${SHARED}tcpdump-tests/`, '../shared/tcpdump-tests/', (f) => f.endsWith('.out'));
  add(`${SHARED}seed/`, '../shared/seed/', (f) => f.endsWith('.txt'));
  add(`${ROOT}samples/lab/`, 'samples/lab/', (f) => f.endsWith('.txt'));
  add(`${ROOT}samples/regression/`, 'samples/regression/', (f) => f.endsWith('.txt'));
  // The lab's captures printed with each set of flags people use (samples/text/make-forms.sh).
  const forms = `${ROOT}samples/text/`;
  if (existsSync(forms))
    for (const d of readdirSync(forms)
      .filter((d) => !d.includes('.'))
      .sort())
      add(`${forms}${d}/`, `samples/text/${d}/`, (f) => f.endsWith('.txt'));
  return files;
}

/** The benchmark's text (bench/generate.js 10k, gitignored): checked when it has been generated. */
const BENCH = 'bench/out/vxlan-10k.txt';

/**
 * JSON with sorted keys, and the numbers JSON cannot tell apart (NaN, ±Infinity, -0) and undefined
 * spelled out, so that any changed field changes the hash.
 */
function canonical(v: unknown): string {
  if (v === undefined) return '"<undefined>"';
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? String(v) : `"<${Object.is(v, -0) ? '-0' : v}>"`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

interface Digest {
  packets: number;
  warnings: number;
  lines: number;
  skipped: number;
  /** sha-256 (first 16 hex digits) of every packet and warning, in order, and the stats. */
  hash: string;
}

/** Reads a file in 64 kB chunks, as a stream gives it, hashing packets and warnings as they come. */
function digest(path: string): Digest {
  const text = readFileSync(path, 'utf8');
  const h = createHash('sha256');
  let packets = 0;
  let warnings = 0;
  const r = new TextReader(
    'golden',
    0,
    (p) => {
      packets++;
      h.update(canonical(p)).update('\n');
    },
    (w) => {
      warnings++;
      h.update('W').update(canonical(w)).update('\n');
    },
  );
  for (let i = 0; i < text.length; i += 65536) r.push(text.slice(i, i + 65536));
  r.end();
  h.update(canonical(r.stats));
  return { packets, warnings, lines: r.stats.lines, skipped: r.stats.skipped, hash: h.digest('hex').slice(0, 16) };
}

const golden: Record<string, Digest> = existsSync(GOLDEN) ? JSON.parse(readFileSync(GOLDEN, 'utf8')) : {};

if (process.env.GOLDEN_UPDATE) {
  const out: Record<string, Digest> = {};
  for (const [name, path] of corpus()) out[name] = digest(path);
  if (existsSync(ROOT + BENCH)) out[BENCH] = digest(ROOT + BENCH);
  writeFileSync(GOLDEN, JSON.stringify(out, null, 0).replace(/\},"/g, '},\n"') + '\n');
  Object.assign(golden, out);
}

describe('text reader output, pinned per file', () => {
  const files = corpus();
  it('the golden file covers the corpus it was made from', () => {
    expect(files.size).toBeGreaterThan(250);
    for (const name of files.keys()) expect(golden[name], name).toBeDefined();
  });
  it.each([...files])('%s', (name, path) => {
    expect(digest(path)).toEqual(golden[name]);
  });
  it.skipIf(!existsSync(ROOT + BENCH))(`${BENCH} (when generated)`, () => {
    expect(digest(ROOT + BENCH)).toEqual(golden[BENCH]);
  });
});
