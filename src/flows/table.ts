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
}

/** One packet, seen once or several times. */
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
  encapsulated: boolean;
  /** TCP: a reset from the server answering a connection attempt. */
  refusal: boolean;
}

interface Pending {
  ts: number | null;
  /** Its reply was made but never left through the tunnel. */
  undelivered: boolean;
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
  /** Outer endpoints the flow's packets travelled between: "src>dst" -> packets. */
  endpoints: Map<string, number>;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Distinct packets, and all sightings of them. */
  packets: number;
  sightings: number;
  requests: number;
  replies: number;
  /** Requests answered by a reply that was delivered. */
  answered: number;
  /** Requests whose reply was made but never left encapsulated. */
  undelivered: number;
  /** Requests still unanswered at the end: timed out, or too recent to tell. */
  unanswered: number;
  pendingAtEnd: number;
  /** Packets seen bare inside a tunnel scope that never left encapsulated. */
  notEncapsulated: number;
  lastNotEncapsulatedTs: number | null;
  /** A request was seen arriving or leaving encapsulated. */
  requestEncapsulated: boolean;
  /** TCP: RST from the server answering a SYN. */
  resets: number;
  /** TCP: a SYN was seen (otherwise the conversation was caught mid-stream), and a SYN-ACK. */
  sawSyn: boolean;
  sawSynAck: boolean;
  errors: FlowError[];
  evidence: Evidence[];
  last: Evidence | null;
  /** Inputs (captures) the flow was seen in. */
  inputs: Set<number>;
  /** Inner MAC addresses seen in the tunnel: a bare frame with one of them is the same traffic on the overlay device. */
  innerMacs: Set<string>;
  /** Sightings carried link direction (cooked capture): bare copies are hops of the same packets. */
  cooked: boolean;
  pending: Map<number, Pending>;
  nextKey: number;
  recent: PacketRecord[];
}

export interface TunnelInfo {
  type: TunnelHop['type'];
  vni: number | null;
  port: number | null;
  packets: number;
  endpoints: Map<string, number>;
  /** Inner MAC addresses seen behind each outer source address. */
  macs: Map<string, Set<string>>;
}

export interface ArpInfo {
  target: string;
  requests: number;
  replies: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

interface PendingError {
  ts: number | null;
  ip: Ip;
  icmp: Icmp;
  quoted: Quoted;
  hop: TunnelHop | null;
  evidence: Evidence;
}

export interface TableResult {
  flows: Flow[];
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

export class FlowTable {
  private readonly opts: FlowTableOptions;
  private readonly byKey = new Map<string, Flow>();
  /** Flows of one tuple across scopes (bare and each tunnel). */
  private readonly byTuple = new Map<string, Flow[]>();
  private readonly tunnels = new Map<string, TunnelInfo>();
  private readonly arp = new Map<string, ArpInfo>();
  private readonly errors: PendingError[] = [];
  private nextId = 1;
  private end: number | null = null;
  private readonly counts = { packets: 0, conversations: 0, errors: 0, arp: 0, other: 0, dropped: 0 };
  private readonly notes: string[] = [];

  constructor(opts: Partial<FlowTableOptions> = {}) {
    this.opts = { ...defaultFlowTableOptions, ...opts };
  }

  add(p: Packet): void {
    this.counts.packets++;
    if (p.ts !== null && (this.end === null || p.ts > this.end)) this.end = p.ts;
    const v = viewOf(p);
    if (v.tunnel) this.noteTunnel(v.tunnel);
    switch (v.kind) {
      case 'conv':
        this.counts.conversations++;
        this.addConv(p, v);
        return;
      case 'error':
        this.counts.errors++;
        if (this.errors.length < 100_000) {
          this.errors.push({
            ts: p.ts, ip: v.ip, icmp: v.icmp, quoted: v.quoted, hop: v.tunnel,
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

  private sighting(p: Packet, hop: TunnelHop | null): Sighting {
    return { input: p.input, no: p.no, line: p.line, ts: p.ts, ifname: p.ifname, direction: p.direction, hop };
  }

  private noteTunnel(hop: TunnelHop): void {
    const k = `${hop.type}:${hop.vni}:${hop.port}`;
    let t = this.tunnels.get(k);
    if (!t) {
      t = { type: hop.type, vni: hop.vni, port: hop.port, packets: 0, endpoints: new Map(), macs: new Map() };
      this.tunnels.set(k, t);
    }
    t.packets++;
    const ep = `${hop.outerSrc}>${hop.outerDst}`;
    t.endpoints.set(ep, (t.endpoints.get(ep) ?? 0) + 1);
    if (hop.innerSrcMac) {
      let macs = t.macs.get(hop.outerSrc);
      if (!macs) t.macs.set(hop.outerSrc, (macs = new Set()));
      if (macs.size < 64) macs.add(hop.innerSrcMac);
    }
  }

  private addArp(p: Packet, arp: NonNullable<Packet['frame']['arp']>): void {
    // An ARP request asks for targetIp; a reply answers for senderIp.
    const target = arp.op === 1 ? arp.targetIp : arp.senderIp;
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
        if (p.direction !== null || (f.src !== null && t.innerMacs.has(f.src)) || (f.dst !== null && t.innerMacs.has(f.dst))) return t;
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
      requests: 0,
      replies: 0,
      answered: 0,
      undelivered: 0,
      unanswered: 0,
      pendingAtEnd: 0,
      notEncapsulated: 0,
      lastNotEncapsulatedTs: null,
      requestEncapsulated: false,
      resets: 0,
      sawSyn: false,
      sawSynAck: false,
      errors: [],
      evidence: [],
      last: null,
      inputs: new Set(),
      innerMacs: new Set(),
      cooked: false,
      pending: new Map(),
      nextKey: 0,
      recent: [],
    };
  }

  private addConv(p: Packet, v: Extract<View, { kind: 'conv' }>): void {
    const flow = this.flowFor(p, v);
    if (!flow) return;
    const t = v.tuple;
    const fromClient = t.src === flow.client && (flow.clientPort === null || t.srcPort === flow.clientPort);
    const hop = v.tunnel;
    flow.sightings++;
    flow.inputs.add(p.input);
    if (p.direction !== null) flow.cooked = true;
    if (p.ts !== null) {
      if (flow.firstSeen === null || p.ts < flow.firstSeen) flow.firstSeen = p.ts;
      if (flow.lastSeen === null || p.ts > flow.lastSeen) flow.lastSeen = p.ts;
    }
    if (hop) {
      const ep = `${hop.outerSrc}>${hop.outerDst}`;
      if (flow.endpoints.size < 32 || flow.endpoints.has(ep)) flow.endpoints.set(ep, (flow.endpoints.get(ep) ?? 0) + 1);
      if (hop.innerSrcMac && flow.innerMacs.size < 8) flow.innerMacs.add(hop.innerSrcMac);
      if (hop.innerDstMac && flow.innerMacs.size < 8) flow.innerMacs.add(hop.innerDstMac);
    }

    const rec = this.recordOf(flow, p, v, fromClient);
    const same = this.findSame(flow, rec);
    let role: Role;
    if (same) {
      if (hop) same.encapsulated = true;
      role = same.role;
    } else {
      this.pushRecord(flow, rec);
      role = rec.role;
      flow.packets++;
      if (rec.role === 'request') this.addRequest(flow, rec, hop !== null);
      if (rec.refusal) flow.resets++;
    }
    if (role === 'request' && hop) flow.requestEncapsulated = true;

    const ev: Evidence = { role, what: '', where: describeSighting(this.sighting(p, hop)), input: p.input, no: p.no, line: p.line, ts: p.ts };
    if (flow.evidence.length < EVIDENCE_FIRST) {
      ev.what = describeConv(v);
      flow.evidence.push(ev);
      flow.last = null;
    } else {
      // Only the newest sighting beyond the first few is kept: described now, as the packet goes away.
      ev.what = describeConv(v);
      flow.last = ev;
    }
  }

  /** What this packet is to its flow: a request, a reply (and to which request), or neither. */
  private recordOf(flow: Flow, p: Packet, v: Extract<View, { kind: 'conv' }>, fromClient: boolean): PacketRecord {
    const l4 = v.frame.l4!;
    const rec: PacketRecord = {
      fromClient, role: 'other', key: null, ts: p.ts,
      sigType: 0, sigSeq: null, sigAck: null, sigLen: null, sigIpId: v.ip.id,
      encapsulated: v.tunnel !== null, refusal: false,
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
          flow.sawSyn = true;
          rec.role = 'request';
          rec.key = l4.seq;
        } else if (syn && ack && !fromClient) {
          flow.sawSynAck = true;
          rec.role = 'reply';
          rec.key = l4.ack !== null && flow.pending.has((l4.ack - 1) >>> 0) ? (l4.ack - 1) >>> 0 : null;
        } else if (l4.flags & TCP_RST && !fromClient) {
          // A reset answering a connection attempt is a refusal; otherwise it ends a conversation that worked.
          rec.refusal = flow.sawSyn && !flow.sawSynAck;
          rec.role = rec.refusal ? 'other' : 'reply';
        } else if (!flow.sawSyn) {
          // Caught mid-stream: the client's segments are requests any server segment answers.
          rec.role = fromClient ? 'request' : 'reply';
          rec.key = null;
        }
        break;
      }
      case 'udp':
        rec.sigLen = l4.length;
        rec.role = fromClient ? 'request' : 'reply';
        rec.key = null;
        break;
    }
    return rec;
  }

  private findSame(flow: Flow, rec: PacketRecord): PacketRecord | null {
    const r = flow.recent;
    for (let i = r.length - 1; i >= 0; i--) {
      const o = r[i]!;
      if (o.fromClient !== rec.fromClient || o.sigType !== rec.sigType) continue;
      if (rec.ts !== null && o.ts !== null && Math.abs(rec.ts - o.ts) > SAME_PACKET_WINDOW) continue;
      if (!eqOrUnknown(o.sigSeq, rec.sigSeq) || !eqOrUnknown(o.sigAck, rec.sigAck) || !eqOrUnknown(o.sigLen, rec.sigLen) || !eqOrUnknown(o.sigIpId, rec.sigIpId)) continue;
      return o;
    }
    return null;
  }

  private pushRecord(flow: Flow, rec: PacketRecord): void {
    if (flow.recent.length >= RECENT) this.settle(flow, flow.recent.shift()!);
    flow.recent.push(rec);
  }

  private addRequest(flow: Flow, rec: PacketRecord, encapsulated: boolean): void {
    flow.requests++;
    if (encapsulated) flow.requestEncapsulated = true;
    let key = rec.key;
    if (key === null) key = -1 - flow.nextKey++;
    rec.key = key;
    if (flow.pending.has(key)) return; // a retransmission of a request still waiting
    if (flow.pending.size >= MAX_PENDING) {
      // Keep memory bounded: the oldest waiting request is given up as unanswered.
      const [oldest] = flow.pending.keys();
      flow.pending.delete(oldest!);
      flow.unanswered++;
    }
    flow.pending.set(key, { ts: rec.ts, undelivered: false });
  }

  /**
   * A packet record leaves the recent window: its sightings are all in. A reply counts only if it
   * went back the way the request came: through the tunnel when the request arrived through it.
   */
  private settle(flow: Flow, rec: PacketRecord): void {
    if (flow.scope !== '' && !rec.encapsulated) {
      flow.notEncapsulated++;
      if (rec.ts !== null && (flow.lastNotEncapsulatedTs === null || rec.ts > flow.lastNotEncapsulatedTs)) flow.lastNotEncapsulatedTs = rec.ts;
    }
    if (rec.role !== 'reply') return;
    flow.replies++;
    const delivered = !flow.requestEncapsulated || rec.encapsulated;
    const answer = (key: number, pend: Pending): void => {
      if (delivered) {
        flow.answered++;
        flow.pending.delete(key);
      } else if (!pend.undelivered) {
        pend.undelivered = true;
        flow.undelivered++;
      }
    };
    if (rec.key !== null) {
      const pend = flow.pending.get(rec.key);
      if (pend) answer(rec.key, pend);
      return;
    }
    for (const [key, pend] of flow.pending) {
      if (pend.ts !== null && rec.ts !== null && pend.ts > rec.ts) continue;
      answer(key, pend);
    }
  }

  /** Ends the capture: settles every packet, counts what stayed unanswered, ties errors to flows. */
  finish(): TableResult {
    const end = this.end;
    const flows = [...new Set(this.byKey.values())];
    for (const flow of flows) {
      for (const rec of flow.recent) this.settle(flow, rec);
      flow.recent = [];
      for (const pend of flow.pending.values()) {
        if (pend.undelivered || (pend.ts !== null && end !== null && end - pend.ts >= this.opts.replyTimeout)) flow.unanswered++;
        else flow.pendingAtEnd++;
      }
      flow.pending.clear();
      if (flow.last) flow.evidence.push(flow.last);
    }
    for (const e of this.errors) this.attribute(e, flows);
    return {
      flows: flows.sort((a, b) => a.id - b.id),
      tunnels: [...this.tunnels.values()],
      arp: [...this.arp.values()],
      end,
      counts: { ...this.counts },
      notes: this.notes,
    };
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
      // next hop): the tunnel flows whose packets never left encapsulated around that time.
      how = 'inferred';
      targets = flows.filter((f) => f.scope !== '' && f.lastNotEncapsulatedTs !== null && (e.ts === null || Math.abs(f.lastNotEncapsulatedTs - e.ts) <= LOCAL_ERROR_WINDOW));
    }
    for (const f of targets) {
      if (f.errors.length < 64) f.errors.push({ cls, from: e.ip.src, about: q.dst, mtu: e.icmp.mtu, ts: e.ts, attribution: how });
      if (f.evidence.length < EVIDENCE_FIRST * 3) f.evidence.push({ ...e.evidence, attribution: how });
    }
  }
}

function eqOrUnknown(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}

function protoNumber(p: FlowProto): number {
  return p === 'icmp' ? 1 : p === 'icmp6' ? 58 : p === 'tcp' ? 6 : 17;
}
