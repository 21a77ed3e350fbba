/**
 * End to end: real inputs through the whole pipeline to the report.
 * The seed is the incident this tool exists for; the lab captures are real
 * kernel traffic with their expected verdicts in samples/lab/expected.tsv.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFile, analyzeFiles, analyzeText, type FlowReport, type Report } from '../src/index.js';
import { renderText } from '../src/report/text.js';
import { expectations } from './helpers/expected.js';

const seed = (f: string) => fileURLToPath(new URL(`../../shared/seed/${f}`, import.meta.url));
const lab = (f: string) => fileURLToPath(new URL(`../samples/lab/${f}`, import.meta.url));

function flow(r: Report, proto: string, client: string, server: string): FlowReport {
  const f = r.flows.find((x) => x.proto === proto && x.client === client && x.server === server);
  if (!f) throw new Error(`no flow ${proto} ${client} -> ${server} in ${r.flows.map((x) => `${x.proto} ${x.client}->${x.server}`).join(', ')}`);
  return f;
}

describe('the seed incident (tcpdump -i any -nn -e text, cooked v1)', () => {
  it('healthy.txt: request arrives encapsulated, reply leaves encapsulated to the peer VTEP', async () => {
    const r = await analyzeFile(seed('healthy.txt'));
    const f = flow(r, 'icmp', '10.244.3.0', '10.244.2.0');
    expect(f.verdict).toBe('healthy');
    expect(f.locus).toBeNull();
    expect(f.tunnel).toMatchObject({ type: 'vxlan', vni: 1, port: 8472 });
    expect(f.requests).toBe(1);
    expect(f.answered).toBe(1);
    // The request came from 192.168.232.1 (rewritten by the underlay), the reply went to the peer VTEP.
    expect(f.tunnel!.endpoints.map((e) => `${e.src}>${e.dst}`).sort()).toEqual(['192.168.232.130>192.168.223.131', '192.168.232.1>192.168.232.130']);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['source-rewritten']);
    expect(r.flows).toHaveLength(1);
    expect(r.summary.problems).toBe(0);
  });

  it('missing-route.txt: the node reports the peer VTEP unreachable to itself', async () => {
    const r = await analyzeFile(seed('missing-route.txt'));
    const f = flow(r, 'icmp', '10.244.3.0', '10.244.2.0');
    expect(f.verdict).toBe('host-unreachable');
    expect(f.locus).toBe('node');
    expect(f.explanation).toContain('192.168.223.131');
    expect(f.evidence.filter((e) => e.role === 'error').map((e) => e.attribution)).toEqual(['inferred', 'inferred', 'inferred']);
    expect(f.next.some((c) => c.includes('ip route get 192.168.223.131'))).toBe(true);
  });

  it('misrouted.txt: the reply is made on flannel.1 and never leaves encapsulated', async () => {
    const r = await analyzeFile(seed('misrouted.txt'));
    const f = flow(r, 'icmp', '10.244.3.0', '10.244.2.0');
    expect(f.verdict).toBe('request-only');
    expect(f.locus).toBe('node');
    expect(f.replies).toBe(1);
    expect(f.answered).toBe(0);
    expect(f.hops[0]).toMatchObject({ requestsIn: 1, repliesOut: 0, repliesBare: 1, repliesNotSent: 1 });
  });

  it('all three together: one flow per excerpt is not merged across echo ids', async () => {
    const r = await analyzeFiles(['healthy.txt', 'missing-route.txt', 'misrouted.txt'].map(seed));
    expect(r.flows.map((f) => f.echoId).sort()).toEqual([46, 48, 49]);
  });
});

describe('lab captures: real kernel VXLAN traffic, each flow its stated verdict', () => {
  const rows = expectations(lab('expected.tsv'));
  it('has expectations to check', () => {
    expect(rows.length).toBeGreaterThan(10);
  });
  const byFile = new Map<string, Expected[]>();
  for (const e of rows) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, exp] of byFile) {
    for (const variant of ['', '.nn.txt', '.nn-e.txt', '.nn-v.txt']) {
      const path = lab(file + variant);
      it.skipIf(variant !== '' && !existsSync(path))(`${file}${variant}`, async () => {
        const r = await analyzeFile(path);
        for (const e of exp) {
          const f = r.flows.find(
            (x) => x.proto === e.proto && x.client === e.client && x.server === e.server && (e.serverPort === null || x.serverPort === e.serverPort),
          );
          expect(f, `${e.proto} ${e.client} -> ${e.server}:${e.serverPort ?? ''} in ${file}${variant}`).toBeDefined();
          expect(`${e.proto} ${e.client} -> ${e.server}: ${f!.verdict}`).toBe(`${e.proto} ${e.client} -> ${e.server}: ${e.verdict}`);
        }
      });
    }
  }
});

describe('interface names from pcapng', () => {
  it('a dumpcap pcapng of four interfaces names where each packet was seen', async () => {
    const r = await analyzeFile(lab('pcapng-names.nodea-multi.pcapng'));
    const f = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
    expect(f.tunnel?.type).toBe('vxlan');
    // Encapsulated on the NIC, then bare on the overlay device, the bridge and the pod's veth: the
    // names are the IDBs' if_name. The pod-side copies (Ethernet, other MACs, no direction) are
    // known for the same packet by its sequence number and IP id moments later: one flow, one path.
    expect(f.hops[0]!.requestPath.map((s) => [s.ifname, s.tunnel !== null])).toEqual([
      ['ens224', true],
      ['flannel.1', false],
      ['cni0', false],
      ['veth-pod', false],
    ]);
    expect(r.flows.filter((x) => x.proto === 'icmp' && x.client === '10.244.3.2')).toHaveLength(1);
    expect(f.evidence[0]!.where).toMatch(/^ens224 encapsulated vxlan vni 1 192\.168\.223\.131 > 192\.168\.232\.130:8472/);
    // The pod-side copies (Ethernet, no direction) carry the bridge and veth names.
    const names = new Set(r.flows.flatMap((x) => x.hops.flatMap((h) => [...h.requestPath, ...h.replyPath].map((s) => s.ifname))));
    expect([...names].sort()).toEqual(['cni0', 'ens224', 'flannel.1', 'veth-pod']);
  });
  it('a cooked capture of "any" names no interface rather than "any"', async () => {
    const f = flow(await analyzeFile(lab('pcapng-names.nodea-any.pcapng')), 'icmp', '10.244.3.2', '10.244.2.2');
    expect(f.hops[0]!.requestPath.every((s) => s.ifname === null)).toBe(true);
    expect(f.hops[0]!.requestPath.map((s) => s.direction)).toEqual(['in', 'in', 'out', 'out']);
  });
});

describe('several captures of one incident: where the packets died', () => {
  it('blocked UDP 8472 seen from both nodes: lost on the underlay', async () => {
    const r = await analyzeFiles([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap')]);
    const bToA = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
    expect([bToA.verdict, bToA.locus]).toEqual(['request-only', 'underlay']);
    expect(bToA.locusDetail).toContain('never arrived at the captured peer node');
    // A's pings reach B, B answers, the answers die between the subnets.
    const aToB = flow(r, 'icmp', '10.244.2.2', '10.244.3.2');
    expect([aToB.verdict, aToB.locus]).toEqual(['request-only', 'underlay']);
    expect(aToB.hops.map((h) => h.role).sort()).toEqual(['client', 'server']);
    expect(r.findings[0]!.title).toMatch(/^2 flows from 10\.244\.3\.0\/24 to 10\.244\.2\.0\/24 over vxlan vni 1: no reply ever arrives/);
  });
  it('one direction dropped: the requests arrive, the replies never get back', async () => {
    const r = await analyzeFiles([lab('reply-dropped.nodea-any.pcap'), lab('reply-dropped.nodeb-any.pcap.nn-e.txt')]);
    const f = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
    expect([f.verdict, f.locus]).toEqual(['request-only', 'underlay']);
    expect(f.locusDetail).toContain('replies left the peer node');
  });
  it('a single capture says only that nothing came back', async () => {
    const f = flow(await analyzeFile(lab('blocked-8472.nodeb-any.pcap')), 'icmp', '10.244.3.2', '10.244.2.2');
    expect(f.locus).toBe('beyond');
    // No UDP nc test (it says open across a firewall that drops silently): the peer's capture instead, named by its address.
    expect(f.next[0]).toBe('tcpdump -i any -s0 -nn -e -w 192.168.232.130.pcap udp port 8472   # on 192.168.232.130 too, then analyze both files together');
    expect(f.next).toContain('traceroute -U -p 8472 192.168.232.130   # on 192.168.223.131');
  });
  it('binary ICMP errors are tied to the exact inner flow through the quoted VXLAN packet', async () => {
    const f = flow(await analyzeFile(lab('missing-route.nodea-any.pcap')), 'icmp', '10.244.3.2', '10.244.2.2');
    expect(f.evidence.filter((e) => e.role === 'error').map((e) => e.attribution)).toContain('quoted');
    expect(f.locus).toBe('node');
  });
  it('a bad outer UDP checksum is a tunnel anomaly naming both ends; right and partial ones are not', async () => {
    const r = await analyzeFiles([lab('udpcsum-corrupted.nodea-any.pcap'), lab('udpcsum-corrupted.nodeb-any.pcap')]);
    const bad = r.anomalies.filter((a) => a.kind === 'bad-outer-checksum');
    expect(bad.map((a) => a.detail.split(':')[0])).toEqual(['3 of 6 encapsulated packets from 192.168.223.131 to 192.168.232.130']);
    expect(bad[0]!.detail).toContain('ethtool -K flannel.1 tx-checksum-ip-generic off');
    expect(flow(r, 'icmp', '10.244.3.2', '10.244.2.2').verdict).toBe('request-only');
    const ok = await analyzeFiles([lab('udpcsum-healthy.nodea-any.pcap'), lab('udpcsum-healthy.nodeb-any.pcap')]);
    expect(ok.anomalies.filter((a) => a.kind === 'bad-outer-checksum')).toEqual([]);
  });
  it('the masquerading underlay of the seed shows as an anomaly', async () => {
    const r = await analyzeFile(lab('healthy-snat.nodea-any.pcap'));
    expect(r.anomalies.find((a) => a.kind === 'source-rewritten')?.detail).toContain('192.168.232.1');
    expect(r.anomalies.find((a) => a.kind === 'source-rewritten')?.detail).toContain('192.168.223.131');
  });
});

describe('what a capture cannot support is said, not guessed', () => {
  it('a one-direction capture filter: silence is incomplete, not request-only', async () => {
    for (const f of ['oneway.nodea-ens224.pcap', 'oneway.nodea-ens224.pcap.nn.txt']) {
      const r = await analyzeFile(lab(f));
      const x = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
      expect([x.verdict, x.requests]).toEqual(['incomplete', 3]);
      expect(x.explanation).toContain('no packet at all in an answering direction');
    }
  });
  it('packets cut by the snap length before the inner header: a warning, no tunnel flow', async () => {
    for (const f of ['snap80.nodea-ens224.pcap', 'snap80.nodea-ens224.pcap.nn-v.txt']) {
      const r = await analyzeFile(lab(f));
      expect(r.flows.filter((x) => x.tunnel !== null)).toEqual([]);
      expect(r.warnings).toContain(
        `${lab(f)}: 6 packets cut by the snapshot length before the (inner) transport header, not judged: capture with -s 0 to see them`,
      );
    }
  });
});

/** A copy of a little-endian microsecond pcap with every timestamp moved by `shift` seconds (another node's clock). */
function shifted(file: string, shift: number): string {
  const buf = Buffer.from(readFileSync(lab(file)));
  expect(buf.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const us = Math.round(shift * 1e6);
  for (let o = 24; o + 16 <= buf.length; o += 16 + buf.readUInt32LE(o + 8)) {
    const t = buf.readUInt32LE(o) * 1e6 + buf.readUInt32LE(o + 4) + us;
    buf.writeUInt32LE(Math.floor(t / 1e6), o);
    buf.writeUInt32LE(t % 1e6, o + 4);
  }
  const out = join(mkdtempSync(join(tmpdir(), 'oa-shift-')), file);
  writeFileSync(out, buf);
  return out;
}

describe('following single packets across captured nodes', () => {
  const A = 'blocked-8472.nodea-any.pcap';
  const B = 'blocked-8472.nodeb-any.pcap';
  it('the lab nodes share a clock: offset about 0, from the packets both saw', async () => {
    const r = await analyzeFiles([lab(A), lab(B)]);
    expect(r.clockOffsets).toHaveLength(1);
    const o = r.clockOffsets[0]!;
    expect([o.a, o.b, o.samples]).toEqual([lab(A), lab(B), 3]); // A's 3 requests, left A and arrived at B
    expect(Math.abs(o.offset)).toBeLessThan(0.001);
    expect(o.spread).toBeLessThan(0.001);
  });
  it('blocked UDP 8472: each lost packet, where it was last seen and where it never arrived', async () => {
    const r = await analyzeFiles([lab(A), lab(B)]);
    const bToA = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
    expect(bToA.lost.map((l) => [l.role, l.key, l.locus, l.last.node, l.last.where, l.expected.node, l.expected.input])).toEqual(
      [1, 2, 3].map((seq) => ['request', seq, 'underlay', '192.168.223.131', 'out', '192.168.232.130', lab(A)]),
    );
    expect(bToA.lost[0]!.detail).toMatch(
      /^request seq 1 \(ip id \d+\) left 192\.168\.223\.131 \(ifindex 2\) towards 192\.168\.232\.130:8472 at 20\d\d-\d\d-\d\d [\d:.]+, never arrived at 192\.168\.232\.130 \(.*blocked-8472\.nodea-any\.pcap\): dropped on the underlay/,
    );
    // A's pings arrive at B and are answered; the answers are the lost ones.
    const aToB = flow(r, 'icmp', '10.244.2.2', '10.244.3.2');
    expect(aToB.lost.map((l) => [l.role, l.key, l.last.node, l.expected.node])).toEqual(
      [1, 2, 3].map((seq) => ['reply', seq, '192.168.223.131', '192.168.232.130']),
    );
    // The SYN and its retransmission: one sequence number, told apart by IP id.
    const syn = flow(r, 'tcp', '10.244.3.2', '10.244.2.2');
    expect(syn.lost.map((l) => l.role)).toEqual(['request', 'request']);
    expect(new Set(syn.lost.map((l) => l.key)).size).toBe(1);
    expect(new Set(syn.lost.map((l) => l.ipId)).size).toBe(2);
    // The text report's --flow detail lists them under each flow.
    const text = renderText(r, false, { flows: [bToA.id, aToB.id, syn.id], width: 1000 });
    expect(text.split('\n').filter((l) => /^ {2}- .* never arrived at /.test(l))).toHaveLength(8);
    expect(renderText(r, false, { width: 1000 })).toMatch(/^Clock of .*nodeb-any\.pcap minus clock of .*nodea-any\.pcap: [+-]0\.0000\d\d s/m);
  });
  it("node B's clock 3.5 s ahead: the offset is estimated at 3.5 s, and the same packets are lost", async () => {
    const r = await analyzeFiles([lab(A), shifted(B, 3.5)]);
    const o = r.clockOffsets[0]!;
    expect(Math.abs(o.offset - 3.5)).toBeLessThan(0.001);
    expect(o.spread).toBeLessThan(0.001);
    const bToA = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
    expect(bToA.lost.map((l) => l.key)).toEqual([1, 2, 3]);
    // Where it was due at A, by A's clock: 3.5 s before B's clock said it left.
    expect(Math.abs(bToA.lost[0]!.expected.ts! - (bToA.lost[0]!.last.ts! - 3.5))).toBeLessThan(0.001);
    expect(flow(r, 'icmp', '10.244.2.2', '10.244.3.2').lost.map((l) => l.key)).toEqual([1, 2, 3]);
  });
  it('one direction dropped, node B as tcpdump text without IP ids: matched by sequence, the replies lost', async () => {
    const r = await analyzeFiles([lab('reply-dropped.nodea-any.pcap'), lab('reply-dropped.nodeb-any.pcap.nn-e.txt')]);
    // Text without a date counts from midnight: the offset is whole days, less the transit time.
    const o = r.clockOffsets[0]!;
    expect(o.samples).toBe(3);
    expect(Math.abs(o.offset - Math.round(o.offset / 86400) * 86400)).toBeLessThan(0.001);
    const f = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
    expect(f.lost.map((l) => [l.role, l.key, l.locus, l.last.node, l.expected.node])).toEqual(
      [1, 2, 3].map((k) => ['reply', k, 'underlay', '192.168.232.130', '192.168.223.131']),
    );
  });
  it('arrived and never answered: the requests dropped on arrival (bad outer checksum) are lost on the node', async () => {
    const r = await analyzeFiles([lab('udpcsum-corrupted.nodea-any.pcap'), lab('udpcsum-corrupted.nodeb-any.pcap')]);
    const f = flow(r, 'icmp', '10.244.3.2', '10.244.2.2');
    expect(f.lost.map((l) => [l.role, l.key, l.locus, l.last.where, l.last.node])).toEqual(
      [1, 2, 3].map((k) => ['request', k, 'remote-node', 'in', '192.168.232.130']),
    );
    expect(f.lost[0]!.detail).toContain('no answer left 192.168.232.130 encapsulated towards 192.168.223.131:8472');
  });
  it('a healthy exchange seen on both nodes loses nothing, and one capture alone never says lost', async () => {
    const r = await analyzeFiles([lab('udpcsum-healthy.nodea-any.pcap'), lab('udpcsum-healthy.nodeb-any.pcap')]);
    expect(r.clockOffsets.map((o) => o.samples)).toEqual([6]); // 3 requests and 3 replies
    expect(r.flows.flatMap((f) => f.lost)).toEqual([]);
    const one = await analyzeFile(lab(B));
    expect(one.clockOffsets).toEqual([]);
    expect(one.flows.flatMap((f) => f.lost)).toEqual([]);
  });
});

describe('reading a text file in chunks', () => {
  it('a text file of several read chunks gives the report its text gives as one string', async () => {
    // The seed's healthy capture (ASCII) repeated to near 1 MiB, then a line of two-byte characters
    // placed so that the first 1 MiB read (one reused buffer) ends inside one of them, then more.
    const seedText = readFileSync(seed('healthy.txt'), 'latin1');
    let head = '';
    while (head.length < (1 << 20) - 400) head += seedText;
    head = head.slice(0, head.lastIndexOf('\n', (1 << 20) - 400) + 1);
    // The note's 22nd character starts 11 bytes before 1 MiB: its second byte is the first of the next read.
    const filler = `${'#'.repeat((1 << 20) - head.length - 33 - 1)}\n`;
    // A packet line that cannot be read (a time, then no printer's name): warned, with its text.
    const note = `00:00:00.000000 note: ${'é'.repeat(20)}`;
    const text = `${head}${filler}${note}\n${seedText.repeat(30)}`;
    expect(
      Buffer.from(text)
        .subarray((1 << 20) - 1, (1 << 20) + 1)
        .toString('latin1'),
    ).toBe(Buffer.from('é').toString('latin1'));
    const path = join(mkdtempSync(join(tmpdir(), 'oa-chunks-')), 'big.txt');
    writeFileSync(path, text);
    const [file, string] = [await analyzeFile(path), await analyzeText(text)];
    expect(file.summary.packets).toBeGreaterThan(1000);
    expect(file.warnings.some((w) => w.includes(note))).toBe(true);
    expect(JSON.parse(JSON.stringify(file).replaceAll(path, 'text'))).toEqual(string);
  });
});
