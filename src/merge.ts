/**
 * Several inputs' packets into one sequence, for one flow table: a k-way merge by time, so that
 * flows close when idle as with one input, or, when their clocks cannot be trusted to agree,
 * one input after the other.
 *
 * Every input is read at once by its own reader, which pushes its packets here as it decodes
 * them and awaits `pace` before each chunk it reads. The first packets of each (or all of a
 * smaller one) are held for a first look that chooses the order. By time, each input's packets
 * are placed by its clock's offset from the others' (a fraction of a second: the flow table's
 * waits take it in their stride), so that one input's packets do not wait for another's to catch
 * up with a clock ahead (a packet that waits outlives young collections). After it, a packet is taken as
 * soon as no other input can give an earlier one, and a reader whose packets still wait for the
 * others' waits too: memory holds about a chunk of packets, however long the inputs are.
 */
import type { Packet } from './model.js';

export type MergeOrder = 'time' | 'sequential';

/**
 * Bytes an input's reader decodes between two turns of the merge (Pacing.piece): a read chunk's
 * packets all wait for the other inputs', and a megabyte of small packets is thousands of them.
 */
export const MERGE_PIECE = 16 * 1024;

export interface MergeOptions {
  /** Packets of each input held for the first look. */
  first: number;
  /**
   * Chooses the order from the first packets of every input: by time, each input's clock taken as
   * so many seconds ahead of the others' (a map by input), or null for one input after the other.
   */
  decide: (first: Packet[]) => Map<number, number> | null;
  /** Takes the packets, in the order chosen. */
  sink: (p: Packet) => void;
  /** An input's last packet was taken (sequential order only: in time order all end together). */
  onInputEnd?: (input: number) => void;
}

/** One input's packets waiting to be taken, from `head` on. */
interface Queue {
  packets: Packet[];
  head: number;
  ended: boolean;
  wake: (() => void) | null;
}

export class Merge {
  order: MergeOrder | null = null;
  /** By input (time order): how far its clock is ahead, taken off its packets' times to order them. */
  private ahead: number[] = [];
  private readonly queues: Queue[];
  /** Sequential order: the input being taken. */
  private current = 0;

  constructor(
    inputs: number,
    private readonly opts: MergeOptions,
  ) {
    this.queues = Array.from({ length: inputs }, () => ({ packets: [], head: 0, ended: false, wake: null }));
  }

  push(input: number, p: Packet): void {
    this.queues[input]!.packets.push(p);
    // Taken at once when no other input can still give an earlier one: packets wait as little as
    // possible (a packet that waits long outlives young collections, and the heap grows).
    if (this.order === 'time') this.byTime();
  }

  /** Awaited by input's reader before each chunk: resolves when the packets it gave have been taken (or held for the first look). */
  async pace(input: number): Promise<void> {
    this.drain();
    const q = this.queues[input]!;
    while (this.waiting(q) > (this.order === null ? this.opts.first : 0)) {
      await new Promise<void>((resolve) => {
        q.wake = resolve;
      });
    }
  }

  /** The input has no more packets (its end, an error or an interrupt). */
  end(input: number): void {
    this.queues[input]!.ended = true;
    this.drain();
  }

  private waiting(q: Queue): number {
    return q.packets.length - q.head;
  }

  private drain(): void {
    if (this.order === null) {
      if (this.queues.some((q) => !q.ended && this.waiting(q) < this.opts.first)) return;
      const ahead = this.opts.decide(this.queues.flatMap((q) => q.packets));
      this.order = ahead ? 'time' : 'sequential';
      for (const [input, s] of ahead ?? []) this.ahead[input] = s;
    }
    if (this.order === 'time') this.byTime();
    else this.oneByOne();
    for (const q of this.queues) {
      if (q.head === q.packets.length) {
        q.packets = [];
        q.head = 0;
      }
      if (q.wake && (this.waiting(q) === 0 || q.ended)) {
        const wake = q.wake;
        q.wake = null;
        wake();
      }
    }
  }

  /** The earliest waiting packet, while every input that may still give an earlier one has one waiting. */
  private byTime(): void {
    const qs = this.queues;
    const sink = this.opts.sink;
    for (;;) {
      let best: Queue | null = null;
      let bestTs = Infinity;
      for (const q of qs) {
        if (q.head === q.packets.length) {
          if (q.ended) continue;
          return;
        }
        // A packet without a time goes as soon as it is at the front.
        const p = q.packets[q.head]!;
        const ts = p.ts === null ? -Infinity : p.ts - (this.ahead[p.input] ?? 0);
        if (best === null || ts < bestTs) {
          best = q;
          bestTs = ts;
        }
      }
      if (best === null) return;
      sink(best.packets[best.head++]!);
    }
  }

  private oneByOne(): void {
    const qs = this.queues;
    while (this.current < qs.length) {
      const q = qs[this.current]!;
      while (q.head < q.packets.length) this.opts.sink(q.packets[q.head++]!);
      if (!q.ended) return;
      this.opts.onInputEnd?.(this.current);
      this.current++;
    }
  }
}
