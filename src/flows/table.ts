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
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../model.js';
import { describeError, errorClass, type ErrorClass } from './icmp-errors.js';
import { badOuterChecksum } from './outer.js';
import { placeName, SIGHTINGS_KEPT, sightingOf, type PacketSighting, type RecordFacts } from './crossnode.js';
import { isEchoRequest, quotedTuple, viewOf, type FlowProto, type TunnelHop, type Tuple, type View } from './view.js';

export interface FlowTableOptions {
  /** Seconds a request may wait for its reply before it counts as unanswered. */
  replyTimeout: number;
  /** Most flows open at once; beyond it the least recently active one is closed early (and counted in the notes). */
  maxFlows: number;
  /**
   * Seconds without a packet after which a flow is closed and handed to onFlow, so memory follows
   * the live flows, not the file. Infinity keeps every flow to the end (several inputs: a flow's
   * sides come from different files read one after another).
   */
  idleTimeout: number;
  /** Keep each side's first packets (crossnode.ts) to follow single packets between capture points. */
  followPackets?: boolean;
  /** Receives each flow once it is closed (idle, or at finish) with the nodes known then; without it finish() returns them. */
  onFlow?: (flow: Flow, nodes: InputNode[]) => void;
}

export const defaultFlowTableOptions: FlowTableOptions = { replyTimeout: 1, maxFlows: 1_000_000, idleTimeout: Infinity };

/** Sightings of one packet closer than this are the same packet seen at several hops (the kernel moves it in microseconds). */
const SAME_PACKET_WINDOW = 0.05;
/** How many recent packet records a flow keeps for recognising a second sighting. */
const RECENT = 16;
/** First sightings kept as evidence per flow (the last one is kept too). */
const EVIDENCE_FIRST = 3;
/** Pending requests followed per flow; more are counted as one batch at the newest time. */
const MAX_PENDING = 4096;
/** A locally generated unreachable is tied to a flow whose packets failed to leave encapsulated within this many seconds (ARP gives up after 3 s). */
const LOCAL_ERROR_WINDOW = 5;
/** Housekeeping (settling, attributing errors, closing idle flows) runs once per this many seconds of capture time. */
const TICK = 1;
/** The shortest idle timeout: an error is attributed LOCAL_ERROR_WINDOW after it, while its flows are still open. */
export const MIN_IDLE_TIMEOUT = 2 * LOCAL_ERROR_WINDOW;
/** A TCP connection closed by FIN both ways or a reset is closed this long after its last packet (late retransmissions, errors). */
const TCP_END_LINGER = LOCAL_ERROR_WINDOW + TICK;

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

/**
 * One packet, seen once or several times at one capture point. From RecordFacts: the fields that
 * recognise a second sighting (sigSeq, sigIpId), and the first encapsulated sighting's direction,
 * outer addresses, time and interface.
 */
interface PacketRecord extends RecordFacts {
  fromClient: boolean;
  role: Role;
  /** Request identity (requests) or which request it answers (replies); null = every earlier pending request. */
  key: number | null;
  /** More fields that recognise a second sighting of the same packet. */
  sigType: number;
  sigAck: number | null;
  sigLen: number | null;
  /** TCP: a reset from the server answering a connection attempt. */
  refusal: boolean;
  side: Side;
  settled: boolean;
  /** The side's first request (1) or first reply (2), whose places are kept as the side's path; else 0. */
  first: 0 | 1 | 2;
  /** Where it was last seen (interface, direction, outer addresses): a packet is not seen twice at one place. */
  placeIf: string | number | null;
  placeDir: Packet['direction'];
  placeSrc: string | null;
  placeDst: string | null;
}

/**
 * A sighting kept as evidence, in numbers: the words are made when the flow closes (most
 * sightings are never reported, and a flow keeps only a few).
 */
export interface Seen extends Omit<Sighting, 'hop'> {
  role: Role;
  fromClient: boolean;
  /** Outer addresses and UDP port when it was encapsulated (the tunnel type and VNI are the flow's). */
  outerSrc: string | null;
  outerDst: string | null;
  port: number | null;
  /** ICMP type or TCP flags; ICMP/TCP sequence; TCP payload or UDP length. */
  type: number;
  seq: number | null;
  len: number | null;
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
  unknown: (string | number)[] | null;
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
  /** The first requests and replies seen here, one entry per packet, for following packets across capture points (crossnode.ts); kept only when the table follows packets. */
  sightings: PacketSighting[];
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
  /** The tuple's hash it is filed under (tupleKey). */
  key: number;
  /** Closed: handed on, no longer in the table. */
  closed: boolean;
  /** TCP: FINs seen from the client (1) and the server (2), a reset (4): 3 or 4 = the connection ended. */
  tcpEnd: number;
  /** Neighbours in the table's idle queue. */
  qPrev: Flow | null;
  qNext: Flow | null;
  /** Evidence, kept small until flowEvidence() words it: the first sightings, the newest one, the errors tied to the flow. */
  seen: Seen[];
  last: Seen | null;
  errorEvidence: Evidence[];
  /** Inner MAC addresses seen in the tunnel: a bare frame with one of them is the same traffic on the overlay device. */
  innerMacs: string[];
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
  /**
   * Not one packet of this capture went in an answering direction (no reply or server packet of any
   * flow, no ICMP error, no ARP reply) though requests did: likely a one-direction capture filter,
   * which cannot tell a lost reply from one the filter dropped.
   */
  oneWay: boolean;
  /** Packets cut by the snap length before their (inner) transport header: not judged. */
  truncated: number;
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
  /** The tunnel as its flows name it (one object shared by all of them). */
  scope: NonNullable<Flow['tunnel']>;
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
  counts: { packets: number; conversations: number; errors: number; arp: number; other: number; evicted: number; truncated: number };
  notes: string[];
}

function scopeOf(hop: TunnelHop | null): string {
  return hop ? `${hop.type}:${hop.vni ?? ''}` : '';
}

/**
 * A flow's key, the same both ways round: a 53-bit hash of protocol, addresses and ports, made
 * without building a string per packet (that and hashing it was an eighth of the table's time).
 * Flows of different tuples may share a key: sameTuple() tells them apart.
 */
function tupleKey(t: Tuple): number {
  const a = (strHash(t.src) ^ Math.imul(t.srcPort + 1, 0x9e3779b1)) >>> 0;
  const b = (strHash(t.dst) ^ Math.imul(t.dstPort + 1, 0x9e3779b1)) >>> 0;
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const p = t.proto === 'tcp' ? 1 : t.proto === 'udp' ? 2 : t.proto === 'icmp' ? 3 : 4;
  const h1 = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b) ^ p, 0xc2b2ae35) >>> 0;
  const h2 = (Math.imul(hi ^ Math.imul(lo, 0x27d4eb2f), 0x165667b1) ^ p) & 0x1fffff;
  return h1 * 0x200000 + h2;
}

/** FNV-1a over the string's code units. */
function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** Whether a flow is the conversation of this tuple (either way round). */
function sameTuple(f: Flow, t: Tuple): boolean {
  if (f.proto !== t.proto) return false;
  if (f.echoId !== null) return f.echoId === t.srcPort && ((f.client === t.src && f.server === t.dst) || (f.client === t.dst && f.server === t.src));
  return (f.client === t.src && f.clientPort === t.srcPort && f.server === t.dst && f.serverPort === t.dstPort) ||
    (f.client === t.dst && f.clientPort === t.dstPort && f.server === t.src && f.serverPort === t.srcPort);
}

export function describeHop(hop: TunnelHop | null): string {
  if (!hop) return 'bare';
  const vni = hop.vni !== null ? ` vni ${hop.vni}` : '';
  return `${hop.type}${vni} ${hop.outerSrc} > ${hop.outerDst}${hop.port !== null ? ':' + hop.port : ''}`;
}

function describePlace(ifname: string | null, ifindex: number | null, direction: Packet['direction'], hop: TunnelHop | null): string {
  const parts: string[] = [];
  if (ifname) parts.push(ifname);
  else if (ifindex !== null) parts.push(`ifindex ${ifindex}`);
  if (direction) parts.push(direction);
  parts.push(hop ? 'encapsulated ' + describeHop(hop) : 'bare');
  return parts.join(' ');
}

/**
 * A flow's evidence in words: the first sightings, the last one, then the errors tied to it.
 * Made on demand: most flows of a big capture are counted, never listed.
 */
export function flowEvidence(f: Flow): Evidence[] {
  const out = f.seen.map((s) => evidenceOf(f, s));
  if (f.last) out.push(evidenceOf(f, f.last));
  return out.concat(f.errorEvidence);
}

function evidenceOf(f: Flow, s: Seen): Evidence {
  const [src, dst, sp, dp] = s.fromClient ? [f.client, f.server, f.clientPort, f.serverPort] : [f.server, f.client, f.serverPort, f.clientPort];
  let what: string;
  switch (f.proto) {
    case 'icmp':
    case 'icmp6':
      what = `${src} > ${dst}: ${f.proto === 'icmp6' ? 'ICMP6 ' : 'ICMP '}echo ${s.type === 8 || s.type === 128 ? 'request' : 'reply'}, id ${f.echoId}, seq ${s.seq}`;
      break;
    case 'tcp': {
      const t = s.type;
      const flags = (t & TCP_SYN ? 'S' : '') + (t & 0x01 ? 'F' : '') + (t & TCP_RST ? 'R' : '') + (t & 0x08 ? 'P' : '') + (t & TCP_ACK ? '.' : '');
      what = `${src}.${sp} > ${dst}.${dp}: tcp [${flags || 'none'}]${s.len ? `, length ${s.len}` : ''}`;
      break;
    }
    case 'udp':
      what = `${src}.${sp} > ${dst}.${dp}: udp${s.len !== null ? `, length ${s.len}` : ''}`;
  }
  const hop: TunnelHop | null = s.outerSrc !== null && f.tunnel
    ? { type: f.tunnel.type, vni: f.tunnel.vni, port: s.port, outerSrc: s.outerSrc, outerDst: s.outerDst!, innerSrcMac: null, innerDstMac: null }
    : null;
  return { role: s.role, what, where: describePlace(s.ifname, s.ifindex, s.direction, hop), input: s.input, no: s.no, line: s.line, ts: s.ts };
}

function newPassage(): Passage {
  return { in: 0, out: 0, unknown: null, bare: 0 };
}

function newSide(input: number): Side {
  return {
    input, requests: 0, replies: 0, answered: 0, undelivered: 0, unanswered: 0, pendingAtEnd: 0,
    notEncapsulated: 0, lastNotEncapsulatedTs: null, requestEncapsulated: false, resets: 0, sawSyn: false, sawSynAck: false,
    requestPassage: newPassage(), replyPassage: newPassage(), requestPath: null, replyPath: null, sightings: none(),
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
  /** Conversation packets from clients, and packets in an answering direction (server packets, ICMP errors, ARP replies). */
  forth: number;
  back: number;
  /** Packets cut before their (inner) transport header: not judged. */
  truncated: number;
}

export class FlowTable {
  private readonly opts: FlowTableOptions;
  /** Open flows of one tuple across scopes (bare and each tunnel). */
  private readonly byTuple = new Map<number, Flow[]>();
  private open = 0;
  /** Open flows, a linked list in the order tick() last looked at them: the idle ones are at the front. */
  private qHead: Flow | null = null;
  private qTail: Flow | null = null;
  /** TCP connections that ended, in the order they ended: closed sooner than idle ones. */
  private ended: Flow[] = [];
  private endedHead = 0;
  /** Flows closed with no onFlow to take them. */
  private readonly closedFlows: Flow[] = [];
  /** Open flows by inner address and by outer destination, for errors that name only a host; built when such an error is due. */
  private hostIndex: { byPair: Map<string, Map<string, Flow[]>>; byOuterDst: Map<string, Flow[]> } | null = null;
  private readonly tunnels = new Map<string, TunnelInfo>();
  private lastTunnel: TunnelInfo | null = null;
  private readonly arp = new Map<string, ArpInfo>();
  private errors: PendingError[] = [];
  private readonly inputs = new Map<number, InputTally>();
  /**
   * Packet records not yet settled, oldest first: each is settled once no other sighting of it
   * can come, so records die young (cheap for the garbage collector) instead of waiting for a tick.
   */
  private fifo: PacketRecord[] = [];
  private fifoHead = 0;
  private nextId = 1;
  private end: number | null = null;
  private nextTick: number | null = null;
  private readonly counts = { packets: 0, conversations: 0, errors: 0, arp: 0, other: 0, evicted: 0, truncated: 0 };
  private readonly notes: string[] = [];

  constructor(opts: Partial<FlowTableOptions> = {}) {
    this.opts = { ...defaultFlowTableOptions, ...opts };
    // A flow stays open while its requests may still be answered and errors about it still arrive.
    this.opts.idleTimeout = Math.max(this.opts.idleTimeout, MIN_IDLE_TIMEOUT, 2 * this.opts.replyTimeout);
  }

  add(p: Packet): void {
    this.counts.packets++;
    if (p.ts !== null) {
      if (this.end === null || p.ts > this.end) this.end = p.ts;
      const t = this.tally(p.input);
      if (t.end === null || p.ts > t.end) t.end = p.ts;
      const q = this.fifo;
      if (this.fifoHead < q.length && q[this.fifoHead]!.ts !== null && q[this.fifoHead]!.ts! < p.ts - SAME_PACKET_WINDOW) this.settleBefore(p.ts - SAME_PACKET_WINDOW);
      if (this.nextTick === null) this.nextTick = p.ts + TICK;
      else if (p.ts >= this.nextTick) this.tick(p.ts);
    }
    const v = viewOf(p);
    // The outer endpoints' key, looked up once for the tunnel inventory and the flow.
    const ep = v.tunnel ? endpointKey(v.tunnel.outerSrc, v.tunnel.outerDst) : '';
    if (v.tunnel) this.noteTunnel(p, v.tunnel, ep);
    switch (v.kind) {
      case 'conv':
        this.counts.conversations++;
        this.addConv(p, v, ep);
        return;
      case 'error':
        this.counts.errors++;
        this.tally(p.input).back++;
        if (v.ip.src === v.ip.dst) this.vote(p.input, v.ip.src, 1);
        if (this.errors.length < 100_000) {
          this.errors.push({
            input: p.input, ts: p.ts, ip: v.ip, icmp: v.icmp, quoted: v.quoted, hop: v.tunnel,
            evidence: { role: 'error', what: `${v.ip.src} > ${v.ip.dst}: ${describeError(v.icmp)}`, where: describePlace(p.ifname, p.ifindex, p.direction, v.tunnel), input: p.input, no: p.no, line: p.line, ts: p.ts },
          });
        }
        return;
      case 'arp':
        this.counts.arp++;
        this.addArp(p, v.frame.arp!);
        return;
      default:
        this.counts.other++;
        if (v.reason.startsWith('truncated')) {
          this.counts.truncated++;
          this.tally(p.input).truncated++;
        }
    }
  }

  /** An input is over: its packets' sightings are all in. Called between inputs and by finish(). */
  endInput(): void {
    this.settleBefore(Infinity);
  }

  /**
   * Housekeeping once per TICK of capture time: settle records whose other sightings can no longer
   * come, tie errors to flows once the flows' evidence around them is in, close idle flows.
   */
  private tick(now: number): void {
    this.nextTick = now + TICK;
    if (this.errors.length > 0) {
      const due = now - LOCAL_ERROR_WINDOW;
      const later: PendingError[] = [];
      for (const e of this.errors) {
        if (e.ts !== null && e.ts < due) this.attribute(e);
        else later.push(e);
      }
      this.errors = later;
      this.hostIndex = null;
    }
    if (this.opts.idleTimeout === Infinity) return;
    let nodes: InputNode[] | null = null;
    const endedBefore = now - TCP_END_LINGER;
    while (this.endedHead < this.ended.length) {
      const f = this.ended[this.endedHead]!;
      if (!f.closed) {
        if (f.lastSeen !== null && f.lastSeen >= endedBefore) break;
        this.close(f, (nodes ??= this.nodes()));
      }
      this.endedHead++;
    }
    if (this.endedHead > 4096 && this.endedHead * 2 > this.ended.length) {
      this.ended = this.ended.slice(this.endedHead);
      this.endedHead = 0;
    }
    const idleBefore = now - this.opts.idleTimeout;
    // Each open flow is looked at about once per half idle timeout: an active one goes to the back.
    let f = this.qHead;
    const last = this.qTail;
    while (f !== null) {
      const next = f.qNext;
      if (f.lastSeen !== null && f.lastSeen < idleBefore) this.close(f, (nodes ??= this.nodes()));
      else if (f.lastSeen === null || f.lastSeen - idleBefore > this.opts.idleTimeout / 2) break;
      else {
        this.unqueue(f);
        this.enqueue(f);
      }
      if (f === last) break;
      f = next;
    }
  }

  private enqueue(f: Flow): void {
    f.qPrev = this.qTail;
    f.qNext = null;
    if (this.qTail) this.qTail.qNext = f;
    else this.qHead = f;
    this.qTail = f;
  }

  private unqueue(f: Flow): void {
    if (f.qPrev) f.qPrev.qNext = f.qNext;
    else this.qHead = f.qNext;
    if (f.qNext) f.qNext.qPrev = f.qPrev;
    else this.qTail = f.qPrev;
    f.qPrev = f.qNext = null;
  }

  /** Settles the records older than `before` (all with Infinity; those without a time once 65536 newer ones came). */
  private settleBefore(before: number): void {
    const q = this.fifo;
    let i = this.fifoHead;
    while (i < q.length) {
      const rec = q[i]!;
      if (!rec.settled) {
        if (rec.ts === null ? before !== Infinity && q.length - i <= 65536 : rec.ts >= before) break;
        const r = rec.side.recent;
        const at = r.indexOf(rec);
        // An emptied ring is replaced, which frees its backing store.
        if (r.length === 1) rec.side.recent = [];
        else r.splice(at, 1);
        this.settle(rec.side, rec);
      }
      i++;
    }
    if (i === q.length) {
      this.fifo = [];
      this.fifoHead = 0;
    } else {
      this.fifoHead = i;
      if (i > 65536 && i * 2 > q.length) {
        this.fifo = q.slice(i);
        this.fifoHead = 0;
      }
    }
  }

  private tally(input: number): InputTally {
    let t = this.inputs.get(input);
    if (!t) this.inputs.set(input, (t = { end: null, cooked: false, encapsulated: 0, votes: new Map(), forth: 0, back: 0, truncated: 0 }));
    return t;
  }

  private vote(input: number, addr: string, n: number): void {
    const t = this.tally(input);
    t.votes.set(addr, (t.votes.get(addr) ?? 0) + n);
  }

  /** The tunnel's inventory entry; with a packet, counts it there. */
  /** The tunnel's inventory entry (made on first sight); consecutive packets mostly share one. */
  private tunnelOf(hop: TunnelHop): TunnelInfo {
    let t = this.lastTunnel;
    if (t === null || t.type !== hop.type || t.vni !== hop.vni || t.port !== hop.port) {
      const k = `${hop.type}:${hop.vni}:${hop.port}`;
      t = this.tunnels.get(k) ?? null;
      if (!t) {
        t = { type: hop.type, vni: hop.vni, port: hop.port, packets: 0, endpoints: new Map(), macs: new Map(), badChecksum: new Map(), scope: { type: hop.type, vni: hop.vni, port: hop.port } };
        this.tunnels.set(k, t);
      }
      this.lastTunnel = t;
    }
    return t;
  }

  /** Counts an encapsulated packet in the tunnel inventory and in its input's address votes. */
  private noteTunnel(p: Packet, hop: TunnelHop, ep: string): void {
    const t = this.tunnelOf(hop);
    t.packets++;
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
    else if (arp.op === 2) {
      a.replies++;
      this.tally(p.input).back++;
    }
    a.lastSeen = p.ts;
  }

  /** The flow a conversation packet belongs to, creating it (or re-scoping a bare one) as needed. */
  private flowFor(p: Packet, v: Extract<View, { kind: 'conv' }>): Flow {
    const t = v.tuple;
    const tk = tupleKey(t);
    const siblings = this.byTuple.get(tk);
    if (siblings) {
      if (v.tunnel) {
        const hop = v.tunnel;
        let bare: Flow | undefined;
        let tunnelScopes = 0;
        for (const f of siblings) {
          if (!sameTuple(f, t)) continue;
          if (f.tunnel === null) bare = f;
          else if (f.tunnel.type === hop.type && f.tunnel.vni === hop.vni) return f;
          else tunnelScopes++;
        }
        // A bare flow of the same tuple seen first (a pod's packet on cni0 and flannel.1 before it is
        // encapsulated) is this tunnel's traffic: give it the tunnel's scope instead of starting anew.
        if (bare && tunnelScopes === 0 && (bare.cooked || (hop.innerSrcMac !== null && bare.innerMacs.includes(hop.innerSrcMac)))) {
          bare.scope = scopeOf(hop);
          bare.tunnel = this.tunnelOf(hop).scope;
          return bare;
        }
      } else {
        let inTunnel: Flow | null = null;
        let inTunnels = 0;
        let bare: Flow | null = null;
        for (const f of siblings) {
          if (!sameTuple(f, t)) continue;
          if (f.tunnel === null) bare = f;
          else {
            inTunnel = f;
            inTunnels++;
          }
        }
        if (inTunnels === 1) {
          const tf = inTunnel!;
          const f = v.frame;
          // Bare copy of tunnel traffic: on a multi-interface (cooked) capture the same packet shows on
          // the overlay device and the pod's interfaces; on Ethernet only when its MACs are the inner ones.
          // Text that shows no link layer at all (cooked v1 without -e) cannot tell: one tunnel is taken.
          const noLink = p.direction === null && p.ifname === null && f.src === null && f.dst === null;
          if (noLink || p.direction !== null || (f.src !== null && tf.innerMacs.includes(f.src)) || (f.dst !== null && tf.innerMacs.includes(f.dst))) return tf;
        }
        if (bare) return bare;
      }
    }
    if (this.open >= this.opts.maxFlows && this.qHead) {
      // Memory stays bounded: the flow looked at longest ago (the least recently active) is closed now.
      this.counts.evicted++;
      this.close(this.qHead, this.nodes());
    }
    const flow = this.newFlow(p, v, tk);
    const now = this.byTuple.get(tk);
    if (now) now.push(flow);
    else this.byTuple.set(tk, [flow]);
    this.open++;
    this.enqueue(flow);
    return flow;
  }

  private newFlow(p: Packet, v: Extract<View, { kind: 'conv' }>, key: number): Flow {
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
      scope: scopeOf(v.tunnel),
      tunnel: v.tunnel ? this.tunnelOf(v.tunnel).scope : null,
      endpoints: new Map(),
      firstSeen: p.ts,
      lastSeen: p.ts,
      packets: 0,
      sightings: 0,
      sides: [],
      errors: none(),
      key,
      closed: false,
      tcpEnd: 0,
      qPrev: null,
      qNext: null,
      seen: [],
      last: null,
      errorEvidence: none(),
      innerMacs: none(),
      cooked: false,
    };
  }

  private sideOf(flow: Flow, input: number): Side {
    const last = flow.sides[flow.sides.length - 1];
    if (last && last.input === input) return last;
    const found = flow.sides.find((s) => s.input === input);
    if (found) return found;
    const side = newSide(input);
    flow.sides = flow.sides.concat(side);
    return side;
  }

  private addConv(p: Packet, v: Extract<View, { kind: 'conv' }>, ep: string): void {
    const flow = this.flowFor(p, v);
    const side = this.sideOf(flow, p.input);
    const t = v.tuple;
    const fromClient = t.src === flow.client && (flow.clientPort === null || t.srcPort === flow.clientPort);
    const tally = this.tally(p.input);
    if (fromClient) tally.forth++;
    else tally.back++;
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
      const n = flow.endpoints.get(ep);
      if (n !== undefined) flow.endpoints.set(ep, n + 1);
      else if (flow.endpoints.size < 32) flow.endpoints.set(ep, 1);
      flow.innerMacs = addMac(addMac(flow.innerMacs, hop.innerSrcMac), hop.innerDstMac);
    }

    // The interface, where the capture names a real one: a name, or cooked v2's ifindex (a pcapng
    // interface id may be the "any" pseudo-interface, where every hop shares it).
    const placeIf = p.ifname ?? (p.frame.link === 'sll2' ? p.ifindex : null);
    const placeSrc = hop ? hop.outerSrc : null;
    const placeDst = hop ? hop.outerDst : null;
    const same = this.findSame(side, p, v, fromClient, placeIf, placeSrc, placeDst);
    let role: Role;
    let target: PacketRecord;
    if (same) {
      target = same;
      if (hop && !same.encapsulated) {
        same.encapsulated = true;
        same.encapDirection = p.direction;
        same.encapSrc = hop.outerSrc;
        same.encapDst = hop.outerDst;
        same.encapTs = p.ts;
        same.encapIfname = this.opts.followPackets ? placeName(p) : null;
      }
      role = same.role;
    } else {
      target = this.recordOf(side, p, v, fromClient);
      role = target.role;
      if (role === 'request' && side.requestPath === null) {
        target.first = 1;
        side.requestPath = [];
      } else if (role === 'reply' && side.replyPath === null) {
        target.first = 2;
        side.replyPath = [];
      }
      this.pushRecord(side, target);
      flow.packets++;
      if (role === 'request') this.addRequest(side, target);
      if (target.refusal) side.resets++;
    }
    target.placeIf = placeIf;
    target.placeDir = p.direction;
    target.placeSrc = placeSrc;
    target.placeDst = placeDst;
    // Small arrays grow by concat: exact size, where push would reserve 17 slots per flow.
    const path = target.first === 1 ? side.requestPath : target.first === 2 ? side.replyPath : null;
    if (path && path.length < 16) {
      const step = { ifname: p.ifname, ifindex: p.ifindex, direction: p.direction, ts: p.ts, tunnel: hop ? { type: hop.type, vni: hop.vni, src: hop.outerSrc, dst: hop.outerDst, port: hop.port } : null };
      if (target.first === 1) side.requestPath = path.concat(step);
      else side.replyPath = path.concat(step);
    }
    if (role === 'request' && hop) side.requestEncapsulated = true;
    const l4 = v.frame.l4!;
    if (l4.kind === 'tcp' && l4.flags & (TCP_FIN | TCP_RST) && flow.tcpEnd < 3) {
      flow.tcpEnd |= l4.flags & TCP_RST ? 4 : fromClient ? 1 : 2;
      if (flow.tcpEnd >= 3) this.ended.push(flow);
    }

    // The first few sightings are kept, then only the newest (one record, rewritten).
    let seen: Seen;
    if (flow.seen.length < EVIDENCE_FIRST) flow.seen = flow.seen.concat((seen = newSeen()));
    else seen = flow.last ??= newSeen();
    seen.role = role;
    seen.fromClient = fromClient;
    seen.input = p.input;
    seen.no = p.no;
    seen.line = p.line;
    seen.ts = p.ts;
    seen.ifname = p.ifname;
    seen.ifindex = p.ifindex;
    seen.direction = p.direction;
    seen.outerSrc = placeSrc;
    seen.outerDst = placeDst;
    seen.port = hop ? hop.port : null;
    seen.type = l4.kind === 'tcp' ? l4.flags : l4.kind === 'udp' ? 0 : l4.type;
    seen.seq = l4.kind === 'udp' ? null : l4.seq;
    seen.len = l4.kind === 'udp' ? l4.payloadLen : l4.kind === 'tcp' ? l4.payloadLen : null;
  }

  /** What this packet is to its flow: a request, a reply (and to which request), or neither. */
  private recordOf(side: Side, p: Packet, v: Extract<View, { kind: 'conv' }>, fromClient: boolean): PacketRecord {
    const l4 = v.frame.l4!;
    const hop = v.tunnel;
    const rec: PacketRecord = {
      side, settled: false, fromClient, role: 'other', key: null, ts: p.ts,
      sigType: 0, sigSeq: null, sigAck: null, sigLen: null, sigIpId: v.ip.id,
      encapsulated: hop !== null, encapDirection: hop ? p.direction : null, encapSrc: hop ? hop.outerSrc : null,
      encapDst: hop ? hop.outerDst : null, encapTs: hop ? p.ts : null, encapIfname: hop && this.opts.followPackets ? placeName(p) : null, ifname: this.opts.followPackets ? placeName(p) : null,
      refusal: false, first: 0, placeIf: null, placeDir: null, placeSrc: null, placeDst: null,
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

  /** An earlier record of the same packet seen at another place (hop) moments ago. */
  private findSame(side: Side, p: Packet, v: Extract<View, { kind: 'conv' }>, fromClient: boolean, placeIf: string | number | null, placeSrc: string | null, placeDst: string | null): PacketRecord | null {
    const r = side.recent;
    if (r.length === 0) return null;
    const l4 = v.frame.l4!;
    let type = 0;
    let seq: number | null = null;
    let ack: number | null = null;
    let len: number | null = null;
    if (l4.kind === 'tcp') {
      type = l4.flags;
      seq = l4.seq;
      ack = l4.ack;
      len = l4.payloadLen;
    } else if (l4.kind === 'udp') len = l4.length;
    else {
      type = l4.type;
      seq = l4.seq;
    }
    const ipId = v.ip.id;
    // A place is known when it names an interface or the outer addresses; bare sightings without
    // either (cooked v1 text without -e) may be any interface, so they may still be the same packet.
    const known = placeIf !== null || placeSrc !== null;
    for (let i = r.length - 1; i >= 0; i--) {
      const o = r[i]!;
      if (o.fromClient !== fromClient || o.sigType !== type) continue;
      if (p.ts !== null && o.ts !== null && Math.abs(p.ts - o.ts) > SAME_PACKET_WINDOW) continue;
      if (!eqOrUnknown(o.sigSeq, seq) || !eqOrUnknown(o.sigAck, ack) || !eqOrUnknown(o.sigLen, len) || !eqOrUnknown(o.sigIpId, ipId)) continue;
      if (known && o.placeIf === placeIf && o.placeDir === p.direction && o.placeSrc === placeSrc && o.placeDst === placeDst) continue;
      return o;
    }
    return null;
  }

  private pushRecord(side: Side, rec: PacketRecord): void {
    if (side.recent.length >= RECENT) this.settle(side, side.recent.shift()!);
    side.recent.push(rec);
    this.fifo.push(rec);
  }

  private addRequest(side: Side, rec: PacketRecord): void {
    side.requests++;
    let key = rec.key;
    if (key === null) key = -1 - side.nextKey++;
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
    rec.settled = true;
    const inTunnelScope = rec.encapsulated || side.requestEncapsulated;
    if (rec.role === 'request' || rec.role === 'reply') {
      if (this.opts.followPackets && side.sightings.length < SIGHTINGS_KEPT) side.sightings = side.sightings.concat(sightingOf(side.input, rec.role, rec));
      const passage = rec.role === 'request' ? side.requestPassage : side.replyPassage;
      if (!rec.encapsulated) passage.bare++;
      else if (rec.encapDirection === 'in') passage.in++;
      else if (rec.encapDirection === 'out') passage.out++;
      else passage.unknown = countUnknown(passage.unknown, rec.encapSrc!);
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

  /** A flow is over (idle, or the capture ended): count what stayed unanswered, hand it on, forget it. */
  private close(flow: Flow, nodes: InputNode[]): void {
    flow.closed = true;
    for (const side of flow.sides) {
      for (const rec of side.recent) this.settle(side, rec);
      side.recent = [];
      const end = this.inputs.get(side.input)?.end ?? null;
      for (const pend of side.pending.values()) {
        if (pend.undelivered || (pend.ts !== null && end !== null && end - pend.ts >= this.opts.replyTimeout)) side.unanswered++;
        else side.pendingAtEnd++;
      }
      side.pending.clear();
      const local = nodes.find((n) => n.input === side.input)?.local ?? [];
      resolveDirections(side.requestPassage, local);
      resolveDirections(side.replyPassage, local);
    }

    const siblings = this.byTuple.get(flow.key)!;
    if (siblings.length === 1) this.byTuple.delete(flow.key);
    else siblings.splice(siblings.indexOf(flow), 1);
    this.open--;
    this.unqueue(flow);
    if (this.opts.onFlow) this.opts.onFlow(flow, nodes);
    else this.closedFlows.push(flow);
  }

  /** Ends the capture: settles every packet, ties the remaining errors to flows, closes every flow. */
  finish(): TableResult {
    this.endInput();
    for (const e of this.errors) this.attribute(e);
    this.errors = [];
    this.hostIndex = null;
    const nodes = this.nodes();
    const open: Flow[] = [];
    for (const siblings of this.byTuple.values()) open.push(...siblings);
    open.sort((a, b) => a.id - b.id);
    for (const flow of open) this.close(flow, nodes);
    this.ended = [];
    this.endedHead = 0;
    const flows = this.closedFlows.splice(0).sort((a, b) => a.id - b.id);
    if (this.counts.evicted > 0) {
      const n = this.counts.evicted;
      this.notes.push(`${n} ${n === 1 ? 'flow was' : 'flows were'} closed before going idle, to keep at most ${this.opts.maxFlows} open at once (--max-flows): each is judged on what it had seen by then`);
    }
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
      out[input] = { input, local, cooked: t.cooked, oneWay: t.back === 0 && t.forth > 0, truncated: t.truncated };
    }
    return out;
  }

  private openFlows(): Flow[] {
    const out: Flow[] = [];
    for (let f = this.qHead; f !== null; f = f.qNext) out.push(f);
    return out;
  }

  /** Errors that name only a host are rare: the open flows are indexed when one is due, not on every packet. */
  private index(): NonNullable<FlowTable['hostIndex']> {
    if (this.hostIndex) return this.hostIndex;
    // By the pair of inner addresses, both ways round (a busy server has thousands of flows).
    const byPair = new Map<string, Map<string, Flow[]>>();
    const byOuterDst = new Map<string, Flow[]>();
    const add = (m: Map<string, Flow[]>, k: string, f: Flow) => {
      const l = m.get(k);
      if (!l) m.set(k, [f]);
      else if (l[l.length - 1] !== f) l.push(f);
    };
    const pair = (a: string, b: string, f: Flow) => {
      let m = byPair.get(a);
      if (!m) byPair.set(a, (m = new Map()));
      add(m, b, f);
    };
    for (let f = this.qHead; f !== null; f = f.qNext) {
      pair(f.client, f.server, f);
      if (f.server !== f.client) pair(f.server, f.client, f);
      for (const ep of f.endpoints.keys()) add(byOuterDst, ep.slice(ep.indexOf('>') + 1), f);
    }
    return (this.hostIndex = { byPair, byOuterDst });
  }

  /** Ties one ICMP error to the open flows it is about, as precisely as the error allows. */
  private attribute(e: PendingError): void {
    const cls = errorClass(e.icmp);
    const q = e.quoted;
    const exact = quotedTuple(q);
    let targets: Flow[] = [];
    let how: Attribution = 'quoted';
    if (exact) {
      const siblings = (this.byTuple.get(tupleKey(exact.tuple)) ?? []).filter((f) => sameTuple(f, exact.tuple));
      const scope = scopeOf(exact.tunnel ?? e.hop);
      const f = siblings.find((s) => s.scope === scope) ?? (siblings.length === 1 ? siblings[0] : undefined);
      if (f) targets = [f];
    }
    if (targets.length === 0) {
      // Only the destination is known (tcpdump text): the flows between the error's addressee and that host.
      how = 'host';
      const sender = e.ip.dst;
      const proto = q.proto;
      targets = byId(this.index().byPair.get(q.dst)?.get(sender), (f) =>
        (proto === null || protoNumber(f.proto) === proto) &&
        (q.dstPort === null || f.serverPort === q.dstPort || f.clientPort === q.dstPort));
      // A port unreachable answers one datagram: when the text hides its source port, the flow whose
      // request came last before the error is the one (not every flow to that port at the time).
      if (targets.length > 1 && q.dstPort !== null && e.ts !== null) {
        const times = targets.map((f) => lastRequestBefore(f, e.input, e.ts!));
        const best = Math.max(...times);
        if (best > -Infinity) targets = targets.filter((_, i) => times[i] === best);
      }
    }
    if (targets.length === 0) {
      // The host is a tunnel endpoint: the flows carried to it.
      how = 'endpoint';
      targets = byId(this.index().byOuterDst.get(q.dst), () => true);
    }
    if (targets.length === 0 && e.ip.src === e.ip.dst) {
      // The kernel reporting to itself that it could not send (no route, or no ARP answer for the
      // next hop): the tunnel flows whose packets failed to leave encapsulated at that node around then.
      how = 'inferred';
      targets = byId(this.openFlows(), (f) => f.sides.some((s) => s.input === e.input && s.lastNotEncapsulatedTs !== null && (e.ts === null || Math.abs(s.lastNotEncapsulatedTs - e.ts) <= LOCAL_ERROR_WINDOW)));
    }
    for (const f of targets) {
      if (f.errors.length < 64) f.errors = f.errors.concat({ cls, from: e.ip.src, about: q.dst, mtu: e.icmp.mtu, ts: e.ts, attribution: how, input: e.input, local: e.ip.src === e.ip.dst });
      if (f.errorEvidence.length < EVIDENCE_FIRST * 2) f.errorEvidence = f.errorEvidence.concat({ ...e.evidence, attribution: how });
    }
  }
}

/** An empty Seen with every field, so all share one shape. */
function newSeen(): Seen {
  return { role: 'other', fromClient: true, input: 0, no: 0, line: null, ts: null, ifname: null, ifindex: null, direction: null, outerSrc: null, outerDst: null, port: null, type: 0, seq: null, len: null };
}

/** A shared empty list: most flows never add to their error and evidence lists, which grow by concat. */
const NONE: readonly never[] = Object.freeze([]);
function none<T>(): T[] {
  return NONE as unknown as T[];
}

function addMac(macs: string[], mac: string | null): string[] {
  return mac !== null && macs.length < 8 && !macs.includes(mac) ? macs.concat(mac) : macs;
}

/** The time of the flow's newest request still waiting at `input` no later than `ts`, or -Infinity. */
function lastRequestBefore(f: Flow, input: number, ts: number): number {
  let best = -Infinity;
  for (const side of f.sides) {
    if (side.input !== input) continue;
    for (const pend of side.pending.values()) if (pend.ts !== null && pend.ts <= ts && pend.ts > best) best = pend.ts;
  }
  return best;
}

/** The flows of a list that pass a test, oldest first. */
function byId(s: Flow[] | undefined, test: (f: Flow) => boolean): Flow[] {
  if (!s) return [];
  const out: Flow[] = [];
  for (const f of s) if (test(f)) out.push(f);
  return out.sort((a, b) => a.id - b.id);
}

// "src>dst" keys are built once per address pair, not once per packet.
let endpointKeys = new Map<string, Map<string, string>>();

function endpointKey(src: string, dst: string): string {
  let m = endpointKeys.get(src);
  if (!m) {
    if (endpointKeys.size >= 65536) endpointKeys = new Map();
    endpointKeys.set(src, (m = new Map()));
  }
  let k = m.get(dst);
  if (k === undefined) {
    if (m.size >= 4096) m.clear();
    m.set(dst, (k = `${src}>${dst}`));
  }
  return k;
}

/** Counts one more encapsulated sighting from `src` in a flat [src, n, src, n, ...] list (one or two sources per flow). */
function countUnknown(u: (string | number)[] | null, src: string): (string | number)[] {
  if (u === null) return [src, 1];
  for (let i = 0; i < u.length; i += 2) {
    if (u[i] === src) {
      u[i + 1] = (u[i + 1] as number) + 1;
      return u;
    }
  }
  return u.length < 128 ? u.concat(src, 1) : u;
}

/** Encapsulated sightings without a direction: leaving when the outer source is the node's own address. */
function resolveDirections(p: Passage, local: string[]): void {
  const u = p.unknown;
  if (local.length === 0 || u === null) return;
  for (let i = 0; i < u.length; i += 2) {
    if (local.includes(u[i] as string)) p.out += u[i + 1] as number;
    else p.in += u[i + 1] as number;
  }
  p.unknown = null;
}

function eqOrUnknown(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}

function protoNumber(p: FlowProto): number {
  return p === 'icmp' ? 1 : p === 'icmp6' ? 58 : p === 'tcp' ? 6 : 17;
}
