/**
 * The requests each side (capture point of a flow) is waiting on, by key: none, one or two held
 * inline in columns, or a Map once more wait at once (its order is the requests' order). Answering
 * one counts it answered, or undelivered when its reply was made but never left through the tunnel.
 */
import { Slots } from './slots.js';

/** SideColumns.pendState values. */
const PEND_NONE = 0;
const PEND_ONE = 1;
const PEND_TWO = 2;
const PEND_MAP = 3;

/** What pendingList writes into (reused from call to call). */
export interface PendingList {
  keys: number[];
  ts: number[];
  undelivered: boolean[];
  n: number;
}
export function pendingListScratch(): PendingList {
  return { keys: [], ts: [], undelivered: [], n: 0 };
}
function listOne(this: PendingList, pend: { ts: number; undelivered: boolean }, key: number): void {
  this.keys[this.n] = key;
  this.ts[this.n] = pend.ts;
  this.undelivered[this.n++] = pend.undelivered;
}

export abstract class PendingSlots extends Slots {
  answered = new Float64Array(0);
  undelivered = new Float64Array(0);
  unanswered = new Float64Array(0);
  /**
   * Pending requests: none (PEND_NONE), one or two held inline (slot A, then B: most sides wait for
   * at most two at once, a TCP SYN and the SYN-ACK, say), or a Map (PEND_MAP, kept once used: its
   * order is the requests' order).
   */
  pendState = new Uint8Array(0);
  pendKey = new Float64Array(0);
  pendTs = new Float64Array(0);
  pendUndelivered = new Uint8Array(0);
  pendKeyB = new Float64Array(0);
  pendTsB = new Float64Array(0);
  pendUndeliveredB = new Uint8Array(0);
  pendMap: (Map<number, { ts: number; undelivered: boolean }> | null)[] = [];
  pendingHas(d: number, key: number): boolean {
    switch (this.pendState[d]) {
      case PEND_ONE:
        return this.pendKey[d] === key;
      case PEND_TWO:
        return this.pendKey[d] === key || this.pendKeyB[d] === key;
      case PEND_MAP:
        return this.pendMap[d]!.has(key);
      default:
        return false;
    }
  }

  /**
   * The waiting requests of side d, oldest first, copied into `into` (reused: its arrays are
   * overwritten); returns how many. A copy, so a loop over it may answer what it visits; no closure
   * per call.
   */
  pendingList(d: number, into: PendingList): number {
    const state = this.pendState[d];
    if (state === PEND_NONE) return 0;
    into.keys[0] = this.pendKey[d]!;
    into.ts[0] = this.pendTs[d]!;
    into.undelivered[0] = this.pendUndelivered[d] === 1;
    if (state === PEND_ONE) return 1;
    if (state === PEND_TWO) {
      into.keys[1] = this.pendKeyB[d]!;
      into.ts[1] = this.pendTsB[d]!;
      into.undelivered[1] = this.pendUndeliveredB[d] === 1;
      return 2;
    }
    into.n = 0;
    this.pendMap[d]!.forEach(listOne, into);
    return into.n;
  }

  /** A request starts waiting; beyond `max` waiting, the oldest is given up as unanswered (memory stays bounded). */
  addPending(d: number, key: number, ts: number, max: number): void {
    switch (this.pendState[d]) {
      case PEND_NONE:
        this.pendState[d] = PEND_ONE;
        this.pendKey[d] = key;
        this.pendTs[d] = ts;
        this.pendUndelivered[d] = 0;
        return;
      case PEND_ONE:
        this.pendState[d] = PEND_TWO;
        this.pendKeyB[d] = key;
        this.pendTsB[d] = ts;
        this.pendUndeliveredB[d] = 0;
        return;
      case PEND_TWO:
        // A third request waiting: the side's requests move to a Map, which keeps their order.
        this.pendMap[d] = new Map([
          [this.pendKey[d]!, { ts: this.pendTs[d]!, undelivered: this.pendUndelivered[d] === 1 }],
          [this.pendKeyB[d]!, { ts: this.pendTsB[d]!, undelivered: this.pendUndeliveredB[d] === 1 }],
        ]);
        this.pendState[d] = PEND_MAP;
    }
    const m = this.pendMap[d]!;
    if (m.size >= max) {
      const [oldest] = m.keys();
      m.delete(oldest!);
      this.unanswered[d]++;
    }
    m.set(key, { ts, undelivered: false });
  }

  /** A waiting request is answered (delivered), or its reply was made but never left through the tunnel. */
  answer(d: number, key: number, delivered: boolean): void {
    const state = this.pendState[d];
    if (state === PEND_ONE || state === PEND_TWO) {
      const inB = state === PEND_TWO && this.pendKey[d] !== key;
      if (inB && this.pendKeyB[d] !== key) return;
      if (delivered) {
        this.answered[d]++;
        if (state === PEND_ONE) this.pendState[d] = PEND_NONE;
        else {
          this.pendState[d] = PEND_ONE;
          if (!inB) {
            this.pendKey[d] = this.pendKeyB[d]!;
            this.pendTs[d] = this.pendTsB[d]!;
            this.pendUndelivered[d] = this.pendUndeliveredB[d]!;
          }
        }
      } else if (inB ? !this.pendUndeliveredB[d] : !this.pendUndelivered[d]) {
        if (inB) this.pendUndeliveredB[d] = 1;
        else this.pendUndelivered[d] = 1;
        this.undelivered[d]++;
      }
      return;
    }
    if (state !== PEND_MAP) return;
    const m = this.pendMap[d]!;
    if (delivered) {
      if (m.delete(key)) this.answered[d]++;
    } else {
      const pend = m.get(key);
      if (pend && !pend.undelivered) {
        pend.undelivered = true;
        this.undelivered[d]++;
      }
    }
  }
}
