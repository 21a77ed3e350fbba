/**
 * A closed flow as objects: the table keeps open flows in columns (columns.ts) and builds the
 * Flow, its Sides and evidence only when it closes, to be judged and mostly dropped at once.
 */
import {
  dirOf,
  EVIDENCE_FIRST,
  type FlowColumns,
  NIL,
  none,
  orNull,
  PATH_STRIDE,
  type PathColumns,
  PROTOS,
  REQUEST_ENCAPSULATED,
  ROLES,
  type SeenColumns,
  type SideColumns,
  seenFields,
} from './columns.js';
import { type Flow, type Hop, type Seen, type Side, scopeOf, type TunnelInfo } from './flow.js';
import type { Endpoints } from './records.js';
import type { TcpSummary } from './tcp.js';

/** The table's stores a closed flow is read from. */
export interface Stores {
  readonly fc: FlowColumns;
  readonly seen: SeenColumns;
  readonly sc: SideColumns;
  readonly paths: PathColumns;
  readonly eps: Endpoints;
}

/** The closed flow as an object (the table's output; it is judged and mostly dropped at once). */
export function flowObject(t: Stores, s: number, sides: Side[]): Flow {
  const fc = t.fc;
  const tn = fc.tunnel[s] ?? null;
  const endpoints = new Map<string, number>();
  if (fc.ep0[s] !== NIL) endpoints.set(t.eps.key[fc.ep0[s]!]!, fc.ep0n[s]!);
  if (fc.ep1[s] !== NIL) endpoints.set(t.eps.key[fc.ep1[s]!]!, fc.ep1n[s]!);
  for (const [ep, n] of fc.epMore[s] ?? []) endpoints.set(t.eps.key[ep]!, n);
  const kept = fc.seenCount[s]!;
  const seen: Seen[] = [];
  for (let k = 0; k < Math.min(kept, EVIDENCE_FIRST); k++) seen.push(seenObject(t, s * 4 + k));
  return {
    id: fc.id[s]!,
    proto: PROTOS[fc.proto[s]! - 1]!,
    client: fc.client[s]!,
    server: fc.server[s]!,
    clientPort: fc.clientPort[s] === NIL ? null : fc.clientPort[s]!,
    serverPort: fc.serverPort[s] === NIL ? null : fc.serverPort[s]!,
    echoId: fc.echoId[s] === NIL ? null : fc.echoId[s]!,
    scope: scopeOf(tn),
    tunnel: tn ? tn.scope : null,
    endpoints,
    firstSeen: orNull(fc.firstSeen[s]!),
    lastSeen: orNull(fc.lastSeen[s]!),
    packets: fc.packets[s]!,
    sightings: fc.sightings[s]!,
    badChecksums: fc.badChecksums[s]!,
    sides,
    errors: fc.errors[s] ?? none(),
    seen,
    last: kept > EVIDENCE_FIRST ? seenObject(t, s * 4 + EVIDENCE_FIRST) : null,
    errorEvidence: fc.errorEvidence[s] ?? none(),
    innerMacs: innerMacs(fc, s),
    cooked: fc.cooked[s] === 1,
  };
}

function seenObject(t: Stores, e: number): Seen {
  const sn = t.seen;
  const { role, fromClient, dir } = seenFields(sn.bits[e]!);
  const ep = sn.ep[e]!;
  return {
    role: ROLES[role]!,
    fromClient,
    input: sn.input[e]!,
    no: sn.no[e]!,
    line: orNull(sn.line[e]!),
    ts: orNull(sn.ts[e]!),
    ifname: sn.ifname[e]!,
    ifindex: orNull(sn.ifindex[e]!),
    direction: dirOf(dir),
    outerSrc: ep !== NIL ? t.eps.src[ep]! : null,
    outerDst: ep !== NIL ? t.eps.dst[ep]! : null,
    port: sn.port[e] === NIL ? null : sn.port[e]!,
    type: sn.type[e]!,
    seq: orNull(sn.seq[e]!),
    len: orNull(sn.len[e]!),
  };
}

/** Encapsulated sightings of unknown direction as a flat [src, n, ...] list, or null. */
function unknown(src: string | null, n: number, more: (string | number)[] | null): (string | number)[] | null {
  return src === null ? null : more ? [src, n].concat(more) : [src, n];
}

export function sideObject(t: Stores, d: number, tn: TunnelInfo | null, unanswered: number, pendingAtEnd: number, tcp: TcpSummary | null): Side {
  const sc = t.sc;
  return {
    input: sc.input[d]!,
    requests: sc.requests[d]!,
    replies: sc.replies[d]!,
    answered: sc.answered[d]!,
    undelivered: sc.undelivered[d]!,
    unanswered,
    pendingAtEnd,
    notEncapsulated: sc.notEncapsulated[d]!,
    lastNotEncapsulatedTs: orNull(sc.lastNotEncapsulatedTs[d]!),
    requestEncapsulated: (sc.bits[d]! & REQUEST_ENCAPSULATED) !== 0,
    resets: sc.resets[d]!,
    tcp,
    requestPassage: { in: sc.reqIn[d]!, out: sc.reqOut[d]!, unknown: unknown(sc.reqUnkSrc[d]!, sc.reqUnkN[d]!, sc.reqUnkMore[d]!), bare: sc.reqBare[d]! },
    replyPassage: { in: sc.repIn[d]!, out: sc.repOut[d]!, unknown: unknown(sc.repUnkSrc[d]!, sc.repUnkN[d]!, sc.repUnkMore[d]!), bare: sc.repBare[d]! },
    requestPath: hops(t, d * 2, tn),
    replyPath: hops(t, d * 2 + 1, tn),
    sightings: sc.sightings[d] ?? none(),
    firstSeen: orNull(sc.firstSeen[d]!),
    lastSeen: orNull(sc.lastSeen[d]!),
  };
}

/** A path's steps as Hops (an encapsulated step's tunnel type and VNI are its flow's). */
function hops(t: Stores, p: number, tn: TunnelInfo | null): Hop[] | null {
  const paths = t.paths;
  if (paths.steps[p] === 0) return null;
  const out = [
    hop(t, tn, paths.ifname[p]!, orNull(paths.ifindex[p]!), paths.dir[p]!, orNull(paths.ts[p]!), paths.ep[p]!, paths.port[p] === NIL ? null : paths.port[p]!),
  ];
  const more = paths.more[p] ?? [];
  for (let k = 0; k < more.length; k += PATH_STRIDE) {
    out.push(
      hop(
        t,
        tn,
        more[k] as string | null,
        more[k + 1] as number | null,
        more[k + 2] as number,
        more[k + 3] as number | null,
        more[k + 4] as number,
        more[k + 5] as number | null,
      ),
    );
  }
  return out;
}

function hop(
  t: Stores,
  tn: TunnelInfo | null,
  ifname: string | null,
  ifindex: number | null,
  dir: number,
  ts: number | null,
  ep: number,
  port: number | null,
): Hop {
  return {
    ifname,
    ifindex,
    direction: dirOf(dir),
    ts,
    tunnel: ep !== NIL && tn ? { type: tn.type, vni: tn.vni, src: t.eps.src[ep]!, dst: t.eps.dst[ep]!, port } : null,
  };
}

function innerMacs(fc: FlowColumns, s: number): string[] {
  const a = fc.mac0[s]!;
  const b = fc.mac1[s]!;
  const more = fc.macMore[s];
  if (a === null) return none();
  if (b === null) return [a];
  return more ? [a, b].concat(more) : [a, b];
}
