/**
 * A pcapng file merging several nodes' captures is read as one input per capture point, with a
 * warning; when the merge cannot be told apart, a warning says per-node files give better answers.
 * Real merges of the lab's two-node capture by mergecap and cat (samples/merged/make-merged.sh).
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze, analyzeFile, analyzeFiles, type Report } from '../src/index.js';
import { PointSplitter } from '../src/readers/points.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const merged = (f: string) => `${root}samples/merged/${f}`;
const lab = (f: string) => `${root}samples/lab/${f}`;

/** What does not depend on the inputs' names. */
function verdicts(r: Report) {
  return r.flows.map((f) => ({
    flow: `${f.proto} ${f.client} -> ${f.server}`,
    verdict: f.verdict,
    locus: f.locus,
    hops: f.hops.length,
    lost: f.lost.map((l) => `${l.role} ${l.locus}`),
  }));
}

describe('merged pcapng', () => {
  const apart = analyzeFiles([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap')]);

  for (const [file, how] of [
    ['none.pcapng', 'interface block (mergecap -I none)'],
    ['cat.pcapng', 'section (cat)'],
  ] as const) {
    it(`${file}: split by ${how}, the verdicts of the two files read apart`, async () => {
      const r = await analyzeFile(merged(file));
      expect(verdicts(r)).toEqual(verdicts(await apart));
      expect(r.summary.verdicts).toMatchObject({ healthy: 2, 'request-only': 3 });
      expect(r.inputs.map((i) => [i.name.slice(root.length), i.packets])).toEqual([
        [`samples/merged/${file}#1`, 22],
        [`samples/merged/${file}#2`, 58],
      ]);
      expect(r.clockOffsets).toHaveLength(1);
      expect(r.warnings[0]).toMatch(new RegExp(`^${merged(file)}: merges 2 capture points \\(interface blocks of several systems\\): read as `));
    });
  }

  it("all.pcapng (mergecap folded the two nodes' interface blocks): one point, and a warning to use the per-node files", async () => {
    const r = await analyzeFile(merged('all.pcapng'));
    expect(r.inputs).toHaveLength(1);
    expect(r.warnings).toContain(
      `${merged('all.pcapng')}: was merged by mergecap from captures it did not keep apart (-I all folds identical interfaces): read as one capture point; the per-node files (or mergecap -I none) give better answers`,
    );
  });

  it('one node on four interfaces (dumpcap, one section) is one capture point, without a warning', async () => {
    const r = await analyzeFile(lab('pcapng-names.nodea-multi.pcapng'));
    expect(r.inputs).toHaveLength(1);
    expect(r.warnings).toEqual([]);
  });

  it('a merged stream cannot be split before it is read: one input, and a warning', async () => {
    const r = await analyze([{ name: 'ssh', stream: createReadStream(merged('none.pcapng')) }]);
    expect(r.inputs).toHaveLength(1);
    expect(r.warnings).toContain(
      'ssh: holds 2 capture points (interface blocks of several systems), read here as one: give it as a file to have them read apart',
    );
  });
});

describe('PointSplitter', () => {
  const points = (sections: [string | null, [string | null, string | null][]][]) => {
    const s = new PointSplitter();
    const out: number[][] = [];
    for (const [appl, ifaces] of sections) {
      s.startSection(appl);
      out.push(ifaces.map(([name, os]) => s.iface(1, 262144, name, os)));
    }
    s.endSection();
    return { out, unsplit: s.unsplitMerges };
  };
  it('a repeated interface starts a new point; several interfaces of one system stay one', () => {
    expect(
      points([
        [
          'Dumpcap',
          [
            ['eth0', null],
            ['eth1', null],
          ],
        ],
      ]),
    ).toEqual({ out: [[0, 0]], unsplit: 0 });
    expect(
      points([
        [
          null,
          [
            ['eth0', null],
            ['eth1', null],
            ['eth0', null],
            ['eth1', null],
          ],
        ],
      ]),
    ).toEqual({ out: [[0, 0, 1, 1]], unsplit: 0 });
  });
  it('mergecap: another system (if_os) is another point; one folded interface is a merge left whole', () => {
    expect(
      points([
        [
          'Mergecap (Wireshark) 4.0',
          [
            ['any', 'Linux 6.1'],
            ['any', 'Linux 6.6'],
            ['eth0', 'Linux 6.6'],
          ],
        ],
      ]),
    ).toEqual({ out: [[0, 1, 1]], unsplit: 0 });
    expect(points([['Mergecap (Wireshark) 4.0', [[null, null]]]])).toEqual({ out: [[0]], unsplit: 1 });
  });
  it('every section is a point of its own', () => {
    expect(
      points([
        [null, [['any', null]]],
        [null, [['any', null]]],
      ]),
    ).toEqual({ out: [[0], [1]], unsplit: 0 });
  });
});
