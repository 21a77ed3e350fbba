/**
 * Round trip: a packet the benchmark's generator writes (bench/generate.js, the code that makes the
 * benchmark captures) decodes to exactly the fields it was built from: outer MACs, IPs, TTL, IP id
 * and UDP ports, VXLAN flags and VNI, inner MACs, IPs and TTL, and the transport (ICMP echo id and
 * sequence, TCP ports, flags and sequence numbers, UDP ports, the quote of a port unreachable).
 * The expected values are computed here from the fields, not read back from the generator.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript without type declarations
import { buildPacket, PACKET_EVENTS } from '../bench/generate.js';
import { decodeFrame } from '../src/decoders/index.js';
import { type Frame, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../src/model.js';
import { allFrames } from './helpers/frames.js';

export const ROUNDTRIP_RUNS = 1000;

const LINKTYPE_ETHERNET = 1;
const GATEWAY = [0x00, 0x1b, 0x21, 0x3a, 0x52, 0x01];
/** Inner UDP on a tunnel port would (rightly) be decoded as one more tunnel level. */
const TUNNEL_PORTS = new Set([8472, 4789, 6081]);

type Event =
  | 'echo-request'
  | 'echo-reply'
  | 'syn'
  | 'syn-ack'
  | 'ack'
  | 'server-ack'
  | 'request'
  | 'response'
  | 'fin'
  | 'server-fin'
  | 'rst'
  | 'query'
  | 'answer'
  | 'port-unreachable';
const FROM_CLIENT = new Set<Event>(['echo-request', 'syn', 'ack', 'request', 'fin', 'query']);
const TCP_FLAGS: Partial<Record<Event, number>> = {
  syn: TCP_SYN,
  'syn-ack': TCP_SYN | TCP_ACK,
  ack: TCP_ACK,
  'server-ack': TCP_ACK,
  request: TCP_PSH | TCP_ACK,
  response: TCP_PSH | TCP_ACK,
  fin: TCP_FIN | TCP_ACK,
  'server-fin': TCP_FIN | TCP_ACK,
  rst: TCP_RST | TCP_ACK,
};

const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const mac = (m: number[]) => m.map((x) => x.toString(16).padStart(2, '0')).join(':');

const macArb = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 });
const nodeArb = fc.record({ ip: fc.nat({ max: 2 ** 32 - 1 }), nic: macArb, vtep: macArb, sideA: fc.boolean(), outerId: fc.nat({ max: 0xffff }) });
const sideArb = fc.record({
  ip: fc.nat({ max: 2 ** 32 - 1 }),
  port: fc.integer({ min: 1, max: 0xffff }).filter((p) => !TUNNEL_PORTS.has(p)),
  node: nodeArb,
  ipId: fc.nat({ max: 0xffff }),
  outerPort: fc.integer({ min: 1, max: 0xffff }),
});
const packetArb = fc.record({
  event: fc.constantFrom(...(PACKET_EVENTS as Event[])),
  client: sideArb,
  server: sideArb,
  seq: fc.integer({ min: 1, max: 0xffff }),
  bodyLen: fc.integer({ min: 8, max: 1400 }),
  vni: fc.nat({ max: 0xffffff }),
  isn: fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 })),
});
type PacketFields = typeof packetArb extends fc.Arbitrary<infer T> ? T : never;

/** What the decoder must find, from the fields alone. */
function expected(p: PacketFields): unknown {
  const fromClient = FROM_CLIENT.has(p.event);
  const [from, to] = fromClient ? [p.client, p.server] : [p.server, p.client];
  // The capture point is the device on subnet A's side: a frame from A goes to the device, one from B comes from it.
  const outerMacs = from.node.sideA ? { src: mac(from.node.nic), dst: mac(GATEWAY) } : { src: mac(GATEWAY), dst: mac(to.node.nic) };
  let l4: unknown;
  let proto: number;
  if (p.event === 'echo-request' || p.event === 'echo-reply') {
    proto = 1;
    l4 = { kind: 'icmp', type: fromClient ? 8 : 0, code: 0, id: p.client.port, seq: p.seq, mtu: null, quoted: null };
  } else if (p.event === 'query' || p.event === 'answer') {
    proto = 17;
    l4 = { kind: 'udp', srcPort: from.port, dstPort: to.port };
  } else if (p.event === 'port-unreachable') {
    proto = 1;
    l4 = {
      kind: 'icmp',
      type: 3,
      code: 3,
      id: null,
      seq: null,
      quoted: { src: dotted(p.client.ip), dst: dotted(p.server.ip), proto: 17, srcPort: p.client.port, dstPort: p.server.port },
    };
  } else {
    proto = 6;
    const flags = TCP_FLAGS[p.event]!;
    const tcp: Record<string, unknown> = { kind: 'tcp', srcPort: from.port, dstPort: to.port, flags };
    if (p.event === 'syn') tcp.seq = p.isn[0];
    if (p.event === 'syn-ack') Object.assign(tcp, { seq: p.isn[1], ack: (p.isn[0] + 1) >>> 0 });
    if (p.event === 'rst') Object.assign(tcp, { seq: 0, ack: (p.isn[0] + 1) >>> 0 });
    l4 = tcp;
  }
  return {
    link: 'ether',
    ...outerMacs,
    vlans: [],
    ethertype: 0x0800,
    truncated: false,
    note: null,
    ip: {
      version: 4,
      src: dotted(from.node.ip),
      dst: dotted(to.node.ip),
      proto: 17,
      ttl: from.node.sideA ? 64 : 63,
      id: from.node.outerId,
      fragOffset: 0,
      moreFragments: false,
      dontFragment: false,
    },
    l4: { kind: 'udp', srcPort: from.outerPort, dstPort: 8472 },
    tunnel: {
      type: 'vxlan',
      vni: p.vni,
      flags: 0x08,
      inner: {
        link: 'ether',
        src: mac(from.node.vtep),
        dst: mac(to.node.vtep),
        vlans: [],
        ethertype: 0x0800,
        truncated: false,
        note: null,
        tunnel: null,
        ip: { version: 4, src: dotted(from.ip), dst: dotted(to.ip), proto, ttl: 63, fragOffset: 0, moreFragments: false },
        l4,
      },
    },
  };
}

describe('bench/generate.js packets decode to the fields they were built from', () => {
  it('every event kind, random addresses, ports, identifiers and VNI', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(packetArb, (p) => {
        // `seq` is the echo sequence number, or for a response the length of its body.
        const bytes: Uint8Array = buildPacket({ ...p, seq: p.event === 'response' ? p.bodyLen : p.seq, gateway: GATEWAY });
        const d = decodeFrame(LINKTYPE_ETHERNET, bytes);
        expect(d.frame).toMatchObject(expected(p) as Frame);
        // Lengths agree with the bytes: nothing announced beyond them, nothing cut.
        expect(d.frame.ip!.length).toBe(bytes.length - 14);
        expect(allFrames(d.frame).map((f) => [f.truncated, f.note])).toEqual(allFrames(d.frame).map(() => [false, null]));
        seen.add(p.event);
      }),
      { numRuns: ROUNDTRIP_RUNS },
    );
    // Every event kind was built at least once (14 kinds in 1000 runs).
    expect([...seen].sort()).toEqual([...(PACKET_EVENTS as string[])].sort());
  });

  it("the generator's own defaults (VNI 1, as in the benchmark captures)", () => {
    const side = (ip: number, port: number) => ({
      ip,
      port,
      ipId: 7,
      outerPort: 40000,
      node: { ip: ip + 1, nic: [0, 12, 41, 1, 2, 3], vtep: [2, 1, 2, 3, 4, 5], sideA: true, outerId: 9 },
    });
    const d = decodeFrame(LINKTYPE_ETHERNET, buildPacket({ event: 'syn', client: side(0x0af40202, 40001), server: side(0x0af40302, 80) }));
    expect(d.frame.tunnel).toMatchObject({ type: 'vxlan', vni: 1 });
    expect(d.frame.tunnel!.inner.l4).toMatchObject({ kind: 'tcp', srcPort: 40001, dstPort: 80, flags: TCP_SYN, seq: 1 });
  });
});
