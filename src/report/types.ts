/**
 * The report's layout: what `--format json` prints and what the library returns
 * (schema/report.schema.json describes it field by field).
 */

import type { Anomaly } from '../classifier/anomalies.js';
import type { NatReport } from './nat.js';

export type { Anomaly };

import type { Locus, Verdict } from '../classifier/index.js';
import type { PacketSighting } from '../flows/crossnode.js';
import type { Evidence, NodeClue } from '../flows/flow.js';
import type { TcpSummary } from '../flows/tcp.js';
import type { FlowProto } from '../flows/view.js';

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
  /** A NAT step: the tuple before and after the rewrite. */
  nat?: { from: string; to: string };
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
  /** A connection seen before and after a NAT rewrite: the client, server and ports above are after it, these before. */
  nat?: NatReport;
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
  /** A Service address whose DNATed connections fail (classifier/service.ts): what the capture shows of it. */
  service?: { address: string; answeredBy: string[]; protocols: string[]; backends: string[]; from: string[]; to: string[] };
}

/** What the cluster's description (--kube) names an address: "pod default/web-a", "svc default/web", "node node-b", and the node it is on. */
export interface AddressName {
  name: string;
  node: string | null;
  /** An address and port that serves a Service: the Services ("svc default/web (10.96.0.20:80)"). */
  endpointOf?: string[];
}

/** The capture checked against the cluster's description: what disagrees, and what to run. */
export interface ClusterFinding {
  check: 'not-a-node' | 'source-rewritten' | 'public-ip' | 'vtep-mac' | 'vni' | 'port' | 'pod-cidr-no-node';
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
