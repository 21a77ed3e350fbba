/**
 * samples/regression/: inputs that once broke something, and hostile ones picked by hand. Every
 * file goes through analyzeFile: a report, or AnalyzeError with one line naming the file; never
 * another exception, never a hang. Each file's outcome is pinned below (and described in the
 * folder's README.md); a new file without an entry fails, so the table stays complete.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnalyzeError, analyzeFile, type Report } from '../src/index.js';

const dir = fileURLToPath(new URL('../samples/regression/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f !== 'README.md')
  .sort();
/** Each is a few kB at most (the longest a 100 kB line): milliseconds, unless something loops or is quadratic. */
const LIMIT_MS = 2000;

type Expect = { report: true; packets: number; warning: RegExp | null; flows?: number } | { report: false; error: RegExp };

const EXPECTED: Record<string, Expect> = {
  'binary-garbage.txt': { report: false, error: /^offset 0: not a pcap, pcapng or tcpdump text \(first bytes d3 a7 50 7f/ },
  'empty.pcap': { report: false, error: /^empty input$/ },
  'not-tcpdump.txt': { report: false, error: /^no tcpdump packet lines found in 5 lines/ },
  'pcap-caplen-over-snaplen.pcap': {
    report: true,
    packets: 1,
    warning: /^offset 24: record 1 claims 148 captured bytes of a 10-byte packet \(snap length 64\).*cut to the snap length/,
  },
  'pcap-cut-mid-record.pcap': { report: true, packets: 7, warning: /^offset 1122: the file was cut inside the record at this offset/, flows: 2 },
  'pcap-double-gzip.pcap.gz': { report: false, error: /^offset 0: gzip inside gzip/ },
  'pcap-header-only.pcap': { report: true, packets: 0, warning: null, flows: 0 },
  'pcap-record-2gib.pcap': { report: true, packets: 1, warning: /^offset 188: record claims 2147483648 captured bytes .* stopped reading after 1 records/ },
  'pcap-unknown-linktype.pcap': { report: true, packets: 1, warning: /^offset 20: link type 147 is not one we decode/, flows: 0 },
  'pcapng-bad-block-length.pcapng': {
    report: true,
    packets: 1,
    warning: /^offset 220: block of type 0x6 has an impossible length 13: stopped reading after 1 packets/,
  },
  'pcapng-missing-interface.pcapng': {
    report: true,
    packets: 0,
    warning: /^offset 128: packet names interface 7, which its section does not describe: skipped/,
    flows: 0,
  },
  'text-100k-unclosed-brackets.txt': { report: true, packets: 1, warning: null },
  'utf16le-tcpdump.txt': { report: true, packets: 8, warning: null, flows: 2 },
  'vxlan-text-cut-inner-frame.txt': { report: true, packets: 1, warning: /^line 1: read in part/ },
};

async function outcome(path: string): Promise<Report | AnalyzeError> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${LIMIT_MS} ms`)), LIMIT_MS)));
  try {
    return await Promise.race([analyzeFile(path), hang]);
  } catch (e) {
    // AnalyzeError is the only exception analyzeFile may throw for a bad input.
    if (e instanceof AnalyzeError) return e;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

describe('samples/regression: a report or one line naming the file, nothing else', () => {
  it('every file is in the table, and every table entry is a file', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it('README.md lists every file', () => {
    const readme = readFileSync(dir + 'README.md', 'utf8');
    for (const f of files) expect(readme, f).toContain('`' + f + '`');
  });

  for (const f of files) {
    it(f, async () => {
      const path = dir + f;
      const want = EXPECTED[f]!;
      const t0 = performance.now();
      const got = await outcome(path);
      // Measured too: the timer above cannot interrupt work that never yields (one long line).
      expect(performance.now() - t0).toBeLessThan(LIMIT_MS);
      if (!want.report) {
        expect(got).toBeInstanceOf(AnalyzeError);
        const e = got as AnalyzeError;
        expect(e.lines).toHaveLength(1);
        expect(e.message).not.toContain('\n');
        expect(e.message.startsWith(path + ': '), e.message).toBe(true);
        expect(e.message.slice(path.length + 2)).toMatch(want.error);
        return;
      }
      expect(got).not.toBeInstanceOf(AnalyzeError);
      const r = got as Report;
      expect(r.inputs).toHaveLength(1);
      expect(r.inputs[0]!.packets).toBe(want.packets);
      expect(r.inputs[0]!.error).toBeUndefined();
      if (want.flows !== undefined) expect(r.flows).toHaveLength(want.flows);
      // Warnings are one line each and name the file; the expected one comes first.
      for (const w of r.warnings) {
        expect(w).not.toContain('\n');
        expect(w.startsWith(path + ': '), w).toBe(true);
      }
      if (want.warning === null) expect(r.warnings).toEqual([]);
      else expect(r.warnings[0]!.slice(path.length + 2)).toMatch(want.warning);
    });
  }
});
