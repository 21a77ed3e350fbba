/**
 * classifier/service.ts: a Service address's DNATed connections that fail, told as one finding,
 * on hand-built packets of one cooked capture on the client's node.
 */
import { describe, expect, it } from 'vitest';
import { FlowTable } from '../src/flows/table.js';
import type { Packet } from '../src/model.js';
import { buildReport, type Report } from '../src/report/build.js';
import { echo, F, tcp, vxlan } from './helpers/packets.js';

const NODE = '192.168.223.131';
const at = (p: Packet, ifname: string, direction: Packet['direction'], dt = 0): Packet => ({ ...p, ifname, direction, ts: p.ts! + dt });

/** A SYN from the client pod to the Service, DNATed to `pod` and sent in VXLAN to `peer`; answered when `answered`. */
function connection(ts: number, port: number, pod: string, peer: string, answered: boolean): Packet[] {
  const ipId = port;
  const front = at(tcp({ ts, from: ['10.244.3.5', port], to: ['10.96.0.20', 80], flags: F.S, seq: port * 7, ipId }), 'veth-pod', 'other');
  const back = tcp({ ts: ts + 3e-5, from: ['10.244.3.5', port], to: [pod, 80], flags: F.S, seq: port * 7, ipId });
  const out = [front, at(back, 'cni0', 'in'), at(vxlan(back, NODE, peer, 1), 'ens224', 'out', 2e-5)];
  if (answered) {
    const reply = tcp({ ts: ts + 0.001, from: [pod, 80], to: ['10.244.3.5', port], flags: F.S | F.A, seq: 1, ack: port * 7 + 1 });
    out.push(at(vxlan(reply, peer, NODE, 1), 'ens224', 'in'), at(reply, 'cni0', 'out', 1e-5));
    out.push(at(tcp({ ts: ts + 0.00102, from: ['10.96.0.20', 80], to: ['10.244.3.5', port], flags: F.S | F.A, seq: 1, ack: port * 7 + 1 }), 'veth-pod', 'out'));
    // The client's ACK completes the handshake, before and after the DNAT.
    const ack = { from: ['10.244.3.5', port] as [string, number], flags: F.A, seq: port * 7 + 1, ack: 2, ipId: ipId + 1 };
    const backAck = tcp({ ts: ts + 0.00106, ...ack, to: [pod, 80] });
    out.push(
      at(tcp({ ts: ts + 0.00103, ...ack, to: ['10.96.0.20', 80] }), 'veth-pod', 'other'),
      at(backAck, 'cni0', 'in'),
      at(vxlan(backAck, NODE, peer, 1), 'ens224', 'out', 1e-5),
    );
  }
  return out;
}

/** The node pings its router at the end, as the lab's end marker: the capture outlasts every reply timeout. */
const end = [at(echo(10, NODE, '192.168.223.1', 8, 9, 1), 'ens224', 'out'), at(echo(10.0001, '192.168.223.1', NODE, 0, 9, 1), 'ens224', 'in')];

function report(packets: Packet[]): Report {
  const t = new FlowTable({});
  for (const p of [...packets, ...end].sort((a, b) => a.ts! - b.ts!)) t.add(p);
  return buildReport(t.finish(), [{ name: 'node-b.pcap', format: 'pcap', packets: packets.length }], [], { replyTimeout: 1 });
}

const pings = [at(echo(1, '10.244.3.5', '10.96.0.20', 8, 5, 1), 'veth-pod', 'other'), at(echo(1.0001, '10.96.0.20', '10.244.3.5', 0, 5, 1), 'veth-pod', 'out')];

describe('a Service whose DNATed connections fail, as one finding', () => {
  it('ping answered by the node itself, TCP DNATed into the tunnel and lost: one finding for the three flows', () => {
    const r = report([
      ...pings,
      ...connection(2, 41234, '10.244.2.5', '192.168.232.130', false),
      ...connection(2.5, 41235, '10.244.2.5', '192.168.232.130', false),
    ]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.title).toBe(
      'ICMP to Service 10.96.0.20 is answered locally by 192.168.223.131 (the address sits on a local device, kube-ipvs0 or lo); TCP to it is DNATed to 10.244.2.5, sent in VXLAN 8472 to 192.168.232.130, and nothing comes back from 192.168.232.130: UDP 8472 is dropped between 192.168.223.0/24 and 192.168.232.0/24, or 192.168.232.130 does not answer (capture on 192.168.232.130 too, to tell which)',
    );
    expect(r.findings[0]!.count).toBe(3);
    expect(r.summary.flows).toBe(4);
  });

  it('one pod answers, the other is behind the dropped port: the finding names only the failing one, and says the other answers', () => {
    const r = report([
      ...pings,
      ...connection(2, 41234, '10.244.2.5', '192.168.232.130', false),
      ...connection(2.5, 41236, '10.244.4.5', '192.168.240.7', true),
    ]);
    const f = r.findings[0]!;
    expect(f.service).toMatchObject({ backends: ['10.244.2.5'], to: ['192.168.232.130'] });
    expect(f.title).toContain('TCP to it is DNATed to 10.244.2.5, sent in VXLAN 8472 to 192.168.232.130');
    expect(f.title).toMatch(/\(TCP to it DNATed to 10\.244\.4\.5 is answered\)$/);
    expect(f.flows).not.toContain(r.flows.find((x) => x.server === '10.244.4.5')!.id);
  });

  it('every connection answered: no finding', () => {
    const r = report([...pings, ...connection(2, 41236, '10.244.4.5', '192.168.240.7', true)]);
    expect(r.findings).toEqual([]);
    expect(r.flows.find((x) => x.nat)!.verdict).toBe('healthy');
  });
});
