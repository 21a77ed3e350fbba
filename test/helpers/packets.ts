/**
 * Hand-built packets in the packet model, for testing the flow table's units without a reader:
 * each field what a decoder would set, the rest null.
 */

import { classify, describe as explain } from '../../src/classifier/index.js';
import { type Flow, FlowTable, type InputNode } from '../../src/flows/table.js';
import {
  emptyFrame,
  type Frame,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Packet,
  type Quoted,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
} from '../../src/model.js';
import { namingOf } from '../../src/report/flow-report.js';

export const F = { S: TCP_SYN, A: TCP_ACK, F: TCP_FIN, R: TCP_RST, P: TCP_PSH };

let no = 0;
function ipFrame(src: string, dst: string, proto: number, ipId: number | null): Frame {
  const f = emptyFrame('raw');
  f.ethertype = 0x0800;
  f.ip = { version: 4, src, dst, proto, ttl: 64, id: ipId, length: null, fragOffset: 0, moreFragments: false, dontFragment: true };
  return f;
}
function packet(ts: number, frame: Frame, input = 0): Packet {
  return { no: ++no, ts, input, wireLen: null, ifname: null, ifindex: null, direction: null, line: null, frame };
}

export interface TcpOpts {
  ts: number;
  from: [string, number];
  to: [string, number];
  flags: number;
  seq?: number | null;
  ack?: number | null;
  len?: number;
  ipId?: number | null;
  win?: number;
  input?: number;
}
export function tcp(o: TcpOpts): Packet {
  const f = ipFrame(o.from[0], o.to[0], IPPROTO_TCP, o.ipId === undefined ? ++no : o.ipId);
  f.l4 = {
    kind: 'tcp',
    srcPort: o.from[1],
    dstPort: o.to[1],
    flags: o.flags,
    seq: o.seq ?? null,
    ack: o.ack ?? null,
    window: o.win ?? 502,
    payloadLen: o.len ?? 0,
  };
  return packet(o.ts, f, o.input);
}

export function udp(ts: number, from: [string, number], to: [string, number], input = 0): Packet {
  const f = ipFrame(from[0], to[0], IPPROTO_UDP, ++no);
  f.l4 = { kind: 'udp', srcPort: from[1], dstPort: to[1], length: 40, payloadLen: 32, checksumOk: null };
  return packet(ts, f, input);
}

export function echo(ts: number, src: string, dst: string, type: 8 | 0, id: number, seq: number, input = 0): Packet {
  const f = ipFrame(src, dst, IPPROTO_ICMP, ++no);
  f.l4 = { kind: 'icmp', type, code: 0, id, seq, mtu: null, quoted: null };
  return packet(ts, f, input);
}

/** An ICMP error from `from` to `to` quoting `quoted` (a packet built above: its frame is the quote). */
export function icmpError(ts: number, from: string, to: string, type: number, code: number, quoted: Packet, input = 0): Packet {
  const f = ipFrame(from, to, IPPROTO_ICMP, ++no);
  const q = quoted.frame;
  const l4 = q.l4!;
  const ports = l4.kind === 'tcp' || l4.kind === 'udp' ? { srcPort: l4.srcPort, dstPort: l4.dstPort } : { srcPort: null, dstPort: null };
  const quote: Quoted = { src: q.ip!.src, dst: q.ip!.dst, proto: q.ip!.proto, ...ports, frame: { ...q, link: 'none' } };
  f.l4 = { kind: 'icmp', type, code, id: null, seq: null, mtu: null, quoted: quote };
  return packet(ts, f, input);
}

/** Runs packets through a flow table and judges every flow. */
export function judge(
  packets: Packet[],
  opts: Partial<ConstructorParameters<typeof FlowTable>[0]> = {},
): { flow: Flow; verdict: string; explanation: string; nodes: InputNode[] }[] {
  const t = new FlowTable(opts);
  for (const p of packets) t.add(p);
  const r = t.finish();
  return r.flows.map((flow) => {
    const c = classify(flow, r.nodes, { replyTimeout: 1 });
    return { flow, verdict: c.verdict, explanation: explain(flow, c, { replyTimeout: 1 }, namingOf([], r.nodes, {})).explanation, nodes: r.nodes };
  });
}

/** The packet carried in VXLAN between two tunnel endpoints (outer UDP to 8472), its inner frame given MACs. */
export function vxlan(
  inner: Packet,
  outerSrc: string,
  outerDst: string,
  vni: number,
  macs: [string, string] = ['02:00:00:00:00:01', '02:00:00:00:00:02'],
): Packet {
  const f = ipFrame(outerSrc, outerDst, IPPROTO_UDP, ++no);
  f.link = 'ether';
  f.l4 = { kind: 'udp', srcPort: 40000 + vni, dstPort: 8472, length: null, payloadLen: null, checksumOk: null };
  const innerFrame: Frame = { ...inner.frame, link: 'ether', src: macs[0], dst: macs[1] };
  f.tunnel = { type: 'vxlan', vni, flags: 8, inner: innerFrame };
  return { ...inner, no: ++no, frame: f };
}

/** The same packet seen bare on an Ethernet interface with these MACs, `dt` seconds later. */
export function bare(p: Packet, dt: number, macs: [string, string]): Packet {
  return { ...p, no: ++no, ts: p.ts! + dt, frame: { ...p.frame, link: 'ether', src: macs[0], dst: macs[1] } };
}
