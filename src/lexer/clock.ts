/**
 * A record's time as seconds: epoch for -tttt and -tt, seconds since midnight for the time of day;
 * and -ttt's deltas turned into times. tcpdump -ttt prints each packet's time as the delta from the
 * packet before, -ttttt as the time since the first: both as "00:00:00.000000" for the first
 * packet, so which one a text is shows only when a later time is smaller than the one before (a
 * delta: -ttt). Until then packets are held (at most HOLD of them; then -ttttt is taken).
 */
import type { Packet } from '../model.js';
import { zoneOffset } from '../zone.js';
import type { ParsedRecord } from './parser.js';

/** Packets held while -ttt and -ttttt cannot be told apart. */
const HOLD = 64;

export class RecordClock {
  /** The last -tttt date seen and its midnight in epoch seconds. */
  private day = '';
  private midnight = 0;
  /** Without a date, the zone's offset today is taken (a text without a date cannot say which day it was). */
  private readonly todayOffset: number;

  /** `tz`: the zone tcpdump printed its local times in (the capturing host's); UTC when not told. */
  constructor(private readonly tz: string | null = null) {
    this.todayOffset = tz ? zoneOffset(tz, Date.now() / 1000) : 0;
  }

  seconds(t: ParsedRecord['time']): number | null {
    if (!t) return null;
    switch (t.kind) {
      case 'decimal':
        return Number(t.image);
      // The DateTime and Time tokens have fixed-width fields ("YYYY-MM-DD HH:MM:SS[.f]", "HH:MM:SS[.f]"):
      // sliced at their positions, and a day's midnight parsed once, not per packet.
      case 'datetime': {
        const i = t.image;
        const d = i.slice(0, 10);
        if (d !== this.day) {
          this.day = d;
          const utcMidnight = Date.parse(`${d}T00:00:00Z`) / 1000;
          this.midnight = this.tz ? utcMidnight - zoneOffset(this.tz, utcMidnight + 12 * 3600) : utcMidnight;
        }
        return this.midnight + Number(i.slice(11, 13)) * 3600 + Number(i.slice(14, 16)) * 60 + Number(i.slice(17));
      }
      case 'time': {
        const i = t.image;
        return twoDigits(i, 0) * 3600 + twoDigits(i, 3) * 60 + seconds(i, 6) - this.todayOffset;
      }
    }
  }
}

/** Packets in, packets out with -ttt's deltas summed into times; every other text passes straight through. */
export class RelativeTimes {
  private mode: 'first' | 'absolute' | 'pending' | 'delta' = 'first';
  private held: Packet[] = [];
  private last = 0;
  private sum = 0;

  /** `guessed` is told when the text ended before -ttt and -ttttt could be told apart. */
  constructor(
    private readonly emit: (p: Packet) => void,
    private readonly guessed: (first: Packet) => void,
  ) {}

  push(p: Packet, timeOfDay: boolean): void {
    const ts = p.ts;
    if (this.mode === 'absolute' || ts === null) {
      if (this.mode === 'pending') this.held.push(p);
      else this.emit(p);
      return;
    }
    if (this.mode === 'first') {
      if (ts !== 0 || !timeOfDay) {
        this.mode = 'absolute';
        this.emit(p);
        return;
      }
      this.mode = 'pending';
    }
    if (this.mode === 'pending') {
      if (ts >= this.last) {
        this.last = ts;
        this.held.push(p);
        if (this.held.length >= HOLD) this.release();
        return;
      }
      // A time smaller than the one before: deltas. The held ones become their running sums.
      this.mode = 'delta';
      for (const h of this.held) if (h.ts !== null) h.ts = this.sum += h.ts;
      this.release();
    }
    p.ts = this.sum += ts;
    this.emit(p);
  }

  /**
   * The held packets go out as they are (-ttttt: times since the first are times already). Taken
   * as -ttttt when in doubt: read as deltas, a -ttttt text would spread its packets out, and a
   * reply could seem late that was not.
   */
  end(): void {
    if (this.mode === 'pending' && this.held.length > 1) this.guessed(this.held[0]!);
    this.release();
  }

  private release(): void {
    if (this.mode === 'pending') this.mode = 'absolute';
    for (const h of this.held) this.emit(h);
    this.held = [];
  }
}

/** Number(i.slice(at, at + 2)) of the Time token's two-digit fields. */
function twoDigits(i: string, at: number): number {
  return (i.charCodeAt(at) - 0x30) * 10 + (i.charCodeAt(at + 1) - 0x30);
}

/**
 * Number(i.slice(at)) for the Time token's "SS[.fff...]": the digits as one integer over a power of
 * ten. Both are exact below 2^53 and 10^22 and the division rounds correctly, as Number() does, so
 * the two are the same double; longer fractions take Number().
 */
function seconds(i: string, at: number): number {
  const n = i.length - at;
  if (n === 2) return twoDigits(i, at);
  if (n < 4 || n > 16) return Number(i.slice(at));
  let v = twoDigits(i, at);
  for (let k = at + 3; k < i.length; k++) v = v * 10 + (i.charCodeAt(k) - 0x30);
  return v / POW10[n - 3]!;
}
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
