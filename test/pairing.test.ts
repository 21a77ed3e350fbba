/**
 * Pairing (src/flows/pairing.ts) on hand-built packets: what answers what, per protocol.
 */
import { describe, expect, it } from 'vitest';
import { echo, judge, udp } from './helpers/packets.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

describe('ICMP echo', () => {
  it('a reply answers the request of its sequence number only', () => {
    const [f] = judge([echo(0, A, B, 8, 7, 1), echo(1, A, B, 8, 7, 2), echo(1.01, B, A, 0, 7, 2), echo(5, A, B, 8, 7, 3)]);
    expect(f!.verdict).toBe('lossy');
    expect([f!.flow.sides[0]!.answered, f!.flow.sides[0]!.unanswered]).toEqual([1, 1]);
  });
  it("a ping to one's own address pairs its replies", () => {
    const [f] = judge([echo(0, A, A, 8, 9, 1), echo(0.0001, A, A, 0, 9, 1), echo(1, A, A, 8, 9, 2), echo(1.0001, A, A, 0, 9, 2)]);
    expect(f!.verdict).toBe('healthy');
    expect(f!.flow.sides[0]!.answered).toBe(2);
  });
});

describe('UDP, by what the protocol expects', () => {
  it('DNS: a response answers the queries waiting before it; one unanswered is request-only', () => {
    expect(judge([udp(0, [A, 5000], [B, 53]), udp(0.01, [B, 53], [A, 5000])])[0]!.verdict).toBe('healthy');
    expect(judge([udp(0, [A, 5001], [B, 53]), udp(3, [A, 5001], [B, 53])])[0]!.verdict).toBe('request-only');
  });
  it('syslog, statsd and unknown ports with no reverse traffic are incomplete, saying why', () => {
    const [syslog] = judge([udp(0, [A, 5002], [B, 514]), udp(2, [A, 5002], [B, 514])]);
    expect(syslog!.verdict).toBe('incomplete');
    expect(syslog!.explanation).toMatch(/syslog is one-way: no reply is expected/);
    expect(judge([udp(0, [A, 5003], [B, 8125]), udp(3, [A, 5003], [B, 8125])])[0]!.verdict).toBe('incomplete');
    const [unknown] = judge([udp(0, [A, 5004], [B, 7777]), udp(3, [A, 5004], [B, 7777])]);
    expect(unknown!.verdict).toBe('incomplete');
    expect(unknown!.explanation).toMatch(/no protocol known to answer/);
  });
  it('an unknown port whose server answered is judged as request/response', () => {
    const [f] = judge([udp(0, [A, 5005], [B, 7777]), udp(0.01, [B, 7777], [A, 5005]), udp(3, [A, 5005], [B, 7777]), echo(6, A, B, 8, 1, 1)]);
    expect(f!.verdict).toBe('lossy');
  });
  it('TFTP answers from a new port: its request alone is no failure', () => {
    expect(judge([udp(0, [A, 5006], [B, 69]), udp(0.01, [B, 3445], [A, 5006])]).map((f) => f.verdict)).toEqual(['incomplete', 'incomplete']);
  });
});
