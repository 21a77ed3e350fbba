/**
 * One packet as each capture point saw it, and how the same packet is recognised in two captures.
 *
 * Each side of a flow keeps its first few request and reply sightings (one per packet at that
 * capture point: the table has merged its hops). The same packet seen by two captures is
 * recognised by role, key (ICMP sequence, TCP sequence) and inner IP id, which tunnels and
 * routers leave alone. What is made of them (clock offsets, lost packets) is the classifier's
 * (classifier/clocks.ts, classifier/lost.ts).
 */
import type { Packet } from '../model.js';

/** Sightings kept per side: enough to follow a ping or a handshake, bounded on a busy flow. */
export const SIGHTINGS_KEPT = 32;

export type SightingWhere = 'out' | 'in' | 'bare' | 'unknown';

/** One packet as one capture point saw it. */
export interface PacketSighting {
  input: number;
  role: 'request' | 'reply';
  /** ICMP echo sequence or TCP sequence number; null for UDP or when the source does not say. */
  key: number | null;
  /** Inner IP identification, null when unknown (tcpdump text without -v). */
  ipId: number | null;
  /** When it was seen encapsulated (else first seen), by this capture's clock. */
  ts: number | null;
  /** Left the node encapsulated, arrived encapsulated, only seen bare, or encapsulated with no direction told. */
  where: SightingWhere;
  outerSrc: string | null;
  outerDst: string | null;
  /** The interface it was seen on encapsulated (else first), or "ifindex N". */
  ifname: string | null;
}

export function placeName(p: Packet): string | null {
  return p.ifname ?? (p.ifindex !== null ? `ifindex ${p.ifindex}` : null);
}

/** What crossnode needs of a flow and of a node (the flow table's Flow and InputNode fit). */
export interface CrossFlow {
  tunnel: { port: number | null } | null;
  sides: { input: number; sightings: PacketSighting[]; firstSeen: number | null; lastSeen: number | null }[];
}
export interface CrossNode {
  input: number;
  local: string[];
}

function resolve(s: PacketSighting, local: string[]): SightingWhere {
  if (s.where !== 'unknown') return s.where;
  if (s.outerSrc !== null && local.includes(s.outerSrc)) return 'out';
  if (s.outerDst !== null && local.includes(s.outerDst)) return 'in';
  return 'unknown';
}

/** Same packet: same role, and key and IP id equal where both are known, at least one of them known. */
export function samePacket(x: PacketSighting, y: PacketSighting): boolean {
  if (x.role !== y.role) return false;
  if (x.key === null && x.ipId === null) return false;
  if (y.key === null && y.ipId === null) return false;
  if (x.key !== null && y.key !== null && x.key !== y.key) return false;
  if (x.ipId !== null && y.ipId !== null && x.ipId !== y.ipId) return false;
  return (x.key !== null && y.key !== null) || (x.ipId !== null && y.ipId !== null);
}

/** A sighting with its direction told, by the capture point's own addresses where the capture did not say. */
export interface Resolved extends PacketSighting {
  at: SightingWhere;
}

/** Each side's sightings, resolved, by input. */
export function resolvedSides(flow: CrossFlow, nodes: CrossNode[]): Map<number, Resolved[]> {
  const out = new Map<number, Resolved[]>();
  for (const side of flow.sides) {
    const local = nodes.find((n) => n.input === side.input)?.local ?? [];
    out.set(
      side.input,
      side.sightings.map((s) => ({ ...s, at: resolve(s, local) })),
    );
  }
  return out;
}

/** The one sighting in `list` of the same packet; null when none, or several (ambiguous). */
export function match(s: PacketSighting, list: Resolved[]): Resolved | null {
  let found: Resolved | null = null;
  for (const o of list) {
    if (!samePacket(s, o)) continue;
    if (found) return null;
    found = o;
  }
  return found;
}
