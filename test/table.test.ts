/**
 * The flow table's streaming: flows idle longer than the idle timeout are closed and reported
 * as they go, so memory follows the flows open at once, not the length of the capture.
 */
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../src/analyze.js';

/** One echo exchange of id `id` at second `t` of the capture, as tcpdump -nn prints it. */
function ping(t: number, id: number, seq: number, answered = true): string {
  const time = (s: number) => `08:00:${String(Math.floor(s)).padStart(2, '0')}.${String(Math.round((s % 1) * 1e6)).padStart(6, '0')}`;
  const req = `${time(t)} IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id ${id}, seq ${seq}, length 64\n`;
  return answered ? req + `${time(t + 0.0001)} IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ${id}, seq ${seq}, length 64\n` : req;
}

describe('idle flows are closed and reported as the capture goes', () => {
  const text = ping(0, 7, 1) + ping(1, 7, 2) + ping(40, 7, 3) + ping(41, 7, 4) + ping(58, 9, 1);

  it('a silence longer than the idle timeout starts a new flow record', async () => {
    const r = await analyzeText(text);
    expect(r.flows.map((f) => [f.echoId, f.requests, f.verdict])).toEqual([
      [7, 2, 'healthy'],
      [7, 2, 'healthy'],
      [9, 1, 'healthy'],
    ]);
  });
  it('with a longer idle timeout the same exchange is one flow', async () => {
    const r = await analyzeText(text, { idleTimeout: 45 });
    expect(r.flows.map((f) => [f.echoId, f.requests])).toEqual([
      [7, 4],
      [9, 1],
    ]);
  });
  it('--max-flows bounds the flows open at once: a flow closed by idleness makes room, else the least recent one is closed early', async () => {
    const r = await analyzeText(ping(0, 1, 1) + ping(30, 2, 1), { maxFlows: 1 });
    expect(r.flows.map((f) => f.echoId)).toEqual([1, 2]);
    expect(r.warnings).toEqual([]);
    // Two pings interleaved with room for one: each new packet of the other flow closes the open one.
    const both = await analyzeText(ping(0, 1, 1) + ping(0.5, 2, 1) + ping(1, 1, 2), { maxFlows: 1 });
    expect(both.flows.map((f) => [f.echoId, f.requests, f.verdict])).toEqual([
      [1, 1, 'healthy'],
      [2, 1, 'healthy'],
      [1, 1, 'healthy'],
    ]);
    expect(both.warnings).toEqual([
      '2 flows were closed before going idle, to keep at most 1 open at once (--max-flows): each is judged on what it had seen by then',
    ]);
  });
  it('a flow closed early is judged on what it saw: unanswered requests past the reply timeout', async () => {
    const r = await analyzeText(ping(0, 5, 1, false) + ping(1, 5, 2, false) + ping(30, 6, 1));
    expect(r.flows.map((f) => [f.echoId, f.verdict, f.unanswered])).toEqual([
      [5, 'request-only', 2],
      [6, 'healthy', 0],
    ]);
  });
  it('the report counts every flow and lists at most --max-listed, problems first', async () => {
    let t = '';
    for (let i = 0; i < 6; i++) t += ping(i, 100 + i, 1, i % 2 === 0);
    const r = await analyzeText(t, { maxListed: 2 });
    expect(r.summary.flows).toBe(6);
    expect(r.summary.listed).toBe(2);
    expect(r.flows.map((f) => f.verdict)).toEqual(['request-only', 'request-only']);
    // Odd ids unanswered: 101 and 103 past the reply timeout, 105 too recent to tell.
    expect(r.summary.verdicts).toMatchObject({ healthy: 3, 'request-only': 2, incomplete: 1 });
    expect(r.findings.map((f) => [f.verdict, f.count, f.flows])).toEqual([
      ['request-only', 2, [2, 4]],
      ['incomplete', 1, [6]],
    ]);
    expect(r.warnings).toEqual(['4 of 6 flows are counted but not listed (problems first; --max-listed)']);
  });

  it('a port unreachable whose text hides the source port goes to the flow whose request came just before it', async () => {
    const r = await analyzeText(
      [
        '08:00:00.000000 IP 10.0.0.1.1111 > 10.0.0.2.53: 1+ A? a.example. (27)',
        '08:00:00.100000 IP 10.0.0.1.2222 > 10.0.0.2.53: 2+ A? b.example. (27)',
        '08:00:00.100100 IP 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 53 unreachable, length 63',
        '08:00:03.000000 IP 10.0.0.1.3333 > 10.0.0.2.53: 3+ A? c.example. (27)',
        '08:00:03.000100 IP 10.0.0.2.53 > 10.0.0.1.3333: 3 1/0/0 A 10.0.0.9 (43)',
      ].join('\n') + '\n',
    );
    expect(r.flows.map((f) => [f.clientPort, f.verdict]).sort()).toEqual([
      [1111, 'request-only'],
      [2222, 'refused'],
      [3333, 'healthy'],
    ]);
  });
});

describe('contradictory data does not make a wrong verdict', () => {
  const lines = (t: string) => t.split('\n').filter(Boolean);
  it('every packet captured twice: still healthy, nothing unanswered', async () => {
    const once = lines(ping(0, 3, 1) + ping(1, 3, 2) + ping(2, 3, 3));
    const r = await analyzeText(once.flatMap((l) => [l, l]).join('\n') + '\n');
    expect(r.flows.map((f) => [f.verdict, f.unanswered])).toEqual([['healthy', 0]]);
  });
  it('replies printed before their requests (timestamps going backwards): still healthy', async () => {
    const t = lines(ping(0, 4, 1) + ping(1, 4, 2) + ping(2, 4, 3));
    const swapped = [t[1], t[0], t[3], t[2], t[5], t[4]].join('\n') + '\n';
    const r = await analyzeText(swapped);
    expect(r.flows.map((f) => [f.client, f.verdict, f.answered])).toEqual([['10.0.0.1', 'healthy', 3]]);
  });
  it('a flow seen only in its replies is incomplete, not request-only', async () => {
    const r = await analyzeText(
      lines(ping(0, 8, 1) + ping(1, 8, 2))
        .filter((l) => l.includes('reply'))
        .join('\n') + '\n',
    );
    expect(r.flows.map((f) => [f.verdict, f.requests])).toEqual([['incomplete', 0]]);
  });
});

describe('open flows kept as columns', () => {
  const time = (s: number) => `08:00:${String(Math.floor(s)).padStart(2, '0')}.${String(Math.round((s % 1) * 1e6)).padStart(6, '0')}`;
  it('6,000 exchanges inside one 50 ms window (more records waiting than the ring first holds) all pair up', async () => {
    let t = '';
    for (let i = 0; i < 6000; i++) t += ping(0.00001 * i, i, 1);
    const r = await analyzeText(t, { maxListed: 10 });
    expect(r.summary.flows).toBe(6000);
    expect(r.summary.verdicts).toMatchObject({ healthy: 6000 });
  });
  it('several requests waiting at once, answered out of order: the unanswered one is the one left', async () => {
    const req = (t: number, seq: number) => `${time(t)} IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 5, seq ${seq}, length 64\n`;
    const rep = (t: number, seq: number) => `${time(t)} IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 5, seq ${seq}, length 64\n`;
    const r = await analyzeText(req(0, 1) + req(0.1, 2) + req(0.2, 3) + rep(0.3, 3) + rep(0.4, 1) + req(5, 4) + rep(5.1, 4));
    expect(r.flows.map((f) => [f.requests, f.answered, f.unanswered, f.verdict])).toEqual([[4, 3, 1, 'lossy']]);
  });
  it('a UDP reply answers every query waiting before it, not the ones after', async () => {
    const q = (t: number, id: number) => `${time(t)} IP 10.0.0.1.5000 > 10.0.0.2.53: ${id}+ A? a.example. (27)\n`;
    const a = (t: number, id: number) => `${time(t)} IP 10.0.0.2.53 > 10.0.0.1.5000: ${id} 1/0/0 A 10.0.0.9 (43)\n`;
    // Query 3 goes unanswered; query 4, the last packet, is too recent to tell.
    const r = await analyzeText(q(0, 1) + q(0.2, 2) + a(0.3, 2) + q(0.4, 3) + q(3, 4));
    expect(r.flows.map((f) => [f.requests, f.answered, f.unanswered, f.verdict])).toEqual([[4, 2, 1, 'lossy']]);
  });
  it('thousands of flows open at once, closed and their slots reused, keep their own counts', async () => {
    let t = '';
    for (let round = 0; round < 2; round++) for (let i = 0; i < 3000; i++) t += ping(round * 30 + i * 0.001, i, round + 1, i % 3 !== 0);
    // One more exchange later, so every request above is past the reply timeout.
    const r = await analyzeText(t + ping(40, 9999, 1), { maxListed: 10 });
    expect(r.summary.flows).toBe(6001);
    expect(r.summary.verdicts).toMatchObject({ healthy: 4001, 'request-only': 2000 });
  });
});
