/**
 * One direction of a TCP connection as one capture point saw it: its sequence space (relative to
 * the first number seen, unwrapped past 2^32), the last segments it sent (to tell a retransmission
 * from the same datagram captured twice), and what it said of the other direction (ACKs, window).
 */
export type SegmentKind = 'new' | 'retransmission' | 'duplicate' | 'keep-alive' | 'none';

/** Two captures of one datagram closer than this, when the IP id cannot tell, are one packet. */
const DUPLICATE_WINDOW = 0.001;
/** Segments remembered per direction to tell a retransmission from a duplicate capture. */
const RING = 8;
/** The ring's fields per segment. */
const R_START = 0;
const R_END = 1;
const R_IPID = 2;
const R_TS = 3;
const R_REPEATS = 4;
const RING_FIELDS = 5;
/** Retransmission times kept per direction for the explanation. */
export const TIMES_KEPT = 8;

export class TcpDir {
  /** Absolute sequence number of the first segment seen (NaN: none yet). */
  base = NaN;
  /** Highest relative sequence number sent so far (one past the last byte). */
  nxt = 0;
  packets = 0;
  syns = 0;
  synRetries = 0;
  synSeq = NaN;
  firstSynTs = NaN;
  fin = false;
  rst = false;
  retransmissions = 0;
  /** Retransmissions the receiver's D-SACK showed were not needed (not counted in retransmissions). */
  spuriousRetransmissions = 0;
  /** When ranges were sent again (the first few); null until one is. */
  retransmitTimes: number[] | null = null;
  keepalives = 0;
  duplicates = 0;
  /** Whether this direction sent an ACK at all, the first ACK number, and whether later ones advanced. */
  sentAck = false;
  ackFirst = NaN;
  ackAdvanced = false;
  /** Since when this side's receive window has been zero (NaN: open). */
  zeroWindowSince = NaN;
  /**
   * The last RING segments sent, RING_FIELDS numbers each (start, end, IP id, time, times sent
   * again): a plain array made on the first segment, as most connections are a few segments long
   * and typed arrays cost more to make than they save here.
   */
  ring: number[] | null = null;
  ringN = 0;
  /** The most times one range was sent again: 2 or more is the retransmission timer backing off. */
  maxRepeats = 0;

  rel(seq: number): number {
    return this.nxt + ((seq - this.base - this.nxt) | 0);
  }

  remember(start: number, end: number, ipId: number, ts: number): void {
    const at = (this.ringN++ % RING) * RING_FIELDS;
    const r = (this.ring ??= []);
    r[at + R_START] = start;
    r[at + R_END] = end;
    r[at + R_IPID] = ipId;
    r[at + R_TS] = ts;
    r[at + R_REPEATS] = 0;
  }

  /** A range sent before: the same datagram captured again, or a retransmission. */
  repeat(start: number, end: number, ipId: number, ts: number, syn: boolean): SegmentKind {
    const r = this.ring ?? [];
    for (let at = 0; at < Math.min(this.ringN, RING) * RING_FIELDS; at += RING_FIELDS) {
      if (r[at + R_START] !== start || r[at + R_END] !== end) continue;
      const sameId = ipId === ipId && ipId !== 0 && r[at + R_IPID] === ipId;
      if (sameId || Math.abs(ts - r[at + R_TS]!) < DUPLICATE_WINDOW) {
        this.duplicates++;
        return 'duplicate';
      }
      r[at + R_IPID] = ipId;
      r[at + R_TS] = ts;
      r[at + R_REPEATS]++;
      // SYN retries are told apart (TcpSummary.synRetries): the backoff that matters here is of data.
      if (!syn) this.maxRepeats = Math.max(this.maxRepeats, r[at + R_REPEATS]!);
      return this.retransmitted(ts);
    }
    this.remember(start, end, ipId, ts);
    return this.retransmitted(ts);
  }

  /** A retransmission of [start, end) the receiver reports it had already: taken back from the count. */
  spurious(start: number, end: number): void {
    const r = this.ring ?? [];
    for (let at = 0; at < Math.min(this.ringN, RING) * RING_FIELDS; at += RING_FIELDS) {
      if (r[at + R_START]! < start || r[at + R_END]! > end || r[at + R_REPEATS] === 0 || this.retransmissions === 0) continue;
      r[at + R_REPEATS]--;
      this.retransmissions--;
      this.spuriousRetransmissions++;
    }
  }

  private retransmitted(ts: number): SegmentKind {
    this.retransmissions++;
    const times = (this.retransmitTimes ??= []);
    if (times.length < TIMES_KEPT) times.push(ts);
    return 'retransmission';
  }
}
