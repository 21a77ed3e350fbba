/**
 * Closing a flow: settle what is left of its records, count the requests that
 * stayed unanswered (each capture point by its own clock), build the Flow and
 * hand it on, and give its slots back. A late part of a TCP connection closed
 * before, with no request of its own, is counted and not handed on.
 */

import { indexFlow } from './attribution.js';
import { flowObject, sideObject } from './closed.js';
import { NIL, protoCode } from './columns.js';
import { unqueue } from './expiry.js';
import type { InputNode, Passage, Side } from './flow.js';
import { settle } from './pairing.js';
import { pendingListScratch } from './pending.js';
import { bucket } from './scope.js';
import type { FlowTable } from './table.js';

/** TCP conversations remembered after they close, to know their late packets. */
const CLOSED_TCP_KEPT = 65536;
const TCP_CODE = protoCode('tcp');
/** The requests a closing side still waits on, copied out to count. */
const waiting = pendingListScratch();

/** A flow is over (idle, or the capture ended): count what stayed unanswered, hand it on, forget it. */
export function close(tb: FlowTable, s: number, nodes: InputNode[]): void {
  const fc = tb.fc;
  const sc = tb.sc;
  const sides: Side[] = [];
  for (let d = fc.side[s]!; d !== NIL; ) {
    const count = sc.recentCount[d]!;
    if (count > 0) {
      // Settled oldest first, as they came.
      const list: number[] = [];
      for (let n = sc.recentNewest[d]!; list.length < count; n = tb.rec.prev[n & tb.rec.mask]!) list.push(n);
      sc.recentCount[d] = 0;
      for (let k = list.length - 1; k >= 0; k--) settle(tb, d, list[k]!);
    }
    const end = tb.inputs[sc.input[d]!]?.end ?? null;
    let unanswered = sc.unanswered[d]!;
    let pendingAtEnd = 0;
    const n = tb.sc.pendingList(d, waiting);
    for (let j = 0; j < n; j++) {
      const ts = waiting.ts[j]!;
      if (waiting.undelivered[j] || (ts === ts && end !== null && end - ts >= tb.opts.replyTimeout)) unanswered++;
      else pendingAtEnd++;
    }
    const side = sideObject(tb.stores, d, fc.tunnel[s] ?? null, unanswered, pendingAtEnd, sc.tcp[d]?.summary() ?? null);
    const local = nodes.find((x) => x.input === side.input)?.local ?? [];
    resolveDirections(side.requestPassage, local);
    resolveDirections(side.replyPassage, local);
    sides.push(side);
    const next = sc.next[d]!;
    sc.reqUnkSrc[d] = sc.repUnkSrc[d] = null;
    sc.reqUnkMore[d] = sc.repUnkMore[d] = sc.sightings[d] = sc.pendMap[d] = sc.tcp[d] = null;
    tb.paths.reset(d * 2);
    tb.paths.reset(d * 2 + 1);
    sc.release(d);
    d = next;
  }
  const late = fc.late[s] === 1 && sides.every((d) => d.requests === 0) && !fc.errors[s];
  const flow = late ? null : flowObject(tb.stores, s, sides);
  if (fc.proto[s] === TCP_CODE && !late) {
    tb.closedTcp.delete(fc.key[s]!);
    tb.closedTcp.add(fc.key[s]!);
    if (tb.closedTcp.size > CLOSED_TCP_KEPT) tb.closedTcp.delete(tb.closedTcp.values().next().value!);
  }

  const b = bucket(tb, fc.key[s]!);
  if (tb.buckets[b] === s) tb.buckets[b] = fc.hashNext[s]!;
  else {
    let o = tb.buckets[b]!;
    while (fc.hashNext[o] !== s) o = fc.hashNext[o]!;
    fc.hashNext[o] = fc.hashNext[s]!;
  }
  tb.open--;
  unqueue(tb, s);
  indexFlow(tb, s, false);
  const out = tb.nat.closed(fc.id[s]!, flow);
  fc.id[s] = 0;
  fc.client[s] = fc.server[s] = null;
  fc.tunnel[s] = null;
  fc.epMore[s] = fc.errors[s] = fc.errorEvidence[s] = null;
  fc.mac0[s] = fc.mac1[s] = null;
  fc.macMore[s] = null;
  for (let e = s * 4; e < s * 4 + 4; e++) tb.seen.ifname[e] = null;
  fc.release(s);
  if (!flow) tb.counts.late++;
  if (!out) return;
  if (tb.opts.onFlow) tb.opts.onFlow(out, nodes);
  else tb.closedFlows.push(out);
}

/** Encapsulated sightings without a direction: leaving when the outer source is the node's own address. */
function resolveDirections(p: Passage, local: string[]): void {
  const u = p.unknown;
  if (local.length === 0 || u === null) return;
  for (let i = 0; i < u.length; i += 2) {
    if (local.includes(u[i] as string)) p.out += u[i + 1] as number;
    else p.in += u[i + 1] as number;
  }
  p.unknown = null;
}
