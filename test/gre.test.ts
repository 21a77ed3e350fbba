/**
 * GRE (src/decoders/gre.ts) on real bytes: arkime's GRE sample (no key), Cisco routers' keyed GRE
 * from tcpdump's test suite (keep-alives, CDP, a bare header), tcpdump's fuzzed GRE with routing
 * present, and this project's own captures (samples/tunnels: key + sequence + checksum with IPv4 and
 * IPv6 inside, gretap's Ethernet bridging), with their verdicts through the whole analysis.
 */
import { describe, expect, it } from 'vitest';
import { type DecodedLink, decodeFrame } from '../src/decoders/index.js';
import { analyzeFile } from '../src/index.js';
import type { Frame } from '../src/model.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_GRE } from '../src/protocols.js';
import { readPcap } from './helpers/pcap.js';

const real = (f: string) => new URL(`../../shared/real-captures/${f}`, import.meta.url);
const td = (f: string) => new URL(`../../shared/tcpdump-tests/${f}`, import.meta.url);
const tunnels = (f: string) => new URL(`../samples/tunnels/${f}`, import.meta.url);

function decodeAll(path: URL): DecodedLink[] {
  const { linkType, records } = readPcap(path);
  return records.map((r) => decodeFrame(linkType, r.data));
}
const gre = (d: DecodedLink[]) => d.filter((x) => x.frame.ip?.proto === IPPROTO_GRE);

describe('GRE decoding', () => {
  it('arkime gre-sample: every packet is GRE without key, a bare IPv4 packet inside (ping, NTP, SSH, DNS and its port unreachable)', () => {
    const all = decodeAll(real('arkime__gre-sample.pcap'));
    expect(all).toHaveLength(40);
    expect(gre(all)).toHaveLength(40);
    for (const { frame } of all) {
      expect(frame.tunnel).toMatchObject({ type: 'gre', vni: null, flags: 0 });
      expect(frame.tunnel!.inner).toMatchObject({ link: 'none', ethertype: ETHERTYPE_IPV4, truncated: false, note: null });
      expect(frame.truncated).toBe(false);
    }
    // tcpdump: 172.27.1.66 > 66.59.109.137: GREv0, proto IPv4 (0x0800), length 88: 66.59.111.190 > 172.28.2.3: ICMP echo request, id 52072, seq 256
    const first = all[0]!.frame;
    expect(first.ip).toMatchObject({ src: '172.27.1.66', dst: '66.59.109.137', proto: 47 });
    expect(first.tunnel!.inner.ip).toMatchObject({ src: '66.59.111.190', dst: '172.28.2.3', proto: 1 });
    expect(first.tunnel!.inner.l4).toMatchObject({ kind: 'icmp', type: 8, id: 52072, seq: 256 });
    const kinds = new Set(all.map((d) => d.frame.tunnel!.inner.l4?.kind));
    expect([...kinds].sort()).toEqual(['icmp', 'tcp', 'udp']);
  });

  it("Cisco keyed GRE (tcpdump's various_gre): key 0x28 is the tunnel's id; payloads we do not decode and bare keep-alive headers are notes, not cuts", () => {
    const g = gre(decodeAll(td('various_gre.pcap')));
    expect(g).toHaveLength(30); // tcpdump -v prints 30 "GREv0, Flags [key present], key=0x28" lines
    for (const { frame } of g) {
      expect(frame.tunnel).toMatchObject({ type: 'gre', vni: 0x28, flags: 0x20 });
      expect(frame.truncated).toBe(false);
      expect(frame.tunnel!.inner.truncated).toBe(false);
    }
    const notes = new Set(g.map((d) => d.frame.tunnel!.inner.note));
    // tcpdump: "gre-proto-0x8909" and "keep-alive" (a header of 8 bytes: flags, type, key).
    expect(notes).toContain('unknown ethertype 0x8909');
    expect(notes).toContain('GRE header without payload (keep-alive)');
  });

  it('routing present (RFC 1701, fuzzed by tcpdump gre-heapoverflow-2) and cut headers are recorded, never thrown', () => {
    const [, routed] = decodeAll(td('gre-heapoverflow-2.pcap'));
    expect(routed!.frame.ip?.proto).toBe(47);
    expect(routed!.frame.tunnel).toBeNull();
    expect(routed!.frame.note).toBe('GRE with source routing (RFC 1701) not decoded');
    // Every cut of a real keyed, sequenced, checksummed packet: a flag, never an exception.
    const { records } = readPcap(tunnels('gre-key-seq-csum.pcap'));
    const pkt = records.find((r) => decodeFrame(1, r.data).frame.ip?.proto === 47)!.data;
    const greAt = 14 + 20;
    for (let len = 0; len <= pkt.length; len++) {
      const f = decodeFrame(1, pkt.subarray(0, len)).frame;
      expect(f.note === null || !f.note.startsWith('decoder error'), `cut at ${len}: ${f.note}`).toBe(true);
      // The GRE header here is 16 bytes (4 + checksum 4 + key 4 + sequence 4): cut inside it, the carrier is truncated.
      if (len >= greAt && len < greAt + 16) expect(f.truncated && f.tunnel === null, `cut at ${len}`).toBe(true);
      if (len > greAt + 16 && len < pkt.length) expect(f.tunnel!.inner.truncated, `cut at ${len}`).toBe(true);
    }
    expect(decodeFrame(1, pkt).frame.tunnel!.inner.truncated).toBe(false);
  });

  it('our capture with key 42, sequence numbers and checksums: IPv4 and IPv6 inside, key as the id', () => {
    const g = gre(decodeAll(tunnels('gre-key-seq-csum.pcap')));
    expect(g.length).toBeGreaterThan(10);
    const versions = new Set<number>();
    for (const { frame } of g) {
      expect(frame.tunnel).toMatchObject({ type: 'gre', vni: 42, flags: 0xb0 });
      const inner: Frame = frame.tunnel!.inner;
      expect(inner.link).toBe('none');
      expect(inner.ethertype).toBe(inner.ip!.version === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
      versions.add(inner.ip!.version);
    }
    expect([...versions].sort()).toEqual([4, 6]);
  });

  it('gretap (protocol type 0x6558): an Ethernet frame inside, ARP and IPv4 decoded from it', () => {
    const g = gre(decodeAll(tunnels('gretap.pcap')));
    expect(g.length).toBeGreaterThan(6);
    for (const { frame } of g) {
      expect(frame.tunnel).toMatchObject({ type: 'gre', vni: null, flags: 0 });
      expect(frame.tunnel!.inner.link).toBe('ether');
      expect(frame.tunnel!.inner.src).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    }
    expect(g.some((d) => d.frame.tunnel!.inner.arp?.targetIp === '10.20.0.2')).toBe(true);
    expect(g.some((d) => d.frame.tunnel!.inner.l4?.kind === 'icmp')).toBe(true);
  });
});

describe('GRE through the analysis', () => {
  it('arkime gre-sample: its six inner flows, in the gre scope', async () => {
    const r = await analyzeFile(real('arkime__gre-sample.pcap').pathname);
    expect(r.flows.map((f) => `${f.proto} ${f.client}:${f.clientPort ?? ''} > ${f.server}:${f.serverPort ?? ''} ${f.tunnel?.type}`).sort()).toEqual([
      'icmp 66.59.111.190: > 172.28.2.3: gre',
      'tcp 66.59.111.190:40264 > 172.28.2.3:22 gre',
      'udp 66.59.111.190:123 > 129.170.17.4:123 gre',
      'udp 66.59.111.190:123 > 18.26.4.105:123 gre',
      'udp 66.59.111.190:123 > 66.59.111.182:123 gre',
      'udp 66.59.111.190:37675 > 172.28.2.3:53 gre',
    ]);
    expect(r.flows.find((f) => f.serverPort === 53)!.verdict).toBe('refused');
  });

  it('the lab captures: healthy in the tunnel named by its key', async () => {
    const keyed = await analyzeFile(tunnels('gre-key-seq-csum.pcap').pathname);
    expect(keyed.flows.map((f) => `${f.proto} ${f.verdict} ${f.tunnel?.type}:${f.tunnel?.vni}`).sort()).toEqual([
      'icmp healthy gre:42',
      'icmp6 healthy gre:42',
      'tcp healthy gre:42',
    ]);
    const tap = await analyzeFile(tunnels('gretap.pcap').pathname);
    expect(tap.flows.map((f) => `${f.proto} ${f.client} > ${f.server} ${f.verdict} ${f.tunnel?.type}:${f.tunnel?.vni}`)).toEqual([
      'icmp 10.20.0.1 > 10.20.0.2 healthy gre:null',
    ]);
  });

  // tcpdump's text of the same captures: "GREv0, key=0x2a, seq 1, length 100: IP ...", with -e the
  // inner packet without "IP" (or, for gretap, its MACs), with -v on the next line.
  for (const file of ['gre-key-seq-csum.pcap', 'gretap.pcap']) {
    for (const variant of ['.nn.txt', '.nn-e.txt', '.nn-v.txt']) {
      it(`${file}${variant}: the flows, verdicts and GRE key of the capture`, async () => {
        const describe = (r: Awaited<ReturnType<typeof analyzeFile>>) =>
          r.flows.map((f) => `${f.proto} ${f.client} > ${f.server}:${f.serverPort ?? ''} ${f.verdict} ${f.tunnel?.type}:${f.tunnel?.vni}`).sort();
        const want = describe(await analyzeFile(tunnels(file).pathname));
        const got = describe(await analyzeFile(tunnels(file + variant).pathname));
        // -v's "[icmp6 sum ok] ICMP6, ..." after IPv6 addresses is read too (bare or tunnelled alike).
        expect(got).toEqual(want);
      });
    }
  }
});
