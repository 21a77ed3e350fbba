/**
 * One packet seen at several places: a `tcpdump -i any` capture shows it
 * encapsulated on the NIC and bare on flannel.1, cni0 and the pod's veth
 * within microseconds. Records wait in a ring until their sightings are all
 * in (SAME_PACKET_WINDOW), then settle, oldest first.
 */

import { FROM_CLIENT, NIL, orNaN, SETTLED } from './columns.js';
import { settle } from './pairing.js';
import type { FlowTable } from './table.js';
import { SAME_PACKET_WINDOW } from './timing.js';
import type { View } from './view.js';

/** An unknown number (NaN) equals anything. */
function eqOrUnknown(a: number, b: number): boolean {
  return a !== a || b !== b || a === b;
}

/** How many recent packet records a flow keeps for recognising a second sighting. */
const RECENT = 16;

/** Settles the records older than `before` (all with Infinity; those without a time once 65536 newer ones came). */
export function settleBefore(tb: FlowTable, before: number): void {
  const r = tb.rec;
  while (r.head < r.tail) {
    const i = r.head & r.mask;
    if (!(r.bits[i]! & SETTLED)) {
      const ts = r.ts[i]!;
      if (ts !== ts ? before !== Infinity && r.tail - r.head <= 65536 : ts >= before) break;
      // Records settle oldest first, so a side's unsettled records stay the newest of its chain.
      tb.sc.recentCount[r.side[i]!]--;
      settle(tb, r.side[i]!, r.head);
    }
    r.head++;
  }
}

/** An earlier record (its number) of the same packet seen at another place (hop) moments ago, or NIL. */
export function findSame(
  tb: FlowTable,
  d: number,
  v: Extract<View, { kind: 'conv' }>,
  fromClient: boolean,
  ts: number,
  placeIf: string | number | null,
  dir: number,
  ep: number,
): number {
  let left = tb.sc.recentCount[d]!;
  if (left === 0) return NIL;
  const r = tb.rec;
  const l4 = v.frame.l4!;
  let type = 0;
  let seq = NaN;
  let ack = NaN;
  let len = NaN;
  if (l4.kind === 'tcp') {
    type = l4.flags;
    seq = orNaN(l4.seq);
    ack = orNaN(l4.ack);
    len = orNaN(l4.payloadLen);
  } else if (l4.kind === 'udp') len = orNaN(l4.length);
  else {
    type = l4.type;
    seq = orNaN(l4.seq);
  }
  const ipId = orNaN(v.ip.id);
  const fcBit = fromClient ? FROM_CLIENT : 0;
  // A place is known when it names an interface or the outer addresses; bare sightings without
  // either (cooked v1 text without -e) may be any interface, so they may still be the same packet.
  const known = placeIf !== null || ep !== NIL;
  for (let n = tb.sc.recentNewest[d]!; left > 0; left--) {
    const i = n & r.mask;
    const o = n;
    n = r.prev[i]!;
    if ((r.bits[i]! & FROM_CLIENT) !== fcBit || r.sigType[i] !== type) continue;
    if (Math.abs(ts - r.ts[i]!) > SAME_PACKET_WINDOW) continue;
    if (!eqOrUnknown(r.sigSeq[i]!, seq) || !eqOrUnknown(r.sigAck[i]!, ack) || !eqOrUnknown(r.sigLen[i]!, len) || !eqOrUnknown(r.sigIpId[i]!, ipId)) continue;
    if (known && r.placeIf[i] === placeIf && r.placeDir[i] === dir && r.placeEp[i] === ep) continue;
    return o;
  }
  return NIL;
}

/** The side's oldest unsettled record. */
export function oldestRecent(tb: FlowTable, d: number): number {
  const r = tb.rec;
  let n = tb.sc.recentNewest[d]!;
  for (let k = tb.sc.recentCount[d]!; k > 1; k--) n = r.prev[n & r.mask]!;
  return n;
}

export function pushRecord(tb: FlowTable, d: number, n: number): void {
  const sc = tb.sc;
  if (sc.recentCount[d]! >= RECENT) {
    const oldest = oldestRecent(tb, d);
    sc.recentCount[d]--;
    settle(tb, d, oldest);
  }
  tb.rec.prev[n & tb.rec.mask] = sc.recentCount[d]! > 0 ? sc.recentNewest[d]! : -1;
  sc.recentNewest[d] = n;
  sc.recentCount[d]++;
}
