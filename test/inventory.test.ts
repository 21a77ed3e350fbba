/**
 * The tunnel inventory, the outer endpoint pairs and the address votes stay bounded under hostile
 * input: a flood of spoofed outer source addresses (or of VNIs) must not grow memory with every
 * packet, and a normal capture's inventory is unchanged.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import { ANY, MAX_PAIRS } from '../src/flows/records.js';
import { FlowTable } from '../src/flows/table.js';
import { udp, vxlan } from './helpers/packets.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const T0 = 1_790_000_000;
/** A VXLAN packet to 192.168.1.2 from a random outer source (one of 2^32), `i` * 10 µs after T0; with `vni`, its own conversation. */
function spoofed(i: number, vni = 1) {
  const r = (Math.random() * 2 ** 32) >>> 0;
  const src = `${r >>> 24}.${(r >>> 16) & 255}.${(r >>> 8) & 255}.${r & 255}`;
  const inner = udp(T0 + i * 1e-5, ['10.244.1.2', 1000 + vni], ['10.244.2.2', 53]);
  // Each packet its own IP id: not a second sighting of the one before.
  inner.frame.ip!.id = i & 0xffff;
  return vxlan(inner, src, '192.168.1.2', vni);
}

describe('a flood of spoofed outer sources', () => {
  it('a million random outer sources: the pairs, the inventory and the votes stay bounded, so does the heap', () => {
    const tb = new FlowTable({ idleTimeout: 15 });
    let i = 0;
    for (; i < 200_000; i++) tb.add(spoofed(i));
    const before = heapAfterGc();
    for (; i < 1_000_000; i++) tb.add(spoofed(i));
    const grown = heapAfterGc() - before;
    expect(tb.eps.key.length).toBeLessThanOrEqual(MAX_PAIRS + 1024 + 1);
    expect(tb.inputs[0]!.votes.size).toBeLessThanOrEqual(4096);
    expect(tb.inputs[0]!.epVotes.order.length).toBeLessThanOrEqual(MAX_PAIRS + 1024 + 1);
    // 800,000 more packets, each from a new pair: about 100 bytes a pair kept would be 80 MB.
    expect(grown).toBeLessThan(16 * 2 ** 20);
    const r = tb.finish();
    expect(r.counts.packets).toBe(1_000_000);
    expect(r.tunnels).toHaveLength(1);
    const t = r.tunnels[0]!;
    expect(t.packets).toBe(1_000_000);
    expect(t.endpoints.size).toBeLessThanOrEqual(1024);
    expect(r.notes.some((n) => n.includes(`counted from ${ANY}`))).toBe(true);
    // The node is still the one the flood was sent to, never "*".
    expect(r.nodes[0]!.local).not.toContain(ANY);
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]!.packets).toBe(1_000_000);
  }, 60_000);

  it('a flood of VNIs: the inventory lists a bounded number of tunnel scopes, every flow is still followed in its own', () => {
    const tb = new FlowTable({ idleTimeout: 15 });
    for (let i = 0; i < 20_000; i++) tb.add(spoofed(i, 1 + (i % 5000)));
    const r = tb.finish();
    expect(r.tunnels.length).toBeLessThanOrEqual(256);
    expect(r.flows).toHaveLength(5000);
    expect(new Set(r.flows.map((f) => f.tunnel!.vni)).size).toBe(5000);
  });
});

describe('normal captures', () => {
  it('the lab captures keep every tunnel endpoint and no note of a flood', async () => {
    const r = await analyzeFiles(['samples/lab/blocked-8472.nodea-any.pcap', 'samples/lab/blocked-8472.nodeb-any.pcap']);
    expect(r.tunnels[0]!.endpoints.map((e) => `${e.src}>${e.dst}`).sort()).toEqual(['192.168.223.131>192.168.232.130', '192.168.232.130>192.168.223.131']);
    expect(r.warnings.join('\n')).not.toContain(`counted from ${ANY}`);
  });
});
