/**
 * A pcapng file's capture points, read before the analysis (section headers and interface
 * blocks only; packet blocks are skipped by their length), so that a file merging several nodes' captures is analyzed as that many inputs.
 */
import { promises as fs } from 'node:fs';
import { openInput } from './open.js';
import { readPcapng } from './pcapng.js';
import { describePoint } from './points.js';

export interface PointPlan {
  /** Each capture point in words ("section 2: any (Linux 6.1)"). */
  labels: string[];
  /** Sections written by mergecap whose captures cannot be told apart. */
  unsplitMerges: number;
}

const PCAPNG = [0x0a, 0x0d, 0x0d, 0x0a];
const GZIP = [0x1f, 0x8b];

async function head(path: string): Promise<Buffer> {
  const h = await fs.open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    return b.subarray(0, (await h.read(b, 0, 4, 0)).bytesRead);
  } finally {
    await h.close();
  }
}

/** The capture points of a pcapng file (maybe gzipped); null for anything else or a file that cannot be read (the analysis then says why). */
export async function planPoints(path: string, name: string): Promise<PointPlan | null> {
  try {
    const b = await head(path);
    const starts = (m: number[]) => m.every((x, i) => b[i] === x);
    if (!starts(PCAPNG) && !starts(GZIP)) return null;
    const input = await openInput(path, undefined, name);
    if (input.format !== 'pcapng') {
      input.stream.destroy();
      return null;
    }
    const s = await readPcapng(
      input.chunks ? input.chunks() : input.stream,
      name,
      () => undefined,
      () => undefined,
      true,
    );
    const sections = Math.max(0, ...s.points.map((p) => p.section));
    return { labels: s.points.map((p) => describePoint(p, sections)), unsplitMerges: s.unsplitMerges };
  } catch {
    return null;
  }
}
