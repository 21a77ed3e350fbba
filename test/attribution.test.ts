/**
 * ICMP errors tied to flows (src/flows/attribution.ts) on hand-built packets: by the quoted tuple,
 * answering a traceroute probe, un-answering a reply it quotes, and yielding a flow of its own.
 */
import { describe, expect, it } from 'vitest';
import { echo, icmpError, judge, udp } from './helpers/packets.js';

const A = '10.0.0.1';
const B = '10.0.0.2';
const HOP = '10.0.9.1';

describe('ICMP errors and the flows they are about', () => {
  it('port unreachable quoting a datagram refuses its flow only', () => {
    const q = udp(0, [A, 5000], [B, 53]);
    const other = udp(0, [A, 5001], [B, 53]);
    const r = judge([q, other, udp(0.01, [B, 53], [A, 5001]), icmpError(0.001, B, A, 3, 3, q)]);
    expect(r.map((f) => [f.flow.clientPort, f.verdict])).toEqual([
      [5000, 'refused'],
      [5001, 'healthy'],
    ]);
    expect(r[0]!.flow.errors[0]).toMatchObject({ cls: 'refused', attribution: 'quoted', aboutReply: false });
  });
  it('time exceeded from a hop answers the probe it quotes: a traceroute is working', () => {
    const probes = [udp(0, [A, 40000], [B, 33434]), udp(0.1, [A, 40000], [B, 33435])];
    const r = judge([...probes, icmpError(0.01, HOP, A, 11, 0, probes[0]!), icmpError(0.11, B, A, 3, 3, probes[1]!)]);
    expect(r.map((f) => f.verdict)).toEqual(['healthy', 'healthy']);
    expect(r[0]!.explanation).toMatch(/traceroute: 1 hop \(10\.0\.9\.1\)/);
    const pings = [echo(0, A, B, 8, 3, 1), echo(0.1, A, B, 8, 3, 2), echo(0.2, B, A, 0, 3, 2)];
    expect(judge([...pings, icmpError(0.01, HOP, A, 11, 0, pings[0]!)])[0]!.verdict).toBe('healthy');
  });
  it('an error about the reply un-answers its request: a late answer the client refused', () => {
    const reply = udp(5, [B, 53], [A, 5000]);
    const r = judge([udp(0, [A, 5000], [B, 53]), reply, icmpError(5.001, A, B, 3, 3, reply)]);
    expect(r[0]!.verdict).toBe('refused');
    expect(r[0]!.flow.errors[0]!.aboutReply).toBe(true);
    expect(r[0]!.explanation).toMatch(/the reply came back too late/);
  });
  it('an error about a flow no other packet showed yields that flow', () => {
    const unseen = udp(0, [B, 53], [A, 59207]);
    const r = judge([icmpError(0.001, A, B, 3, 3, unseen)]);
    expect(r.map((f) => [f.flow.client, f.flow.clientPort, f.flow.server, f.flow.serverPort, f.verdict])).toEqual([[A, 59207, B, 53, 'refused']]);
  });
});
