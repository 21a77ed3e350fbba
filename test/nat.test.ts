/**
 * flows/nat.ts: the same packet seen before and after a NAT rewrite in one capture ties two flows
 * into one conversation; anything short of that leaves them apart.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../src/flows/flow.js';
import { FlowTable } from '../src/flows/table.js';
import type { Packet } from '../src/model.js';
import { echo, F, judge, tcp, udp } from './helpers/packets.js';

const CLIENT: [string, number] = ['10.244.3.5', 41234];
const SVC: [string, number] = ['10.96.0.20', 80];
const POD: [string, number] = ['10.244.2.5', 80];

/** A packet seen at an interface, in a direction (a cooked -i any capture). */
function at(p: Packet, ifname: string, direction: Packet['direction'], dt = 0): Packet {
  return { ...p, ifname, direction, ts: p.ts! + dt };
}

/** A SYN from the client pod to the Service seen on its veth, and after the DNAT on cni0 (same seq, same IP id). */
function dnatSyn(ts: number, o: { seq?: number; backSeq?: number; ipId?: number; dt?: number; place?: [string, Packet['direction']] } = {}): Packet[] {
  const seq = o.seq ?? 1000;
  const front = at(tcp({ ts, from: CLIENT, to: SVC, flags: F.S, seq, ipId: 7 }), 'veth-pod', 'other');
  const [ifname, dir] = o.place ?? ['cni0', 'in'];
  const back = at(tcp({ ts, from: CLIENT, to: POD, flags: F.S, seq: o.backSeq ?? seq, ipId: o.ipId ?? 7 }), ifname, dir, o.dt ?? 30e-6);
  return [front, back];
}

function synAck(ts: number, from: [string, number], ifname: string, direction: Packet['direction']): Packet {
  return at(tcp({ ts, from, to: CLIENT, flags: F.S | F.A, seq: 5000, ack: 1001 }), ifname, direction);
}

describe('stitching a connection through a DNAT', () => {
  it('the same SYN under two tuples 30 µs apart, answered: one healthy conversation, front and back, the NAT step in its path', () => {
    const [front, back] = dnatSyn(100);
    const r = judge([front!, back!, synAck(100.001, POD, 'cni0', 'out'), synAck(100.001, SVC, 'veth-pod', 'out')]);
    expect(r).toHaveLength(1);
    const { flow, verdict } = r[0]!;
    expect(verdict).toBe('healthy');
    expect([flow.client, flow.clientPort, flow.server, flow.serverPort]).toEqual(['10.244.3.5', 41234, '10.244.2.5', 80]);
    expect(flow.nat).toMatchObject({ rewrote: 'destination', input: 0 });
    expect(flow.nat!.by).toBe('tcp seq 1000, ip id 7, 30 µs apart');
    expect([flow.nat!.front.server, flow.nat!.front.serverPort]).toEqual(['10.96.0.20', 80]);
    const path = flow.sides[0]!.requestPath!;
    expect(path.map((h) => h.nat ?? h.ifname)).toEqual([
      'veth-pod',
      { from: '10.244.3.5:41234 > 10.96.0.20:80', to: '10.244.3.5:41234 > 10.244.2.5:80' },
      'cni0',
    ]);
    const reply = flow.sides[0]!.replyPath!;
    expect(reply.map((h) => h.nat ?? h.ifname)).toEqual([
      'cni0',
      { from: '10.244.2.5:80 > 10.244.3.5:41234', to: '10.96.0.20:80 > 10.244.3.5:41234' },
      'veth-pod',
    ]);
  });

  it('one verdict, the worse half: the back answered but the answer never reached the client is not healthy', () => {
    const [front, back] = dnatSyn(100);
    const r = judge([front!, back!, synAck(100.001, POD, 'cni0', 'out'), synAck(102, POD, 'cni0', 'out')]);
    expect(r).toHaveLength(1);
    expect(r[0]!.flow.nat).toBeDefined();
    expect(r[0]!.verdict).toBe('request-only');
  });

  it('a source rewrite (masquerade) and both rewritten (NodePort) are told apart', () => {
    const masq = [
      at(tcp({ ts: 1, from: CLIENT, to: POD, flags: F.S, seq: 9, ipId: 3 }), 'cni0', 'in'),
      at(tcp({ ts: 1.00002, from: ['10.244.3.0', 41234], to: POD, flags: F.S, seq: 9, ipId: 3 }), 'flannel.1', 'out'),
    ];
    expect(judge(masq)[0]!.flow.nat!.rewrote).toBe('source');
    const nodePort = [
      at(tcp({ ts: 1, from: ['192.168.223.1', 41236], to: ['192.168.223.131', 30080], flags: F.S, seq: 9, ipId: 3 }), 'ens224', 'in'),
      at(tcp({ ts: 1.00002, from: ['10.244.3.0', 41236], to: POD, flags: F.S, seq: 9, ipId: 3 }), 'flannel.1', 'out'),
    ];
    expect(judge(nodePort)[0]!.flow.nat!.rewrote).toBe('both');
  });

  it('echoes and datagrams are tied by echo id and sequence, or port and length, and IP id', () => {
    const pings = [
      at(echo(1, '10.244.3.5', '10.96.0.30', 8, 77, 1), 'veth-pod', 'other'),
      at(echo(1.00001, '10.244.3.5', '10.244.2.9', 8, 77, 1), 'cni0', 'in'),
    ];
    // echo() gives each packet its own IP id: the two are different packets.
    expect(judge(pings)).toHaveLength(2);
    const same = { ...pings[1]!, frame: { ...pings[1]!.frame, ip: { ...pings[1]!.frame.ip!, id: pings[0]!.frame.ip!.id } } };
    expect(judge([pings[0]!, same])).toHaveLength(1);
    const q = at(udp(1, ['10.244.3.5', 41235], ['10.96.0.20', 53]), 'veth-pod', 'other');
    const d = at(udp(1.00003, ['10.244.3.5', 41235], ['10.244.2.5', 53]), 'cni0', 'in');
    expect(judge([q, { ...d, frame: { ...d.frame, ip: { ...d.frame.ip!, id: q.frame.ip!.id } } }])[0]!.flow.nat!.rewrote).toBe('destination');
  });

  it('no stitch: another sequence, another IP id, more than 50 ms apart, the same place, or no place and no IP id', () => {
    expect(judge(dnatSyn(100, { backSeq: 1 }))).toHaveLength(2);
    expect(judge(dnatSyn(100, { ipId: 8 }))).toHaveLength(2);
    expect(judge(dnatSyn(100, { dt: 0.06 }))).toHaveLength(2);
    expect(judge(dnatSyn(100, { place: ['veth-pod', 'other'] }))).toHaveLength(2);
    // traceroute's probes: one source port, one length, ports counting up, nothing to say where or which packet.
    const probes = [33434, 33435, 33436].map((port, i) => udp(1 + i * 1e-4, ['10.0.0.1', 41077], ['10.0.0.9', port]));
    for (const p of probes) p.frame.ip!.id = null;
    const r = judge(probes);
    expect(r).toHaveLength(3);
    expect(r.every((x) => !x.flow.nat)).toBe(true);
  });
});

describe('streaming: flows closed one by one', () => {
  function run(packets: Packet[]) {
    const out: Flow[] = [];
    const t = new FlowTable({ idleTimeout: 10, onFlow: (f) => out.push(f) });
    let ts = 0;
    for (const p of packets) {
      t.add(p);
      ts = p.ts!;
    }
    return { t, out, ts };
  }

  it('the first half to close waits for its partner; the pair leaves as one, then nothing is held', () => {
    const pairs = Array.from({ length: 50 }, (_, i) => dnatSyn(100 + i * 0.2, { seq: 1000 + i }).map((p) => ({ ...p, frame: withPort(p.frame, 40000 + i) })));
    const { t, out } = run([...pairs.flat(), at(echo(200, '10.0.0.1', '10.0.0.2', 8, 1, 1), 'eth0', 'out')]);
    // 100 s later every pair has gone idle and been handed on, each as one conversation.
    expect(out).toHaveLength(50);
    expect(out.every((f) => f.nat !== undefined)).toBe(true);
    expect(t.nat.held).toEqual({ starts: 1, links: 0, waiting: 0 });
    t.finish();
    expect(out).toHaveLength(51);
    expect(t.nat.linked).toBe(50);
  });
});

function withPort(frame: Packet['frame'], port: number): Packet['frame'] {
  const l4 = frame.l4!;
  return l4.kind === 'tcp' ? { ...frame, l4: { ...l4, srcPort: port } } : frame;
}
