/**
 * The TCP analyzer (src/flows/tcp.ts) on hand-built segments: requests are what consumes sequence
 * space, answered by the peer's cumulative ACK; retransmissions, duplicate captures, keep-alives,
 * resets and one-sided views are told apart as tcptrace and Wireshark do.
 */
import { describe, expect, it } from 'vitest';
import { covered, keyDir, type Segment, segmentKey, TcpSide, unknownKey } from '../src/flows/tcp.js';
import { F, judge, tcp } from './helpers/packets.js';

const C: [string, number] = ['10.0.0.1', 40000];
const S: [string, number] = ['10.0.0.2', 80];
const ISN_C = 4294967000; // wraps past 2^32 within the first kilobyte
const ISN_S = 1000;

/** A clean exchange: handshake, 500 bytes each way, FIN both ways. */
function clean(t0 = 0) {
  return [
    tcp({ ts: t0, from: C, to: S, flags: F.S, seq: ISN_C }),
    tcp({ ts: t0 + 0.01, from: S, to: C, flags: F.S | F.A, seq: ISN_S, ack: (ISN_C + 1) % 2 ** 32 }),
    tcp({ ts: t0 + 0.02, from: C, to: S, flags: F.A, seq: (ISN_C + 1) % 2 ** 32, ack: ISN_S + 1 }),
    tcp({ ts: t0 + 0.03, from: C, to: S, flags: F.P | F.A, seq: (ISN_C + 1) % 2 ** 32, ack: ISN_S + 1, len: 500 }),
    tcp({ ts: t0 + 0.04, from: S, to: C, flags: F.P | F.A, seq: ISN_S + 1, ack: (ISN_C + 501) % 2 ** 32, len: 500 }),
    tcp({ ts: t0 + 0.05, from: C, to: S, flags: F.F | F.A, seq: (ISN_C + 501) % 2 ** 32, ack: ISN_S + 501 }),
    tcp({ ts: t0 + 0.06, from: S, to: C, flags: F.F | F.A, seq: ISN_S + 501, ack: (ISN_C + 502) % 2 ** 32 }),
    tcp({ ts: t0 + 0.07, from: C, to: S, flags: F.A, seq: (ISN_C + 502) % 2 ** 32, ack: ISN_S + 502 }),
  ];
}

describe('request keys', () => {
  it('carry the direction and the end of the range; unknown ones are covered by any later ACK', () => {
    expect(keyDir(segmentKey(0, 10))).toBe(0);
    expect(keyDir(segmentKey(1, 10))).toBe(1);
    expect(keyDir(unknownKey(1, 3))).toBe(1);
    expect(keyDir(unknownKey(0, 3))).toBe(0);
    expect(covered(segmentKey(0, 10), 0, 10)).toBe(true);
    expect(covered(segmentKey(0, 11), 0, 10)).toBe(false);
    expect(covered(segmentKey(1, 5), 0, 10)).toBe(false);
    expect(covered(unknownKey(0, 0), 0, NaN)).toBe(true);
  });
});

describe('TcpSide', () => {
  const seg = (o: Partial<Segment>): Segment => ({ fromClient: true, flags: F.A, seq: NaN, ack: NaN, len: 0, window: 500, ipId: NaN, ts: 0, sack: null, ...o });
  it('a pure ACK, a window update and a keep-alive are not requests; data, SYN and FIN are', () => {
    const t = new TcpSide();
    expect(t.segment(seg({ flags: F.S, seq: 100 })).kind).toBe('new');
    expect(t.segment(seg({ seq: 101, ack: 7 })).kind).toBe('none');
    expect(t.segment(seg({ seq: 101, len: 10, ack: 7 })).kind).toBe('new');
    expect(t.segment(seg({ seq: 110, len: 1, ack: 7, ts: 60 })).kind).toBe('keep-alive');
    expect(t.segment(seg({ flags: F.F | F.A, seq: 111, ack: 7 })).kind).toBe('new');
    expect(t.summary().keepalives).toBe(1);
  });
  it('the same range again is a retransmission, unless it is the same datagram captured twice', () => {
    const t = new TcpSide();
    t.segment(seg({ seq: 100, len: 10, ipId: 1, ts: 0 }));
    expect(t.segment(seg({ seq: 100, len: 10, ipId: 1, ts: 0.004 })).kind).toBe('duplicate');
    expect(t.segment(seg({ seq: 100, len: 10, ipId: 2, ts: 0.2 })).kind).toBe('retransmission');
    expect(t.segment(seg({ seq: 100, len: 10, ipId: NaN, ts: 0.2005 })).kind).toBe('duplicate');
    expect(t.segment(seg({ seq: 100, len: 10, ipId: 3, ts: 0.6 })).kind).toBe('retransmission');
    const s = t.summary();
    expect([s.retransmissions, s.duplicates, s.backoff]).toEqual([2, 2, true]);
  });
  it('a SACK block answers the segments it covers; a D-SACK takes back a spurious retransmission', () => {
    const t = new TcpSide();
    t.segment(seg({ seq: 1000, len: 100, ipId: 1 }));
    t.segment(seg({ seq: 1100, len: 100, ipId: 2 }));
    const hole = t.answers(seg({ fromClient: false, ack: 1000, sack: [1100, 1200] }))!;
    expect(covered(segmentKey(0, 100), hole.dir, hole.upTo, hole.sacked)).toBe(false);
    expect(covered(segmentKey(0, 200), hole.dir, hole.upTo, hole.sacked)).toBe(true);
    t.segment(seg({ seq: 1100, len: 100, ipId: 3, ts: 0.3 }));
    expect(t.summary().retransmissions).toBe(1);
    t.segment(seg({ fromClient: false, ack: 1200, sack: [1100, 1200] }));
    expect([t.summary().retransmissions, t.summary().spurious]).toEqual([0, 1]);
  });
  it('sequence numbers are unwrapped past 2^32', () => {
    const t = new TcpSide();
    const first = t.segment(seg({ seq: 2 ** 32 - 5, len: 10 }));
    const next = t.segment(seg({ seq: 5, len: 10 }));
    expect(next.kind).toBe('new');
    expect(next.key - first.key).toBe(10);
    expect(t.answers(seg({ fromClient: false, ack: 15 }))).toEqual({ dir: 0, upTo: 20, sacked: [] });
  });
});

describe('TCP flows judged by sequence space', () => {
  it('a clean exchange is healthy: every segment that consumed sequence space acknowledged', () => {
    const [f] = judge(clean());
    expect(f!.verdict).toBe('healthy');
    expect(f!.flow.sides[0]!.tcp).toMatchObject({ handshake: 'complete', retransmissions: 0, synRetries: 0 });
    expect(f!.flow.sides[0]!.requests).toBe(6); // SYN, SYN-ACK, the data each way, the FINs
  });
  it('data resent and acknowledged in the end is lossy, with the count', () => {
    const p = clean();
    p.splice(4, 0, tcp({ ts: 0.035, from: C, to: S, flags: F.P | F.A, seq: (ISN_C + 1) % 2 ** 32, ack: ISN_S + 1, len: 500 }));
    const [f] = judge(p);
    expect(f!.verdict).toBe('lossy');
    expect(f!.explanation).toMatch(/1 segment retransmitted.*all delivered in the end/);
  });
  it('SYNs retried then answered: lossy, connected late; never answered: request-only', () => {
    const p = clean(7);
    const retried = [
      tcp({ ts: 0, from: C, to: S, flags: F.S, seq: ISN_C }),
      tcp({ ts: 1, from: C, to: S, flags: F.S, seq: ISN_C }),
      tcp({ ts: 3, from: C, to: S, flags: F.S, seq: ISN_C }),
      ...p,
    ];
    const [f] = judge(retried);
    expect(f!.verdict).toBe('lossy');
    expect(f!.explanation).toMatch(/connected after 3 SYN retries, 7\.0 s late/);
    const [g] = judge(retried.slice(0, 3));
    expect(g!.verdict).toBe('request-only');
  });
  it('a RST after data, answering what the peer sent, is an ordinary close', () => {
    const p = clean().slice(0, 5);
    p.push(tcp({ ts: 0.05, from: C, to: S, flags: F.R | F.A, seq: (ISN_C + 501) % 2 ** 32, ack: ISN_S + 501 }));
    expect(judge(p)[0]!.verdict).toBe('healthy');
  });
  it('a RST answering the SYN is refused', () => {
    const p = [
      tcp({ ts: 0, from: C, to: S, flags: F.S, seq: ISN_C }),
      tcp({ ts: 0.001, from: S, to: C, flags: F.R | F.A, seq: 0, ack: (ISN_C + 1) % 2 ** 32 }),
    ];
    expect(judge(p)[0]!.verdict).toBe('refused');
  });
  it('caught mid-stream, acknowledged data is healthy', () => {
    expect(judge(clean().slice(3))[0]!.verdict).toBe('healthy');
  });
  it('one end captured only: when it acknowledges the other, incomplete; resending with backoff and no ACK, request-only', () => {
    const clientOnly = clean().filter((p) => p.frame.ip!.src === C[0]);
    for (const p of clientOnly.slice(-2)) p.ts! += 3; // its data waits past the reply timeout
    expect(judge(clientOnly)[0]!.verdict).toBe('incomplete');
    expect(judge(clientOnly)[0]!.explanation).toMatch(/only 10\.0\.0\.1's packets are in this capture/);
    const stuck = [0, 0.2, 0.6, 1.4, 3].map((ts) => tcp({ ts, from: C, to: S, flags: F.P | F.A, seq: 5000, ack: 9000, len: 100 }));
    expect(judge(stuck)[0]!.verdict).toBe('request-only');
  });
  it('data resent with backoff and never acknowledged after an answered handshake: the connection stalled', () => {
    const p = clean().slice(0, 3);
    for (const ts of [0.03, 0.23, 0.63, 1.43, 3.03])
      p.push(tcp({ ts, from: C, to: S, flags: F.P | F.A, seq: (ISN_C + 1) % 2 ** 32, ack: ISN_S + 1, len: 500 }));
    const [f] = judge(p);
    expect(f!.verdict).toBe('request-only');
    expect(f!.explanation).toMatch(/stalled/);
  });
});
