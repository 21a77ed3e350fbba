/**
 * Which node each capture is (flows/identity.ts): from a cooked capture's directions, a full
 * initial TTL, ARP timing between captures, the other captures' nodes, and --node; a node that
 * received nothing from its peer is still recognised, so two nodes' captures place the loss.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eui64Mac } from '../src/flows/identity.js';
import { analyze, type Source } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const lab = (f: string) => `${root}samples/lab/${f}`;
const tunnels = (f: string) => `${root}samples/tunnels/${f}`;

const loci = (r: Awaited<ReturnType<typeof analyze>>) =>
  r.flows
    .filter((f) => f.verdict !== 'healthy')
    .map((f) => `${f.proto} ${f.client} -> ${f.server} ${f.locus}`)
    .sort();
const clues = (r: Awaited<ReturnType<typeof analyze>>, i: number) => (r.inputs[i]!.nodeEvidence ?? []).map((e) => `${e.address}: ${e.clue}`);

/** The blocked-8472 text of node A with every encapsulated packet and every pod packet taken out: A sent and received nothing of the overlay. */
function silentNodeA(): string {
  const out: string[] = [];
  let keep = true;
  for (const line of readFileSync(lab('blocked-8472.nodea-any.pcap.nn-e.txt'), 'utf8').split('\n')) {
    if (!/^\s/.test(line)) keep = !line.includes('OTV') && !line.includes('10.244.');
    if (keep) out.push(line);
  }
  return out.join('\n');
}

describe('blocked UDP 8472, node A captured on its NIC (Ethernet: no directions), node B with -i any', () => {
  const b = { path: lab('blocked-8472.nodeb-any.pcap') };
  const other = "192.168.232.130: the other end of its encapsulated packets: 192.168.223.131 is input 2's node";
  it("from the pcap and from text (-e, -v): node B's capture leaves node A the other end; the loss is on the underlay", async () => {
    const r = await analyze([{ path: lab('blocked-8472.nodea-ens224.pcap') }, b]);
    expect(r.inputs.map((i) => i.nodeAddresses)).toEqual([['192.168.232.130'], ['192.168.223.131']]);
    expect(clues(r, 0)).toEqual([other, '192.168.232.130: VTEP MAC 02:bb:32:12:e0:c2 (inner source of what it encapsulates)']);
    expect(clues(r, 1)[0]).toBe('192.168.223.131: sends encapsulated packets from it (8 packets leaving)');
    expect(loci(r)).toEqual(['icmp 10.244.2.2 -> 10.244.3.2 underlay', 'icmp 10.244.3.2 -> 10.244.2.2 underlay', 'tcp 10.244.3.2 -> 10.244.2.2 underlay']);
    for (const f of ['blocked-8472.nodea-ens224.pcap.nn-e.txt', 'blocked-8472.nodea-ens224.pcap.nn-v.txt']) {
      const t = await analyze([{ path: lab(f) }, b]);
      expect(t.inputs[0]!.nodeAddresses).toEqual(['192.168.232.130']);
      expect(clues(t, 0)[0]).toBe(other);
      expect(loci(t)).toEqual(loci(r));
    }
  });

  it('alone, the NIC capture cannot tell sender from receiver (only one end sent): no node, and beyond', async () => {
    const r = await analyze([{ path: lab('blocked-8472.nodea-ens224.pcap') }]);
    expect(r.inputs[0]!.nodeAddresses).toBeUndefined();
    expect(loci(r)).toEqual(['icmp 10.244.2.2 -> 10.244.3.2 beyond']);
  });
});

describe('a full initial outer TTL at one end of the tunnel, fewer at the other (a router crossed)', () => {
  it('tells the NIC capture of a healthy exchange, from pcap and -v text (not -e: no TTL)', async () => {
    for (const f of ['healthy-icmp.nodea-ens224.pcap', 'healthy-icmp.nodea-ens224.pcap.nn-v.txt']) {
      const r = await analyze([{ path: lab(f) }]);
      expect(r.inputs[0]!.nodeAddresses, f).toEqual(['192.168.232.130']);
      expect(clues(r, 0)[0]).toBe(
        "192.168.232.130: its encapsulated packets carry a full initial TTL here (3 packets: no router crossed), the other end's arrive with less (a router crossed)",
      );
    }
    const e = await analyze([{ path: lab('healthy-icmp.nodea-ens224.pcap.nn-e.txt') }]);
    expect(e.inputs[0]!.nodeAddresses).toBeUndefined();
  });
});

describe('a node that received nothing of the overlay and sent none', () => {
  it('is known by the packets it sends of its own and the ARP it answers; the loss is on the underlay', async () => {
    const r = await analyze([{ name: 'node-a', text: silentNodeA() }, { path: lab('blocked-8472.nodeb-any.pcap') }]);
    expect(r.inputs[0]!.nodeAddresses).toEqual(['192.168.232.130']);
    expect(clues(r, 0)).toEqual(
      expect.arrayContaining([
        '192.168.232.130: packets leave from it and none arrive from it (1 packet leaving)',
        '192.168.232.130: answers ARP for it (1 reply leaving)',
      ]),
    );
    // The router asked node A for its MAC: an ARP request arriving is not node A's.
    expect(r.inputs[0]!.nodeAddresses).not.toContain('192.168.232.1');
    const l = loci(r).filter((x) => x.includes('10.244.3.2 -> 10.244.2.2'));
    expect(l).toEqual(['icmp 10.244.3.2 -> 10.244.2.2 underlay', 'tcp 10.244.3.2 -> 10.244.2.2 underlay']);
  });
});

describe('flannel-udp with node B dropping UDP 8285 (two Ethernet captures of one link, the same packets in both)', () => {
  it('ARP timing tells node B (it answered: the shorter wait); the requests arrived there: remote-node', async () => {
    const r = await analyze([{ path: tunnels('flannel-udp-blocked.nodea.pcap') }, { path: tunnels('flannel-udp-blocked.nodeb.pcap') }]);
    expect(r.inputs.map((i) => i.nodeAddresses)).toEqual([['192.168.77.1'], ['192.168.77.2']]);
    expect(clues(r, 1)[0]).toBe('192.168.77.2: answered ARP for it: 16 µs from request to reply here, 23 µs at input 1');
    expect(loci(r)).toEqual(['icmp 10.244.1.0 -> 10.244.2.0 remote-node']);
  });
});

describe('--node overrides what the packets say', () => {
  it("an address is taken as the node's, a name is kept as its label", async () => {
    const sources: Source[] = [
      { path: lab('blocked-8472.nodea-ens224.pcap.nn.txt'), node: '192.168.232.130' },
      { path: lab('blocked-8472.nodeb-any.pcap'), node: 'node-b' },
    ];
    const r = await analyze(sources, { resolveNode: (n) => (n === 'node-b' ? ['192.168.223.131'] : []) });
    expect(r.inputs.map((i) => [i.node, i.nodeAddresses])).toEqual([
      ['192.168.232.130', ['192.168.232.130']],
      ['node-b', ['192.168.223.131']],
    ]);
    expect(clues(r, 1)[0]).toBe('192.168.223.131: given: --node node-b');
    expect(loci(r).every((l) => l.endsWith('underlay'))).toBe(true);
    // A name that nothing resolves only labels the node: its addresses still come from the packets.
    const label = await analyze([{ path: lab('blocked-8472.nodeb-any.pcap'), node: 'node-b' }]);
    expect([label.inputs[0]!.node, label.inputs[0]!.nodeAddresses]).toEqual(['node-b', ['192.168.223.131']]);
    expect(clues(label, 0)[0]).toBe('192.168.223.131: sends encapsulated packets from it (8 packets leaving)');
    // A wrong word from the caller is trusted: node A's capture named as node B's address.
    const wrong = await analyze([{ path: lab('blocked-8472.nodea-ens224.pcap'), node: '192.168.223.131' }]);
    expect(wrong.inputs[0]!.nodeAddresses).toEqual(['192.168.223.131']);
  });
});

describe("a node that sends no IPv4 at all: its flannel.1's link-local address (EUI-64 of the VTEP MAC)", () => {
  const b = lab('silent-receiver.nodeb-any.pcap');
  const clue =
    "192.168.232.130: its link-local address fe80::bb:32ff:fe12:e0c2, which IPv6 leaves from (flannel.1's router solicitations), is made from VTEP MAC 02:bb:32:12:e0:c2, the MAC encapsulated packets for 192.168.232.130 are addressed to";
  it('eui64Mac undoes RFC 4291 EUI-64 (the universal/local bit flipped back), and nothing else passes for it', () => {
    expect(eui64Mac('fe80::bb:32ff:fe12:e0c2')).toBe('02:bb:32:12:e0:c2');
    expect(eui64Mac('fe80::58af:8cff:fe67:f0d6')).toBe('5a:af:8c:67:f0:d6');
    expect(eui64Mac('FE80:0:0:0:d0d0:3ff:fe49:2ff3')).toBe('d2:d0:03:49:2f:f3');
    for (const a of ['fe80::1', '2001:db8::bb:32ff:fe12:e0c2', '::', 'fe80::bb:32ff:fe12:e0c2:1:2', '192.168.232.130']) expect(eui64Mac(a)).toBeNull();
  });
  it("node A's capture of only the overlay port and IPv6 (pcap and -e text): node A by the VTEP MAC node B sends to; the loss is on the underlay", async () => {
    for (const a of [lab('silent-receiver.nodea-overlay.pcap'), lab('silent-receiver.nodea-overlay.pcap.nn-e.txt')]) {
      const r = await analyze([{ path: a }, { path: b }]);
      expect(r.inputs.map((i) => i.nodeAddresses)).toEqual([['192.168.232.130'], ['192.168.223.131']]);
      expect(clues(r, 0)[0]).toBe(clue);
      expect(loci(r)).toEqual(['icmp 10.244.3.2 -> 10.244.2.2 underlay']);
    }
  });
  it('without the peer capture the MAC names no address: no node, and the single capture of B says beyond', async () => {
    const a = await analyze([{ path: lab('silent-receiver.nodea-overlay.pcap') }]);
    expect(a.inputs[0]!.nodeAddresses ?? []).toEqual([]);
    expect(loci(await analyze([{ path: b }]))).toEqual(['icmp 10.244.3.2 -> 10.244.2.2 beyond']);
  });
});
