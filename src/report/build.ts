/**
 * The report: what `--format json` prints and what the library returns.
 * Verdicts come from the classifier; this only shapes them for people and programs.
 */
import { classify, VERDICTS, type Verdict } from '../classifier/index.js';
import type { Evidence, Flow, TableResult } from '../flows/table.js';
import type { FlowProto } from '../flows/view.js';
import type { InputWarning } from '../readers/types.js';

export interface InputSummary {
  name: string;
  /** 'pcap', 'pcapng' or 'text'; with '+gzip' when it was compressed. */
  format: string;
  packets: number;
  /** Set when the input could not be read at all. */
  error?: string;
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
  firstSeen: number | null;
  lastSeen: number | null;
  /** Where the conversation was last seen. */
  lastSeenAt: string | null;
  explanation: string;
  next: string[];
  evidence: EvidenceReport[];
}

export interface Report {
  inputs: InputSummary[];
  tunnels: TunnelReport[];
  flows: FlowReport[];
  arp: { target: string; requests: number; replies: number }[];
  summary: {
    packets: number;
    flows: number;
    verdicts: Record<Verdict, number>;
    /** Flows whose verdict is not healthy. */
    problems: number;
    /** Packets that were not part of a conversation (tunnel-only, ARP, multicast, ...). */
    notConversation: number;
    icmpErrors: number;
  };
  warnings: string[];
}

function endpoints(m: Map<string, number>): EndpointCount[] {
  return [...m].map(([k, packets]) => {
    const [src, dst] = k.split('>') as [string, string];
    return { src, dst, packets };
  });
}

/** Problems first (most severe first as the verdict list orders them), then by first sighting. */
const ORDER: Record<Verdict, number> = { 'host-unreachable': 0, filtered: 1, 'request-only': 2, refused: 3, 'frag-needed': 4, lossy: 5, incomplete: 6, healthy: 7 };

export function warningLine(w: InputWarning): string {
  const where = w.offset !== undefined ? `offset ${w.offset}: ` : w.line !== undefined ? `line ${w.line}: ` : '';
  return `${w.input}: ${where}${w.message}`;
}

export function buildReport(result: TableResult, inputs: InputSummary[], warnings: InputWarning[], opts: { replyTimeout: number }): Report {
  const names = inputs.map((i) => i.name);
  const flows: FlowReport[] = result.flows.map((flow: Flow) => {
    const c = classify(flow, opts);
    const last = flow.evidence.filter((e) => e.role !== 'error').at(-1);
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
      requests: flow.requests,
      replies: flow.replies,
      answered: flow.answered,
      unanswered: flow.unanswered,
      firstSeen: flow.firstSeen,
      lastSeen: flow.lastSeen,
      lastSeenAt: last ? last.where : null,
      explanation: c.explanation,
      next: c.next,
      evidence: flow.evidence.map((e) => ({
        role: e.role, input: names[e.input] ?? String(e.input), no: e.no, line: e.line, ts: e.ts, where: e.where, what: e.what,
        ...(e.attribution ? { attribution: e.attribution } : {}),
      })),
    };
  });
  flows.sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict] || (a.firstSeen ?? 0) - (b.firstSeen ?? 0) || a.id - b.id);
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const f of flows) verdicts[f.verdict]++;
  return {
    inputs,
    tunnels: result.tunnels.map((t) => ({
      type: t.type, vni: t.vni, port: t.port, packets: t.packets, endpoints: endpoints(t.endpoints),
      macs: Object.fromEntries([...t.macs].map(([k, v]) => [k, [...v]])),
    })),
    flows,
    arp: result.arp.map((a) => ({ target: a.target, requests: a.requests, replies: a.replies })),
    summary: {
      packets: result.counts.packets,
      flows: flows.length,
      verdicts,
      problems: flows.length - verdicts.healthy,
      notConversation: result.counts.packets - result.counts.conversations,
      icmpErrors: result.counts.errors,
    },
    warnings: [...warnings.map(warningLine), ...result.notes],
  };
}
