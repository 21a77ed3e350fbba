/**
 * One judged flow as the report shows it: its counts, what each capture point saw, the packets
 * lost between them, its evidence, and the verdict in words (classifier/explain.ts).
 */
import type { LostPacket, Place } from '../classifier/across.js';
import type { Judged } from '../classifier/index.js';
import { describe, sideRole } from '../classifier/index.js';
import type { Naming } from '../classifier/next.js';
import { flowEvidence, type Hop, type InputNode, type Side } from '../flows/table.js';
import { natReport } from './nat.js';
import type { EndpointCount, FlowReport, HopReport, LostReport, PathStep, PlaceReport } from './types.js';
import { utcTime as formatTime } from './words.js';

function steps(path: Hop[] | null): PathStep[] {
  return (path ?? []).map((h) => ({
    ifname: h.ifname,
    ifindex: h.ifindex,
    direction: h.direction,
    tunnel: h.tunnel,
    ts: h.ts,
    ...(h.nat ? { nat: h.nat } : {}),
  }));
}

function hopReport(side: Side, names: string[], nodes: InputNode[]): HopReport {
  const rq = side.requestPassage;
  const rp = side.replyPassage;
  const unknown = (u: (string | number)[] | null) => (u ? u.reduce<number>((a, b) => (typeof b === 'number' ? a + b : a), 0) : 0);
  return {
    input: names[side.input] ?? String(side.input),
    node: nodes.find((n) => n.input === side.input)?.local ?? [],
    role: sideRole(side),
    requests: side.requests,
    replies: side.replies,
    answered: side.answered,
    // Encapsulated packets whose direction stayed unknown count as arriving.
    requestsIn: rq.in + unknown(rq.unknown),
    requestsOut: rq.out,
    requestsBare: rq.bare,
    repliesIn: rp.in + unknown(rp.unknown),
    repliesOut: rp.out,
    repliesBare: rp.bare,
    repliesNotSent: side.undelivered,
    requestPath: steps(side.requestPath),
    replyPath: steps(side.replyPath),
    packets: side.sightings.map(({ input: _, ...p }) => p),
  };
}

export function endpoints(m: Map<string, number>): EndpointCount[] {
  return [...m].map(([k, packets]) => {
    const [src, dst] = k.split('>') as [string, string];
    return { src, dst, packets };
  });
}

function place(p: Place, names: string[]): PlaceReport {
  return { input: names[p.input] ?? String(p.input), node: p.node, ifname: p.ifname, where: p.where, ts: p.ts };
}

/** One lost packet in words: "request seq 2 left 192.168.223.131 (ens224) towards ... at ..., never arrived at ...". */
function lostReport(l: LostPacket, names: string[]): LostReport {
  const what = `${l.role}${l.key !== null ? ` seq ${l.key}` : ''}${l.ipId !== null ? ` (ip id ${l.ipId})` : ''}`;
  const at = (p: Place) => `${p.node ?? names[p.input]}${p.ifname ? ` (${p.ifname})` : ''}`;
  const peer = `${l.expected.node ?? 'the peer'} (${names[l.expected.input]})`;
  const detail =
    l.locus === 'underlay'
      ? `${what} left ${at(l.last)} towards ${l.towards} at ${formatTime(l.last.ts)}, never arrived at ${peer}: dropped on the underlay between the two nodes`
      : l.answerSeenBare
        ? `${what} arrived at ${at({ ...l.expected, ifname: null })} and was answered on ${l.last.ifname ?? 'the overlay device'} at ${formatTime(l.last.ts)}, but the answer never left ${l.expected.node ?? 'the node'} encapsulated${l.towards ? ` towards ${l.towards}` : ''}: lost on that node (route, ARP or fdb towards the peer)`
        : `${what} arrived at ${at(l.last)} at ${formatTime(l.last.ts)}, and no answer left ${l.expected.node ?? 'that node'} encapsulated${l.towards ? ` towards ${l.towards}` : ''}: lost on that node`;
  return { role: l.role, key: l.key, ipId: l.ipId, locus: l.locus, last: place(l.last, names), expected: place(l.expected, names), detail };
}

/** How the report names nodes: the input's name given with --node, else the description's name for its address, else the address. */
export interface NodeNames {
  /** --node per input: a name or an address. */
  given?: (string | undefined)[] | undefined;
  /** The cluster's name for a node's underlay address (--kube). */
  nameNode?: ((address: string) => string | null) | undefined;
}

export function namingOf(names: string[], nodes: InputNode[], o: NodeNames): Naming {
  const known = (a: string) => o.nameNode?.(a) ?? null;
  const local = (i: number) => nodes.find((n) => n.input === i)?.local ?? [];
  const node = (i: number) => {
    const g = o.given?.[i];
    const a = local(i)[0];
    return (g !== undefined ? (known(g) ?? g) : null) ?? (a !== undefined ? (known(a) ?? a) : `the node captured in ${names[i] ?? `input ${i + 1}`}`);
  };
  const at = (a: string) => {
    const captured = nodes.find((n) => n.local.includes(a));
    return known(a) ?? (captured && o.given?.[captured.input] !== undefined ? node(captured.input) : a);
  };
  const own = (i: number) => {
    const n = nodes.find((x) => x.input === i);
    return n ? [...new Set([...n.local, ...n.evidence.map((e) => e.address)])] : [];
  };
  return { node, local, own, at };
}

export function flowReport(j: Judged, names: string[], opts: { replyTimeout: number }, naming: Naming): FlowReport {
  const { flow, nodes, c } = j;
  const evidence = flowEvidence(flow);
  const last = evidence.filter((e) => e.role !== 'error').at(-1);
  const { explanation, next } = describe(flow, c, opts, naming);
  return {
    id: flow.id,
    proto: flow.proto,
    client: flow.client,
    server: flow.server,
    clientPort: flow.clientPort,
    serverPort: flow.serverPort,
    echoId: flow.echoId,
    tunnel: flow.tunnel ? { ...flow.tunnel, endpoints: endpoints(flow.endpoints) } : null,
    verdict: c.verdict,
    rule: c.rule.when,
    requests: c.facts.requests,
    replies: c.facts.replies,
    answered: c.facts.answered,
    unanswered: c.facts.unanswered,
    retransmissions: c.facts.retransmitted,
    ...(c.side.tcp ? { tcp: c.side.tcp } : {}),
    firstSeen: flow.firstSeen,
    lastSeen: flow.lastSeen,
    lastSeenAt: last ? last.where : null,
    locus: c.locus?.locus ?? null,
    locusDetail: c.locus ? `${names[c.locus.input] ?? c.locus.input}: ${c.locus.detail}` : null,
    explanation,
    next,
    hops: flow.sides.map((s) => hopReport(s, names, nodes)),
    lost: j.lost().map((l) => lostReport(l, names)),
    evidence: evidence.map((e) => ({
      role: e.role,
      input: names[e.input] ?? String(e.input),
      no: e.no,
      line: e.line,
      ts: e.ts,
      where: e.where,
      what: e.what,
      ...(e.attribution ? { attribution: e.attribution } : {}),
    })),
    ...(flow.nat ? { nat: natReport(flow, names) } : {}),
  };
}
