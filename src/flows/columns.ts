/**
 * The open flows' state as columns: one typed array (or plain array, for
 * strings) per field, indexed by slot. A flow lives in the table for many
 * seconds of capture time; as objects, each of the ~30 it was made of
 * survived into V8's old generation and was copied there by the garbage
 * collector (a quarter of the run). As columns, an open flow is a few slots
 * in arrays that already exist; objects are made only when it closes
 * (closed.ts builds the Flow then) and die young.
 *
 * Numbers that may be unknown are NaN (floats) or -1 (small integers).
 */
import type { Direction } from '../model.js';
import type { PacketSighting } from './crossnode.js';
import type { Evidence, FlowError, TunnelInfo } from './flow.js';
import type { TcpSide } from './tcp.js';
import type { FlowProto } from './view.js';

export const NIL = -1;

export function orNull(n: number): number | null {
  return n === n ? n : null;
}

export function orNaN(n: number | null | undefined): number {
  return n ?? NaN;
}

/** Protocols as small numbers (1-4). */
export const PROTOS: readonly FlowProto[] = ['tcp', 'udp', 'icmp', 'icmp6'];
export function protoCode(p: FlowProto): number {
  return p === 'tcp' ? 1 : p === 'udp' ? 2 : p === 'icmp' ? 3 : 4;
}

/** A shared empty list: most flows never add to their error and evidence lists, which grow by concat. */
const NONE: readonly never[] = Object.freeze([]);
export function none<T>(): T[] {
  return NONE as unknown as T[];
}

/** First sightings kept as evidence per flow; the newest one is kept too (SeenColumns). */
export const EVIDENCE_FIRST = 3;

/** Directions as small numbers (0 = not known). */
const DIRECTIONS: (Direction | null)[] = [null, 'in', 'out', 'broadcast', 'multicast', 'other'];
export function dirCode(d: Direction | null): number {
  return d === null ? 0 : DIRECTIONS.indexOf(d);
}
export function dirOf(code: number): Direction | null {
  return DIRECTIONS[code] ?? null;
}

export const ROLE_OTHER = 0;
export const ROLE_REQUEST = 1;
export const ROLE_REPLY = 2;
export const ROLES = ['other', 'request', 'reply'] as const;

/** Grows every column of a store to n slots (copied; new slots zero or null). */
function growColumns(cols: object, n: number): void {
  const c = cols as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    const v = c[k];
    if (v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array) {
      const b = new (v.constructor as Float64ArrayConstructor)(n);
      b.set(v as Float64Array);
      c[k] = b;
    } else if (Array.isArray(v)) {
      // One allocation filled natively, not a push per slot.
      const b = new Array<unknown>(n).fill(null);
      for (let i = 0; i < v.length; i++) b[i] = v[i];
      c[k] = b;
    }
  }
}

/** Slots handed out and taken back (a free list), growing the columns by doubling. */
abstract class Slots {
  cap = 0;
  // Private (#) fields are not the store's columns: growColumns does not see them.
  #used = 0;
  #free: number[] = [];

  alloc(): number {
    const s = this.#free.pop();
    if (s !== undefined) return s;
    if (this.#used === this.cap) {
      this.cap = Math.max(1024, this.cap * 2);
      growColumns(this, this.cap);
    }
    return this.#used++;
  }

  release(s: number): void {
    this.#free.push(s);
  }
}

/** One open flow per slot (see Flow in flow.ts for what each field means). */
export class FlowColumns extends Slots {
  id = new Float64Array(0);
  /** The tuple's hash (tupleKey) and the next flow in the same hash bucket. */
  key = new Float64Array(0);
  hashNext = new Int32Array(0);
  /** 1 tcp, 2 udp, 3 icmp, 4 icmp6. */
  proto = new Uint8Array(0);
  client: (string | null)[] = [];
  server: (string | null)[] = [];
  clientPort = new Int32Array(0);
  serverPort = new Int32Array(0);
  echoId = new Int32Array(0);
  tunnel: (TunnelInfo | null)[] = [];
  firstSeen = new Float64Array(0);
  lastSeen = new Float64Array(0);
  packets = new Float64Array(0);
  sightings = new Float64Array(0);
  /** Encapsulated sightings whose outer UDP checksum was wrong. */
  badChecksums = new Float64Array(0);
  /** How a TCP connection ended so far: END_CLIENT_FIN | END_SERVER_FIN | END_RESET. */
  tcpEnd = new Uint8Array(0);
  cooked = new Uint8Array(0);
  /** 1: the flow began with late packets of a TCP connection closed before (table.ts closedTcp). */
  late = new Uint8Array(0);
  /** The idle queue's neighbours. */
  qPrev = new Int32Array(0);
  qNext = new Int32Array(0);
  /** First and last side (sides of one flow are chained in input order). */
  side = new Int32Array(0);
  sideLast = new Int32Array(0);
  /** The first two outer endpoint pairs (ids of Endpoints) with their counts; more in a Map. */
  ep0 = new Int32Array(0);
  ep0n = new Float64Array(0);
  ep1 = new Int32Array(0);
  ep1n = new Float64Array(0);
  epMore: (Map<number, number> | null)[] = [];
  /** Inner MAC addresses (at most 8): the first two, then a list. */
  mac0: (string | null)[] = [];
  mac1: (string | null)[] = [];
  macMore: (string[] | null)[] = [];
  /** Evidence kept: how many first sightings, and whether the newest one was written (slot 3). */
  seenCount = new Uint8Array(0);
  errors: (FlowError[] | null)[] = [];
  errorEvidence: (Evidence[] | null)[] = [];
}

/** FlowColumns.tcpEnd bits: the client's FIN, the server's FIN, a reset; FINs both ways or a reset end the connection. */
export const END_CLIENT_FIN = 1;
export const END_SERVER_FIN = 2;
export const END_RESET = 4;
export function connectionEnded(bits: number): boolean {
  return (bits & END_RESET) !== 0 || (bits & (END_CLIENT_FIN | END_SERVER_FIN)) === (END_CLIENT_FIN | END_SERVER_FIN);
}

/** SeenColumns.bits: the role (ROLE_*) in the low two bits, from-client above it, the direction code above that. */
const SEEN_ROLE_MASK = 3;
const SEEN_FROM_CLIENT = 4;
const SEEN_DIR_SHIFT = 3;
export function seenBits(role: number, fromClient: boolean, dir: number): number {
  return (role & SEEN_ROLE_MASK) | (fromClient ? SEEN_FROM_CLIENT : 0) | (dir << SEEN_DIR_SHIFT);
}
export function seenFields(bits: number): { role: number; fromClient: boolean; dir: number } {
  return { role: bits & SEEN_ROLE_MASK, fromClient: (bits & SEEN_FROM_CLIENT) !== 0, dir: bits >> SEEN_DIR_SHIFT };
}

/** Evidence sightings: four per flow (the first EVIDENCE_FIRST and the newest), at flow slot * 4 + i. */
export class SeenColumns {
  cap = 0;
  /** seenBits(role, fromClient, direction) */
  bits = new Uint8Array(0);
  input = new Int32Array(0);
  no = new Float64Array(0);
  line = new Float64Array(0);
  ts = new Float64Array(0);
  ifname: (string | null)[] = [];
  ifindex = new Float64Array(0);
  /** Outer endpoints (Endpoints id) and UDP port when encapsulated, else -1. */
  ep = new Int32Array(0);
  port = new Int32Array(0);
  /** ICMP type or TCP flags; sequence; TCP payload or UDP length. */
  type = new Int32Array(0);
  seq = new Float64Array(0);
  len = new Float64Array(0);

  ensure(flowCap: number): void {
    if (this.cap >= flowCap * 4) return;
    this.cap = flowCap * 4;
    growColumns(this, this.cap);
  }
}

/** Side bits: a request was seen encapsulated; a SYN, a SYN-ACK was seen. */
export const REQUEST_ENCAPSULATED = 1;
export const SAW_SYN = 2;
export const SAW_SYN_ACK = 4;

/** What one capture point saw of one flow, one side per slot (see Side in flow.ts). */
export class SideColumns extends Slots {
  input = new Int32Array(0);
  next = new Int32Array(0);
  requests = new Float64Array(0);
  replies = new Float64Array(0);
  answered = new Float64Array(0);
  undelivered = new Float64Array(0);
  unanswered = new Float64Array(0);
  notEncapsulated = new Float64Array(0);
  lastNotEncapsulatedTs = new Float64Array(0);
  resets = new Float64Array(0);
  /** REQUEST_ENCAPSULATED | SAW_SYN | SAW_SYN_ACK */
  bits = new Uint8Array(0);
  firstSeen = new Float64Array(0);
  lastSeen = new Float64Array(0);
  /** Passages, requests then replies: in, out, bare. */
  reqIn = new Float64Array(0);
  reqOut = new Float64Array(0);
  reqBare = new Float64Array(0);
  repIn = new Float64Array(0);
  repOut = new Float64Array(0);
  repBare = new Float64Array(0);
  /** Encapsulated without a direction: the first outer source inline, the others in a flat [src, n, ...] list. */
  reqUnkSrc: (string | null)[] = [];
  reqUnkN = new Float64Array(0);
  reqUnkMore: ((string | number)[] | null)[] = [];
  repUnkSrc: (string | null)[] = [];
  repUnkN = new Float64Array(0);
  repUnkMore: ((string | number)[] | null)[] = [];
  sightings: (PacketSighting[] | null)[] = [];
  /** The TCP analyzer's state of this side (TCP flows only). */
  tcp: (TcpSide | null)[] = [];
  /** Pending requests: none (0), one held inline (1), or a Map (2, kept once used: its order is the requests' order). */
  pendState = new Uint8Array(0);
  pendKey = new Float64Array(0);
  pendTs = new Float64Array(0);
  pendUndelivered = new Uint8Array(0);
  pendMap: (Map<number, { ts: number; undelivered: boolean }> | null)[] = [];
  nextKey = new Float64Array(0);
  /** Unsettled packet records: the newest (a record number) and how many; older ones via Records.prev. */
  recentNewest = new Float64Array(0);
  recentCount = new Int32Array(0);

  pendingHas(d: number, key: number): boolean {
    const state = this.pendState[d];
    return state === 1 ? this.pendKey[d] === key : state === 2 ? this.pendMap[d]!.has(key) : false;
  }

  /** Calls fn for each waiting request of side d, oldest first (fn may answer them). */
  forEachPending(d: number, fn: (key: number, ts: number, undelivered: boolean) => void): void {
    if (this.pendState[d] === 1) fn(this.pendKey[d]!, this.pendTs[d]!, this.pendUndelivered[d] === 1);
    else if (this.pendState[d] === 2) for (const [key, pend] of this.pendMap[d]!) fn(key, pend.ts, pend.undelivered);
  }

  /** A request starts waiting; beyond `max` waiting, the oldest is given up as unanswered (memory stays bounded). */
  addPending(d: number, key: number, ts: number, max: number): void {
    switch (this.pendState[d]) {
      case 0:
        this.pendState[d] = 1;
        this.pendKey[d] = key;
        this.pendTs[d] = ts;
        this.pendUndelivered[d] = 0;
        return;
      case 1:
        // A second request waiting: the side's requests move to a Map, which keeps their order.
        this.pendMap[d] = new Map([[this.pendKey[d]!, { ts: this.pendTs[d]!, undelivered: this.pendUndelivered[d] === 1 }]]);
        this.pendState[d] = 2;
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
    if (this.pendState[d] === 1) {
      if (delivered) {
        this.answered[d]++;
        this.pendState[d] = 0;
      } else if (!this.pendUndelivered[d]) {
        this.pendUndelivered[d] = 1;
        this.undelivered[d]++;
      }
      return;
    }
    const m = this.pendMap[d]!;
    if (delivered) {
      this.answered[d]++;
      m.delete(key);
    } else {
      const pend = m.get(key)!;
      if (!pend.undelivered) {
        pend.undelivered = true;
        this.undelivered[d]++;
      }
    }
  }
}

/** Values per path step: ifname, ifindex, direction, ts, outer endpoints id (-1 bare), port. */
export const PATH_STRIDE = 6;
/** Steps kept per path. */
const PATH_STEPS = 16;

/**
 * Where the first request and the first reply of each side were seen: path 2d (request) and
 * 2d + 1 (reply) of side d. The first step in columns (most packets are seen at one place), the
 * others in a flat list of PATH_STRIDE values per step.
 */
export class PathColumns {
  cap = 0;
  /** Steps recorded; 0 = no path yet. */
  steps = new Uint8Array(0);
  ifname: (string | null)[] = [];
  ifindex = new Float64Array(0);
  dir = new Uint8Array(0);
  ts = new Float64Array(0);
  ep = new Int32Array(0);
  port = new Int32Array(0);
  more: (unknown[] | null)[] = [];

  ensure(sideCap: number): void {
    if (this.cap >= sideCap * 2) return;
    this.cap = sideCap * 2;
    growColumns(this, this.cap);
  }

  reset(p: number): void {
    this.steps[p] = 0;
    this.ifname[p] = null;
    this.more[p] = null;
  }

  append(p: number, ifname: string | null, ifindex: number | null, dir: number, ts: number | null, ep: number, port: number | null): void {
    const n = this.steps[p]!;
    if (n >= PATH_STEPS) return;
    if (n === 0) {
      this.ifname[p] = ifname;
      this.ifindex[p] = orNaN(ifindex);
      this.dir[p] = dir;
      this.ts[p] = orNaN(ts);
      this.ep[p] = ep;
      this.port[p] = port ?? NIL;
    } else {
      // Grown by concat: exact size, where push would reserve 17 slots.
      this.more[p] = (this.more[p] ?? []).concat(ifname, ifindex, dir, ts, ep, port);
    }
    this.steps[p] = n + 1;
  }
}

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

/**
 * Outer endpoint pairs by number: records and flows keep the number, compared as a number,
 * and the "src>dst" key and its halves are built once per pair, not per packet.
 */
export class Endpoints {
  readonly src: string[] = [];
  readonly dst: string[] = [];
  readonly key: string[] = [];
  private readonly ids = new Map<string, Map<string, number>>();

  id(src: string, dst: string): number {
    let m = this.ids.get(src);
    if (!m) this.ids.set(src, (m = new Map()));
    let n = m.get(dst);
    if (n === undefined) {
      n = this.key.length;
      m.set(dst, n);
      this.src.push(src);
      this.dst.push(dst);
      this.key.push(`${src}>${dst}`);
    }
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

  constructor(
    private readonly kinds: number,
    private readonly limit = Infinity,
  ) {}

  /** Adds one to counter `kind` of pair `ep`; whether that counter was zero before (false if not counted). */
  add(ep: number, kind = 0): boolean {
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
}
