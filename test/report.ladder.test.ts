/**
 * The ladder model on real captures: the lab's two nodes with UDP 8472 blocked, and the seed's
 * single-node excerpts, plus the ASCII rendering of it.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import { asciiLadder } from '../src/report/ascii-ladder.js';
import type { FlowReport, Report } from '../src/report/build.js';
import { ladderOf } from '../src/report/ladder.js';
import { labDir } from './helpers/lab.js';

const seed = (f: string) => fileURLToPath(new URL(`../../shared/seed/${f}`, import.meta.url));

function flow(r: Report, proto: string, client: string, server: string): FlowReport {
  const f = r.flows.find((x) => x.proto === proto && x.client === client && x.server === server);
  if (!f) throw new Error(`no ${proto} flow ${client} -> ${server}`);
  return f;
}

describe('ladder of the two-node blocked-8472 capture', () => {
  let r: Report;
  beforeAll(async () => {
    r = await analyzeFiles([labDir + 'blocked-8472.nodea-any.pcap', labDir + 'blocked-8472.nodeb-any.pcap']);
  });

  it("B -> A: node B's four places, the underlay, node A that saw nothing; each request lost on the underlay", () => {
    const l = ladderOf(flow(r, 'icmp', '10.244.3.2', '10.244.2.2'));
    expect(l.lanes.map((x) => [x.label, x.kind])).toEqual([
      ['ifindex 5', 'seen'],
      ['ifindex 4', 'seen'],
      ['ifindex 3', 'seen'],
      ['ifindex 2', 'seen'],
      ['underlay', 'gap'],
      ['nothing seen', 'unseen'],
    ]);
    expect(l.groups.map((g) => [g.node, g.side])).toEqual([
      ['192.168.223.131', 'client'],
      ['192.168.232.130', 'server'],
    ]);
    expect(l.rows.map((x) => x.label)).toEqual(['request seq 1', 'request seq 2', 'request seq 3']);
    for (const row of l.rows) {
      // Pod side to NIC, then the NIC into the underlay, where it stops.
      expect(row.segments).toEqual([
        { from: 0, to: 3, outer: null },
        { from: 3, to: 4, outer: '192.168.223.131 > 192.168.232.130:8472 vxlan vni 1' },
      ]);
      expect(row.lost).toMatchObject({ lane: 4, short: 'never arrived at 192.168.232.130' });
    }
    // Time goes down.
    expect(l.rows.map((x) => x.ts)).toEqual([...l.rows.map((x) => x.ts)].sort((a, b) => a! - b!));
  });

  it("A -> B: both nodes' lanes, the server's in reverse; requests cross, replies die on the underlay", () => {
    const l = ladderOf(flow(r, 'icmp', '10.244.2.2', '10.244.3.2'));
    expect(l.lanes.map((x) => x.label)).toEqual([
      'ifindex 5',
      'ifindex 4',
      'ifindex 3',
      'ifindex 2',
      'underlay',
      'ifindex 2',
      'ifindex 3',
      'ifindex 4',
      'ifindex 5',
    ]);
    expect(l.rows.map((x) => x.role)).toEqual(['request', 'reply', 'request', 'reply', 'request', 'reply']);
    const [req, rep] = l.rows;
    expect(req!.segments).toContainEqual({ from: 3, to: 5, outer: '192.168.232.130 > 192.168.223.131:8472 vxlan vni 1' });
    expect(req!.lost).toBeNull();
    expect(rep!.segments).toContainEqual({ from: 8, to: 5, outer: null });
    expect(rep!.lost?.lane).toBe(4);
  });

  it('the SYN and its retransmission are one group', () => {
    const l = ladderOf(flow(r, 'tcp', '10.244.3.2', '10.244.2.2'));
    expect(l.rows).toHaveLength(2);
    expect(l.rows.map((x) => x.retransmission)).toEqual([1, 1]);
  });

  it('a packet seen twice at one capture point (bare, then encapsulated) is one row, crossing with its outer header', () => {
    const f = flow(r, 'icmp', '10.244.2.2', '10.244.3.2');
    const client = f.hops[0]!;
    const first = client.packets[0]!;
    const twice: FlowReport = {
      ...f,
      hops: [{ ...client, packets: [{ ...first, where: 'bare', outerSrc: null, outerDst: null, ifname: 'ifindex 5' }, ...client.packets] }, ...f.hops.slice(1)],
    };
    const rows = ladderOf(twice).rows;
    expect(rows).toHaveLength(6);
    expect(rows[0]!.segments).toContainEqual({ from: 3, to: 5, outer: '192.168.232.130 > 192.168.223.131:8472 vxlan vni 1' });
    expect(rows[0]!.segments).toHaveLength(3);
  });

  it('a TCP sequence seen again is a retransmission only while nothing came back (pure ACKs repeat it)', () => {
    const syn = flow(r, 'tcp', '10.244.3.2', '10.244.2.2');
    expect(ladderOf({ ...syn, replies: 1 }).rows.map((x) => x.retransmission)).toEqual([null, null]);
  });

  it('ASCII: numbered lanes, the request to the underlay and an X there', () => {
    const lines = asciiLadder(ladderOf(flow(r, 'icmp', '10.244.3.2', '10.244.2.2')), 80);
    expect(lines.every((x) => x.length <= 80)).toBe(true);
    const rows = lines.filter((x) => /^ {2}\d\d:\d\d:\d\d\.\d{6}/.test(x));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/\+-+>=+X/);
    expect(lines.join('\n')).toContain('never arrived at 192.168.232.130');
  });
});

describe('ladder of a single capture (the seed excerpts)', () => {
  it('misrouted.txt: the reply is made and stops before the encapsulated place', async () => {
    const r = await analyzeFiles([seed('misrouted.txt')]);
    const l = ladderOf(r.flows[0]!);
    expect(l.lanes.map((x) => x.label)).toEqual(['underlay', 'encapsulated', 'not encapsulated']);
    expect(l.rows.map((x) => x.label)).toEqual(['first request', 'first reply']);
    expect(l.rows[1]!.lost).toMatchObject({ lane: 1, short: 'never left this node encapsulated' });
  });
  it('missing-route.txt: the three ICMP errors are rows of their own', async () => {
    const r = await analyzeFiles([seed('missing-route.txt')]);
    const l = ladderOf(r.flows[0]!);
    expect(l.rows.filter((x) => x.role === 'error')).toHaveLength(3);
    expect(l.rows.filter((x) => x.lost)).toHaveLength(1);
  });
  it('healthy.txt: the reply leaves encapsulated into the underlay, nothing marked lost', async () => {
    const r = await analyzeFiles([seed('healthy.txt')]);
    const l = ladderOf(r.flows[0]!);
    expect(l.rows[1]!.segments).toContainEqual({ from: 1, to: 0, outer: '192.168.232.130 > 192.168.223.131:8472 vxlan vni 1' });
    expect(l.rows.some((x) => x.lost)).toBe(false);
  });
});
