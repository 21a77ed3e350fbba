/**
 * The TCP analyzer: what each segment is in its connection's sequence space.
 *
 * As tcptrace, Wireshark's tcp.analysis and Zeek's TCP analyzer do it, a
 * request is a segment that consumes sequence space (SYN, data, FIN), and it
 * is answered when the peer's cumulative ACK covers it. A pure ACK, a window
 * update, a keep-alive probe and a RST are never requests. The same range sent
 * again at the same place is a retransmission, unless it is the same IP
 * datagram captured twice (same IPv4 id, or microseconds apart).
 *
 * One TcpSide per flow and capture point; sequence numbers are kept relative
 * to the first one seen in each direction, unwrapped past 2^32.
 */
import { type SegmentKind, TcpDir, TIMES_KEPT } from './tcp-direction.js';

export type { SegmentKind } from './tcp-direction.js';

import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../protocols.js';

/** Direction index: 0 client -> server, 1 server -> client. */
export type Dir = 0 | 1;

/** A pending request's key: its direction and the relative sequence number just past it. */
const KEY_DIR = 2 ** 40;
const KEY_ZERO = 2 ** 34;
export function segmentKey(dir: Dir, end: number): number {
  return dir * KEY_DIR + KEY_ZERO + end;
}
/** Requests whose sequence numbers are unknown (text with relative ranges) get negative keys, numbered per side. */
export function unknownKey(dir: Dir, n: number): number {
  return -(1 + 2 * n + dir);
}
export function keyDir(key: number): Dir {
  return key < 0 ? ((-key - 1) % 2 === 1 ? 1 : 0) : key >= KEY_DIR ? 1 : 0;
}
/** Whether a pending key is covered by a cumulative ACK up to `upTo` (relative); unknown keys are covered by any ACK after them. */
export function covered(key: number, dir: Dir, upTo: number, sacked: readonly number[] = []): boolean {
  if (keyDir(key) !== dir) return false;
  if (key < 0 || upTo !== upTo) return true;
  const end = key - dir * KEY_DIR - KEY_ZERO;
  if (end <= upTo) return true;
  // Selectively acknowledged: a block ends at or past the segment's end and starts before it.
  for (let i = 0; i + 1 < sacked.length; i += 2) if (sacked[i]! < end && end <= sacked[i + 1]!) return true;
  return false;
}

const NONE: readonly number[] = Object.freeze([]);

export interface Segment {
  fromClient: boolean;
  flags: number;
  /** Absolute numbers, NaN when unknown. */
  seq: number;
  ack: number;
  len: number;
  window: number;
  ipId: number;
  ts: number;
  /** SACK blocks, absolute [left, right, ...] in the peer's sequence space (null: none). */
  sack: number[] | null;
}

/** What a segment's ACK (or RST) answers: the other direction's requests up to `upTo` (relative; NaN: all sent before), and those ending inside a SACK block ([left, right] relative pairs). */
export interface AckResult {
  dir: Dir;
  upTo: number;
  sacked: readonly number[];
}

/** The connection as one capture point saw it, for the classifier and the report. */
export interface TcpSummary {
  /** 'complete': SYN answered; 'refused': RST to the SYN; 'unanswered': SYNs only; 'none': caught mid-stream. */
  handshake: 'complete' | 'refused' | 'unanswered' | 'none';
  /** The client's SYN sent again (the kernel's backoff: 1, 3, 7, 15 ... s). */
  synRetries: number;
  /** Seconds from the first SYN to the answer that completed the handshake (null: not both seen). */
  connectDelay: number | null;
  /** Data and FIN segments sent again, both directions (SYN retries apart). */
  retransmissions: number;
  /** When they were sent again (first few, seconds since the epoch). */
  retransmitTimes: number[];
  /** Retransmissions a D-SACK showed were not needed: the receiver had the first copy. */
  spurious: number;
  duplicates: number;
  keepalives: number;
  /** Who closed with FIN, who reset. */
  fin: { client: boolean; server: boolean };
  reset: 'client' | 'server' | null;
  /** A side whose receive window was still zero at the end. */
  zeroWindow: 'client' | 'server' | null;
  /** Only one end's packets were captured here. */
  oneSided: 'client' | 'server' | null;
  /** The end that was seen acknowledges the other: it hears from it, so the other end is alive. */
  peerAlive: boolean;
  /** One range of data was sent again twice or more: the retransmission timer backing off, no acknowledgement coming. */
  backoff: boolean;
}

export class TcpSide {
  private readonly dirs: [TcpDir, TcpDir] = [new TcpDir(), new TcpDir()];
  private unknownN = 0;
  refused = false;
  private synAnsweredTs = NaN;

  /** The key of the request the last 'new' segment started. */
  key = NaN;

  private started(key: number): SegmentKind {
    this.key = key;
    return 'new';
  }

  /** Classifies one new packet record (not a second sighting of one already recorded). */
  segment(s: Segment): SegmentKind {
    const x: Dir = s.fromClient ? 0 : 1;
    const d = this.dirs[x];
    d.packets++;
    const syn = (s.flags & TCP_SYN) !== 0;
    const fin = (s.flags & TCP_FIN) !== 0;
    if (s.sack && s.ack === s.ack) this.dsack(x, s.sack, s.ack);
    if (s.flags & TCP_ACK && s.ack === s.ack && !(s.flags & TCP_RST)) {
      if (!d.sentAck) {
        d.sentAck = true;
        d.ackFirst = s.ack;
      } else if (s.ack !== d.ackFirst) d.ackAdvanced = true;
    }
    if (s.window === s.window && !(s.flags & TCP_RST)) {
      if (s.window === 0) {
        if (d.zeroWindowSince !== d.zeroWindowSince) d.zeroWindowSince = s.ts;
      } else d.zeroWindowSince = NaN;
    }
    if (fin) d.fin = true;
    if (s.flags & TCP_RST) d.rst = true;
    const len = s.len === s.len ? s.len : 0;
    const seqLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
    if (seqLen === 0 && s.seq !== s.seq) return 'none';
    if (s.seq !== s.seq) return this.started(unknownKey(x, this.unknownN++));
    if (syn) {
      if (d.syns > 0 && s.seq !== d.synSeq) {
        // A new connection attempt on the same ports: its own sequence space.
        d.base = NaN;
        d.nxt = 0;
        d.ringN = 0;
      }
      if (d.syns === 0) d.firstSynTs = s.ts;
      d.syns = 1;
      d.synSeq = s.seq;
    }
    if (d.base !== d.base) {
      d.base = s.seq;
      d.nxt = 0;
    }
    const start = d.rel(s.seq);
    const end = start + seqLen;
    if (!syn && !fin && len <= 1 && start === d.nxt - 1) {
      d.keepalives++;
      return 'keep-alive';
    }
    if (seqLen === 0) return 'none';
    if (end > d.nxt || d.ringN === 0) {
      d.nxt = Math.max(d.nxt, end);
      d.remember(start, end, s.ipId, s.ts);
      return this.started(segmentKey(x, end));
    }
    const kind = d.repeat(start, end, s.ipId, s.ts, syn);
    if (syn && kind === 'retransmission') {
      d.retransmissions--;
      d.synRetries++;
    }
    return kind;
  }

  /**
   * A D-SACK (RFC 2883): a first block below the cumulative ACK, or inside the second block, reports
   * a range the receiver got twice. A retransmission of that range was spurious: nothing was lost.
   */
  private dsack(x: Dir, blocks: number[], ack: number): void {
    const y = this.dirs[x === 0 ? 1 : 0];
    if (y.base !== y.base || blocks.length < 2) return;
    const l = y.rel(blocks[0]!);
    const r = y.rel(blocks[1]!);
    const below = r <= y.rel(ack);
    const inside = blocks.length >= 4 && y.rel(blocks[2]!) <= l && r <= y.rel(blocks[3]!);
    if (below || inside) y.spurious(l, r);
  }

  /** The requests a settled segment answers: its ACK covers the other direction's, a RST ends them all. */
  answers(s: Segment): AckResult | null {
    const x: Dir = s.fromClient ? 0 : 1;
    const ydir: Dir = x === 0 ? 1 : 0;
    const y = this.dirs[ydir];
    if (s.flags & TCP_RST) return this.refused && x === 1 ? null : { dir: ydir, upTo: Infinity, sacked: NONE };
    if (!(s.flags & TCP_ACK)) return null;
    if (s.ack !== s.ack || y.base !== y.base) return { dir: ydir, upTo: NaN, sacked: NONE };
    return { dir: ydir, upTo: y.rel(s.ack), sacked: s.sack ? s.sack.map((e) => y.rel(e)) : NONE };
  }

  /**
   * The client's SYN is answered without a captured SYN-ACK when the client goes on to acknowledge
   * something (the SYN-ACK reached it) and no server packet is in this capture at all.
   */
  implicitSynAnswer(s: Segment): number {
    const c = this.dirs[0];
    if (!s.fromClient || !(s.flags & TCP_ACK) || s.flags & TCP_SYN || c.syns === 0 || this.dirs[1].packets > 0) return NaN;
    return segmentKey(0, 1);
  }

  /** A SYN answered by a RST from the server: a refusal, not an answer. */
  isRefusal(s: Segment): boolean {
    if (s.fromClient || !(s.flags & TCP_RST)) return false;
    const refusal = this.dirs[0].syns > 0 && this.dirs[1].syns === 0;
    if (refusal) this.refused = true;
    return refusal;
  }

  /** Notes when a request was answered (the handshake's delay is told from it). */
  answered(key: number, ts: number): void {
    if (key === segmentKey(0, 1) && this.dirs[0].syns > 0 && this.synAnsweredTs !== this.synAnsweredTs) this.synAnsweredTs = ts;
  }

  summary(): TcpSummary {
    const [c, s] = this.dirs;
    const handshake = this.refused ? 'refused' : this.synAnsweredTs === this.synAnsweredTs ? 'complete' : c.syns > 0 ? 'unanswered' : 'none';
    const oneSided = c.packets > 0 && s.packets === 0 ? 'client' : s.packets > 0 && c.packets === 0 ? 'server' : null;
    const seen = oneSided === 'client' ? c : oneSided === 'server' ? s : null;
    const times = (c.retransmitTimes ?? []).concat(s.retransmitTimes ?? []).sort((a, b) => a - b);
    return {
      handshake,
      synRetries: c.synRetries,
      connectDelay: handshake === 'complete' && c.firstSynTs === c.firstSynTs ? this.synAnsweredTs - c.firstSynTs : null,
      retransmissions: c.retransmissions + s.retransmissions,
      retransmitTimes: times.slice(0, TIMES_KEPT),
      spurious: c.spuriousRetransmissions + s.spuriousRetransmissions,
      duplicates: c.duplicates + s.duplicates,
      keepalives: c.keepalives + s.keepalives,
      fin: { client: c.fin, server: s.fin },
      reset: c.rst ? 'client' : s.rst ? 'server' : null,
      zeroWindow: c.zeroWindowSince === c.zeroWindowSince ? 'client' : s.zeroWindowSince === s.zeroWindowSince ? 'server' : null,
      oneSided,
      peerAlive: seen !== null && (seen.ackAdvanced || seen.sentAck),
      backoff: c.maxRepeats >= 2 || s.maxRepeats >= 2,
    };
  }
}
