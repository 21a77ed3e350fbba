/**
 * The flow table: packets in, conversations out.
 *
 * A flow is one inner conversation (ICMP echo by identifier, TCP and UDP by
 * 5-tuple) inside one tunnel scope (tunnel type + VNI; "bare" for traffic
 * outside any tunnel), oriented client -> server.
 *
 * One packet is often captured several times: encapsulated on the underlay
 * NIC and bare on flannel.1, cni0 and the pod's veth in a `tcpdump -i any`
 * capture. Those sightings are merged into one packet record, so counts are
 * not doubled and each packet keeps the path it took. A packet that went
 * into the tunnel scope's overlay device but never left encapsulated is the
 * mark of a reply lost on the node (the seed's misrouted case).
 *
 * The table only records what each side did; the verdict is the classifier's.
 */
import type { Icmp, Ip, Packet, Quoted } from '../model.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../model.js';
import { describeError, errorClass, type ErrorClass } from './icmp-errors.js';
import { badOuterChecksum } from './outer.js';
import { placeName, SIGHTINGS_KEPT, sightingOf, type PacketSighting } from './crossnode.js';
import { isEchoRequest, quotedTuple, viewOf, type FlowProto, type TunnelHop, type Tuple, type View } from './view.js';

export interface FlowTableOptions {
  /** Seconds a request may wait for its reply before it counts as unanswered. */
  replyTimeout: number;
  /** Most flows kept at once; beyond it new conversations are counted, not followed. */
  maxFlows: number;
}

export const defaultFlowTableOptions: FlowTableOptions = { replyTimeout: 1, maxFlows: 1_000_000 };

/** Sightings of one packet closer than this are the same packet seen at several hops (the kernel moves it in microseconds). */
const SAME_PACKET_WINDOW = 0.05;
/** How many recent packet records a flow keeps for recognising a second sighting. */
const RECENT = 16;
/** First sightings kept as evidence per flow (the last one is kept too). */
const EVIDENCE_FIRST = 6;
/** Pending requests followed per flow; more are counted as one batch at the newest time. */
const MAX_PENDING = 4096;
/** A locally generated unreachable is tied to a flow whose packets failed to leave encapsulated within this many seconds (ARP gives up after 3 s). */
const LOCAL_ERROR_WINDOW = 5;

/** One place a packet was seen. */
export interface Sighting {
  input: number;
  no: number;
  line: number | null;
  ts: number | null;
  ifname: string | null;
  ifindex: number | null;
  direction: Packet['direction'];
  /** The tunnel it was inside at this sighting, null when bare. */
  hop: TunnelHop | null;
}

export type Role = 'request' | 'reply' | 'other';

export interface Evidence {
  role: Role | 'error';
  /** What the packet was, in tcpdump's words where possible. */
  what: string;
  /** Where it was seen: interface, direction, tunnel. */
  where: string;
  input: number;
  no: number;
  line: number | null;
  ts: number | null;
  /** For errors: how the error was tied to this flow. */
  attribution?: Attribution;
}

/** How an ICMP error was tied to a flow: the quoted packet itself, the host it names, the tunnel endpoint it names, or inference. */
export type Attribution = 'quoted' | 'host' | 'endpoint' | 'inferred';

export interface FlowError {
  cls: ErrorClass;
  /** Who sent the error. */
  from: string;
  /** The address the error is about (the quoted destination). */
  about: string;
  mtu: number | null;
  ts: number | null;
  attribution: Attribution;
  /** The input the error was captured in, and whether the node sent it to itself (its own failure to send). */
  input: number;
  local: boolean;
}

/** One packet, seen once or several times at one capture point. */
interface PacketRecord {
  fromClient: boolean;
  role: Role;
  /** Request identity (requests) or which request it answers (replies); null = every earlier pending request. */
  key: number | null;
  ts: number | null;
  /** Fields that recognise a second sighting of the same packet. */
  sigType: number;
  sigSeq: number | null;
  sigAck: number | null;
  sigLen: number | null;
  sigIpId: number | null;
  /** The first encapsulated sighting: its direction (cooked captures) and outer source. */
  encapsulated: boolean;
  encapDirection: Packet['direction'];
  encapSrc: string | null;
  /** The first encapsulated sighting's outer destination, time and interface; the first sighting's interface (cross-node matching). */
  encapDst: string | null;
  encapTs: number | null;
  encapIfname: string | null;
  ifname: string | null;
  /** TCP: a reset from the server answering a connection attempt. */
  refusal: boolean;
  /** The places it was seen, kept for the first request and the first reply of a side only. */
  path: Hop[] | null;
}

/** One place a packet was seen, for the flow's hops. */
export interface Hop {
  ifname: string | null;
  ifindex: number | null;
  direction: Packet['direction'];
  /** The tunnel it was in there, null when bare. */
  tunnel: { type: TunnelHop['type']; vni: number | null; src: string; dst: string; port: number | null } | null;
  ts: number | null;
}

interface Pending {
  ts: number | null;
  /** Its reply was made but never left through the tunnel. */
  undelivered: boolean;
}

/** How one capture point saw packets of one role: arriving or leaving encapsulated, or only bare. */
export interface Passage {
  /** Encapsulated, arriving at / leaving the capturing node. */
  in: number;
  out: number;
  /** Encapsulated, direction not known yet: outer source -> count (resolved with the node's addresses at the end). */
  unknown: Map<string, number>;
  /** Seen only bare. */
  bare: number;
}

/** What one capture point (input) saw of a flow: each side keeps its own counts, as each node sees its own half. */
export interface Side {
  input: number;
  requests: number;
  replies: number;
  /** Requests answered by a reply that went back the way the request came. */
  answered: number;
  /** Requests whose reply was made here but never left encapsulated. */
  undelivered: number;
  /** Requests unanswered at the end: timed out, or answered by a reply that never left. */
  unanswered: number;
  /** Requests too recent at the end to tell. */
  pendingAtEnd: number;
  /** Packets seen bare inside a tunnel scope that never left encapsulated. */
  notEncapsulated: number;
  lastNotEncapsulatedTs: number | null;
  /** A request was seen encapsulated here. */
  requestEncapsulated: boolean;
  /** TCP resets from the server answering a SYN. */
  resets: number;
  /** TCP: a SYN was seen (else the conversation was caught mid-stream), and a SYN-ACK. */
  sawSyn: boolean;
  sawSynAck: boolean;
  requestPassage: Passage;
  replyPassage: Passage;
  /** Where the first request and the first reply were seen. */
  requestPath: Hop[] | null;
  replyPath: Hop[] | null;
  /** The first requests and replies seen here, one entry per packet, for following packets across capture points (crossnode.ts). */
  sightings: PacketSighting[];
  /** Request keys seen here (ICMP sequence, TCP initial sequence), for matching across capture points. */
  requestKeys: Set<number>;
  firstSeen: number | null;
  lastSeen: number | null;
  pending: Map<number, Pending>;
  nextKey: number;
  recent: PacketRecord[];
}

export interface Flow {
  id: number;
  proto: FlowProto;
  client: string;
  server: string;
  /** Ports (TCP/UDP); null for ICMP. */
  clientPort: number | null;
  serverPort: number | null;
  /** ICMP echo identifier, null otherwise. */
  echoId: number | null;
  /** "" for bare traffic, "vxlan:1" etc. inside a tunnel. */
  scope: string;
  tunnel: { type: TunnelHop['type']; vni: number | null; port: number | null } | null;
  /** Outer endpoints the flow's packets travelled between: "src>dst" -> sightings. */
  endpoints: Map<string, number>;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Distinct packets (per capture point), and all sightings of them. */
  packets: number;
  sightings: number;
  /** One side per input that saw the flow, in input order. */
  sides: Side[];
  errors: FlowError[];
  evidence: Evidence[];
  last: Evidence | null;
  /** Inner MAC addresses seen in the tunnel: a bare frame with one of them is the same traffic on the overlay device. */
  innerMacs: Set<string>;
  /** Sightings carried link direction (cooked capture): bare copies are hops of the same packets. */
  cooked: boolean;
}

/** What one input tells about the node it was captured on. */
export interface InputNode {
  input: number;
  /** The node's own tunnel endpoint addresses, where the capture shows them. */
  local: string[];
  /** Whether packets carried a direction (cooked `-i any` capture). */
  cooked: boolean;
}

export interface TunnelInfo {
  type: TunnelHop['type'];
  vni: number | null;
  port: number | null;
  packets: number;
  endpoints: Map<string, number>;
  /** Inner MAC addresses seen behind each outer source address. */
  macs: Map<string, Set<string>>;
  /** Packets with a wrong outer UDP checksum, per "src>dst". */
  badChecksum: Map<string, number>;
}

export interface ArpInfo {
  target: string;
  requests: number;
  replies: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

interface PendingError {
  input: number;
  ts: number | null;
  ip: Ip;
  icmp: Icmp;
  quoted: Quoted;
  hop: TunnelHop | null;
  evidence: Evidence;
}

export interface TableResult {
  flows: Flow[];
  nodes: InputNode[];
  tunnels: TunnelInfo[];
  arp: ArpInfo[];
  /** Last timestamp seen in any input (null when the inputs have none). */
  end: number | null;
  counts: { packets: number; conversations: number; errors: number; arp: number; other: number; dropped: number };
  notes: string[];
}

function scopeOf(hop: TunnelHop | null): string {
  return hop ? `${hop.type}:${hop.vni ?? ''}` : '';
}

function canonicalKey(t: Tuple): string {
  const a = `${t.src}|${t.srcPort}`;
  const b = `${t.dst}|${t.dstPort}`;
  return a < b ? `${t.proto}|${a}|${b}` : `${t.proto}|${b}|${a}`;
}

export function describeHop(hop: TunnelHop | null): string {
  if (!hop) return 'bare';
  const vni = hop.vni !== null ? ` vni ${hop.vni}` : '';
  return `${hop.type}${vni} ${hop.outerSrc} > ${hop.outerDst}${hop.port !== null ? ':' + hop.port : ''}`;
}

function describeSighting(s: Sighting): string {
  const parts: string[] = [];
  if (s.ifname) parts.push(s.ifname);
  else if (s.ifindex !== null) parts.push(`ifindex ${s.ifindex}`);
  if (s.direction) parts.push(s.direction);
  parts.push(s.hop ? 'encapsulated ' + describeHop(s.hop) : 'bare');
  return parts.join(' ');
}

function describeConv(v: Extract<View, { kind: 'conv' }>): string {
  const l4 = v.frame.l4!;
  const t = v.tuple;
  switch (l4.kind) {
    case 'icmp':
    case 'icmp6':
      return `${t.src} > ${t.dst}: ${l4.kind === 'icmp6' ? 'ICMP6 ' : 'ICMP '}echo ${isEchoRequest(l4) ? 'request' : 'reply'}, id ${l4.id}, seq ${l4.seq}`;
    case 'tcp': {
      const f = l4.flags;
      const flags = (f & TCP_SYN ? 'S' : '') + (f & 0x01 ? 'F' : '') + (f & TCP_RST ? 'R' : '') + (f & 0x08 ? 'P' : '') + (f & TCP_ACK ? '.' : '');
      return `${t.src}.${t.srcPort} > ${t.dst}.${t.dstPort}: tcp [${flags || 'none'}]${l4.payloadLen ? `, length ${l4.payloadLen}` : ''}`;
    }
    case 'udp':
      return `${t.src}.${t.srcPort} > ${t.dst}.${t.dstPort}: udp${l4.payloadLen !== null ? `, length ${l4.payloadLen}` : ''}`;
  }
}

function newPassage(): Passage {
  return { in: 0, out: 0, unknown: new Map(), bare: 0 };
}

function newSide(input: number): Side {
  return {
    input, requests: 0, replies: 0, answered: 0, undelivered: 0, unanswered: 0, pendingAtEnd: 0,
    notEncapsulated: 0, lastNotEncapsulatedTs: null, requestEncapsulated: false, resets: 0, sawSyn: false, sawSynAck: false,
    requestPassage: newPassage(), replyPassage: newPassage(), requestPath: null, replyPath: null, sightings: [], requestKeys: new Set(),
    firstSeen: null, lastSeen: null, pending: new Map(), nextKey: 0, recent: [],
  };
}

/** Votes for a node's own tunnel addresses: exact from cooked directions, else the address in every encapsulated packet. */
interface InputTally {
  /** Last timestamp of the input: each node's clock judges its own pending requests. */
  end: number | null;
  cooked: boolean;
  encapsulated: number;
  votes: Map<string, number>;
}

export class FlowTable {
  private readonly opts: FlowTableOptions;
  private readonly byKey = new Map<string, Flow>();
  /** Flows of one tuple across scopes (bare and each tunnel). */
  private readonly byTuple = new Map<string, Flow[]>();
  private readonly tunnels = new Map<string, TunnelInfo>();
  private readonly arp = new Map<string, ArpInfo>();
  private readonly errors: PendingError[] = [];
  private readonly inputs = new Map<number, InputTally>();
  /** Sides holding packet records not yet settled. */
  private readonly unsettled = new Set<Side>();
  private nextId = 1;
  private end: number | null = null;
  private readonly counts = { packets: 0, conversations: 0, errors: 0, arp: 0, other: 0, dropped: 0 };
  private readonly notes: string[] = [];

  constructor(opts: Partial<FlowTableOptions> = {}) {
    this.opts = { ...defaultFlowTableOptions, ...opts };
  }

  add(p: Packet): void {
    this.counts.packets++;
    if (p.ts !== null) {
      if (this.end === null || p.ts > this.end) this.end = p.ts;
      const t = this.tally(p.input);
      if (t.end === null || p.ts > t.end) t.end = p.ts;
    }
    const v = viewOf(p);
    if (v.tunnel) this.noteTunnel(p, v.tunnel);
    switch (v.kind) {
      case 'conv':
        this.counts.conversations++;
        this.addConv(p, v);
        return;
      case 'error':
        this.counts.errors++;
        if (v.ip.src === v.ip.dst) this.vote(p.input, v.ip.src, 1);
        if (this.errors.length < 100_000) {
          this.errors.push({
            input: p.input, ts: p.ts, ip: v.ip, icmp: v.icmp, quoted: v.quoted, hop: v.tunnel,
            evidence: { role: 'error', what: `${v.ip.src} > ${v.ip.dst}: ${describeError(v.icmp)}`, where: describeSighting(this.sighting(p, v.tunnel)), input: p.input, no: p.no, line: p.line, ts: p.ts },
          });
        }
        return;
      case 'arp':
        this.counts.arp++;
        this.addArp(p, v.frame.arp!);
        return;
      default:
        this.counts.other++;
    }
  }

  /** An input is over: its packets' sightings are all in. Called between inputs and by finish(). */
  endInput(): void {
    for (const side of this.unsettled) {
      for (const rec of side.recent) this.settle(side, rec);
      side.recent = [];
    }
    this.unsettled.clear();
  }

  private sighting(p: Packet, hop: TunnelHop | null): Sighting {
    return { input: p.input, no: p.no, line: p.line, ts: p.ts, ifname: p.ifname, ifindex: p.ifindex, direction: p.direction, hop };
  }

  private tally(input: number): InputTally {
    let t = this.inputs.get(input);
    if (!t) this.inputs.set(input, (t = { end: null, cooked: false, encapsulated: 0, votes: new Map() }));
    return t;
  }

  private vote(input: number, addr: string, n: number): void {
    const t = this.tally(input);
    t.votes.set(addr, (t.votes.get(addr) ?? 0) + n);
  }

  private noteTunnel(p: Packet, hop: TunnelHop): void {
    const k = `${hop.type}:${hop.vni}:${hop.port}`;
    let t = this.tunnels.get(k);
    if (!t) {
      t = { type: hop.type, vni: hop.vni, port: hop.port, packets: 0, endpoints: new Map(), macs: new Map(), badChecksum: new Map() };
      this.tunnels.set(k, t);
    }
    t.packets++;
    const ep = `${hop.outerSrc}>${hop.outerDst}`;
    if (t.endpoints.size < 1024 || t.endpoints.has(ep)) t.endpoints.set(ep, (t.endpoints.get(ep) ?? 0) + 1);
    if (badOuterChecksum(p.frame) && (t.badChecksum.size < 1024 || t.badChecksum.has(ep))) t.badChecksum.set(ep, (t.badChecksum.get(ep) ?? 0) + 1);
    if (hop.innerSrcMac) {
      let macs = t.macs.get(hop.outerSrc);
      if (!macs && t.macs.size < 1024) t.macs.set(hop.outerSrc, (macs = new Set()));
      if (macs && macs.size < 64) macs.add(hop.innerSrcMac);
    }
    const tally = this.tally(p.input);
    tally.encapsulated++;
    if (p.direction === 'out') {
      tally.cooked = true;
      this.vote(p.input, hop.outerSrc, 1e6);
    } else if (p.direction === 'in') {
      tally.cooked = true;
      this.vote(p.input, hop.outerDst, 1e6);
    } else {
      this.vote(p.input, hop.outerSrc, 1);
      if (hop.outerDst !== hop.outerSrc) this.vote(p.input, hop.outerDst, 1);
    }
  }

  private addArp(p: Packet, arp: NonNullable<Packet['frame']['arp']>): void {
    // An ARP request asks for targetIp; a reply answers for senderIp.
    const target = arp.op === 1 ? arp.targetIp : arp.senderIp;
    // Who asks is usually the capturing node: a tie-breaker for its own address on Ethernet captures.
    if (arp.op === 1) this.vote(p.input, arp.senderIp, 0.5);
    let a = this.arp.get(target);
    if (!a) {
      if (this.arp.size >= 65536) return;
      a = { target, requests: 0, replies: 0, firstSeen: p.ts, lastSeen: p.ts };
      this.arp.set(target, a);
    }
    if (arp.op === 1) a.requests++;
    else if (arp.op === 2) a.replies++;
    a.lastSeen = p.ts;
  }

  /** The flow a conversation packet belongs to, creating it (or re-scoping a bare one) as needed. */
  private flowFor(p: Packet, v: Extract<View, { kind: 'conv' }>): Flow | null {
    const tk = canonicalKey(v.tuple);
    const scope = scopeOf(v.tunnel);
    let siblings = this.byTuple.get(tk);
    if (v.tunnel) {
      const existing = siblings?.find((f) => f.scope === scope);
      if (existing) return existing;
      // A bare flow of the same tuple seen first (a pod's packet on cni0 and flannel.1 before it is
      // encapsulated) is this tunnel's traffic: give it the tunnel's scope instead of starting anew.
      const bare = siblings?.find((f) => f.scope === '');
      const tunnelScopes = siblings?.filter((f) => f.scope !== '').length ?? 0;
      if (bare && tunnelScopes === 0 && (bare.cooked || (v.tunnel.innerSrcMac !== null && bare.innerMacs.has(v.tunnel.innerSrcMac)))) {
        this.byKey.delete(tk + '#');
        bare.scope = scope;
        bare.tunnel = { type: v.tunnel.type, vni: v.tunnel.vni, port: v.tunnel.port };
        this.byKey.set(tk + '#' + scope, bare);
        return bare;
      }
    } else if (siblings) {
      const inTunnel = siblings.filter((f) => f.scope !== '');
      if (inTunnel.length === 1) {
        const t = inTunnel[0]!;
        const f = v.frame;
        // Bare copy of tunnel traffic: on a multi-interface (cooked) capture the same packet shows on
        // the overlay device and the pod's interfaces; on Ethernet only when its MACs are the inner ones.
        // Text that shows no link layer at all (cooked v1 without -e) cannot tell: one tunnel is taken.
        const noLink = p.direction === null && p.ifname === null && f.src === null && f.dst === null;
        if (noLink || p.direction !== null || (f.src !== null && t.innerMacs.has(f.src)) || (f.dst !== null && t.innerMacs.has(f.dst))) return t;
      }
      const bare = siblings.find((f) => f.scope === '');
      if (bare) return bare;
    }
    if (this.byKey.size >= this.opts.maxFlows) {
      if (this.counts.dropped++ === 0) this.notes.push(`more than ${this.opts.maxFlows} flows: later conversations are counted but not followed (--max-flows)`);
      return null;
    }
    const flow = this.newFlow(p, v, scope);
    this.byKey.set(tk + '#' + scope, flow);
    if (!siblings) this.byTuple.set(tk, (siblings = []));
    siblings.push(flow);
    return flow;
  }

  private newFlow(p: Packet, v: Extract<View, { kind: 'conv' }>, scope: string): Flow {
    const t = v.tuple;
    const l4 = v.frame.l4!;
    // Orientation: the echo request's sender, the SYN's sender; for UDP and mid-stream TCP the
    // first sender, unless its port is a well-known one and the other's is not (a reply seen first).
    let fromClient = true;
    if (l4.kind === 'icmp' || l4.kind === 'icmp6') fromClient = isEchoRequest(l4);
    else if (l4.kind === 'tcp' && l4.flags & TCP_SYN) fromClient = !(l4.flags & TCP_ACK);
    else if (t.srcPort < 1024 && t.dstPort >= 1024) fromClient = false;
    const icmp = t.proto === 'icmp' || t.proto === 'icmp6';
    return {
      id: this.nextId++,
      proto: t.proto,
      client: fromClient ? t.src : t.dst,
      server: fromClient ? t.dst : t.src,
      clientPort: icmp ? null : fromClient ? t.srcPort : t.dstPort,
      serverPort: icmp ? null : fromClient ? t.dstPort : t.srcPort,
      echoId: icmp ? t.srcPort : null,
      scope,
      tunnel: v.tunnel ? { type: v.tunnel.type, vni: v.tunnel.vni, port: v.tunnel.port } : null,
      endpoints: new Map(),
      firstSeen: p.ts,
      lastSeen: p.ts,
      packets: 0,
      sightings: 0,
      sides: [],
      errors: [],
      evidence: [],
      last: null,
      innerMacs: new Set(),
      cooked: false,
    };
  }

  private sideOf(flow: Flow, input: number): Side {
    const last = flow.sides[flow.sides.length - 1];
    if (last && last.input === input) return last;
    const found = flow.sides.find((s) => s.input === input);
    if (found) return found;
    const side = newSide(input);
    flow.sides.push(side);
    return side;
  }

  private addConv(p: Packet, v: Extract<View, { kind: 'conv' }>): void {
    const flow = this.flowFor(p, v);
    if (!flow) return;
    const side = this.sideOf(flow, p.input);
    const t = v.tuple;
    const fromClient = t.src === flow.client && (flow.clientPort === null || t.srcPort === flow.clientPort);
    const hop = v.tunnel;
    flow.sightings++;
    if (p.direction !== null) flow.cooked = true;
    if (p.ts !== null) {
      if (flow.firstSeen === null || p.ts < flow.firstSeen) flow.firstSeen = p.ts;
      if (flow.lastSeen === null || p.ts > flow.lastSeen) flow.lastSeen = p.ts;
      if (side.firstSeen === null) side.firstSeen = p.ts;
      side.lastSeen = p.ts;
    }
    if (hop) {
      const ep = `${hop.outerSrc}>${hop.outerDst}`;
      if (flow.endpoints.size < 32 || flow.endpoints.has(ep)) flow.endpoints.set(ep, (flow.endpoints.get(ep) ?? 0) + 1);
      if (hop.innerSrcMac && flow.innerMacs.size < 8) flow.innerMacs.add(hop.innerSrcMac);
      if (hop.innerDstMac && flow.innerMacs.size < 8) flow.innerMacs.add(hop.innerDstMac);
    }

    const rec = this.recordOf(side, p, v, fromClient);
    const same = this.findSame(side, rec);
    let role: Role;
    let target = rec;
    if (same) {
      target = same;
      if (hop && !same.encapsulated) {
        same.encapsulated = true;
        same.encapDirection = p.direction;
        same.encapSrc = hop.outerSrc;
        same.encapDst = hop.outerDst;
        same.encapTs = p.ts;
        same.encapIfname = placeName(p);
      }
      role = same.role;
    } else {
      role = rec.role;
      if ((role === 'request' && side.requestPath === null) || (role === 'reply' && side.replyPath === null)) {
        rec.path = [];
        if (role === 'request') side.requestPath = rec.path;
        else side.replyPath = rec.path;
      }
      this.pushRecord(side, rec);
      flow.packets++;
      if (role === 'request') this.addRequest(side, rec);
      if (rec.refusal) side.resets++;
    }
    if (target.path && target.path.length < 16) {
      target.path.push({ ifname: p.ifname, ifindex: p.ifindex, direction: p.direction, ts: p.ts, tunnel: hop ? { type: hop.type, vni: hop.vni, src: hop.outerSrc, dst: hop.outerDst, port: hop.port } : null });
    }
    if (role === 'request' && hop) side.requestEncapsulated = true;

    const ev: Evidence = { role, what: describeConv(v), where: describeSighting(this.sighting(p, hop)), input: p.input, no: p.no, line: p.line, ts: p.ts };
    if (flow.evidence.length < EVIDENCE_FIRST) {
      flow.evidence.push(ev);
      flow.last = null;
    } else {
      // Beyond the first few, only the newest sighting is kept.
      flow.last = ev;
    }
  }

  /** What this packet is to its flow: a request, a reply (and to which request), or neither. */
  private recordOf(side: Side, p: Packet, v: Extract<View, { kind: 'conv' }>, fromClient: boolean): PacketRecord {
    const l4 = v.frame.l4!;
    const hop = v.tunnel;
    const rec: PacketRecord = {
      fromClient, role: 'other', key: null, ts: p.ts,
      sigType: 0, sigSeq: null, sigAck: null, sigLen: null, sigIpId: v.ip.id,
      encapsulated: hop !== null, encapDirection: hop ? p.direction : null, encapSrc: hop ? hop.outerSrc : null,
      encapDst: hop ? hop.outerDst : null, encapTs: hop ? p.ts : null, encapIfname: hop ? placeName(p) : null, ifname: placeName(p),
      refusal: false, path: null,
    };
    switch (l4.kind) {
      case 'icmp':
      case 'icmp6': {
        const req = isEchoRequest(l4);
        rec.sigType = l4.type;
        rec.sigSeq = l4.seq;
        rec.role = req === fromClient ? (req ? 'request' : 'reply') : 'other';
        rec.key = l4.seq;
        break;
      }
      case 'tcp': {
        rec.sigType = l4.flags;
        rec.sigSeq = l4.seq;
        rec.sigAck = l4.ack;
        rec.sigLen = l4.payloadLen;
        const syn = (l4.flags & TCP_SYN) !== 0;
        const ack = (l4.flags & TCP_ACK) !== 0;
        if (syn && !ack && fromClient) {
          side.sawSyn = true;
          rec.role = 'request';
          rec.key = l4.seq;
        } else if (syn && ack && !fromClient) {
          side.sawSynAck = true;
          rec.role = 'reply';
          rec.key = l4.ack !== null && side.pending.has((l4.ack - 1) >>> 0) ? (l4.ack - 1) >>> 0 : null;
        } else if (l4.flags & TCP_RST && !fromClient) {
          // A reset answering a connection attempt is a refusal; otherwise it ends a conversation that worked.
          rec.refusal = side.sawSyn && !side.sawSynAck;
          rec.role = rec.refusal ? 'other' : 'reply';
        } else if (!side.sawSyn) {
          // Caught mid-stream: the client's segments are requests any server segment answers.
          rec.role = fromClient ? 'request' : 'reply';
        }
        break;
      }
      case 'udp':
        rec.sigLen = l4.length;
        rec.role = fromClient ? 'request' : 'reply';
        break;
    }
    return rec;
  }

  private findSame(side: Side, rec: PacketRecord): PacketRecord | null {
    const r = side.recent;
    for (let i = r.length - 1; i >= 0; i--) {
      const o = r[i]!;
      if (o.fromClient !== rec.fromClient || o.sigType !== rec.sigType) continue;
      if (rec.ts !== null && o.ts !== null && Math.abs(rec.ts - o.ts) > SAME_PACKET_WINDOW) continue;
      if (!eqOrUnknown(o.sigSeq, rec.sigSeq) || !eqOrUnknown(o.sigAck, rec.sigAck) || !eqOrUnknown(o.sigLen, rec.sigLen) || !eqOrUnknown(o.sigIpId, rec.sigIpId)) continue;
      return o;
    }
    return null;
  }

  private pushRecord(side: Side, rec: PacketRecord): void {
    if (side.recent.length >= RECENT) this.settle(side, side.recent.shift()!);
    side.recent.push(rec);
    this.unsettled.add(side);
  }

  private addRequest(side: Side, rec: PacketRecord): void {
    side.requests++;
    let key = rec.key;
    if (key === null) key = -1 - side.nextKey++;
    else if (side.requestKeys.size < MAX_PENDING) side.requestKeys.add(key);
    rec.key = key;
    if (side.pending.has(key)) return; // a retransmission of a request still waiting
    if (side.pending.size >= MAX_PENDING) {
      // Keep memory bounded: the oldest waiting request is given up as unanswered.
      const [oldest] = side.pending.keys();
      side.pending.delete(oldest!);
      side.unanswered++;
    }
    side.pending.set(key, { ts: rec.ts, undelivered: false });
  }

  /**
   * A packet record leaves the recent window: its sightings are all in. A reply counts only if it
   * went back the way the request came: through the tunnel when the request arrived through it.
   */
  private settle(side: Side, rec: PacketRecord): void {
    const inTunnelScope = rec.encapsulated || side.requestEncapsulated;
    if (rec.role === 'request' || rec.role === 'reply') {
      if (side.sightings.length < SIGHTINGS_KEPT) side.sightings.push(sightingOf(side.input, rec.role, rec));
      const passage = rec.role === 'request' ? side.requestPassage : side.replyPassage;
      if (!rec.encapsulated) passage.bare++;
      else if (rec.encapDirection === 'in') passage.in++;
      else if (rec.encapDirection === 'out') passage.out++;
      else if (passage.unknown.size < 64 || passage.unknown.has(rec.encapSrc!)) passage.unknown.set(rec.encapSrc!, (passage.unknown.get(rec.encapSrc!) ?? 0) + 1);
    }
    if (inTunnelScope && !rec.encapsulated) {
      side.notEncapsulated++;
      if (rec.ts !== null && (side.lastNotEncapsulatedTs === null || rec.ts > side.lastNotEncapsulatedTs)) side.lastNotEncapsulatedTs = rec.ts;
    }
    if (rec.role !== 'reply') return;
    side.replies++;
    const delivered = !side.requestEncapsulated || rec.encapsulated;
    const answer = (key: number, pend: Pending): void => {
      if (delivered) {
        side.answered++;
        side.pending.delete(key);
      } else if (!pend.undelivered) {
        pend.undelivered = true;
        side.undelivered++;
      }
    };
    if (rec.key !== null) {
      const pend = side.pending.get(rec.key);
      if (pend) answer(rec.key, pend);
      return;
    }
    for (const [key, pend] of side.pending) {
      if (pend.ts !== null && rec.ts !== null && pend.ts > rec.ts) continue;
      answer(key, pend);
    }
  }

  /** Ends the capture: settles every packet, counts what stayed unanswered, ties errors to flows. */
  finish(): TableResult {
    this.endInput();
    const flows = [...new Set(this.byKey.values())].sort((a, b) => a.id - b.id);
    const nodes = this.nodes();
    for (const flow of flows) {
      for (const side of flow.sides) {
        const end = this.inputs.get(side.input)?.end ?? null;
        for (const pend of side.pending.values()) {
          if (pend.undelivered || (pend.ts !== null && end !== null && end - pend.ts >= this.opts.replyTimeout)) side.unanswered++;
          else side.pendingAtEnd++;
        }
        side.pending.clear();
        const local = nodes[side.input]?.local ?? [];
        resolveDirections(side.requestPassage, local);
        resolveDirections(side.replyPassage, local);
      }
      if (flow.last) flow.evidence.push(flow.last);
    }
    for (const e of this.errors) this.attribute(e, flows);
    return { flows, nodes: nodes.filter((n) => n !== undefined), tunnels: [...this.tunnels.values()], arp: [...this.arp.values()], end: this.end, counts: { ...this.counts }, notes: this.notes };
  }

  /** Each input's node: its own tunnel addresses where the capture shows them. */
  private nodes(): InputNode[] {
    const out: InputNode[] = [];
    for (const [input, t] of this.inputs) {
      let local: string[] = [];
      if (t.cooked) {
        local = [...t.votes].filter(([, n]) => n >= 1e6).map(([a]) => a);
      } else if (t.encapsulated > 0) {
        // Without directions, the node's address is the one in every encapsulated packet, if only one is
        // (ARP requests it sent break a tie between the two ends of a single tunnel).
        const all = [...t.votes].filter(([, n]) => n >= t.encapsulated).sort((a, b) => b[1] - a[1]);
        if (all.length === 1 || (all.length > 1 && all[0]![1] > all[1]![1])) local = [all[0]![0]];
      } else {
        local = [...t.votes.keys()];
      }
      out[input] = { input, local, cooked: t.cooked };
    }
    return out;
  }

  /** Ties one ICMP error to the flows it is about, as precisely as the error allows. */
  private attribute(e: PendingError, flows: Flow[]): void {
    const cls = errorClass(e.icmp);
    const q = e.quoted;
    const exact = quotedTuple(q);
    let targets: Flow[] = [];
    let how: Attribution = 'quoted';
    if (exact) {
      const siblings = this.byTuple.get(canonicalKey(exact.tuple)) ?? [];
      const scope = scopeOf(exact.tunnel ?? e.hop);
      const f = siblings.find((s) => s.scope === scope) ?? (siblings.length === 1 ? siblings[0] : undefined);
      if (f) targets = [f];
    }
    if (targets.length === 0) {
      // Only the destination is known (tcpdump text): the flows between the error's addressee and that host.
      how = 'host';
      const sender = e.ip.dst;
      const proto = q.proto;
      targets = flows.filter((f) =>
        ((f.server === q.dst && f.client === sender) || (f.client === q.dst && f.server === sender)) &&
        (proto === null || protoNumber(f.proto) === proto) &&
        (q.dstPort === null || f.serverPort === q.dstPort || f.clientPort === q.dstPort));
    }
    if (targets.length === 0) {
      // The host is a tunnel endpoint: the flows carried to it.
      how = 'endpoint';
      targets = flows.filter((f) => [...f.endpoints.keys()].some((ep) => ep.endsWith('>' + q.dst)));
    }
    if (targets.length === 0 && e.ip.src === e.ip.dst) {
      // The kernel reporting to itself that it could not send (no route, or no ARP answer for the
      // next hop): the tunnel flows whose packets failed to leave encapsulated at that node around then.
      how = 'inferred';
      targets = flows.filter((f) => f.sides.some((s) => s.input === e.input && s.lastNotEncapsulatedTs !== null && (e.ts === null || Math.abs(s.lastNotEncapsulatedTs - e.ts) <= LOCAL_ERROR_WINDOW)));
    }
    for (const f of targets) {
      if (f.errors.length < 64) f.errors.push({ cls, from: e.ip.src, about: q.dst, mtu: e.icmp.mtu, ts: e.ts, attribution: how, input: e.input, local: e.ip.src === e.ip.dst });
      if (f.evidence.length < EVIDENCE_FIRST * 3) f.evidence.push({ ...e.evidence, attribution: how });
    }
  }
}

/** Encapsulated sightings without a direction: leaving when the outer source is the node's own address. */
function resolveDirections(p: Passage, local: string[]): void {
  if (local.length === 0) return;
  for (const [src, n] of p.unknown) {
    if (local.includes(src)) p.out += n;
    else p.in += n;
  }
  p.unknown.clear();
}

function eqOrUnknown(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}

function protoNumber(p: FlowProto): number {
  return p === 'icmp' ? 1 : p === 'icmp6' ? 58 : p === 'tcp' ? 6 : 17;
}
