/**
 * A first look at several capture points' first packets, before their flows are followed: do
 * their clocks agree closely enough for the packets to be taken in time order, so that a flow
 * closes when idle as with one capture, and by how much is each clock ahead?
 *
 * The same inner packet is recognised at two points by its conversation, inner IP id and
 * sequence (tunnels and routers leave them alone: identities below); the median of its time at
 * one point minus its time at the other is the pair's offset (transit time included: a fraction
 * of a millisecond on a LAN). A packet seen more than once in one capture (a retransmission, or
 * the same id reused) is left out, so is a packet with no id or sequence to tell it apart.
 *
 * The report's own clock offsets come later, from every flow (crossnode.ts); this only decides
 * how the inputs are read.
 */
import type { Packet } from '../model.js';
import { SAME_PACKET_WINDOW } from './timing.js';
import { viewOf } from './view.js';

/** Packets per input the first look takes (all of a smaller input). */
export const FIRST_LOOK = 2000;

/** Clocks this close are read as one (idle timeouts are at least 10 s); further apart, the captures may not be of one time. */
export const SAME_CLOCK = 0.5;

/** Times below this are a time of day (text without a date), above it seconds since the epoch. */
const NO_DATE_BELOW = 3 * 86400;

/** Median of (time at b) - (time at a) over packets both inputs saw, for each pair a < b that has some. */
export function sampleOffsets(packets: Packet[]): Map<string, number> {
  // Each packet's first time by input, and whether it was seen apart in time in that input (ambiguous).
  const seen = new Map<string, Map<number, number>>();
  const ambiguous = new Set<string>();
  for (const p of packets) {
    if (p.ts === null) continue;
    for (const k of identities(p)) {
      if (ambiguous.has(k)) continue;
      let at = seen.get(k);
      if (!at) seen.set(k, (at = new Map()));
      const t = at.get(p.input);
      if (t === undefined) at.set(p.input, p.ts);
      else if (Math.abs(p.ts - t) > SAME_PACKET_WINDOW) ambiguous.add(k);
    }
  }
  const diffs = new Map<string, number[]>();
  for (const [k, at] of seen) {
    if (at.size < 2 || ambiguous.has(k)) continue;
    const inputs = [...at.keys()].sort((x, y) => x - y);
    for (let i = 0; i < inputs.length; i++)
      for (let j = i + 1; j < inputs.length; j++) {
        const pair = `${inputs[i]}|${inputs[j]}`;
        let v = diffs.get(pair);
        if (!v) diffs.set(pair, (v = []));
        v.push(at.get(inputs[j]!)! - at.get(inputs[i]!)!);
      }
  }
  const out = new Map<string, number>();
  for (const [pair, v] of diffs) {
    v.sort((x, y) => x - y);
    out.set(pair, v[v.length >> 1]!);
  }
  return out;
}

/**
 * The inner packet's identities across capture points: its conversation with its inner IP id,
 * and with its sequence: ICMP echo sequence, or TCP sequence, acknowledgement, flags and length
 * (so tcpdump text without -v, which prints no IP id, is matched too). None when nothing tells
 * it from its neighbours.
 */
function identities(p: Packet): string[] {
  const v = viewOf(p);
  if (v.kind !== 'conv') return [];
  const l4 = v.frame.l4!;
  const t = v.tuple;
  const conv = `${t.proto} ${t.src}.${t.srcPort}>${t.dst}.${t.dstPort}`;
  const out: string[] = [];
  if (v.ip.id !== null) out.push(`${conv} id ${v.ip.id}`);
  if (l4.kind === 'tcp' && l4.seq !== null) out.push(`${conv} seq ${l4.seq} ${l4.ack} ${l4.flags} ${l4.payloadLen}`);
  else if (l4.kind === 'icmp' && l4.seq !== null) out.push(`${conv} seq ${l4.seq}`);
  return out;
}

/**
 * Each input's clock against the first one's (seconds ahead, transit included), when the inputs
 * these first packets come from can be read together in time order: all are tied together by
 * packets seen at two of them, every tie's clocks agree within SAME_CLOCK, and every time is dated
 * (text with the time of day only shares no clock with anything). Null when they cannot.
 */
export function commonClock(packets: Packet[]): Map<number, number> | null {
  const inputs = new Set(packets.map((p) => p.input));
  const shift = new Map<number, number>();
  if (packets.length === 0) return shift;
  if (inputs.size > 1 && packets.some((p) => p.ts === null || p.ts < NO_DATE_BELOW)) return null;
  const ties: [number, number, number][] = [];
  for (const [pair, offset] of sampleOffsets(packets)) {
    if (Math.abs(offset) > SAME_CLOCK) return null;
    const [a, b] = pair.split('|').map(Number) as [number, number];
    ties.push([a, b, offset]);
  }
  // Every input reached from the first by ties, its clock from the tie that reached it.
  shift.set(packets[0]!.input, 0);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b, offset] of ties) {
      if (shift.has(a) === shift.has(b)) continue;
      if (shift.has(a)) shift.set(b, shift.get(a)! + offset);
      else shift.set(a, shift.get(b)! - offset);
      grew = true;
    }
  }
  return shift.size === inputs.size ? shift : null;
}
