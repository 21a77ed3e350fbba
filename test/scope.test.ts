/**
 * Session lookup and scoping (src/flows/scope.ts) on hand-built packets: which open flow a packet
 * belongs to when the same tuple shows bare and encapsulated, or in two VNIs.
 */
import { describe, expect, it } from 'vitest';
import { bare, echo, judge, vxlan } from './helpers/packets.js';

const POD_B = '10.244.3.2';
const POD_A = '10.244.2.2';
const NODE_B = '192.168.223.131';
const NODE_A = '192.168.232.130';
const BRIDGE: [string, string] = ['0a:58:0a:f4:02:01', '0a:58:0a:f4:02:02'];

describe('one conversation bare and encapsulated at one capture point', () => {
  it('the bare copies on the bridge (other MACs, no interface names) join the tunnel flow active there just now', () => {
    const req = echo(0, POD_B, POD_A, 8, 5, 1);
    const rep = echo(0.001, POD_A, POD_B, 0, 5, 1);
    const packets = [
      vxlan(req, NODE_B, NODE_A, 1),
      bare(req, 0.0001, BRIDGE),
      bare(rep, 0, [BRIDGE[1], BRIDGE[0]]),
      vxlan({ ...rep, ts: 0.0011 }, NODE_A, NODE_B, 1),
    ];
    const flows = judge(packets);
    expect(flows.map((f) => [f.flow.scope, f.verdict])).toEqual([['vxlan:1', 'healthy']]);
    expect(flows[0]!.flow.packets).toBe(2);
  });
  it('the same tuple bare much later is a conversation of its own', () => {
    const req = echo(0, POD_B, POD_A, 8, 5, 1);
    const flows = judge([vxlan(req, NODE_B, NODE_A, 1), bare(echo(2, POD_B, POD_A, 8, 5, 9), 0, BRIDGE)]);
    expect(flows.map((f) => f.flow.scope).sort()).toEqual(['', 'vxlan:1']);
  });
});

describe('VNIs', () => {
  it('a reply in another VNI between the same endpoints reversed answers the request (Cilium identities)', () => {
    const flows = judge([vxlan(echo(0, POD_B, POD_A, 8, 5, 1), NODE_B, NODE_A, 1001), vxlan(echo(0.001, POD_A, POD_B, 0, 5, 1), NODE_A, NODE_B, 2002)]);
    expect(flows.map((f) => [f.flow.scope, f.verdict])).toEqual([['vxlan:1001', 'healthy']]);
  });
  it('the same tuple sent one way in two VNIs stays two conversations', () => {
    const flows = judge([
      vxlan(echo(0, POD_B, POD_A, 8, 5, 1), NODE_B, NODE_A, 1),
      vxlan(echo(0, POD_B, POD_A, 8, 5, 1), NODE_B, NODE_A, 2),
      vxlan(echo(0.001, POD_A, POD_B, 0, 5, 1), NODE_A, NODE_B, 2),
    ]);
    expect(flows.map((f) => [f.flow.scope, f.verdict]).sort()).toEqual([
      ['vxlan:1', 'incomplete'],
      ['vxlan:2', 'healthy'],
    ]);
  });
});
