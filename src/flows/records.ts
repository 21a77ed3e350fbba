/**
 * Packet records waiting for their packet's other sightings (a ring in arrival order), outer
 * endpoint pairs numbered once, and counts by endpoint pair.
 */

/** Record bits. */
export const FROM_CLIENT = 1;
export const SETTLED = 2;
export const ENCAPSULATED = 4;
/** A TCP reset from the server answering a connection attempt. */
export const REFUSAL = 8;
/** The packet is a new request waiting for its answer (an echo request, a datagram from the client, a TCP segment that consumes sequence space). */
export const STARTS_REQUEST = 16;

/**
 * Packet records waiting for more sightings of their packet, in arrival order: a ring indexed by
 * record number (absolute, so links survive growth), settled from the oldest end.
 */
export class Records {
  cap = 0;
  mask = 0;
  /** Record numbers [head, tail) are in the ring; below head all are settled. */
  head = 0;
  tail = 0;
  side = new Int32Array(0);
  /** The previous record of the same side (a record number), -1 for none. */
  prev = new Float64Array(0);
  /** FROM_CLIENT | SETTLED | ENCAPSULATED | REFUSAL | STARTS_REQUEST */
  bits = new Uint8Array(0);
  role = new Uint8Array(0);
  /** 1 = the side's first request, 2 = first reply: its places are the side's path. */
  first = new Uint8Array(0);
  key = new Float64Array(0);
  sigType = new Int32Array(0);
  sigSeq = new Float64Array(0);
  sigAck = new Float64Array(0);
  sigLen = new Float64Array(0);
  sigIpId = new Float64Array(0);
  /** TCP SACK blocks (Tcp.sack), null for none. */
  sack: (number[] | null)[] = [];
  ts = new Float64Array(0);
  /** The first encapsulated sighting: direction, outer endpoints (id), time, interface name (followPackets only). */
  encDir = new Uint8Array(0);
  encEp = new Int32Array(0);
  encTs = new Float64Array(0);
  encIfname: (string | null)[] = [];
  /** The interface name of the first sighting (followPackets only). */
  ifname: (string | null)[] = [];
  /** Where it was last seen: interface (name or cooked v2 index), direction, outer endpoints. */
  placeIf: (string | number | null)[] = [];
  placeDir = new Uint8Array(0);
  placeEp = new Int32Array(0);

  /** A new record number (its slot is n & mask); fields are the caller's to set. */
  push(): number {
    if (this.tail - this.head === this.cap) this.grow();
    return this.tail++;
  }

  private grow(): void {
    const old = this.cap;
    const oldMask = this.mask;
    const n = Math.max(4096, old * 2);
    const c = this as unknown as Record<string, unknown>;
    for (const k of Object.keys(c)) {
      const v = c[k];
      if (!(v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array || Array.isArray(v))) continue;
      // Each live record moves to its place under the new mask.
      const b: { [i: number]: unknown; length: number } = Array.isArray(v) ? new Array(n).fill(null) : new (v.constructor as Float64ArrayConstructor)(n);
      for (let r = this.head; r < this.tail; r++) b[r & (n - 1)] = (v as { [i: number]: unknown })[r & oldMask];
      c[k] = b;
    }
    this.cap = n;
    this.mask = n - 1;
  }
}

/** The address that stands for many: the sources of pairs past MAX_PAIRS, and their destinations past MAX_SPILLED. */
export const ANY = '*';
/** Outer endpoint pairs kept by both addresses (a cluster's nodes, twice over, many times). */
export const MAX_PAIRS = 16384;
/** Past MAX_PAIRS, pairs kept by their destination alone ("* > dst"), at most this many; then one "* > *". */
const MAX_SPILLED = 1024;

/**
 * Outer endpoint pairs by number: records and flows keep the number, compared as a number,
 * and the "src>dst" key and its halves are built once per pair, not per packet.
 *
 * Numbers are never reused (records, flows and counts hold them), so their count is bounded
 * instead: a flood of spoofed outer sources would otherwise grow the table by a pair per packet.
 * Past MAX_PAIRS a new pair is counted from ANY.
 */
export class Endpoints {
  readonly src: string[] = [];
  readonly dst: string[] = [];
  readonly key: string[] = [];
  /** Packets of pairs past MAX_PAIRS, counted from ANY. */
  spilled = 0;
  private readonly ids = new Map<string, Map<string, number>>();

  id(src: string, dst: string): number {
    const n = this.ids.get(src)?.get(dst);
    if (n !== undefined) return n;
    if (this.key.length < MAX_PAIRS) return this.add(src, dst);
    this.spilled++;
    const any = this.ids.get(ANY);
    const to = this.key.length < MAX_PAIRS + MAX_SPILLED ? dst : ANY;
    return any?.get(dst) ?? any?.get(to) ?? this.add(ANY, to);
  }

  private add(src: string, dst: string): number {
    let m = this.ids.get(src);
    if (!m) this.ids.set(src, (m = new Map()));
    const n = this.key.length;
    m.set(dst, n);
    this.src.push(src);
    this.dst.push(dst);
    this.key.push(`${src}>${dst}`);
    return n;
  }
}

/**
 * Counts by endpoint pair number, with `kinds` counters per pair, remembering the pairs in the
 * order first counted (at most `limit` pairs; later ones are not counted).
 */
export class EpCounts {
  n = new Float64Array(0);
  readonly order: number[] = [];
  /** By pair: its earliest sighting as (input, packet number) in one number, when add() is given one. */
  private first = new Float64Array(0);

  constructor(
    private readonly kinds: number,
    private readonly limit = Infinity,
  ) {}

  /**
   * Adds one to counter `kind` of pair `ep`; whether that counter was zero before (false if not counted).
   * `seen` ranks the sighting (sightingRank) for byFirstSighting().
   */
  add(ep: number, kind = 0, seen = 0): boolean {
    if (seen > 0) {
      if (ep >= this.first.length) {
        const b = new Float64Array(Math.max(64, (ep + 1) * 2));
        b.set(this.first);
        this.first = b;
      }
      if (this.first[ep] === 0 || seen < this.first[ep]!) this.first[ep] = seen;
    }
    const at = ep * this.kinds + kind;
    if (at >= this.n.length) {
      const b = new Float64Array(Math.max(64, (ep + 1) * this.kinds * 2));
      b.set(this.n);
      this.n = b;
    }
    const first = this.n[at] === 0;
    if (first) {
      let seen = false;
      for (let k = 0; k < this.kinds; k++) if (this.n[ep * this.kinds + k] !== 0) seen = true;
      if (!seen) {
        if (this.order.length >= this.limit) return false;
        this.order.push(ep);
      }
    }
    this.n[at]!++;
    return first;
  }

  get(ep: number, kind = 0): number {
    return this.n[ep * this.kinds + kind] ?? 0;
  }

  /**
   * The pairs counted, the first input's in the order it first showed them, then the next input's
   * new ones...: the same order whether the inputs were read one after the other or merged by time.
   */
  byFirstSighting(): number[] {
    return [...this.order].sort((a, b) => this.first[a]! - this.first[b]!);
  }
}

/** A packet's place among all inputs' packets for byFirstSighting: by input, then by its number in it. */
export function sightingRank(input: number, no: number): number {
  return input * 2 ** 32 + no;
}
