/**
 * The fast path against the reference: on every record of every capture in the repository and in
 * ../shared, and on randomly mutated copies of them, FastDecoder.decode() either declines (null) or
 * gives exactly what decodeFrame() gives: the same frame tree, direction and interface index.
 */
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { FastDecoder } from '../src/decoders/fast.js';
import { decodeFrame, decodeOptions } from '../src/decoders/index.js';
import { openInput, readCapture } from '../src/readers/index.js';
import { CAPTURE_ROOTS, captures } from './helpers/captures.js';

/** Mutated copies checked (each of 1-4 random bytes changed, or cut short). */
const MUTATIONS = 2_000_000;

interface Rec {
  linkType: number;
  bytes: Uint8Array;
  lab: boolean;
}
const LAB = fileURLToPath(new URL('../samples/lab/', import.meta.url));

const opts = decodeOptions();

/** Why the fast path's answer for `bytes` differs from the reference's, or null when it declines or agrees. */
function disagreement(fast: FastDecoder, linkType: number, bytes: Uint8Array): string | null {
  const p = fast.decode(linkType, bytes, 0, bytes.length);
  if (!p) return null;
  const ref = decodeFrame(linkType, bytes, opts);
  if (!isDeepStrictEqual(p.frame, ref.frame)) return `frame ${JSON.stringify(p.frame)} != ${JSON.stringify(ref.frame)}`;
  if (p.direction !== ref.direction) return `direction ${p.direction} != ${ref.direction}`;
  if (p.ifindex !== ref.ifindex) return `ifindex ${p.ifindex} != ${ref.ifindex}`;
  return null;
}

describe('FastDecoder', () => {
  const records: Rec[] = [];
  const files = CAPTURE_ROOTS.flatMap((r) => captures(r));

  beforeAll(async () => {
    for (const path of files) {
      const input = await openInput(path).catch(() => null);
      if (!input || input.format === 'text') continue;
      await readCapture(
        input,
        (data, linkType) => records.push({ linkType, bytes: Uint8Array.from(data), lab: path.startsWith(LAB) }),
        () => {},
      ).catch(() => {});
    }
  }, 120_000);

  it('agrees with decodeFrame on every captured record, and takes most of the overlay lab records', () => {
    const fast = new FastDecoder(opts);
    const bad: string[] = [];
    const taken = { lab: 0, labAll: 0, all: 0 };
    for (const r of records) {
      const why = disagreement(fast, r.linkType, r.bytes);
      if (why && bad.length < 5) bad.push(why);
      const ok = fast.decode(r.linkType, r.bytes, 0, r.bytes.length) !== null;
      taken.all += +ok;
      if (r.lab) {
        taken.labAll++;
        taken.lab += +ok;
      }
    }
    expect(files.length).toBeGreaterThan(100);
    expect(records.length).toBeGreaterThan(10_000);
    expect(bad).toEqual([]);
    // The lab's overlay captures are mostly the common shapes: a fast path that declined them would prove nothing.
    expect(taken.lab / taken.labAll).toBeGreaterThan(0.6);
    expect(taken.all).toBeGreaterThan(3000);
  });

  it('agrees with decodeFrame on mutated records', () => {
    const fast = new FastDecoder(opts);
    // Mutations of the records it takes: the shapes where a wrong bound would show.
    const base = records.filter((r) => fast.decode(r.linkType, r.bytes, 0, r.bytes.length));
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const bad: string[] = [];
    let taken = 0;
    for (let k = 0; k < MUTATIONS; k++) {
      const r = base[rand(base.length)]!;
      let b = r.bytes.slice();
      if (rand(8) === 0) b = b.subarray(0, rand(b.length + 1));
      else for (let m = 1 + rand(4); m > 0; m--) b[rand(Math.min(b.length, 120))] = rand(256);
      const why = disagreement(fast, r.linkType, b);
      if (why && bad.length < 5) bad.push(`${r.linkType} ${Buffer.from(b).toString('hex')}: ${why}`);
      if (fast.decode(r.linkType, b, 0, b.length)) taken++;
    }
    expect(bad).toEqual([]);
    expect(taken).toBeGreaterThan(MUTATIONS / 4);
  }, 120_000);

  it('decodes a record inside a larger buffer as the same record alone', () => {
    const fast = new FastDecoder(opts);
    const r = records.find((x) => fast.decode(x.linkType, x.bytes, 0, x.bytes.length)?.frame.tunnel)!;
    const alone = JSON.stringify(fast.decode(r.linkType, r.bytes, 0, r.bytes.length));
    const big = new Uint8Array(r.bytes.length + 40).fill(0xee);
    big.set(r.bytes, 17);
    expect(JSON.stringify(fast.decode(r.linkType, big, 17, 17 + r.bytes.length))).toBe(alone);
  });
});
