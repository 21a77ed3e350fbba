import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's samples and ../shared: every capture we have. */
export const CAPTURE_ROOTS = ['../../samples/', '../../../shared/'].map((r) => fileURLToPath(new URL(r, import.meta.url)));

/** Every capture file (pcap, pcapng, cap, maybe gzipped) below dir, in name order. */
export function captures(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) captures(p, out);
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(name)) out.push(p);
  }
  return out;
}
