/**
 * flannel's udp backend (src/decoders/flannel.ts, UDP 8285) and Weave's fast datapath (VXLAN on
 * UDP 6784), routed by the UDP port table (src/decoders/options.ts), on this project's captures
 * (samples/tunnels, made by make.sh between two network namespaces).
 */
import { describe, expect, it } from 'vitest';
import { type DecodedLink, decodeFrame, defaultDecodeOptions } from '../src/decoders/index.js';
import { analyzeFile, analyzeFiles } from '../src/index.js';
import { FLANNEL_UDP_PORT, IPPROTO_UDP, VXLAN_PORT_WEAVE } from '../src/protocols.js';
import { readPcap } from './helpers/pcap.js';

const tunnels = (f: string) => new URL(`../samples/tunnels/${f}`, import.meta.url);

function decodeAll(path: URL): DecodedLink[] {
  const { linkType, records } = readPcap(path);
  return records.map((r) => decodeFrame(linkType, r.data));
}
const carriers = (d: DecodedLink[], port: number) =>
  d.filter((x) => x.frame.ip?.proto === IPPROTO_UDP && x.frame.l4?.kind === 'udp' && x.frame.l4.dstPort === port);

describe('flannel udp backend (UDP 8285)', () => {
  it('every datagram 8285 -> 8285 carries a bare IPv4 packet: a flannel-udp tunnel with no id', () => {
    const c = carriers(decodeAll(tunnels('flannel-udp.pcap')), FLANNEL_UDP_PORT);
    expect(c.length).toBeGreaterThan(10);
    for (const { frame } of c) {
      expect(frame.l4).toMatchObject({ kind: 'udp', srcPort: 8285, dstPort: 8285 });
      expect(frame.tunnel).toMatchObject({ type: 'flannel-udp', vni: null, flags: null });
      const inner = frame.tunnel!.inner;
      expect(inner).toMatchObject({ link: 'none', ethertype: 0x0800, truncated: false, note: null });
      expect(inner.ip!.src).toMatch(/^10\.244\.[12]\.0$/);
    }
    expect(new Set(c.map((d) => d.frame.tunnel!.inner.l4!.kind))).toEqual(new Set(['icmp', 'tcp']));
  });

  it("a payload that is not an IP packet stays plain UDP; a cut inner packet is the inner frame's truncation", () => {
    const { records } = readPcap(tunnels('flannel-udp.pcap'));
    const pkt = records.find((r) => decodeFrame(1, r.data).frame.tunnel?.type === 'flannel-udp')!.data;
    const payload = 14 + 20 + 8;
    const notIp = Uint8Array.from(pkt);
    notIp[payload] = 0x10; // version 1
    const f = decodeFrame(1, notIp).frame;
    expect(f.tunnel).toBeNull();
    expect(f.l4).toMatchObject({ kind: 'udp', dstPort: 8285, checksumOk: null });
    for (let len = 0; len < pkt.length; len++) {
      const cut = decodeFrame(1, pkt.subarray(0, len)).frame;
      expect(cut.note === null || !cut.note.startsWith('decoder error')).toBe(true);
      if (len > payload) expect(cut.tunnel!.inner.truncated, `cut at ${len}`).toBe(true);
      else if (len > 14) expect(cut.truncated || cut.tunnel === null, `cut at ${len}`).toBe(true);
    }
  });

  it('healthy ping and TCP through it; with UDP 8285 dropped by the peer node, the ping is request-only', async () => {
    const ok = await analyzeFile(tunnels('flannel-udp.pcap').pathname);
    expect(ok.flows.map((f) => `${f.proto} ${f.client} > ${f.server} ${f.verdict} ${f.tunnel?.type}`).sort()).toEqual([
      'icmp 10.244.1.0 > 10.244.2.0 healthy flannel-udp',
      'tcp 10.244.1.0 > 10.244.2.0 healthy flannel-udp',
    ]);
    const blocked = await analyzeFiles([tunnels('flannel-udp-blocked.nodea.pcap').pathname, tunnels('flannel-udp-blocked.nodeb.pcap').pathname]);
    const pod = blocked.flows.find((f) => f.client === '10.244.1.0')!;
    expect(pod).toMatchObject({ proto: 'icmp', server: '10.244.2.0', verdict: 'request-only', requests: 3, answered: 0 });
    expect(pod.tunnel).toMatchObject({ type: 'flannel-udp', port: 8285 });
    // The underlay itself works: the nodes' own ping is answered.
    expect(blocked.flows.find((f) => f.client === '192.168.77.1')!.verdict).toBe('healthy');
  });
});

describe('Weave fast datapath (VXLAN on UDP 6784)', () => {
  it('is in the default port table as VXLAN, and the kernel VXLAN on 6784 decodes as such', () => {
    expect(defaultDecodeOptions.udpTunnels.get(VXLAN_PORT_WEAVE)).toBe('vxlan');
    const c = carriers(decodeAll(tunnels('weave-vxlan-6784.pcap')), VXLAN_PORT_WEAVE);
    expect(c.length).toBeGreaterThan(10);
    for (const { frame } of c) {
      expect(frame.tunnel).toMatchObject({ type: 'vxlan', vni: 1, flags: 0x08 });
      expect(frame.tunnel!.inner.link).toBe('ether');
    }
  });

  it('healthy ping and TCP pod to pod', async () => {
    const r = await analyzeFile(tunnels('weave-vxlan-6784.pcap').pathname);
    expect(r.flows.map((f) => `${f.proto} ${f.client} > ${f.server} ${f.verdict} ${f.tunnel?.type}:${f.tunnel?.vni}:${f.tunnel?.port}`).sort()).toEqual([
      'icmp 10.32.0.1 > 10.40.0.1 healthy vxlan:1:6784',
      'tcp 10.32.0.1 > 10.40.0.1 healthy vxlan:1:6784',
    ]);
  });
});
