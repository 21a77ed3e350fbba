/**
 * ICMP errors tied to the flows they are about, as precisely as each error
 * allows: the quoted packet's tuple; else (tcpdump text) the flows between its
 * addressee and the host it names; else the flows carried to a tunnel endpoint
 * it names; else, for a node's error to itself, the tunnel flows that failed
 * to leave encapsulated around then. A time exceeded answers the probe it
 * quotes; an error about a flow no other packet showed yields that flow.
 */

import { type Icmp, type Ip, innermost, type Packet, type Quoted } from '../model.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../protocols.js';
import { EVIDENCE_FIRST, NIL, none, PROTOS, protoCode } from './columns.js';
import { openFlows } from './expiry.js';
import { type Attribution, type Evidence, type FlowError, scopeOf } from './flow.js';
import { errorClass } from './icmp-errors.js';
import { pairKey, sameTuple, tupleKey } from './key.js';
import { pendingListScratch } from './pending.js';
import { bucket, flowFor, sideOf } from './scope.js';
import type { FlowTable } from './table.js';
import { LOCAL_ERROR_WINDOW } from './timing.js';
import { udpProtocol } from './udp.js';
import { type FlowProto, quotedTuple, type TunnelHop, viewOfFrame } from './view.js';

const UDP_CODE = protoCode('udp');
/** The requests a side waits on, copied out to look through. */
const waiting = pendingListScratch();

export interface PendingError {
  input: number;
  ts: number | null;
  ip: Ip;
  icmp: Icmp;
  quoted: Quoted;
  hop: TunnelHop | null;
  evidence: Evidence;
}

function protoNumber(p: FlowProto): number {
  return p === 'icmp' ? IPPROTO_ICMP : p === 'icmp6' ? IPPROTO_ICMPV6 : p === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
}

/** Files an open flow in the host index, or takes it out. */
export function indexFlow(tb: FlowTable, s: number, add: boolean): void {
  if (!tb.indexed) return;
  const fc = tb.fc;
  const key = pairKey(fc.client[s]!, fc.server[s]!);
  let set = tb.byPair.get(key);
  if (add) {
    if (!set) tb.byPair.set(key, (set = new Set()));
    set.add(s);
  } else if (set) {
    set.delete(s);
    if (set.size === 0) tb.byPair.delete(key);
  }
}

/** The host index, built over the open flows the first time an error needs it. */
export function hostIndex(tb: FlowTable): Map<number, Set<number>> {
  if (!tb.indexed) {
    tb.indexed = true;
    for (let s = tb.qHead; s !== NIL; s = tb.fc.qNext[s]!) indexFlow(tb, s, true);
  }
  return tb.byPair;
}

/** Open flows by outer destination, built when an error about a tunnel endpoint is due. */
export function outerDstIndex(tb: FlowTable): Map<string, number[]> {
  if (tb.byOuterDst) return tb.byOuterDst;
  const fc = tb.fc;
  const m = new Map<string, number[]>();
  const add = (ep: number, s: number) => {
    const k = tb.eps.dst[ep]!;
    const l = m.get(k);
    if (!l) m.set(k, [s]);
    else if (l[l.length - 1] !== s) l.push(s);
  };
  for (let s = tb.qHead; s !== NIL; s = fc.qNext[s]!) {
    if (fc.ep0[s] !== NIL) add(fc.ep0[s]!, s);
    if (fc.ep1[s] !== NIL) add(fc.ep1[s]!, s);
    for (const ep of fc.epMore[s]?.keys() ?? []) add(ep, s);
  }
  return (tb.byOuterDst = m);
}

/** The time of the flow's newest request still waiting at `input` no later than `ts`, or -Infinity. */
export function lastRequestBefore(tb: FlowTable, s: number, input: number, ts: number): number {
  let best = -Infinity;
  for (let d = tb.fc.side[s]!; d !== NIL; d = tb.sc.next[d]!) {
    if (tb.sc.input[d] !== input) continue;
    const n = tb.sc.pendingList(d, waiting);
    for (let j = 0; j < n; j++) {
      const pendTs = waiting.ts[j]!;
      if (pendTs <= ts && pendTs > best) best = pendTs;
    }
  }
  return best;
}

/** The open flows (slots) of a set that pass a test, oldest first. */
export function byId(tb: FlowTable, slots: Iterable<number> | undefined, test: (s: number) => boolean): number[] {
  if (!slots) return [];
  const fc = tb.fc;
  return [...slots].filter(test).sort((a, b) => fc.id[a]! - fc.id[b]!);
}

/** The request an ICMP error answers: at the error's capture point, the one it quotes (echo sequence), else the newest sent before it. */
export function answerByError(tb: FlowTable, s: number, e: PendingError, exact: ReturnType<typeof quotedTuple>): void {
  const sc = tb.sc;
  const l4 = e.quoted.frame ? innermost(e.quoted.frame).l4 : null;
  const seq = l4 && (l4.kind === 'icmp' || l4.kind === 'icmp6') ? l4.seq : null;
  for (let d = tb.fc.side[s]!; d !== NIL; d = sc.next[d]!) {
    if (sc.input[d] !== e.input) continue;
    if (seq !== null && exact && sc.pendingHas(d, seq)) {
      sc.answer(d, seq, true);
      continue;
    }
    let best = NaN;
    let bestTs = -Infinity;
    const n = sc.pendingList(d, waiting);
    for (let j = 0; j < n; j++) {
      const ts = waiting.ts[j]!;
      if ((e.ts === null || ts <= e.ts) && ts >= bestTs) {
        best = waiting.keys[j]!;
        bestTs = ts;
      }
    }
    if (bestTs > -Infinity) sc.answer(d, best, true);
  }
}

/** A UDP flow to traceroute's probe ports: answered by ICMP only. */
function isTraceProbe(tb: FlowTable, s: number): boolean {
  const fc = tb.fc;
  return fc.proto[s] === UDP_CODE && udpProtocol(fc.serverPort[s]!, fc.clientPort[s]!).expects === 'icmp';
}

/** The open probe flow (a UDP traceroute port, or ICMP echo) from `prober` whose oldest waiting request, sent at most LOCAL_ERROR_WINDOW before `ts`, is the oldest. */
function oldestProbe(tb: FlowTable, prober: string, input: number, ts: number): number {
  const fc = tb.fc;
  const sc = tb.sc;
  let best = NIL;
  let bestTs = Infinity;
  for (let s = tb.qHead; s !== NIL; s = fc.qNext[s]!) {
    if (fc.client[s] !== prober) continue;
    if (!isTraceProbe(tb, s) && fc.echoId[s] === NIL) continue;
    for (let d = fc.side[s]!; d !== NIL; d = sc.next[d]!) {
      if (sc.input[d] !== input) continue;
      const n = sc.pendingList(d, waiting);
      for (let j = 0; j < n; j++) {
        const t = waiting.ts[j]!;
        if (t <= ts && t >= ts - LOCAL_ERROR_WINDOW && t < bestTs) {
          best = s;
          bestTs = t;
        }
      }
    }
  }
  return best;
}

/** Ties one ICMP error to the open flows it is about, as precisely as the error allows. */
export function attribute(tb: FlowTable, e: PendingError): void {
  const fc = tb.fc;
  const cls = errorClass(e.icmp);
  const q = e.quoted;
  const exact = quotedTuple(q);
  let targets: number[] = [];
  let how: Attribution = 'quoted';
  if (exact) {
    const tk = tupleKey(exact.tuple);
    const siblings: number[] = [];
    for (let s = tb.buckets[bucket(tb, tk)]!; s !== NIL; s = fc.hashNext[s]!) if (fc.key[s] === tk && sameTuple(fc, s, exact.tuple)) siblings.push(s);
    const scope = scopeOf(exact.tunnel ?? e.hop);
    const f = siblings.find((s) => scopeOf(fc.tunnel[s] ?? null) === scope) ?? (siblings.length === 1 ? siblings[0] : undefined);
    if (f !== undefined) targets = [f];
  }
  if (targets.length === 0) {
    // Only the destination is known (tcpdump text): the flows between the error's addressee and that host.
    how = 'host';
    const sender = e.ip.dst;
    const proto = q.proto;
    targets = byId(
      tb,
      hostIndex(tb).get(pairKey(q.dst, sender)),
      (s) =>
        ((fc.client[s] === q.dst && fc.server[s] === sender) || (fc.client[s] === sender && fc.server[s] === q.dst)) &&
        (proto === null || protoNumber(PROTOS[fc.proto[s]! - 1]!) === proto) &&
        (q.dstPort === null || fc.serverPort[s] === q.dstPort || fc.clientPort[s] === q.dstPort),
    );
    // A port unreachable answers one datagram: when the text hides its source port, the flow whose
    // request came last before the error is the one (not every flow to that port at the time).
    if (targets.length > 1 && q.dstPort !== null && e.ts !== null) {
      const times = targets.map((s) => lastRequestBefore(tb, s, e.input, e.ts!));
      const best = Math.max(...times);
      if (best > -Infinity) targets = targets.filter((_, i) => times[i] === best);
    }
  }
  if (targets.length === 0) {
    // The host is a tunnel endpoint: the flows carried to it.
    how = 'endpoint';
    targets = byId(tb, outerDstIndex(tb).get(q.dst), () => true);
  }
  if (targets.length === 0 && q.dst === '?' && cls === 'time-exceeded' && e.ts !== null) {
    // tcpdump's text says only "time exceeded in-transit" to the prober: traceroute's hops answer
    // its probes in the order they were sent, so the oldest probe still waiting is the one.
    how = 'inferred';
    const probe = oldestProbe(tb, e.ip.dst, e.input, e.ts);
    if (probe !== NIL) targets = [probe];
  }
  if (targets.length === 0 && e.ip.src === e.ip.dst) {
    // The kernel reporting to itself that it could not send (no route, or no ARP answer for the
    // next hop): the tunnel flows whose packets failed to leave encapsulated at that node around then.
    how = 'inferred';
    const sc = tb.sc;
    targets = byId(tb, openFlows(tb), (s) => {
      for (let d = fc.side[s]!; d !== NIL; d = sc.next[d]!) {
        const last = sc.lastNotEncapsulatedTs[d]!;
        if (sc.input[d] === e.input && last === last && (e.ts === null || Math.abs(last - e.ts) <= LOCAL_ERROR_WINDOW)) return true;
      }
      return false;
    });
  }
  const qv = targets.length === 0 && q.frame ? viewOfFrame(q.frame) : null;
  if (qv && qv.kind === 'conv') {
    // An error about a conversation of which no other packet was captured still tells of it.
    const pseudo: Packet = {
      no: e.evidence.no,
      ts: e.ts,
      input: e.input,
      wireLen: null,
      ifname: null,
      ifindex: null,
      direction: null,
      line: e.evidence.line,
      frame: qv.frame,
    };
    const s = flowFor(tb, pseudo, { ...qv, tunnel: qv.tunnel ?? e.hop });
    sideOf(tb, s, e.input);
    targets = [s];
  }
  for (const s of targets) {
    const aboutReply =
      exact !== null &&
      exact.tuple.src === fc.server[s] &&
      (fc.serverPort[s] === NIL || exact.tuple.srcPort === fc.serverPort[s]) &&
      fc.client[s] !== fc.server[s];
    // A probe answered by time exceeded from a hop is a traceroute working as it should.
    // traceroute's last probes draw a port unreachable from the destination itself: its way of saying "arrived".
    const probeArrived = cls === 'refused' && e.ip.src === fc.server[s] && isTraceProbe(tb, s);
    if ((cls === 'time-exceeded' || probeArrived) && !aboutReply) answerByError(tb, s, e, exact);
    const errors = fc.errors[s] ?? none<FlowError>();
    if (errors.length < 64)
      fc.errors[s] = errors.concat({
        cls,
        from: e.ip.src,
        about: q.dst,
        mtu: e.icmp.mtu,
        ts: e.ts,
        attribution: how,
        input: e.input,
        local: e.ip.src === e.ip.dst,
        aboutReply,
      });
    const evidence = fc.errorEvidence[s] ?? none<Evidence>();
    if (evidence.length < EVIDENCE_FIRST * 2) fc.errorEvidence[s] = evidence.concat({ ...e.evidence, attribution: how });
  }
}
