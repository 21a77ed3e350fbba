/**
 * The fast path changes nothing a user sees: every capture in the repository and in ../shared, and
 * each lab scenario's nodes read together, give byte for byte the same report with it on and off.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/index.js';
import { CAPTURE_ROOTS, captures } from './helpers/captures.js';

const LAB = fileURLToPath(new URL('../samples/lab/', import.meta.url));

/** The report as JSON, or the error it ends in. */
async function reportOf(paths: string[], fastPath: boolean): Promise<string> {
  try {
    return JSON.stringify(await analyzeFiles(paths, { fastPath }));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

const files = CAPTURE_ROOTS.flatMap((r) => captures(r));
/** Each lab scenario's node-a and node-b captures (any interface), read together. */
const pairs = [...new Set(files.filter((f) => f.startsWith(LAB)).map((f) => f.replace(/\.node[ab]-.*$/, '')))]
  .map((s) => [`${s}.nodea-any.pcap`, `${s}.nodeb-any.pcap`].filter((f) => files.includes(f)))
  .filter((p) => p.length === 2);

describe('fast path on and off', () => {
  it('gives the same report for every capture', async () => {
    expect(files.length).toBeGreaterThan(100);
    const differ: string[] = [];
    for (const f of files) if ((await reportOf([f], true)) !== (await reportOf([f], false))) differ.push(f);
    expect(differ).toEqual([]);
  }, 300_000);

  // Several inputs merged by time take decodeFrame's packets today (the merge holds packets; the
  // fast path reuses its one): this keeps the option's promise if that changes.
  it("gives the same report for each lab scenario's two nodes read together", async () => {
    expect(pairs.length).toBeGreaterThan(3);
    const differ: string[] = [];
    for (const p of pairs) if ((await reportOf(p, true)) !== (await reportOf(p, false))) differ.push(p.join(' + '));
    expect(differ).toEqual([]);
  }, 300_000);
});
