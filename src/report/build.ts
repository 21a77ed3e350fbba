/**
 * The report: what `--format json` prints and what the library returns.
 * Verdicts come from the classifier; this only shapes them for people and programs.
 */

import { type Classified, classify, describe, type Locus, sideRole, VERDICTS, type Verdict } from '../classifier/index.js';
import { type ClockOffset, clockOffsets, coverage, type LostPacket, lostPackets, type PacketSighting, type Place } from '../flows/crossnode.js';
import type { NodeClue } from '../flows/flow.js';
import { type Evidence, type Flow, flowEvidence, type Hop, type InputNode, type Side, type TableResult } from '../flows/table.js';
import type { TcpSummary } from '../flows/tcp.js';
import type { FlowProto } from '../flows/view.js';
import type { InputWarning } from '../readers/types.js';
import { type Anomaly, anomalies, sourceRewrite } from './anomalies.js';
import { SCHEMA_VERSION } from './schema.js';
import { utcTime as formatTime } from './words.js';

export interface InputSummary {
  name: string;
  /** 'pcap', 'pcapng' or 'text'; with '+gzip' when it was compressed. */
  format: string;
  packets: number;
  /** Set when the input could not be read at all. */
  error?: string;
  /** The node it was captured on, when the caller named it (--node). */
  node?: string;
  /** The node's own addresses, from the caller or from the packets. */
  nodeAddresses?: string[];
  /** Why: each clue to the node, with the address it points to. */
  nodeEvidence?: NodeClue[];
  /** Reading stopped before its end (an interrupt). */
  cut?: boolean;
  /** tcpdump text: its lines, the records that looked like packet lines, those read into packets, those warned about (not read), and the other text passed over. */
  text?: { lines: number; packetLines: number; read: number; warned: number; passedOver: number };
}

export interface EndpointCount {
  src: string;
  dst: string;
  packets: number;
}

export interface TunnelReport {
  type: string;
  vni: number | null;
  port: number | null;
  packets: number;
  endpoints: EndpointCount[];
  /** Inner MAC addresses seen behind each outer source address. */
  macs: Record<string, string[]>;
  /** Inner destination MAC addresses sent to each outer destination address. */
  dstMacs: Record<string, string[]>;
}

export interface EvidenceReport {
  role: Evidence['role'];
  input: string;
  no: number;
  line: number | null;
  ts: number | null;
  where: string;
  what: string;
  attribution?: string;
}

export interface PathStep {
  ifname: string | null;
  ifindex: number | null;
  direction: string | null;
  /** The tunnel the packet was in at this step, null when bare. */
  tunnel: { type: string; vni: number | null; src: string; dst: string; port: number | null } | null;
  ts: number | null;
}

/** What one capture point saw of a flow. */
export interface HopReport {
  input: string;
  /** The capture point's own tunnel addresses (its node), when the capture shows them. */
  node: string[];
  /** Whether this capture point is the client's node, the server's, or cannot tell. */
  role: string;
  requests: number;
  replies: number;
  answered: number;
  /** How requests and replies passed: encapsulated in / out, or only bare. */
  requestsIn: number;
  requestsOut: number;
  requestsBare: number;
  repliesIn: number;
  repliesOut: number;
  repliesBare: number;
  /** Replies made here that never left encapsulated. */
  repliesNotSent: number;
  /** Where the first request and the first reply were seen, in order. */
  requestPath: PathStep[];
  replyPath: PathStep[];
  /**
   * The first requests and replies seen here, one per packet (hops merged): what the ladder
   * diagrams draw. Kept only when several captures are read together (the flow table follows
   * packets then); empty otherwise.
   */
  packets: PacketReport[];
}

/** One packet as one capture point saw it (the flow table's sighting, without the input index). */
export type PacketReport = Omit<PacketSighting, 'input'>;

export interface FlowReport {
  id: number;
  proto: FlowProto;
  client: string;
  server: string;
  clientPort: number | null;
  serverPort: number | null;
  echoId: number | null;
  tunnel: { type: string; vni: number | null; port: number | null; endpoints: EndpointCount[] } | null;
  verdict: Verdict;
  /** The rule that gave the verdict, in words. */
  rule: string;
  requests: number;
  replies: number;
  answered: number;
  unanswered: number;
  /** TCP segments and SYNs sent again at the deciding capture point (duplicates of one datagram in the capture not counted). */
  retransmissions: number;
  /** TCP: the connection in sequence-space terms at the deciding capture point (flows/tcp.ts TcpSummary); absent for other protocols. */
  tcp?: TcpSummary;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Where the conversation was last seen. */
  lastSeenAt: string | null;
  /** Where the conversation broke: "node", "beyond", "underlay", "remote-node"; null when healthy or unknown. */
  locus: Locus | null;
  /** The locus in words, and the input it is at. */
  locusDetail: string | null;
  explanation: string;
  next: string[];
  hops: HopReport[];
  /** Packets followed across captured nodes that got lost: where last seen, where expected next. */
  lost: LostReport[];
  evidence: EvidenceReport[];
}

export interface PlaceReport {
  input: string;
  node: string | null;
  ifname: string | null;
  where: string | null;
  ts: number | null;
}

export interface LostReport {
  role: 'request' | 'reply';
  /** ICMP sequence / TCP sequence, and the inner IP id, that identify the packet. */
  key: number | null;
  ipId: number | null;
  locus: 'underlay' | 'remote-node';
  last: PlaceReport;
  expected: PlaceReport;
  detail: string;
}

/** Clock of input b minus clock of input a, estimated from packets both captured. */
export interface ClockOffsetReport {
  a: string;
  b: string;
  offset: number;
  spread: number;
  samples: number;
  /** One of the two is tcpdump text without a date: only the offset within a day (offsetInDay, -12 h to +12 h) means something. */
  noDate?: true;
  offsetInDay?: number;
}

/** An offset taken modulo a day, between -12 h and +12 h. */
function inDay(offset: number): number {
  const m = ((offset % 86400) + 86400) % 86400;
  return m > 43200 ? m - 86400 : m;
}

/** Flows with one cause, grouped: one line for an operator before the flows themselves. */
export interface Finding {
  verdict: Verdict;
  locus: Locus | null;
  title: string;
  /** The title without where the flows broke, which is in locusDetail. */
  summary: string;
  locusDetail: string | null;
  explanation: string;
  next: string[];
  /** How many flows share this cause. */
  count: number;
  /** Their ids (the first 1000). */
  flows: number[];
}

/** What the cluster's description (--kube) names an address: "pod default/web-a", "svc default/web", "node node-b", and the node it is on. */
export interface AddressName {
  name: string;
  node: string | null;
}

/** The capture checked against the cluster's description: what disagrees, and what to run. */
export interface ClusterFinding {
  check: 'not-a-node' | 'source-rewritten' | 'public-ip' | 'vtep-mac' | 'vni' | 'port';
  title: string;
  detail: string;
  next: string[];
}

/** The cluster's description (kube/): names for addresses, and its checks of the capture. */
export interface ClusterReport {
  /** Each input's node, by the description (null: none of its addresses is a node's). */
  nodes: (string | null)[];
  names: Record<string, AddressName>;
  findings: ClusterFinding[];
}

export interface Report {
  /** The version of this layout (report/schema.ts): raised when a field changes meaning or goes away. */
  schemaVersion: number;
  inputs: InputSummary[];
  clockOffsets: ClockOffsetReport[];
  tunnels: TunnelReport[];
  /** What looks wrong in the tunnel inventory itself (source rewriting, VNI mismatch, unanswered ARP). */
  anomalies: Anomaly[];
  findings: Finding[];
  flows: FlowReport[];
  arp: { target: string; requests: number; replies: number }[];
  summary: {
    packets: number;
    flows: number;
    /** Flows listed in `flows` (problems first); the rest are only counted. */
    listed: number;
    verdicts: Record<Verdict, number>;
    /** Flows whose verdict is not healthy. */
    problems: number;
    /** Packets that were not part of a conversation (tunnel-only, ARP, multicast, ...). */
    notConversation: number;
    icmpErrors: number;
    /** Flows closed before going idle to keep at most --max-flows open. */
    evicted: number;
    /** The report covers part of the input: one was cut (interrupted), or flows were closed early. */
    partial: boolean;
  };
  warnings: string[];
  /** Advice on what to capture when the input cannot show what was asked (no overlay packet at all). */
  hints: string[];
  /** With the cluster's description (--kube): names and checks. */
  cluster?: ClusterReport;
}

function steps(path: Hop[] | null): PathStep[] {
  return (path ?? []).map((h) => ({ ifname: h.ifname, ifindex: h.ifindex, direction: h.direction, tunnel: h.tunnel, ts: h.ts }));
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

/** The /24 (IPv4) or /64 (IPv6) around an address, for grouping flows by subnet. */
function subnet(addr: string): string {
  if (addr.includes(':')) return addr.split(':').slice(0, 4).join(':') + '::/64';
  const parts = addr.split('.');
  return `${parts.slice(0, 3).join('.')}.0/24`;
}

const HEADLINE: Record<Verdict, string> = {
  healthy: 'healthy',
  lossy: 'some requests unanswered',
  'request-only': 'no reply ever arrives',
  'host-unreachable': 'the host or tunnel endpoint is unreachable',
  refused: 'refused',
  filtered: 'rejected by a filter',
  'frag-needed': 'packets too big for the path MTU',
  incomplete: 'the capture cannot tell',
};

function endpoints(m: Map<string, number>): EndpointCount[] {
  return [...m].map(([k, packets]) => {
    const [src, dst] = k.split('>') as [string, string];
    return { src, dst, packets };
  });
}

/** Problems first (most severe first as the verdict list orders them), then by first sighting. */
const ORDER: Record<Verdict, number> = {
  'host-unreachable': 0,
  filtered: 1,
  'request-only': 2,
  refused: 3,
  'frag-needed': 4,
  lossy: 5,
  incomplete: 6,
  healthy: 7,
};

export function warningLine(w: InputWarning): string {
  const where = w.offset !== undefined ? `offset ${w.offset}: ` : w.line !== undefined ? `line ${w.line}: ` : '';
  return `${w.input}: ${where}${w.message}`;
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

/** Default for how many flows a report lists in full: problems first, then healthy ones. */
export const DEFAULT_MAX_LISTED = 5000;
const MAX_FINDING_IDS = 1000;
const MAX_WAITING = 100_000;

interface Group {
  first: FlowReport;
  count: number;
  ids: number[];
}

export interface BuilderOptions {
  replyTimeout: number;
  maxListed?: number | undefined;
  /** Receives every flow's report as it is judged. */
  onFlow?: ((flow: FlowReport) => void) | undefined;
  /** false: no flow is kept for the report's `flows` (they went to onFlow). */
  listFlows?: boolean | undefined;
  /**
   * Several capture points read together: at most this many flows wait for the end (default: all);
   * past it, clock offsets come from them and every flow is judged as it closes.
   */
  held?: number | undefined;
  /** The last time each input has shown so far (by its own clock): how far its capture is known to have run. */
  inputEnd?: ((input: number) => number | null) | undefined;
}

/** Flows of several capture points held for their clock offsets when the inputs are read together. */
export const HELD_FLOWS = 2000;

/**
 * Builds the report one closed flow at a time, so a capture of millions of flows is summed up
 * without holding them: every flow is classified and counted, problems are grouped into findings,
 * and at most `maxListed` flows are kept in full.
 */
export class ReportBuilder {
  private readonly problems: FlowReport[] = [];
  private readonly healthy: FlowReport[] = [];
  private readonly groups = new Map<string, Group>();
  private readonly rewrites = new Map<string, Anomaly>();
  private readonly verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  private total = 0;
  /** Several capture points: flows wait for finish() (or up to opts.held), where single packets are followed between them. */
  private held: Flow[] | null;
  private readonly waiting: Flow[] = [];
  private offsets: ClockOffset[] = [];
  private coverage: Map<number, [number, number]> | null = null;

  constructor(
    private readonly names: string[],
    private readonly opts: BuilderOptions,
  ) {
    this.held = names.length > 1 ? [] : null;
  }

  add(flow: Flow, nodes: InputNode[]): void {
    if (this.held) {
      this.held.push(flow);
      if (this.held.length > (this.opts.held ?? Infinity)) this.release(nodes);
      return;
    }
    // Several capture points judged as their flows close: what each is known to cover grows as they are read.
    if (this.coverage && this.opts.held !== undefined) this.extendCoverage([flow]);
    // A capture point that has shown nothing in an answering direction so far may still show
    // some later: flows judged on that wait for the end (a bounded number of them).
    if (this.waiting.length < MAX_WAITING && flow.sides.some((s) => nodes.find((n) => n.input === s.input)?.oneWay)) this.waiting.push(flow);
    else this.judge(flow, nodes);
  }

  private judge(flow: Flow, nodes: InputNode[]): void {
    const max = this.opts.listFlows === false ? 0 : (this.opts.maxListed ?? DEFAULT_MAX_LISTED);
    const c = classify(flow, nodes, this.opts);
    let made: FlowReport | null = null;
    const report = () => (made ??= this.flowReport(flow, nodes, c));
    if (this.opts.onFlow) this.opts.onFlow(report());
    this.total++;
    this.verdicts[c.verdict]++;
    const rewrite = sourceRewrite(flow, nodes);
    if (rewrite && !this.rewrites.has(rewrite.key) && this.rewrites.size < 100) this.rewrites.set(rewrite.key, rewrite.anomaly);
    // At most `max` flows are held: a problem takes the place of a healthy one.
    if (c.verdict === 'healthy') {
      if (this.problems.length + this.healthy.length < max) this.healthy.push(report());
      return;
    }
    if (this.problems.length + this.healthy.length >= max) this.healthy.pop();
    const k = [c.verdict, c.locus?.locus ?? null, subnet(flow.client), subnet(flow.server), flow.tunnel ? `${flow.tunnel.type}:${flow.tunnel.vni}` : ''].join(
      '|',
    );
    const g = this.groups.get(k);
    const keep = this.problems.length < max || !g;
    const f = keep ? report() : null;
    if (f && this.problems.length < max) this.problems.push(f);
    if (g) {
      g.count++;
      if (g.ids.length < MAX_FINDING_IDS) g.ids.push(flow.id);
    } else this.groups.set(k, { first: f!, count: 1, ids: [flow.id] });
  }

  private flowReport(flow: Flow, nodes: InputNode[], c: Classified): FlowReport {
    const names = this.names;
    const evidence = flowEvidence(flow);
    const last = evidence.filter((e) => e.role !== 'error').at(-1);
    const { explanation, next } = describe(flow, c, this.opts);
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
      lost: this.coverage && nodes.length > 1 ? lostPackets(flow, nodes, this.offsets, this.coverage).map((l) => lostReport(l, names)) : [],
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
    };
  }

  /**
   * Judges the flows held: clock offsets come from packets both nodes saw in them, then each flow's
   * lost packets. Before the end, a capture is known to run at least as far as it has been read.
   */
  private release(nodes: InputNode[], atEnd = false): void {
    const held = this.held!;
    this.held = null;
    this.offsets = clockOffsets(held, nodes);
    this.coverage = coverage(held);
    if (!atEnd) this.extendCoverage([]);
    for (const flow of held) this.judge(flow, nodes);
  }

  private extendCoverage(flows: Flow[]): void {
    const cov = coverage(flows, this.coverage!);
    const end = this.opts.inputEnd;
    if (!end) return;
    for (let i = 0; i < this.names.length; i++) {
      const t = end(i);
      const c = cov.get(i);
      if (t === null) continue;
      if (!c) cov.set(i, [t, t]);
      else if (t > c[1]) c[1] = t;
    }
  }

  /** The report, from the flows added and what the table knows of tunnels, ARP and counts. */
  finish(result: TableResult, inputs: InputSummary[], warnings: InputWarning[]): Report {
    if (this.held) this.release(result.nodes, true);
    for (const flow of this.waiting) this.judge(flow, result.nodes);
    this.waiting.length = 0;
    const names = this.names;
    for (const n of result.nodes) {
      const i = inputs[n.input];
      if (!i || (n.local.length === 0 && n.evidence.length === 0)) continue;
      i.nodeAddresses = [...n.local];
      i.nodeEvidence = n.evidence.map((e) => ({ ...e }));
    }
    const flows = [...this.problems, ...this.healthy];
    flows.sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict] || (a.firstSeen ?? 0) - (b.firstSeen ?? 0) || a.id - b.id);
    const notes = [...result.notes];
    for (const n of result.nodes) {
      if (n.truncated > 0)
        notes.push(
          `${names[n.input] ?? n.input}: ${n.truncated} packet${n.truncated === 1 ? '' : 's'} cut by the snapshot length before the (inner) transport header, not judged: capture with -s 0 to see them`,
        );
    }
    if (flows.length < this.total && this.opts.listFlows !== false)
      notes.push(`${this.total - flows.length} of ${this.total} flows are counted but not listed (problems first; --max-listed)`);
    return {
      schemaVersion: SCHEMA_VERSION,
      inputs,
      clockOffsets: this.offsets.map((o) => ({
        a: names[o.a] ?? String(o.a),
        b: names[o.b] ?? String(o.b),
        offset: o.offset,
        spread: o.spread,
        samples: o.samples,
        ...(o.noDate ? { noDate: true as const, offsetInDay: inDay(o.offset) } : {}),
      })),
      tunnels: result.tunnels.map((t) => ({
        type: t.type,
        vni: t.vni,
        port: t.port,
        packets: t.packets,
        endpoints: endpoints(t.endpoints),
        macs: Object.fromEntries([...t.macs].map(([k, v]) => [k, [...v]])),
        dstMacs: Object.fromEntries([...t.dstMacs].map(([k, v]) => [k, [...v]])),
      })),
      anomalies: anomalies(result, [...this.rewrites.values()]),
      findings: this.findings(),
      flows,
      arp: result.arp.map((a) => ({ target: a.target, requests: a.requests, replies: a.replies })),
      summary: {
        packets: result.counts.packets,
        flows: this.total,
        listed: flows.length,
        verdicts: this.verdicts,
        problems: this.total - this.verdicts.healthy,
        notConversation: result.counts.packets - result.counts.conversations,
        icmpErrors: result.counts.errors,
        evicted: result.counts.evicted,
        partial: result.counts.evicted > 0,
      },
      warnings: [...warnings.map(warningLine), ...notes],
      hints: [],
    };
  }

  private findings(): Finding[] {
    const groups = [...this.groups.values()].sort(
      (a, b) => ORDER[a.first.verdict] - ORDER[b.first.verdict] || (a.first.firstSeen ?? 0) - (b.first.firstSeen ?? 0) || a.first.id - b.first.id,
    );
    return groups.map(({ first: f, count, ids }) => {
      const over = f.tunnel ? ` over ${f.tunnel.type}${f.tunnel.vni !== null ? ' vni ' + f.tunnel.vni : ''}` : '';
      const who = count === 1 ? `${f.proto} ${f.client} -> ${f.server}` : `${count} flows from ${subnet(f.client)} to ${subnet(f.server)}`;
      const where = f.locusDetail ? ` (${f.locus}: ${f.locusDetail})` : '';
      const summary = `${who}${over}: ${HEADLINE[f.verdict]}`;
      return {
        verdict: f.verdict,
        locus: f.locus,
        title: summary + where,
        summary,
        locusDetail: f.locusDetail,
        explanation: f.explanation,
        next: f.next,
        count,
        flows: ids,
      };
    });
  }
}

/** The report of a finished table whose flows it returned (no onFlow). */
export function buildReport(result: TableResult, inputs: InputSummary[], warnings: InputWarning[], opts: BuilderOptions): Report {
  const b = new ReportBuilder(
    inputs.map((i) => i.name),
    opts,
  );
  for (const flow of result.flows) b.add(flow, result.nodes);
  return b.finish(result, inputs, warnings);
}
