/**
 * The flow table on random traffic: many echo conversations at random times (so flows close and
 * their column slots are reused), each packet printed at one to three capture places of a
 * `tcpdump -i any` (so sightings must merge into one packet), some replies dropped. Whatever the
 * mix, each conversation's counts and verdict follow from what was sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../src/analyze.js';

const PLACES = ['veth-pod In', 'cni0 Out', 'eth0 Out'];

interface Conv {
  start: number;
  requests: number;
  /** Bit i set: the reply to request i is dropped. */
  dropped: number;
  places: number;
}

const conv = fc.record({
  start: fc.double({ min: 0, max: 120, noNaN: true }),
  requests: fc.integer({ min: 1, max: 5 }),
  dropped: fc.integer({ min: 0, max: 31 }),
  places: fc.integer({ min: 1, max: 3 }),
});

function time(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${String(8 + h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(6).padStart(9, '0')}`;
}

/** The capture text of the conversations (echo id = index + 1), lines in time order, and a last exchange that ends the capture. */
function capture(convs: Conv[]): string {
  const lines: [number, string][] = [];
  const end = Math.max(...convs.map((c) => c.start)) + 20;
  convs.forEach((c, k) => {
    const id = k + 1;
    const client = `10.244.${1 + (k % 7)}.${2 + (k % 200)}`;
    const server = `10.244.9.${2 + (k % 13)}`;
    for (let i = 0; i < c.requests; i++) {
      const t = c.start + i * 0.5;
      for (let p = 0; p < c.places; p++) {
        lines.push([t + p * 1e-5, `${PLACES[p]} IP ${client} > ${server}: ICMP echo request, id ${id}, seq ${i + 1}, length 64`]);
        if (!(c.dropped & (1 << i)))
          lines.push([t + 0.001 + p * 1e-5, `${PLACES[p]} IP ${server} > ${client}: ICMP echo reply, id ${id}, seq ${i + 1}, length 64`]);
      }
    }
  });
  lines.push([end, `eth0 Out IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 65000, seq 1, length 64`]);
  lines.push([end + 0.001, `eth0 In IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 65000, seq 1, length 64`]);
  lines.sort((a, b) => a[0] - b[0]);
  return lines.map(([t, l]) => `${time(t)} ${l}`).join('\n') + '\n';
}

describe('flow table on random echo traffic', () => {
  it('each conversation: its requests counted once whatever the places, answered = replies not dropped, verdict from both', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(conv, { minLength: 1, maxLength: 120 }), async (convs) => {
        const r = await analyzeText(capture(convs), { maxListed: 1_000_000 });
        expect(r.warnings).toEqual([]);
        const byId = new Map(r.flows.map((f) => [f.echoId, f]));
        expect(r.flows.length).toBe(convs.length + 1);
        convs.forEach((c, k) => {
          const f = byId.get(k + 1)!;
          const mask = (1 << c.requests) - 1;
          const answered = c.requests - bitCount(c.dropped & mask);
          expect([f.requests, f.answered, f.unanswered]).toEqual([c.requests, answered, c.requests - answered]);
          expect(f.verdict).toBe(answered === c.requests ? 'healthy' : answered === 0 ? 'request-only' : 'lossy');
        });
      }),
      { numRuns: 60 },
    );
  });
});

function bitCount(n: number): number {
  let c = 0;
  for (; n; n &= n - 1) c++;
  return c;
}
