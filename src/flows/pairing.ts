/**
 * Pairing: what each packet is to its flow (a request, the answer to which
 * request, or neither), per protocol. An echo reply answers the request of its
 * sequence number; a UDP datagram from the server answers those waiting before
 * it; a TCP segment's ACK answers what it covers in the peer's sequence space
 * (tcp.ts). A reply counts only if it went back the way the request came:
 * through the tunnel when the request arrived through it.
 */
import type { Packet } from '../model.js';
import { dirCode, dirOf, NIL, orNaN, orNull, REQUEST_ENCAPSULATED, ROLE_OTHER, ROLE_REPLY, ROLE_REQUEST } from './columns.js';
import { placeName, SIGHTINGS_KEPT } from './crossnode.js';
import { pendingListScratch } from './pending.js';
import { ENCAPSULATED, FROM_CLIENT, REFUSAL, type Records, SETTLED, STARTS_REQUEST } from './records.js';
import type { FlowTable } from './table.js';
import { covered, type Segment, TcpSide } from './tcp.js';
import { isEchoRequest, type View } from './view.js';

const DIR_IN = dirCode('in');
const DIR_OUT = dirCode('out');

/** Pending requests followed per flow; more are counted as one batch at the newest time. */
const MAX_PENDING = 4096;
/** The requests a settling packet may answer, copied out first (answering changes the side's list). */
const waiting = pendingListScratch();

/** A TCP packet record as the TCP analyzer reads it. */
export function segmentOf(r: Records, i: number, ts: number, window: number | null): Segment {
  // One object, filled anew for each packet: the analyzer reads it at once and keeps none of it.
  const s = SCRATCH;
  s.fromClient = (r.bits[i]! & FROM_CLIENT) !== 0;
  s.flags = r.sigType[i]!;
  s.seq = r.sigSeq[i]!;
  s.ack = r.sigAck[i]!;
  s.len = r.sigLen[i]!;
  s.window = orNaN(window);
  s.ipId = r.sigIpId[i]!;
  s.ts = ts;
  s.sack = r.sack[i] ?? null;
  return s;
}
const SCRATCH: Segment = { fromClient: false, flags: 0, seq: NaN, ack: NaN, len: NaN, window: NaN, ipId: NaN, ts: NaN, sack: null };

/** Counts one more encapsulated sighting from `src` in a flat [src, n, src, n, ...] list. */
function countUnknownSrc(u: (string | number)[] | null, src: string): (string | number)[] {
  if (u === null) return [src, 1];
  for (let i = 0; i < u.length; i += 2) {
    if (u[i] === src) {
      u[i + 1] = (u[i + 1] as number) + 1;
      return u;
    }
  }
  return u.length < 126 ? u.concat(src, 1) : u;
}

/** A new packet record: what this packet is to its flow (a request, a reply and to which request, or neither). */
export function newRecord(tb: FlowTable, d: number, p: Packet, v: Extract<View, { kind: 'conv' }>, fromClient: boolean, ts: number, ep: number): number {
  const r = tb.rec;
  const sc = tb.sc;
  const n = r.push();
  const i = n & r.mask;
  const l4 = v.frame.l4!;
  const hop = v.tunnel;
  const follow = tb.opts.followPackets === true;
  r.side[i] = d;
  r.prev[i] = -1;
  r.bits[i] = (fromClient ? FROM_CLIENT : 0) | (hop ? ENCAPSULATED : 0);
  r.role[i] = ROLE_OTHER;
  r.first[i] = 0;
  r.key[i] = NaN;
  r.sigType[i] = 0;
  r.sigSeq[i] = r.sigAck[i] = r.sigLen[i] = NaN;
  r.sigIpId[i] = orNaN(v.ip.id);
  r.sack[i] = l4.kind === 'tcp' ? (l4.sack ?? null) : null;
  r.ts[i] = ts;
  r.encDir[i] = hop ? dirCode(p.direction) : 0;
  r.encEp[i] = hop ? ep : NIL;
  r.encTs[i] = hop ? ts : NaN;
  const place = follow ? placeName(p) : null;
  r.encIfname[i] = hop ? place : null;
  r.ifname[i] = place;
  switch (l4.kind) {
    case 'icmp':
    case 'icmp6': {
      const req = isEchoRequest(l4);
      r.sigType[i] = l4.type;
      r.sigSeq[i] = orNaN(l4.seq);
      r.role[i] = req === fromClient ? (req ? ROLE_REQUEST : ROLE_REPLY) : ROLE_OTHER;
      if (r.role[i] === ROLE_REQUEST) r.bits[i] |= STARTS_REQUEST;
      r.key[i] = orNaN(l4.seq);
      break;
    }
    case 'tcp': {
      r.sigType[i] = l4.flags;
      r.sigSeq[i] = orNaN(l4.seq);
      r.sigAck[i] = orNaN(l4.ack);
      r.sigLen[i] = orNaN(l4.payloadLen);
      const tcp = (sc.tcp[d] ??= new TcpSide());
      const seg = segmentOf(r, i, ts, l4.window);
      if (tcp.isRefusal(seg)) {
        r.bits[i] |= REFUSAL;
        r.role[i] = ROLE_OTHER;
        break;
      }
      // Every segment is the client's or the server's part of the exchange; only those that
      // consume sequence space are requests, answered by the peer's acknowledgement.
      r.role[i] = fromClient ? ROLE_REQUEST : ROLE_REPLY;
      if (tcp.segment(seg) === 'new') {
        r.bits[i] |= STARTS_REQUEST;
        r.key[i] = tcp.key;
      }
      break;
    }
    case 'udp':
      r.sigLen[i] = orNaN(l4.length);
      r.role[i] = fromClient ? ROLE_REQUEST : ROLE_REPLY;
      if (fromClient) r.bits[i] |= STARTS_REQUEST;
      break;
  }
  return n;
}

export function addRequest(tb: FlowTable, d: number, i: number): void {
  const sc = tb.sc;
  const r = tb.rec;
  sc.requests[d]++;
  let key = r.key[i]!;
  if (key !== key) key = -1 - sc.nextKey[d]++;
  r.key[i] = key;
  if (sc.pendingHas(d, key)) return; // a retransmission of a request still waiting
  sc.addPending(d, key, r.ts[i]!, MAX_PENDING);
}

/**
 * A packet record leaves the recent window: its sightings are all in. A reply counts only if it
 * went back the way the request came: through the tunnel when the request arrived through it.
 */
export function settle(tb: FlowTable, d: number, n: number): void {
  const sc = tb.sc;
  const r = tb.rec;
  const i = n & r.mask;
  r.bits[i] |= SETTLED;
  const encapsulated = (r.bits[i]! & ENCAPSULATED) !== 0;
  const inTunnelScope = encapsulated || (sc.bits[d]! & REQUEST_ENCAPSULATED) !== 0;
  const role = r.role[i]!;
  const ts = r.ts[i]!;
  if (role !== ROLE_OTHER) {
    if (tb.opts.followPackets && (sc.sightings[d]?.length ?? 0) < SIGHTINGS_KEPT) {
      const ep = r.encEp[i]!;
      const encTs = r.encTs[i]!;
      const dir = r.encDir[i];
      // Pushed, not copied: the side's array is its own until the flow closes (closing.ts hands it over).
      (sc.sightings[d] ??= []).push({
        input: sc.input[d]!,
        role: role === ROLE_REQUEST ? 'request' : 'reply',
        key: orNull(r.sigSeq[i]!),
        ipId: orNull(r.sigIpId[i]!),
        // When it was seen encapsulated, else first seen.
        ts: encTs === encTs ? encTs : orNull(ts),
        where: !encapsulated ? 'bare' : dir === DIR_IN ? 'in' : dir === DIR_OUT ? 'out' : 'unknown',
        outerSrc: ep !== NIL ? tb.eps.src[ep]! : null,
        outerDst: ep !== NIL ? tb.eps.dst[ep]! : null,
        ifname: encapsulated ? r.encIfname[i]! : r.ifname[i]!,
      });
    }
    const request = role === ROLE_REQUEST;
    const encDir = r.encDir[i];
    if (!encapsulated) request ? sc.reqBare[d]++ : sc.repBare[d]++;
    else if (encDir === DIR_IN) request ? sc.reqIn[d]++ : sc.repIn[d]++;
    else if (encDir === DIR_OUT) request ? sc.reqOut[d]++ : sc.repOut[d]++;
    else countUnknown(tb, d, request, tb.eps.src[r.encEp[i]!]!);
  }
  if (inTunnelScope && !encapsulated) {
    sc.notEncapsulated[d]++;
    if (ts === ts && !(sc.lastNotEncapsulatedTs[d]! >= ts)) sc.lastNotEncapsulatedTs[d] = ts;
  }
  if (role === ROLE_REPLY) sc.replies[d]++;
  const delivered = !(sc.bits[d]! & REQUEST_ENCAPSULATED) || encapsulated;
  const tcp = sc.tcp[d];
  if (tcp) {
    settleTcp(tb, d, tcp, i, delivered);
    return;
  }
  if (role !== ROLE_REPLY) return;
  const key = r.key[i]!;
  if (key === key) {
    if (tb.sc.pendingHas(d, key)) tb.sc.answer(d, key, delivered);
    return;
  }
  // A reply that names no request answers every request waiting before it.
  const count = sc.pendingList(d, waiting);
  for (let j = 0; j < count; j++) if (!(waiting.ts[j]! > ts)) sc.answer(d, waiting.keys[j]!, delivered);
}

/** A settled TCP segment answers what its ACK covers (or, a RST, everything the peer sent before it). */
export function settleTcp(tb: FlowTable, d: number, tcp: TcpSide, i: number, delivered: boolean): void {
  const sc = tb.sc;
  const r = tb.rec;
  const ts = r.ts[i]!;
  const seg = segmentOf(r, i, ts, NaN);
  const implicit = tcp.implicitSynAnswer(seg);
  if (implicit === implicit && sc.pendingHas(d, implicit)) {
    sc.answer(d, implicit, true);
    tcp.answered(implicit, ts);
  }
  const res = tcp.answers(seg);
  if (!res) return;
  const n = sc.pendingList(d, waiting);
  for (let j = 0; j < n; j++) {
    const k = waiting.keys[j]!;
    if (!covered(k, res.dir, res.upTo, res.sacked) || waiting.ts[j]! > ts) continue;
    sc.answer(d, k, delivered);
    if (delivered) tcp.answered(k, ts);
  }
}

/** Counts one more encapsulated sighting from `src` whose direction is not known yet. */
export function countUnknown(tb: FlowTable, d: number, request: boolean, src: string): void {
  const sc = tb.sc;
  const srcs = request ? sc.reqUnkSrc : sc.repUnkSrc;
  const counts = request ? sc.reqUnkN : sc.repUnkN;
  if (srcs[d] === null) {
    srcs[d] = src;
    counts[d] = 1;
  } else if (srcs[d] === src) counts[d]++;
  else {
    const more = request ? sc.reqUnkMore : sc.repUnkMore;
    more[d] = countUnknownSrc(more[d]!, src);
  }
}
