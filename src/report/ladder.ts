/**
 * A flow as a ladder diagram, ready to draw: one lane per place a capture saw the flow, grouped
 * by capture point and ordered along the path (the client's side: pod, bridge, overlay device,
 * NIC; then the underlay; then the server's side in reverse), one row per packet, time going
 * down. Made from the report alone (no analysis): the SVG and the ASCII renderers draw it.
 */
import { SIGHTINGS_KEPT } from '../flows/crossnode.js';
import type { FlowReport, HopReport, LostReport, PacketReport, PathStep } from './build.js';

export interface LaneGroup {
  input: string;
  /** The node's tunnel address, when the capture shows it. */
  node: string | null;
  side: 'client' | 'server';
}

export interface Lane {
  group: number | null;
  label: string;
  encapsulated: boolean;
  /** seen: a capture saw the flow here; gap: the underlay between nodes; unseen: a captured node that never saw it. */
  kind: 'seen' | 'gap' | 'unseen';
}

/** An arrow from one lane to another (indexes into lanes); across the gap it carries the outer endpoints. */
export interface Segment {
  from: number;
  to: number;
  outer: string | null;
}

export interface Row {
  role: 'request' | 'reply' | 'error';
  label: string;
  ts: number | null;
  segments: Segment[];
  /** Where the packet stopped: the lane the mark sits on, a few words, and the report's sentence. */
  lost: { lane: number; short: string; detail: string } | null;
  /** Rows that are one packet sent again (same role and sequence) share a number. */
  retransmission: number | null;
}

export interface Ladder {
  groups: LaneGroup[];
  lanes: Lane[];
  rows: Row[];
  /** What was left out, in words (null when every packet known is drawn). */
  note: string | null;
}

const MAX_ROWS = 40;

function stepLabel(s: PathStep): string {
  return s.ifname ?? (s.ifindex !== null ? `ifindex ${s.ifindex}` : s.tunnel ? 'encapsulated' : 'not encapsulated');
}

function packetLabel(p: PacketReport): string {
  return p.ifname ?? (p.where === 'bare' ? 'not encapsulated' : 'encapsulated');
}

/** The places of a path: a NAT step (a stitched connection's rewrite) is no place of its own. */
function placesOf(path: PathStep[]): PathStep[] {
  return path.some((s) => s.nat) ? path.filter((s) => !s.nat) : path;
}

/** A capture point's places in the order a request passes them (from its reply when no request was seen). */
function places(h: HopReport): PathStep[] {
  const req = placesOf(h.requestPath);
  const rep = placesOf(h.replyPath);
  const out = req.length ? [...req] : [...rep].reverse();
  for (const s of rep) if (!out.some((o) => stepLabel(o) === stepLabel(s))) out.push(s);
  return out;
}

function isServerSide(h: HopReport, steps: PathStep[]): boolean {
  if (steps.some((s) => s.tunnel)) return steps[0]!.tunnel !== null;
  return h.role === 'server';
}

function outerText(p: { outerSrc: string | null; outerDst: string | null }, f: FlowReport): string | null {
  if (!p.outerSrc || !f.tunnel) return null;
  const port = f.tunnel.port !== null ? `:${f.tunnel.port}` : '';
  return `${p.outerSrc} > ${p.outerDst}${port} ${f.tunnel.type}${f.tunnel.vni !== null ? ' vni ' + f.tunnel.vni : ''}`;
}

/** The lanes: client-side groups, the gap, server-side groups (captured nodes that saw nothing included). */
function layout(f: FlowReport): { groups: LaneGroup[]; lanes: Lane[]; laneOf: Map<string, number>; gap: number } {
  const sided = f.hops.map((h) => {
    const steps = places(h);
    return { h, steps, side: isServerSide(h, steps) ? ('server' as const) : ('client' as const) };
  });
  for (const h of f.hops)
    for (const p of h.packets) {
      const s = sided.find((x) => x.h === h)!;
      if (!s.steps.some((st) => stepLabel(st) === packetLabel(p))) {
        s.steps.push({ ifname: packetLabel(p), ifindex: null, direction: null, tunnel: null, ts: p.ts });
      }
    }
  const groups: LaneGroup[] = [];
  const lanes: Lane[] = [];
  const laneOf = new Map<string, number>();
  const addGroup = (input: string, node: string | null, side: LaneGroup['side'], labels: { label: string; enc: boolean }[], kind: Lane['kind']) => {
    const g = groups.push({ input, node, side }) - 1;
    for (const l of labels) {
      laneOf.set(`${input}|${l.label}`, lanes.length);
      lanes.push({ group: g, label: l.label, encapsulated: l.enc, kind });
    }
  };
  const seenGroup = (x: (typeof sided)[number]) =>
    addGroup(
      x.h.input,
      x.h.node[0] ?? null,
      x.side,
      x.steps.map((s) => ({ label: stepLabel(s), enc: s.tunnel !== null })),
      'seen',
    );
  // Captured nodes a lost packet was due at, which never saw the flow.
  const unseen = new Map<string, { node: string | null; side: LaneGroup['side'] }>();
  for (const l of f.lost) {
    if (f.hops.some((h) => h.input === l.expected.input) || unseen.has(l.expected.input)) continue;
    const from = sided.find((x) => x.h.input === l.last.input);
    unseen.set(l.expected.input, { node: l.expected.node, side: from?.side === 'server' ? 'client' : 'server' });
  }
  const unseenGroup = (side: LaneGroup['side']) => {
    for (const [input, u] of unseen) if (u.side === side) addGroup(input, u.node, side, [{ label: 'nothing seen', enc: true }], 'unseen');
  };
  unseenGroup('client');
  sided.filter((x) => x.side === 'client').forEach(seenGroup);
  const gap = lanes.push({ group: null, label: f.tunnel ? 'underlay' : 'network', encapsulated: f.tunnel !== null, kind: 'gap' }) - 1;
  sided.filter((x) => x.side === 'server').forEach(seenGroup);
  unseenGroup('server');
  return { groups, lanes, laneOf, gap };
}

/** Rows from the packets the captures followed (several captures read together). */
function packetRows(f: FlowReport, lanes: Lane[], laneOf: Map<string, number>, gap: number): Row[] {
  const byPacket = new Map<string, { role: 'request' | 'reply'; key: number | null; ipId: number | null; seen: { h: HopReport; p: PacketReport }[] }>();
  let n = 0;
  for (const h of f.hops)
    for (const p of h.packets) {
      const id = p.key === null && p.ipId === null ? `#${n++}` : `${p.role}|${p.key}|${p.ipId}`;
      let e = byPacket.get(id);
      if (!e) byPacket.set(id, (e = { role: p.role, key: p.key, ipId: p.ipId, seen: [] }));
      e.seen.push({ h, p });
    }
  const rows: Row[] = [];
  for (const e of byPacket.values()) {
    const segments: Segment[] = [];
    const ends: { lane: number; side: LaneGroup['side']; p: PacketReport }[] = [];
    for (const { h, p } of e.seen) {
      const path = placesOf(e.role === 'request' ? h.requestPath : h.replyPath).map((s) => laneOf.get(`${h.input}|${stepLabel(s)}`)!);
      const own = laneOf.get(`${h.input}|${packetLabel(p)}`)!;
      const span = path.length ? path : [own];
      segments.push({ from: span[0]!, to: span.at(-1)!, outer: null });
      const g = lanes[own]!.group;
      const nic = lanes.findIndex((l) => l.group === g && l.encapsulated);
      ends.push({ lane: nic >= 0 ? nic : own, side: own < gap ? 'client' : 'server', p });
    }
    // A packet seen twice at one capture point (bare, then encapsulated) crosses with its outer header.
    const end = (side: LaneGroup['side']) => ends.find((x) => x.side === side && x.p.outerSrc !== null) ?? ends.find((x) => x.side === side);
    const a = end('client');
    const b = end('server');
    if (a && b) {
      const [from, to] = e.role === 'request' ? [a.lane, b.lane] : [b.lane, a.lane];
      segments.push({ from, to, outer: outerText((e.role === 'request' ? a : b).p, f) });
    }
    const lost = f.lost.find((l) => l.role === e.role && l.key === e.key && l.ipId === e.ipId);
    const mark = lost ? lostMark(lost, f, laneOf, gap, segments, ends) : null;
    if (!mark && !(a && b) && ends[0]) {
      const edge = gapSegment(segments[0]!, ends[0].side, e.role, gap, outerText(ends[0].p, f));
      if (edge) segments.push(edge);
    }
    const key = e.key !== null ? ` seq ${e.key}` : '';
    const unique = segments.filter((x, i) => segments.findIndex((y) => y.from === x.from && y.to === x.to) === i);
    rows.push({
      role: e.role,
      label: `${e.role}${key}`,
      ts: Math.min(...e.seen.map((s) => s.p.ts ?? Infinity)),
      segments: unique,
      lost: mark,
      retransmission: null,
    });
  }
  for (const r of rows) if (!Number.isFinite(r.ts)) r.ts = null;
  return rows;
}

/**
 * The arrow between a capture point's outermost place and the gap, when the packet passed that
 * place and no other capture saw it beyond: a request leaving (or a reply arriving) on the client's
 * side, the other way round on the server's.
 */
function gapSegment(seg: Segment, side: LaneGroup['side'], role: 'request' | 'reply', gap: number, outer: string | null): Segment | null {
  const edge = side === 'client' ? gap - 1 : gap + 1;
  const touches = seg.from === edge || seg.to === edge;
  if (!touches) return null;
  const outward = (side === 'client') === (role === 'request');
  return outward ? { from: edge, to: gap, outer } : { from: gap, to: edge, outer };
}

function lostMark(
  l: LostReport,
  f: FlowReport,
  laneOf: Map<string, number>,
  gap: number,
  segments: Segment[],
  ends: { lane: number; p: PacketReport }[],
): Row['lost'] {
  const expected = l.expected.node ?? l.expected.input;
  if (l.locus === 'underlay') {
    const from = ends[0]?.lane ?? gap;
    segments.push({ from, to: gap, outer: ends[0] ? outerText(ends[0].p, f) : null });
    return { lane: gap, short: `never arrived at ${expected}`, detail: l.detail };
  }
  const at = segments[0]?.to ?? laneOf.get(`${l.last.input}|${l.last.ifname}`) ?? gap;
  return { lane: at, short: `no answer left ${expected}`, detail: l.detail };
}

/** Rows from the first request and reply each capture point saw (one capture: packets are not followed one by one). */
function pathRows(f: FlowReport, laneOf: Map<string, number>, gap: number): Row[] {
  const rows: Row[] = [];
  for (const role of ['request', 'reply'] as const) {
    for (const h of f.hops) {
      const path = placesOf(role === 'request' ? h.requestPath : h.replyPath);
      if (!path.length) continue;
      const span = path.map((s) => laneOf.get(`${h.input}|${stepLabel(s)}`)!);
      const seg = { from: span[0]!, to: span.at(-1)!, outer: null };
      const t = path.find((s) => s.tunnel)?.tunnel;
      const edge = gapSegment(seg, span[0]! < gap ? 'client' : 'server', role, gap, t ? outerText({ outerSrc: t.src, outerDst: t.dst }, f) : null);
      rows.push({ role, label: `first ${role}`, ts: path[0]!.ts, segments: edge ? [seg, edge] : [seg], lost: null, retransmission: null });
    }
  }
  return rows;
}

/** The ICMP errors tied to the flow, each on the first lane of the capture point that saw it. */
function errorRows(f: FlowReport, groups: LaneGroup[], lanes: Lane[]): Row[] {
  return f.evidence
    .filter((e) => e.role === 'error')
    .map((e) => {
      const g = groups.findIndex((x) => x.input === e.input);
      const bare = / bare$/.test(e.where);
      const here = (l: Lane) => e.where.startsWith(l.label) || (l.label === 'not encapsulated' && bare) || (l.label === 'encapsulated' && !bare);
      const lane = Math.max(
        0,
        lanes.findIndex((l) => l.group === g && here(l)),
        lanes.findIndex((l) => l.group === g),
      );
      return { role: 'error' as const, label: e.what, ts: e.ts, segments: [{ from: lane, to: lane, outer: null }], lost: null, retransmission: null };
    });
}

export function ladderOf(f: FlowReport): Ladder {
  const { groups, lanes, laneOf, gap } = layout(f);
  const followed = f.hops.some((h) => h.packets.length > 0);
  let rows = followed ? packetRows(f, lanes, laneOf, gap) : pathRows(f, laneOf, gap);
  rows.push(...errorRows(f, groups, lanes));
  rows.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  const problem = f.verdict !== 'healthy' && f.verdict !== 'lossy' && f.verdict !== 'incomplete';
  const last = rows.filter((r) => r.role !== 'error').at(-1);
  if (problem && f.locus && last && !rows.some((r) => r.lost)) {
    // One capture: the report says where the flow broke, not which packet; the mark goes on the last packet, one place on.
    const seg = last.segments[0]!;
    const dir = last.role === 'request' ? 1 : -1;
    const next = lanes[seg.to + dir] && lanes[seg.to + dir]!.group === lanes[seg.to]!.group ? seg.to + dir : gap;
    last.lost = { lane: next, short: LOST_SHORT[f.locus], detail: f.locusDetail ?? f.explanation };
    if (!last.segments.some((x) => x.to === next)) last.segments.push({ from: seg.to, to: next, outer: null });
  }
  markRetransmissions(f, rows);
  // Each capture point keeps its first SIGHTINGS_KEPT packets of a flow: past the first one to
  // run out, rows would show a packet missing from a capture that did see it.
  const full = f.hops.filter((h) => h.packets.length >= SIGHTINGS_KEPT).map((h) => Math.max(...h.packets.map((p) => p.ts ?? 0)));
  const until = full.length ? Math.min(...full) : Infinity;
  const kept = rows.filter((r) => (r.ts ?? 0) <= until);
  const cut = kept.length < rows.length;
  const total = rows.length;
  rows = kept.slice(0, MAX_ROWS);
  const note = cut
    ? `the first ${rows.length} packets drawn: each capture point keeps the first ${SIGHTINGS_KEPT} packets of a flow, to follow them across nodes`
    : total > MAX_ROWS
      ? `the first ${MAX_ROWS} of ${total} packets drawn`
      : !followed && f.requests + f.replies > rows.filter((r) => r.role !== 'error').length
        ? `the first request and reply at each capture point drawn (of ${f.requests} requests and ${f.replies} replies); read several nodes' captures together to follow every packet`
        : null;
  return { groups, lanes, rows, note };
}

/**
 * Rows of one packet sent again share a number. The same ICMP sequence is the same echo again;
 * a TCP sequence repeats with every pure ACK, so it counts only while nothing came back (then
 * there is nothing to acknowledge: a SYN or data resent).
 */
function markRetransmissions(f: FlowReport, rows: Row[]): void {
  if (!(f.proto === 'icmp' || f.proto === 'icmp6' || (f.proto === 'tcp' && f.replies === 0))) return;
  const same = new Map<string, Row[]>();
  for (const r of rows) if (r.role !== 'error' && / seq /.test(r.label)) same.set(r.label, [...(same.get(r.label) ?? []), r]);
  let group = 0;
  for (const rs of same.values()) {
    if (rs.length < 2) continue;
    group++;
    for (const r of rs) r.retransmission = group;
  }
}

/** Whether an arrow travels encapsulated: it carries outer endpoints, or it reaches or crosses the underlay. */
export function encapsulatedSegment(l: Ladder, s: Segment): boolean {
  const gap = l.lanes.findIndex((x) => x.kind === 'gap');
  return s.outer !== null || (l.lanes[gap]!.encapsulated && Math.min(s.from, s.to) <= gap && Math.max(s.from, s.to) >= gap);
}

const LOST_SHORT: Record<NonNullable<FlowReport['locus']>, string> = {
  node: 'never left this node encapsulated',
  beyond: 'nothing came back',
  underlay: 'lost on the underlay',
  'remote-node': 'no answer left the peer node',
};
