/**
 * Packets followed across capture points (several nodes captured at once): the same packet in two
 * captures (flows/crossnode.ts) gives the clock offset between them; then a packet that left
 * towards a captured node and is not in that node's capture (within the time it covered, by the
 * offset) was lost on the underlay, and a request that arrived but whose answer never left
 * encapsulated was lost on that node.
 *
 * Pure: flows and nodes in, offsets and lost packets out; the report words them.
 */
import {
  type CrossFlow,
  type CrossNode,
  match,
  type PacketSighting,
  type Resolved,
  resolvedSides,
  SIGHTINGS_KEPT,
  type SightingWhere,
  samePacket,
} from '../flows/crossnode.js';

/** Clock of input b minus clock of input a, from packets both saw (transit time included, a fraction of a millisecond on a LAN). */
export interface ClockOffset {
  a: number;
  b: number;
  /** Median of tsB - tsA over the packets both saw. */
  offset: number;
  /** Largest minus smallest sample: how much the estimate can be trusted. */
  spread: number;
  samples: number;
  /** One input's times have no date (tcpdump text printed with the time of day only): the offset means something only modulo a day. */
  noDate: boolean;
}

/** Times below this are a time of day (text without a date), above it seconds since the epoch. */
const NO_DATE_BELOW = 3 * 86400;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Offsets between each pair of inputs (a < b) that saw packets pass from one to the other encapsulated. */
export function clockOffsets(flows: CrossFlow[], nodes: CrossNode[]): ClockOffset[] {
  const samples = new Map<string, number[]>();
  const undated = new Set<string>();
  for (const flow of flows) {
    if (flow.sides.length < 2) continue;
    const sides = resolvedSides(flow, nodes);
    for (const [a, la] of sides) {
      for (const [b, lb] of sides) {
        if (b <= a) continue;
        for (const s of la) {
          if (s.ts === null || (s.at !== 'out' && s.at !== 'in')) continue;
          const o = match(s, lb);
          // One left, the other received it: the same packet on the wire between the two.
          if (!o || o.ts === null || !((s.at === 'out' && o.at === 'in') || (s.at === 'in' && o.at === 'out'))) continue;
          const k = `${a}|${b}`;
          let v = samples.get(k);
          if (!v) samples.set(k, (v = []));
          if (v.length < 10_000) v.push(o.ts - s.ts);
          if (o.ts < NO_DATE_BELOW !== s.ts < NO_DATE_BELOW) undated.add(k);
        }
      }
    }
  }
  return [...samples].map(([k, v]) => {
    const [a, b] = k.split('|').map(Number) as [number, number];
    return { a, b, offset: median(v), spread: Math.max(...v) - Math.min(...v), samples: v.length, noDate: undated.has(k) };
  });
}

/** tsB ≈ tsA + offsetOf(a, b); null when no packet links the two clocks. */
function offsetOf(offsets: ClockOffset[], a: number, b: number): number | null {
  if (a === b) return 0;
  const o = offsets.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a));
  if (!o) return null;
  return o.a === a ? o.offset : -o.offset;
}

/** The time each input's capture covers (by its own clock), from every flow's sides (added to `out`). */
export function coverage(flows: CrossFlow[], out = new Map<number, [number, number]>()): Map<number, [number, number]> {
  for (const f of flows) {
    for (const s of f.sides) {
      if (s.firstSeen === null || s.lastSeen === null) continue;
      const c = out.get(s.input);
      if (!c) out.set(s.input, [s.firstSeen, s.lastSeen]);
      else {
        if (s.firstSeen < c[0]) c[0] = s.firstSeen;
        if (s.lastSeen > c[1]) c[1] = s.lastSeen;
      }
    }
  }
  return out;
}

/**
 * A lost packet is one the other capture should have seen: that capture was still running when
 * it was due (by the clock offset). Its start is not known here (only its flows' sightings are,
 * and a capture of the incident sees packets of no flow first): captures of one incident are
 * taken together, so one that ran past the packet is taken to have been running when it came.
 */
function covered(cov: Map<number, [number, number]>, input: number, ts: number | null): boolean {
  const c = cov.get(input);
  if (!c) return false;
  return ts === null || ts <= c[1];
}

/** A place a packet was, or should have been. */
export interface Place {
  input: number;
  /** The node's tunnel address (the capture point's own). */
  node: string | null;
  ifname: string | null;
  where: SightingWhere | null;
  /** By that input's clock; for an expected place, estimated with the clock offset (null when there is none). */
  ts: number | null;
}

export interface LostPacket {
  role: 'request' | 'reply';
  key: number | null;
  ipId: number | null;
  /** underlay: left one captured node towards another, never arrived; remote-node: arrived, its answer never left. */
  locus: 'underlay' | 'remote-node';
  last: Place;
  /** Where it should have been next: the peer node's arrival, or (remote-node) its answer leaving. */
  expected: Place;
  /** Where the packet was headed: outer destination and port. */
  towards: string | null;
  /** remote-node: the answer was seen on that node, bare (made, never encapsulated). */
  answerSeenBare: boolean;
}

/**
 * The packets of one flow that left one captured node towards another and never arrived there,
 * and the requests that arrived at a captured node whose answer never left it encapsulated.
 */
export function lostPackets(flow: CrossFlow, nodes: CrossNode[], offsets: ClockOffset[], cov: Map<number, [number, number]>): LostPacket[] {
  const sides = resolvedSides(flow, nodes);
  const port = flow.tunnel?.port ?? null;
  const nodeOf = (input: number) => nodes.find((n) => n.input === input)?.local[0] ?? null;
  const out: LostPacket[] = [];
  for (const [a, la] of sides) {
    for (const s of la) {
      if (s.at !== 'out' || s.outerDst === null) continue;
      const peer = nodes.find((n) => n.input !== a && n.local.includes(s.outerDst!));
      if (!peer) continue; // headed for a node nobody captured: that is the locus "beyond", not a lost packet we can place
      const off = offsetOf(offsets, a, peer.input);
      const due = s.ts !== null && off !== null ? s.ts + off : null;
      if (!covered(cov, peer.input, due)) continue;
      const there = sides.get(peer.input) ?? [];
      if (match(s, there) || there.some((o) => samePacket(s, o))) continue;
      out.push({
        role: s.role,
        key: s.key,
        ipId: s.ipId,
        locus: 'underlay',
        last: { input: a, node: s.outerSrc, ifname: s.ifname, where: 'out', ts: s.ts },
        expected: { input: peer.input, node: s.outerDst, ifname: null, where: 'in', ts: due },
        towards: `${s.outerDst}${port !== null ? ':' + port : ''}`,
        answerSeenBare: false,
      });
    }
    // Requests that arrived here: did an answer leave encapsulated? Echo replies carry the request's
    // sequence; other protocols' answers are any reply leaving after the request.
    // Only requests followed from another captured node: with one capture the flow's locus says it.
    const arrivedFrom = (s: Resolved) =>
      s.at === 'in' && s.role === 'request' && [...sides].some(([i, l]) => i !== a && l.some((o) => o.at === 'out' && samePacket(s, o)));
    let keptUntil = Infinity;
    if (la.length >= SIGHTINGS_KEPT) keptUntil = Math.max(...la.map((o) => o.ts ?? -Infinity));
    for (const s of la.filter(arrivedFrom)) {
      const answers = la.filter(
        (o) =>
          o.role === 'reply' && (s.key === null || o.key === null || o.key === s.key || !echoKeyed(la)) && (s.ts === null || o.ts === null || o.ts >= s.ts),
      );
      if (answers.some((o) => o.at === 'out')) continue;
      // Only when the capture ran long enough after it for an answer to show, and the packets kept
      // of this capture point (the first SIGHTINGS_KEPT) reach that far: an answer past them is not lost.
      const c = cov.get(a);
      if (!c || s.ts === null || c[1] - s.ts < 0.5 || keptUntil - s.ts < 0.5) continue;
      const bare = answers.find((o) => o.at === 'bare');
      out.push({
        role: s.role,
        key: s.key,
        ipId: s.ipId,
        locus: 'remote-node',
        last: bare
          ? { input: a, node: nodeOf(a), ifname: bare.ifname, where: 'bare', ts: bare.ts }
          : { input: a, node: s.outerDst, ifname: s.ifname, where: 'in', ts: s.ts },
        expected: { input: a, node: nodeOf(a), ifname: s.ifname, where: 'out', ts: null },
        towards: s.outerSrc !== null ? `${s.outerSrc}${port !== null ? ':' + port : ''}` : null,
        answerSeenBare: bare !== undefined,
      });
    }
  }
  return out.sort((x, y) => (x.last.ts ?? 0) - (y.last.ts ?? 0));
}

/** Echo: the replies carry the request's key (ICMP sequence); TCP answers carry their own sequence. */
function echoKeyed(list: PacketSighting[]): boolean {
  const req = new Set(list.filter((s) => s.role === 'request').map((s) => s.key));
  return list.some((s) => s.role === 'reply' && s.key !== null && req.has(s.key));
}
