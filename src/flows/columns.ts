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
import { PendingSlots } from './pending.js';
import { growColumns, Slots } from './slots.js';
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

/** Side bits: a request was seen encapsulated. */
export const REQUEST_ENCAPSULATED = 1;

/** What one capture point saw of one flow, one side per slot (see Side in flow.ts). */
export class SideColumns extends PendingSlots {
  input = new Int32Array(0);
  next = new Int32Array(0);
  requests = new Float64Array(0);
  replies = new Float64Array(0);
  notEncapsulated = new Float64Array(0);
  lastNotEncapsulatedTs = new Float64Array(0);
  resets = new Float64Array(0);
  /** REQUEST_ENCAPSULATED */
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
  nextKey = new Float64Array(0);
  /** Unsettled packet records: the newest (a record number) and how many; older ones via Records.prev. */
  recentNewest = new Float64Array(0);
  recentCount = new Int32Array(0);
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
