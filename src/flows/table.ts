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
import { innermost, type Icmp, type Ip, type Packet, type Quoted } from '../model.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../model.js';
import { describeError, errorClass } from './icmp-errors.js';
import { badOuterChecksum } from './outer.js';
import { placeName, SIGHTINGS_KEPT, sightingOf } from './crossnode.js';
import { dirCode, dirOf, ENCAPSULATED, Endpoints, EpCounts, EVIDENCE_FIRST, FlowColumns, FROM_CLIENT, NIL, none, orNaN, orNull, PathColumns, protoCode, PROTOS, Records, REFUSAL, REQUEST_ENCAPSULATED, ROLE_OTHER, ROLE_REPLY, ROLE_REQUEST, SAW_SYN, SAW_SYN_ACK, SeenColumns, SETTLED, SideColumns, STARTS_REQUEST } from './columns.js';
import { flowObject, sideObject, type Stores } from './closed.js';
import { covered, TcpSide, type Segment } from './tcp.js';
import { isEchoRequest, quotedTuple, viewOf, viewOfFrame, type FlowProto, type TunnelHop, type Tuple, type View } from './view.js';
import { describePlace, scopeOf, type ArpInfo, type Attribution, type Evidence, type Flow, type FlowError, type InputNode, type Passage, type Side, type TunnelInfo } from './flow.js';

export { describeHop, flowEvidence, type ArpInfo, type Attribution, type Evidence, type Flow, type FlowError, type Hop, type InputNode, type Passage, type Role, type Seen, type Side, type Sighting, type TunnelInfo } from './flow.js';

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
/** Pending requests followed per flow; more are counted as one batch at the newest time. */
const MAX_PENDING = 4096;
/** A locally generated unreachable is tied to a flow whose packets failed to leave encapsulated within this many seconds (ARP gives up after 3 s). */
const LOCAL_ERROR_WINDOW = 5;
/** Housekeeping (settling, attributing errors, closing idle flows) runs once per this many seconds of capture time. */
const TICK = 1;
/** TCP conversations remembered after they close, to know their late packets. */
const CLOSED_TCP_KEPT = 65536;
const TCP_CODE = protoCode('tcp');
/** The shortest idle timeout: an error is attributed LOCAL_ERROR_WINDOW after it, while its flows are still open. */
export const MIN_IDLE_TIMEOUT = 2 * LOCAL_ERROR_WINDOW;
/** A TCP connection closed by FIN both ways or a reset is closed this long after its last packet (late retransmissions, errors). */
const TCP_END_LINGER = LOCAL_ERROR_WINDOW + TICK;

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
  counts: { packets: number; conversations: number; errors: number; arp: number; other: number; evicted: number; truncated: number; late: number };
  notes: string[];
}

/**
 * A flow's key, the same both ways round: a 53-bit hash of protocol, addresses and ports, made
 * without building a string per packet (that and hashing it was an eighth of the table's time).
 * Flows of different tuples may share a key: sameTuple() tells them apart.
 */
export function tupleKey(t: Tuple): number {
  const a = (strHash(t.src) ^ Math.imul(t.srcPort + 1, 0x9e3779b1)) >>> 0;
  const b = (strHash(t.dst) ^ Math.imul(t.dstPort + 1, 0x9e3779b1)) >>> 0;
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const p = protoCode(t.proto);
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

/** Whether the flow in slot s is the conversation of this tuple (either way round). */
function sameTuple(c: FlowColumns, s: number, t: Tuple): boolean {
  if (c.proto[s] !== protoCode(t.proto)) return false;
  const cl = c.client[s];
  const sv = c.server[s];
  if (c.echoId[s] !== NIL) return c.echoId[s] === t.srcPort && ((cl === t.src && sv === t.dst) || (cl === t.dst && sv === t.src));
  return (cl === t.src && c.clientPort[s] === t.srcPort && sv === t.dst && c.serverPort[s] === t.dstPort) ||
    (cl === t.dst && c.clientPort[s] === t.dstPort && sv === t.src && c.serverPort[s] === t.srcPort);
}

/** Votes for a node's own tunnel addresses: exact from cooked directions, else the address in every encapsulated packet. */
interface InputTally {
  /** Last timestamp of the input: each node's clock judges its own pending requests. */
  end: number | null;
  cooked: boolean;
  encapsulated: number;
  /** Votes by address, in the order addresses were first voted for; encapsulated packets' votes are counted in epVotes. */
  votes: Map<string, number>;
  /** Encapsulated packets by outer endpoint pair: leaving (out), arriving (in), direction unknown. */
  epVotes: EpCounts;
  /** Conversation packets from clients, and packets in an answering direction (server packets, ICMP errors, ARP replies). */
  forth: number;
  back: number;
  /** Packets cut before their (inner) transport header: not judged. */
  truncated: number;
}

const DIR_IN = dirCode('in');
const DIR_OUT = dirCode('out');

/** An unknown number (NaN) equals anything. */
function eqOrUnknown(a: number, b: number): boolean {
  return a !== a || b !== b || a === b;
}

export class FlowTable {
  private readonly opts: FlowTableOptions;
  private readonly fc = new FlowColumns();
  private readonly seen = new SeenColumns();
  private readonly sc = new SideColumns();
  private readonly paths = new PathColumns();
  private readonly rec = new Records();
  private readonly eps = new Endpoints();
  private readonly stores: Stores = { fc: this.fc, seen: this.seen, sc: this.sc, paths: this.paths, eps: this.eps };
  /** Open flows by tuple key: a bucket's first slot, chained through FlowColumns.hashNext. */
  private buckets = new Int32Array(1024).fill(NIL);
  private open = 0;
  /** Open flows, a linked list in the order tick() last looked at them: the idle ones are at the front. */
  private qHead = NIL;
  private qTail = NIL;
  /** TCP connections that ended, in the order they ended, as (slot, id) pairs: closed sooner than idle ones. */
  private ended: number[] = [];
  private endedHead = 0;
  /** Flows closed with no onFlow to take them. */
  private readonly closedFlows: Flow[] = [];
  /** TCP conversations closed before the end, by tuple key (oldest first, at most CLOSED_TCP_KEPT): their late packets are no conversation of their own. */
  private readonly closedTcp = new Set<number>();
  /**
   * Open flows (slots) by their pair of inner addresses, for errors that name only a host (tcpdump
   * text): built when the first such error is due, then kept as flows open and close (binary
   * captures rarely need it).
   */
  private indexed = false;
  private readonly byPair = new Map<number, Set<number>>();
  /** Open flows by the outer destinations they were carried to, for errors about a tunnel endpoint (rare): built when one is due, dropped at the next tick. */
  private byOuterDst: Map<string, number[]> | null = null;
  private readonly tunnels = new Map<string, TunnelInfo>();
  private lastTunnel: TunnelInfo | null = null;
  /**
   * Each tunnel's packets by outer endpoint pair (its endpoints Map is filled from them at the end),
   * and the inner source MAC last seen from each pair.
   */
  private readonly tunnelEps = new Map<TunnelInfo, { counts: EpCounts; lastMac: (string | undefined)[] }>();
  private readonly arp = new Map<string, ArpInfo>();
  private errors: PendingError[] = [];
  /** Per input number. */
  private readonly inputs: InputTally[] = [];
  private nextId = 1;
  private end: number | null = null;
  private nextTick: number | null = null;
  private readonly counts = { packets: 0, conversations: 0, errors: 0, arp: 0, other: 0, evicted: 0, truncated: 0, late: 0 };
  private readonly notes: string[] = [];

  /** Flows open now (for measuring what each costs). */
  get openCount(): number {
    return this.open;
  }

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
      const r = this.rec;
      if (r.head < r.tail && r.ts[r.head & r.mask]! < p.ts - SAME_PACKET_WINDOW) this.settleBefore(p.ts - SAME_PACKET_WINDOW);
      if (this.nextTick === null) this.nextTick = p.ts + TICK;
      else if (p.ts >= this.nextTick) this.tick(p.ts);
    }
    const v = viewOf(p);
    // The outer endpoints by number, looked up once for the tunnel inventory and the flow.
    const ep = v.tunnel ? this.eps.id(v.tunnel.outerSrc, v.tunnel.outerDst) : NIL;
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
   * Housekeeping once per TICK of capture time: tie errors to flows once the flows' evidence
   * around them is in, close idle flows.
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
      this.byOuterDst = null;
    }
    if (this.opts.idleTimeout === Infinity) return;
    const fc = this.fc;
    let nodes: InputNode[] | null = null;
    const endedBefore = now - TCP_END_LINGER;
    while (this.endedHead < this.ended.length) {
      const s = this.ended[this.endedHead]!;
      if (fc.id[s] === this.ended[this.endedHead + 1]) {
        if (fc.lastSeen[s]! >= endedBefore) break;
        this.close(s, (nodes ??= this.nodes()));
      }
      this.endedHead += 2;
    }
    if (this.endedHead > 4096 && this.endedHead * 2 > this.ended.length) {
      this.ended = this.ended.slice(this.endedHead);
      this.endedHead = 0;
    }
    const idle = this.opts.idleTimeout;
    const idleBefore = now - idle;
    // Each open flow is looked at about once per half idle timeout: an active one goes to the back.
    let s = this.qHead;
    const last = this.qTail;
    while (s !== NIL) {
      const next = fc.qNext[s]!;
      const seen = fc.lastSeen[s]!;
      if (seen < idleBefore) this.close(s, (nodes ??= this.nodes()));
      else if (seen !== seen || seen - idleBefore > idle / 2) break;
      else {
        this.unqueue(s);
        this.enqueue(s);
      }
      if (s === last) break;
      s = next;
    }
  }

  private enqueue(s: number): void {
    const fc = this.fc;
    fc.qPrev[s] = this.qTail;
    fc.qNext[s] = NIL;
    if (this.qTail !== NIL) fc.qNext[this.qTail] = s;
    else this.qHead = s;
    this.qTail = s;
  }

  private unqueue(s: number): void {
    const fc = this.fc;
    const prev = fc.qPrev[s]!;
    const next = fc.qNext[s]!;
    if (prev !== NIL) fc.qNext[prev] = next;
    else this.qHead = next;
    if (next !== NIL) fc.qPrev[next] = prev;
    else this.qTail = prev;
    fc.qPrev[s] = fc.qNext[s] = NIL;
  }

  /** Settles the records older than `before` (all with Infinity; those without a time once 65536 newer ones came). */
  private settleBefore(before: number): void {
    const r = this.rec;
    while (r.head < r.tail) {
      const i = r.head & r.mask;
      if (!(r.bits[i]! & SETTLED)) {
        const ts = r.ts[i]!;
        if (ts !== ts ? before !== Infinity && r.tail - r.head <= 65536 : ts >= before) break;
        // Records settle oldest first, so a side's unsettled records stay the newest of its chain.
        this.sc.recentCount[r.side[i]!]--;
        this.settle(r.side[i]!, r.head);
      }
      r.head++;
    }
  }

  private tally(input: number): InputTally {
    return (this.inputs[input] ??= { end: null, cooked: false, encapsulated: 0, votes: new Map(), epVotes: new EpCounts(3), forth: 0, back: 0, truncated: 0 });
  }

  private vote(input: number, addr: string, n: number): void {
    const t = this.tally(input);
    t.votes.set(addr, (t.votes.get(addr) ?? 0) + n);
  }

  /** The tunnel's inventory entry (made on first sight); consecutive packets mostly share one. */
  private tunnelOf(hop: TunnelHop): TunnelInfo {
    let t = this.lastTunnel;
    if (t === null || t.type !== hop.type || t.vni !== hop.vni || t.port !== hop.port) {
      const k = `${hop.type}:${hop.vni}:${hop.port}`;
      t = this.tunnels.get(k) ?? null;
      if (!t) {
        t = { type: hop.type, vni: hop.vni, port: hop.port, packets: 0, endpoints: new Map(), macs: new Map(), badChecksum: new Map(), scope: { type: hop.type, vni: hop.vni, port: hop.port } };
        this.tunnels.set(k, t);
        this.tunnelEps.set(t, { counts: new EpCounts(1, 1024), lastMac: [] });
      }
      this.lastTunnel = t;
    }
    return t;
  }

  /** Counts an encapsulated packet in the tunnel inventory and in its input's address votes. */
  private noteTunnel(p: Packet, hop: TunnelHop, ep: number): void {
    const t = this.tunnelOf(hop);
    const { counts, lastMac } = this.tunnelEps.get(t)!;
    t.packets++;
    counts.add(ep);
    if (badOuterChecksum(p.frame)) {
      const key = this.eps.key[ep]!;
      if (t.badChecksum.size < 1024 || t.badChecksum.has(key)) t.badChecksum.set(key, (t.badChecksum.get(key) ?? 0) + 1);
    }
    // The same sender behind the same MAC as its last packet: nothing new (most packets).
    if (hop.innerSrcMac && lastMac[ep] !== hop.innerSrcMac) {
      lastMac[ep] = hop.innerSrcMac;
      const src = this.eps.src[ep]!;
      let macs = t.macs.get(src);
      if (!macs && t.macs.size < 1024) t.macs.set(src, (macs = new Set()));
      if (macs && macs.size < 64) macs.add(hop.innerSrcMac);
    }
    const tally = this.tally(p.input);
    tally.encapsulated++;
    // Counted by endpoint pair; an address joins the votes (keeping their order) the first time
    // it would have had one, and the counts are added to it when nodes() reads the votes.
    const kind = p.direction === 'out' ? 0 : p.direction === 'in' ? 1 : 2;
    if (kind !== 2) tally.cooked = true;
    if (tally.epVotes.add(ep, kind)) {
      const src = this.eps.src[ep]!;
      const dst = this.eps.dst[ep]!;
      if (kind !== 1) this.vote(p.input, src, 0);
      if (kind === 1 || (kind === 2 && dst !== src)) this.vote(p.input, dst, 0);
    }
  }

  /** An input's votes by address, the encapsulated packets' counts included. */
  private votesOf(t: InputTally): Map<string, number> {
    const votes = new Map(t.votes);
    const add = (a: string, n: number) => votes.set(a, votes.get(a)! + n);
    for (const ep of t.epVotes.order) {
      const src = this.eps.src[ep]!;
      const dst = this.eps.dst[ep]!;
      const unknown = t.epVotes.get(ep, 2);
      add(src, t.epVotes.get(ep, 0) * 1e6 + unknown);
      if (dst !== src) add(dst, t.epVotes.get(ep, 1) * 1e6 + unknown);
      else add(dst, t.epVotes.get(ep, 1) * 1e6);
    }
    return votes;
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

  private bucket(key: number): number {
    return (key >>> 0) & (this.buckets.length - 1);
  }

  /** The flow (slot) a conversation packet belongs to, creating it (or re-scoping a bare one) as needed. */
  private flowFor(p: Packet, v: Extract<View, { kind: 'conv' }>): number {
    const fc = this.fc;
    const t = v.tuple;
    const tk = tupleKey(t);
    const head = this.buckets[this.bucket(tk)]!;
    if (v.tunnel) {
      const hop = v.tunnel;
      let bare = NIL;
      let tunnelScopes = 0;
      for (let s = head; s !== NIL; s = fc.hashNext[s]!) {
        if (fc.key[s] !== tk || !sameTuple(fc, s, t)) continue;
        const tn = fc.tunnel[s];
        if (!tn) bare = s;
        else if (tn.type === hop.type && tn.vni === hop.vni) return s;
        else tunnelScopes++;
      }
      // A bare flow of the same tuple seen first (a pod's packet on cni0 and flannel.1 before it is
      // encapsulated) is this tunnel's traffic: give it the tunnel's scope instead of starting anew.
      if (bare !== NIL && tunnelScopes === 0 && (fc.cooked[bare] || (hop.innerSrcMac !== null && this.hasMac(bare, hop.innerSrcMac)))) {
        fc.tunnel[bare] = this.tunnelOf(hop);
        return bare;
      }
    } else {
      let inTunnel = NIL;
      let inTunnels = 0;
      let bare = NIL;
      for (let s = head; s !== NIL; s = fc.hashNext[s]!) {
        if (fc.key[s] !== tk || !sameTuple(fc, s, t)) continue;
        if (!fc.tunnel[s]) bare = s;
        else {
          inTunnel = s;
          inTunnels++;
        }
      }
      if (inTunnels === 1) {
        const f = v.frame;
        // Bare copy of tunnel traffic: on a multi-interface (cooked) capture the same packet shows on
        // the overlay device and the pod's interfaces; on Ethernet only when its MACs are the inner ones.
        // Text that shows no link layer at all (cooked v1 without -e) cannot tell: one tunnel is taken.
        const noLink = p.direction === null && p.ifname === null && f.src === null && f.dst === null;
        if (noLink || p.direction !== null || (f.src !== null && this.hasMac(inTunnel, f.src)) || (f.dst !== null && this.hasMac(inTunnel, f.dst))) return inTunnel;
      }
      if (bare !== NIL) return bare;
    }
    if (this.open >= this.opts.maxFlows && this.qHead !== NIL) {
      // Memory stays bounded: the flow looked at longest ago (the least recently active) is closed now.
      this.counts.evicted++;
      this.close(this.qHead, this.nodes());
    }
    if (this.open >= this.buckets.length) this.rehash(this.buckets.length * 2);
    const s = this.newFlow(p, v, tk);
    const b = this.bucket(tk);
    fc.hashNext[s] = this.buckets[b]!;
    this.buckets[b] = s;
    this.open++;
    this.enqueue(s);
    this.indexFlow(s, true);
    return s;
  }

  private rehash(n: number): void {
    const fc = this.fc;
    this.buckets = new Int32Array(n).fill(NIL);
    for (let s = this.qHead; s !== NIL; s = fc.qNext[s]!) {
      const b = this.bucket(fc.key[s]!);
      fc.hashNext[s] = this.buckets[b]!;
      this.buckets[b] = s;
    }
  }

  private newFlow(p: Packet, v: Extract<View, { kind: 'conv' }>, key: number): number {
    const t = v.tuple;
    const l4 = v.frame.l4!;
    // Orientation: the echo request's sender, the SYN's sender; for UDP and mid-stream TCP the
    // first sender, unless its port is a well-known one and the other's is not (a reply seen first).
    let fromClient = true;
    if (l4.kind === 'icmp' || l4.kind === 'icmp6') fromClient = isEchoRequest(l4);
    else if (l4.kind === 'tcp' && l4.flags & TCP_SYN) fromClient = !(l4.flags & TCP_ACK);
    else if (t.srcPort < 1024 && t.dstPort >= 1024) fromClient = false;
    const icmp = t.proto === 'icmp' || t.proto === 'icmp6';
    const fc = this.fc;
    const s = fc.alloc();
    this.seen.ensure(fc.cap);
    fc.id[s] = this.nextId++;
    fc.key[s] = key;
    fc.proto[s] = protoCode(t.proto);
    fc.client[s] = fromClient ? t.src : t.dst;
    fc.server[s] = fromClient ? t.dst : t.src;
    fc.clientPort[s] = icmp ? NIL : fromClient ? t.srcPort : t.dstPort;
    fc.serverPort[s] = icmp ? NIL : fromClient ? t.dstPort : t.srcPort;
    fc.echoId[s] = icmp ? t.srcPort : NIL;
    fc.tunnel[s] = v.tunnel ? this.tunnelOf(v.tunnel) : null;
    fc.firstSeen[s] = fc.lastSeen[s] = orNaN(p.ts);
    fc.packets[s] = fc.sightings[s] = fc.badChecksums[s] = 0;
    fc.tcpEnd[s] = fc.cooked[s] = fc.seenCount[s] = 0;
    // Late packets of a TCP connection already closed (idle, or ended): a part judged only if it has requests of its own.
    fc.late[s] = l4.kind === 'tcp' && !(l4.flags & TCP_SYN) && this.closedTcp.has(key) ? 1 : 0;
    fc.side[s] = fc.sideLast[s] = NIL;
    fc.ep0[s] = fc.ep1[s] = NIL;
    fc.ep0n[s] = fc.ep1n[s] = 0;
    return s;
  }

  private hasMac(s: number, mac: string): boolean {
    const fc = this.fc;
    return fc.mac0[s] === mac || fc.mac1[s] === mac || (fc.macMore[s]?.includes(mac) ?? false);
  }

  private addMac(s: number, mac: string | null): void {
    if (mac === null) return;
    const fc = this.fc;
    if (fc.mac0[s] === null) fc.mac0[s] = mac;
    else if (fc.mac1[s] === null) {
      if (fc.mac0[s] !== mac) fc.mac1[s] = mac;
    } else if (!this.hasMac(s, mac)) {
      const more = fc.macMore[s];
      if (!more) fc.macMore[s] = [mac];
      else if (more.length < 6) fc.macMore[s] = more.concat(mac);
    }
  }

  private countEndpoint(s: number, ep: number): void {
    const fc = this.fc;
    if (fc.ep0[s] === ep) fc.ep0n[s]++;
    else if (fc.ep0[s] === NIL) {
      fc.ep0[s] = ep;
      fc.ep0n[s] = 1;
    } else if (fc.ep1[s] === ep) fc.ep1n[s]++;
    else if (fc.ep1[s] === NIL) {
      fc.ep1[s] = ep;
      fc.ep1n[s] = 1;
    } else {
      const more = (fc.epMore[s] ??= new Map());
      const n = more.get(ep);
      if (n !== undefined) more.set(ep, n + 1);
      else if (more.size < 30) more.set(ep, 1);
    }
  }

  /** Files an open flow in the host index, or takes it out. */
  private indexFlow(s: number, add: boolean): void {
    if (!this.indexed) return;
    const fc = this.fc;
    const key = FlowTable.pairKey(fc.client[s]!, fc.server[s]!);
    let set = this.byPair.get(key);
    if (add) {
      if (!set) this.byPair.set(key, (set = new Set()));
      set.add(s);
    } else if (set) {
      set.delete(s);
      if (set.size === 0) this.byPair.delete(key);
    }
  }

  /** The host index, built over the open flows the first time an error needs it. */
  private hostIndex(): Map<number, Set<number>> {
    if (!this.indexed) {
      this.indexed = true;
      for (let s = this.qHead; s !== NIL; s = this.fc.qNext[s]!) this.indexFlow(s, true);
    }
    return this.byPair;
  }

  /** Open flows by outer destination, built when an error about a tunnel endpoint is due. */
  private outerDstIndex(): Map<string, number[]> {
    if (this.byOuterDst) return this.byOuterDst;
    const fc = this.fc;
    const m = new Map<string, number[]>();
    const add = (ep: number, s: number) => {
      const k = this.eps.dst[ep]!;
      const l = m.get(k);
      if (!l) m.set(k, [s]);
      else if (l[l.length - 1] !== s) l.push(s);
    };
    for (let s = this.qHead; s !== NIL; s = fc.qNext[s]!) {
      if (fc.ep0[s] !== NIL) add(fc.ep0[s]!, s);
      if (fc.ep1[s] !== NIL) add(fc.ep1[s]!, s);
      for (const ep of fc.epMore[s]?.keys() ?? []) add(ep, s);
    }
    return (this.byOuterDst = m);
  }

  private sideOf(s: number, input: number): number {
    const fc = this.fc;
    const sc = this.sc;
    const last = fc.sideLast[s]!;
    if (last !== NIL && sc.input[last] === input) return last;
    for (let d = fc.side[s]!; d !== NIL; d = sc.next[d]!) if (sc.input[d] === input) return d;
    const d = sc.alloc();
    this.paths.ensure(sc.cap);
    sc.input[d] = input;
    sc.next[d] = NIL;
    sc.requests[d] = sc.replies[d] = sc.answered[d] = sc.undelivered[d] = sc.unanswered[d] = 0;
    sc.notEncapsulated[d] = sc.resets[d] = 0;
    sc.lastNotEncapsulatedTs[d] = sc.firstSeen[d] = sc.lastSeen[d] = NaN;
    sc.bits[d] = 0;
    sc.reqIn[d] = sc.reqOut[d] = sc.reqBare[d] = sc.repIn[d] = sc.repOut[d] = sc.repBare[d] = 0;
    sc.reqUnkN[d] = sc.repUnkN[d] = 0;
    sc.pendState[d] = 0;
    sc.nextKey[d] = 0;
    sc.recentNewest[d] = -1;
    sc.recentCount[d] = 0;
    if (last === NIL) fc.side[s] = d;
    else sc.next[last] = d;
    fc.sideLast[s] = d;
    return d;
  }

  private addConv(p: Packet, v: Extract<View, { kind: 'conv' }>, ep: number): void {
    const fc = this.fc;
    const sc = this.sc;
    const r = this.rec;
    const s = this.flowFor(p, v);
    const d = this.sideOf(s, p.input);
    const t = v.tuple;
    const l4c = v.frame.l4!;
    // A ping to one's own address: client and server are one; the echo type tells the way.
    const fromClient = fc.client[s] === fc.server[s] && (l4c.kind === 'icmp' || l4c.kind === 'icmp6') ? isEchoRequest(l4c) : t.src === fc.client[s] && (fc.clientPort[s] === NIL || t.srcPort === fc.clientPort[s]);
    const tally = this.tally(p.input);
    if (fromClient) tally.forth++;
    else tally.back++;
    const hop = v.tunnel;
    fc.sightings[s]++;
    if (p.direction !== null) fc.cooked[s] = 1;
    const ts = orNaN(p.ts);
    if (ts === ts) {
      if (!(fc.firstSeen[s]! <= ts)) fc.firstSeen[s] = ts;
      if (!(fc.lastSeen[s]! >= ts)) fc.lastSeen[s] = ts;
      if (sc.firstSeen[d] !== sc.firstSeen[d]) sc.firstSeen[d] = ts;
      sc.lastSeen[d] = ts;
    }
    if (hop) {
      this.countEndpoint(s, ep);
      if (badOuterChecksum(p.frame)) fc.badChecksums[s]++;
      this.addMac(s, hop.innerSrcMac);
      this.addMac(s, hop.innerDstMac);
    }

    // The interface, where the capture names a real one: a name, or cooked v2's ifindex (a pcapng
    // interface id may be the "any" pseudo-interface, where every hop shares it).
    const placeIf = p.ifname ?? (p.frame.link === 'sll2' ? p.ifindex : null);
    const dir = dirCode(p.direction);
    let n = this.findSame(d, v, fromClient, ts, placeIf, dir, ep);
    let i: number;
    let role: number;
    if (n !== NIL) {
      i = n & r.mask;
      if (hop && !(r.bits[i]! & ENCAPSULATED)) {
        r.bits[i] |= ENCAPSULATED;
        r.encDir[i] = dir;
        r.encEp[i] = ep;
        r.encTs[i] = ts;
        r.encIfname[i] = this.opts.followPackets ? placeName(p) : null;
      }
      role = r.role[i]!;
    } else {
      n = this.newRecord(d, p, v, fromClient, ts, ep);
      i = n & r.mask;
      role = r.role[i]!;
      // The side's first request and first reply: their places are its paths.
      if (role === ROLE_REQUEST && this.paths.steps[d * 2] === 0) r.first[i] = 1;
      else if (role === ROLE_REPLY && this.paths.steps[d * 2 + 1] === 0) r.first[i] = 2;
      this.pushRecord(d, n);
      fc.packets[s]++;
      if (r.bits[i]! & STARTS_REQUEST) this.addRequest(d, i);
      if (r.bits[i]! & REFUSAL) sc.resets[d]++;
    }
    r.placeIf[i] = placeIf;
    r.placeDir[i] = dir;
    r.placeEp[i] = ep;
    const first = r.first[i]!;
    if (first !== 0) this.paths.append(d * 2 + first - 1, p.ifname, p.ifindex, dir, p.ts, ep, hop ? hop.port : null);
    if (role === ROLE_REQUEST && hop) sc.bits[d] |= REQUEST_ENCAPSULATED;
    const l4 = v.frame.l4!;
    if (l4.kind === 'tcp' && l4.flags & (TCP_FIN | TCP_RST) && fc.tcpEnd[s]! < 3) {
      fc.tcpEnd[s] |= l4.flags & TCP_RST ? 4 : fromClient ? 1 : 2;
      if (fc.tcpEnd[s]! >= 3) this.ended.push(s, fc.id[s]!);
    }

    // The first few sightings are kept, then only the newest (slot 3, rewritten).
    const kept = fc.seenCount[s]!;
    const e = s * 4 + (kept < EVIDENCE_FIRST ? kept : EVIDENCE_FIRST);
    fc.seenCount[s] = kept < EVIDENCE_FIRST ? kept + 1 : EVIDENCE_FIRST + 1;
    const sn = this.seen;
    sn.bits[e] = role | (fromClient ? 4 : 0) | (dir << 3);
    sn.input[e] = p.input;
    sn.no[e] = p.no;
    sn.line[e] = orNaN(p.line);
    sn.ts[e] = ts;
    sn.ifname[e] = p.ifname;
    sn.ifindex[e] = orNaN(p.ifindex);
    sn.ep[e] = ep;
    sn.port[e] = hop && hop.port !== null ? hop.port : NIL;
    sn.type[e] = l4.kind === 'tcp' ? l4.flags : l4.kind === 'udp' ? 0 : l4.type;
    sn.seq[e] = l4.kind === 'udp' ? NaN : orNaN(l4.seq);
    sn.len[e] = l4.kind === 'udp' || l4.kind === 'tcp' ? orNaN(l4.payloadLen) : NaN;
  }

  /** A new packet record: what this packet is to its flow (a request, a reply and to which request, or neither). */
  private newRecord(d: number, p: Packet, v: Extract<View, { kind: 'conv' }>, fromClient: boolean, ts: number, ep: number): number {
    const r = this.rec;
    const sc = this.sc;
    const n = r.push();
    const i = n & r.mask;
    const l4 = v.frame.l4!;
    const hop = v.tunnel;
    const follow = this.opts.followPackets === true;
    r.side[i] = d;
    r.prev[i] = -1;
    r.bits[i] = (fromClient ? FROM_CLIENT : 0) | (hop ? ENCAPSULATED : 0);
    r.role[i] = ROLE_OTHER;
    r.first[i] = 0;
    r.key[i] = NaN;
    r.sigType[i] = 0;
    r.sigSeq[i] = r.sigAck[i] = r.sigLen[i] = NaN;
    r.sigIpId[i] = orNaN(v.ip.id);
    r.ts[i] = ts;
    r.encDir[i] = hop ? dirCode(p.direction) : 0;
    r.encEp[i] = hop ? ep : NIL;
    r.encTs[i] = hop ? ts : NaN;
    r.encIfname[i] = hop && follow ? placeName(p) : null;
    r.ifname[i] = follow ? placeName(p) : null;
    switch (l4.kind) {
      case 'icmp':
      case 'icmp6': {
        const req = isEchoRequest(l4);
        r.sigType[i] = l4.type;
        r.sigSeq[i] = orNaN(l4.seq);
        r.role[i] = req === fromClient ? (req ? ROLE_REQUEST : ROLE_REPLY) : ROLE_OTHER;
        if (r.role[i] === ROLE_REQUEST) r.bits[i] |= STARTS_REQUEST;
        r.key[i] = orNaN(l4.seq);
        break;
      }
      case 'tcp': {
        r.sigType[i] = l4.flags;
        r.sigSeq[i] = orNaN(l4.seq);
        r.sigAck[i] = orNaN(l4.ack);
        r.sigLen[i] = orNaN(l4.payloadLen);
        const syn = (l4.flags & TCP_SYN) !== 0;
        const ack = (l4.flags & TCP_ACK) !== 0;
        if (syn && !ack && fromClient) sc.bits[d] |= SAW_SYN;
        else if (syn && ack && !fromClient) sc.bits[d] |= SAW_SYN_ACK;
        const tcp = (sc.tcp[d] ??= new TcpSide());
        const seg = segmentOf(r, i, ts, l4.window);
        if (tcp.isRefusal(seg)) {
          r.bits[i] |= REFUSAL;
          r.role[i] = ROLE_OTHER;
          break;
        }
        // Every segment is the client's or the server's part of the exchange; only those that
        // consume sequence space are requests, answered by the peer's acknowledgement.
        r.role[i] = fromClient ? ROLE_REQUEST : ROLE_REPLY;
        const res = tcp.segment(seg);
        if (res.kind === 'new') {
          r.bits[i] |= STARTS_REQUEST;
          r.key[i] = res.key;
        }
        break;
      }
      case 'udp':
        r.sigLen[i] = orNaN(l4.length);
        r.role[i] = fromClient ? ROLE_REQUEST : ROLE_REPLY;
        if (fromClient) r.bits[i] |= STARTS_REQUEST;
        break;
    }
    return n;
  }

  /** An earlier record (its number) of the same packet seen at another place (hop) moments ago, or NIL. */
  private findSame(d: number, v: Extract<View, { kind: 'conv' }>, fromClient: boolean, ts: number, placeIf: string | number | null, dir: number, ep: number): number {
    let left = this.sc.recentCount[d]!;
    if (left === 0) return NIL;
    const r = this.rec;
    const l4 = v.frame.l4!;
    let type = 0;
    let seq = NaN;
    let ack = NaN;
    let len = NaN;
    if (l4.kind === 'tcp') {
      type = l4.flags;
      seq = orNaN(l4.seq);
      ack = orNaN(l4.ack);
      len = orNaN(l4.payloadLen);
    } else if (l4.kind === 'udp') len = orNaN(l4.length);
    else {
      type = l4.type;
      seq = orNaN(l4.seq);
    }
    const ipId = orNaN(v.ip.id);
    const fcBit = fromClient ? FROM_CLIENT : 0;
    // A place is known when it names an interface or the outer addresses; bare sightings without
    // either (cooked v1 text without -e) may be any interface, so they may still be the same packet.
    const known = placeIf !== null || ep !== NIL;
    for (let n = this.sc.recentNewest[d]!; left > 0; left--) {
      const i = n & r.mask;
      const o = n;
      n = r.prev[i]!;
      if ((r.bits[i]! & FROM_CLIENT) !== fcBit || r.sigType[i] !== type) continue;
      if (Math.abs(ts - r.ts[i]!) > SAME_PACKET_WINDOW) continue;
      if (!eqOrUnknown(r.sigSeq[i]!, seq) || !eqOrUnknown(r.sigAck[i]!, ack) || !eqOrUnknown(r.sigLen[i]!, len) || !eqOrUnknown(r.sigIpId[i]!, ipId)) continue;
      if (known && r.placeIf[i] === placeIf && r.placeDir[i] === dir && r.placeEp[i] === ep) continue;
      return o;
    }
    return NIL;
  }

  /** The side's oldest unsettled record. */
  private oldestRecent(d: number): number {
    const r = this.rec;
    let n = this.sc.recentNewest[d]!;
    for (let k = this.sc.recentCount[d]!; k > 1; k--) n = r.prev[n & r.mask]!;
    return n;
  }

  private pushRecord(d: number, n: number): void {
    const sc = this.sc;
    if (sc.recentCount[d]! >= RECENT) {
      const oldest = this.oldestRecent(d);
      sc.recentCount[d]--;
      this.settle(d, oldest);
    }
    this.rec.prev[n & this.rec.mask] = sc.recentCount[d]! > 0 ? sc.recentNewest[d]! : -1;
    sc.recentNewest[d] = n;
    sc.recentCount[d]++;
  }

  private addRequest(d: number, i: number): void {
    const sc = this.sc;
    const r = this.rec;
    sc.requests[d]++;
    let key = r.key[i]!;
    if (key !== key) key = -1 - sc.nextKey[d]++;
    r.key[i] = key;
    if (sc.pendingHas(d, key)) return; // a retransmission of a request still waiting
    sc.addPending(d, key, r.ts[i]!, MAX_PENDING);
  }

  /**
   * A packet record leaves the recent window: its sightings are all in. A reply counts only if it
   * went back the way the request came: through the tunnel when the request arrived through it.
   */
  private settle(d: number, n: number): void {
    const sc = this.sc;
    const r = this.rec;
    const i = n & r.mask;
    r.bits[i] |= SETTLED;
    const encapsulated = (r.bits[i]! & ENCAPSULATED) !== 0;
    const inTunnelScope = encapsulated || (sc.bits[d]! & REQUEST_ENCAPSULATED) !== 0;
    const role = r.role[i]!;
    const ts = r.ts[i]!;
    if (role !== ROLE_OTHER) {
      if (this.opts.followPackets && (sc.sightings[d]?.length ?? 0) < SIGHTINGS_KEPT) {
        const ep = r.encEp[i]!;
        const facts = {
          sigSeq: orNull(r.sigSeq[i]!), sigIpId: orNull(r.sigIpId[i]!), ts: orNull(ts), encapsulated, encapDirection: dirOf(r.encDir[i]!),
          encapSrc: ep !== NIL ? this.eps.src[ep]! : null, encapDst: ep !== NIL ? this.eps.dst[ep]! : null, encapTs: orNull(r.encTs[i]!), encapIfname: r.encIfname[i]!, ifname: r.ifname[i]!,
        };
        sc.sightings[d] = (sc.sightings[d] ?? []).concat(sightingOf(sc.input[d]!, role === ROLE_REQUEST ? 'request' : 'reply', facts));
      }
      const request = role === ROLE_REQUEST;
      const encDir = r.encDir[i];
      if (!encapsulated) request ? sc.reqBare[d]++ : sc.repBare[d]++;
      else if (encDir === DIR_IN) request ? sc.reqIn[d]++ : sc.repIn[d]++;
      else if (encDir === DIR_OUT) request ? sc.reqOut[d]++ : sc.repOut[d]++;
      else this.countUnknown(d, request, this.eps.src[r.encEp[i]!]!);
    }
    if (inTunnelScope && !encapsulated) {
      sc.notEncapsulated[d]++;
      if (ts === ts && !(sc.lastNotEncapsulatedTs[d]! >= ts)) sc.lastNotEncapsulatedTs[d] = ts;
    }
    if (role === ROLE_REPLY) sc.replies[d]++;
    const delivered = !(sc.bits[d]! & REQUEST_ENCAPSULATED) || encapsulated;
    const tcp = sc.tcp[d];
    if (tcp) {
      this.settleTcp(d, tcp, i, delivered);
      return;
    }
    if (role !== ROLE_REPLY) return;
    const key = r.key[i]!;
    if (key === key) {
      if (this.sc.pendingHas(d, key)) this.sc.answer(d, key, delivered);
      return;
    }
    // A reply that names no request answers every request waiting before it.
    this.sc.forEachPending(d, (k, pendTs) => {
      if (!(pendTs > ts)) this.sc.answer(d, k, delivered);
    });
  }

  /** A settled TCP segment answers what its ACK covers (or, a RST, everything the peer sent before it). */
  private settleTcp(d: number, tcp: TcpSide, i: number, delivered: boolean): void {
    const sc = this.sc;
    const r = this.rec;
    const ts = r.ts[i]!;
    const seg = segmentOf(r, i, ts, NaN);
    const implicit = tcp.implicitSynAnswer(seg);
    if (implicit === implicit && sc.pendingHas(d, implicit)) {
      sc.answer(d, implicit, true);
      tcp.answered(implicit, ts);
    }
    const res = tcp.answers(seg);
    if (!res) return;
    sc.forEachPending(d, (k, pendTs) => {
      if (!covered(k, res.dir, res.upTo) || pendTs > ts) return;
      sc.answer(d, k, delivered);
      if (delivered) tcp.answered(k, ts);
    });
  }

  /** Counts one more encapsulated sighting from `src` whose direction is not known yet. */
  private countUnknown(d: number, request: boolean, src: string): void {
    const sc = this.sc;
    const srcs = request ? sc.reqUnkSrc : sc.repUnkSrc;
    const counts = request ? sc.reqUnkN : sc.repUnkN;
    if (srcs[d] === null) {
      srcs[d] = src;
      counts[d] = 1;
    } else if (srcs[d] === src) counts[d]++;
    else {
      const more = request ? sc.reqUnkMore : sc.repUnkMore;
      more[d] = countUnknown(more[d]!, src);
    }
  }

  /** A flow is over (idle, or the capture ended): count what stayed unanswered, hand it on, forget it. */
  private close(s: number, nodes: InputNode[]): void {
    const fc = this.fc;
    const sc = this.sc;
    const sides: Side[] = [];
    for (let d = fc.side[s]!; d !== NIL; ) {
      const count = sc.recentCount[d]!;
      if (count > 0) {
        // Settled oldest first, as they came.
        const list: number[] = [];
        for (let n = sc.recentNewest[d]!; list.length < count; n = this.rec.prev[n & this.rec.mask]!) list.push(n);
        sc.recentCount[d] = 0;
        for (let k = list.length - 1; k >= 0; k--) this.settle(d, list[k]!);
      }
      const end = this.inputs[sc.input[d]!]?.end ?? null;
      let unanswered = sc.unanswered[d]!;
      let pendingAtEnd = 0;
      this.sc.forEachPending(d, (_k, ts, undelivered) => {
        if (undelivered || (ts === ts && end !== null && end - ts >= this.opts.replyTimeout)) unanswered++;
        else pendingAtEnd++;
      });
      const side = sideObject(this.stores, d, fc.tunnel[s] ?? null, unanswered, pendingAtEnd, sc.tcp[d]?.summary() ?? null);
      const local = nodes.find((x) => x.input === side.input)?.local ?? [];
      resolveDirections(side.requestPassage, local);
      resolveDirections(side.replyPassage, local);
      sides.push(side);
      const next = sc.next[d]!;
      sc.reqUnkSrc[d] = sc.repUnkSrc[d] = null;
      sc.reqUnkMore[d] = sc.repUnkMore[d] = sc.sightings[d] = sc.pendMap[d] = sc.tcp[d] = null;
      this.paths.reset(d * 2);
      this.paths.reset(d * 2 + 1);
      sc.release(d);
      d = next;
    }
    const late = fc.late[s] === 1 && sides.every((d) => d.requests === 0) && !fc.errors[s];
    const flow = late ? null : flowObject(this.stores, s, sides);
    if (fc.proto[s] === TCP_CODE && !late) {
      this.closedTcp.delete(fc.key[s]!);
      this.closedTcp.add(fc.key[s]!);
      if (this.closedTcp.size > CLOSED_TCP_KEPT) this.closedTcp.delete(this.closedTcp.values().next().value!);
    }

    const b = this.bucket(fc.key[s]!);
    if (this.buckets[b] === s) this.buckets[b] = fc.hashNext[s]!;
    else {
      let o = this.buckets[b]!;
      while (fc.hashNext[o] !== s) o = fc.hashNext[o]!;
      fc.hashNext[o] = fc.hashNext[s]!;
    }
    this.open--;
    this.unqueue(s);
    this.indexFlow(s, false);
    fc.id[s] = 0;
    fc.client[s] = fc.server[s] = null;
    fc.tunnel[s] = null;
    fc.epMore[s] = fc.errors[s] = fc.errorEvidence[s] = null;
    fc.mac0[s] = fc.mac1[s] = null;
    fc.macMore[s] = null;
    for (let e = s * 4; e < s * 4 + 4; e++) this.seen.ifname[e] = null;
    fc.release(s);
    if (!flow) this.counts.late++;
    else if (this.opts.onFlow) this.opts.onFlow(flow, nodes);
    else this.closedFlows.push(flow);
  }

  /** Ends the capture: settles every packet, ties the remaining errors to flows, closes every flow. */
  finish(): TableResult {
    this.endInput();
    this.byOuterDst = null;
    for (const e of this.errors) this.attribute(e);
    this.errors = [];
    const nodes = this.nodes();
    const fc = this.fc;
    const open = this.openFlows().sort((a, b) => fc.id[a]! - fc.id[b]!);
    for (const s of open) this.close(s, nodes);
    this.ended = [];
    this.endedHead = 0;
    const flows = this.closedFlows.splice(0).sort((a, b) => a.id - b.id);
    if (this.counts.late > 0) {
      const n = this.counts.late;
      this.notes.push(`${n} late ${n === 1 ? 'part' : 'parts'} of TCP connections closed earlier (acknowledgements, keep-alives or a reset long after the last data) not judged on ${n === 1 ? 'its' : 'their'} own`);
    }
    if (this.counts.evicted > 0) {
      const n = this.counts.evicted;
      this.notes.push(`${n} ${n === 1 ? 'flow was' : 'flows were'} closed before going idle, to keep at most ${this.opts.maxFlows} open at once (--max-flows): each is judged on what it had seen by then`);
    }
    for (const [t, { counts }] of this.tunnelEps) for (const ep of counts.order) t.endpoints.set(this.eps.key[ep]!, counts.get(ep));
    return { flows, nodes: nodes.filter((n) => n !== undefined), tunnels: [...this.tunnels.values()], arp: [...this.arp.values()], end: this.end, counts: { ...this.counts }, notes: this.notes };
  }

  /** Each input's node: its own tunnel addresses where the capture shows them. */
  private nodes(): InputNode[] {
    const out: InputNode[] = [];
    this.inputs.forEach((t, input) => {
      let local: string[] = [];
      const votes = this.votesOf(t);
      if (t.cooked) {
        local = [...votes].filter(([, n]) => n >= 1e6).map(([a]) => a);
      } else if (t.encapsulated > 0) {
        // Without directions, the node's address is the one in every encapsulated packet, if only one is
        // (ARP requests it sent break a tie between the two ends of a single tunnel).
        const all = [...votes].filter(([, n]) => n >= t.encapsulated).sort((a, b) => b[1] - a[1]);
        if (all.length === 1 || (all.length > 1 && all[0]![1] > all[1]![1])) local = [all[0]![0]];
      } else {
        local = [...votes.keys()];
      }
      out[input] = { input, local, cooked: t.cooked, oneWay: t.back === 0 && t.forth > 0, forth: t.forth, truncated: t.truncated };
    });
    return out;
  }

  private openFlows(): number[] {
    const out: number[] = [];
    for (let s = this.qHead; s !== NIL; s = this.fc.qNext[s]!) out.push(s);
    return out;
  }

  /** A pair of addresses as a small number, the same both ways round (pairs that share one are told apart by the lookup's test). */
  private static pairKey(a: string, b: string): number {
    const x = strHash(a);
    const y = strHash(b);
    return (Math.imul(x < y ? x : y, 0x9e3779b1) ^ (x < y ? y : x)) & 0x3fffffff;
  }

  /** The time of the flow's newest request still waiting at `input` no later than `ts`, or -Infinity. */
  private lastRequestBefore(s: number, input: number, ts: number): number {
    let best = -Infinity;
    for (let d = this.fc.side[s]!; d !== NIL; d = this.sc.next[d]!) {
      if (this.sc.input[d] !== input) continue;
      this.sc.forEachPending(d, (_k, pendTs) => {
        if (pendTs <= ts && pendTs > best) best = pendTs;
      });
    }
    return best;
  }

  /** The open flows (slots) of a set that pass a test, oldest first. */
  private byId(slots: Iterable<number> | undefined, test: (s: number) => boolean): number[] {
    if (!slots) return [];
    const fc = this.fc;
    return [...slots].filter(test).sort((a, b) => fc.id[a]! - fc.id[b]!);
  }

  /** The request an ICMP error answers: at the error's capture point, the one it quotes (echo sequence), else the newest sent before it. */
  private answerByError(s: number, e: PendingError, exact: ReturnType<typeof quotedTuple>): void {
    const sc = this.sc;
    const l4 = e.quoted.frame ? innermost(e.quoted.frame).l4 : null;
    const seq = l4 && (l4.kind === 'icmp' || l4.kind === 'icmp6') ? l4.seq : null;
    for (let d = this.fc.side[s]!; d !== NIL; d = sc.next[d]!) {
      if (sc.input[d] !== e.input) continue;
      if (seq !== null && exact && sc.pendingHas(d, seq)) {
        sc.answer(d, seq, true);
        continue;
      }
      let best = NaN;
      let bestTs = -Infinity;
      sc.forEachPending(d, (k, ts) => {
        if ((e.ts === null || ts <= e.ts) && ts >= bestTs) {
          best = k;
          bestTs = ts;
        }
      });
      if (bestTs > -Infinity) sc.answer(d, best, true);
    }
  }

  /** Ties one ICMP error to the open flows it is about, as precisely as the error allows. */
  private attribute(e: PendingError): void {
    const fc = this.fc;
    const cls = errorClass(e.icmp);
    const q = e.quoted;
    const exact = quotedTuple(q);
    let targets: number[] = [];
    let how: Attribution = 'quoted';
    if (exact) {
      const tk = tupleKey(exact.tuple);
      const siblings: number[] = [];
      for (let s = this.buckets[this.bucket(tk)]!; s !== NIL; s = fc.hashNext[s]!) if (fc.key[s] === tk && sameTuple(fc, s, exact.tuple)) siblings.push(s);
      const scope = scopeOf(exact.tunnel ?? e.hop);
      const f = siblings.find((s) => scopeOf(fc.tunnel[s] ?? null) === scope) ?? (siblings.length === 1 ? siblings[0] : undefined);
      if (f !== undefined) targets = [f];
    }
    if (targets.length === 0) {
      // Only the destination is known (tcpdump text): the flows between the error's addressee and that host.
      how = 'host';
      const sender = e.ip.dst;
      const proto = q.proto;
      targets = this.byId(this.hostIndex().get(FlowTable.pairKey(q.dst, sender)), (s) =>
        ((fc.client[s] === q.dst && fc.server[s] === sender) || (fc.client[s] === sender && fc.server[s] === q.dst)) &&
        (proto === null || protoNumber(PROTOS[fc.proto[s]! - 1]!) === proto) &&
        (q.dstPort === null || fc.serverPort[s] === q.dstPort || fc.clientPort[s] === q.dstPort));
      // A port unreachable answers one datagram: when the text hides its source port, the flow whose
      // request came last before the error is the one (not every flow to that port at the time).
      if (targets.length > 1 && q.dstPort !== null && e.ts !== null) {
        const times = targets.map((s) => this.lastRequestBefore(s, e.input, e.ts!));
        const best = Math.max(...times);
        if (best > -Infinity) targets = targets.filter((_, i) => times[i] === best);
      }
    }
    if (targets.length === 0) {
      // The host is a tunnel endpoint: the flows carried to it.
      how = 'endpoint';
      targets = this.byId(this.outerDstIndex().get(q.dst), () => true);
    }
    if (targets.length === 0 && e.ip.src === e.ip.dst) {
      // The kernel reporting to itself that it could not send (no route, or no ARP answer for the
      // next hop): the tunnel flows whose packets failed to leave encapsulated at that node around then.
      how = 'inferred';
      const sc = this.sc;
      targets = this.byId(this.openFlows(), (s) => {
        for (let d = fc.side[s]!; d !== NIL; d = sc.next[d]!) {
          const last = sc.lastNotEncapsulatedTs[d]!;
          if (sc.input[d] === e.input && last === last && (e.ts === null || Math.abs(last - e.ts) <= LOCAL_ERROR_WINDOW)) return true;
        }
        return false;
      });
    }
    const qv = targets.length === 0 && q.frame ? viewOfFrame(q.frame) : null;
    if (qv && qv.kind === 'conv') {
      // An error about a conversation of which no other packet was captured still tells of it.
      const pseudo: Packet = { no: e.evidence.no, ts: e.ts, input: e.input, wireLen: null, ifname: null, ifindex: null, direction: null, line: e.evidence.line, frame: qv.frame };
      const s = this.flowFor(pseudo, { ...qv, tunnel: qv.tunnel ?? e.hop });
      this.sideOf(s, e.input);
      targets = [s];
    }
    for (const s of targets) {
      const aboutReply = exact !== null && exact.tuple.src === fc.server[s] && (fc.serverPort[s] === NIL || exact.tuple.srcPort === fc.serverPort[s]) && fc.client[s] !== fc.server[s];
      // A probe answered by time exceeded from a hop is a traceroute working as it should.
      if (cls === 'time-exceeded' && !aboutReply) this.answerByError(s, e, exact);
      const errors = fc.errors[s] ?? none<FlowError>();
      if (errors.length < 64) fc.errors[s] = errors.concat({ cls, from: e.ip.src, about: q.dst, mtu: e.icmp.mtu, ts: e.ts, attribution: how, input: e.input, local: e.ip.src === e.ip.dst, aboutReply });
      const evidence = fc.errorEvidence[s] ?? none<Evidence>();
      if (evidence.length < EVIDENCE_FIRST * 2) fc.errorEvidence[s] = evidence.concat({ ...e.evidence, attribution: how });
    }
  }
}

/** A TCP packet record as the TCP analyzer reads it. */
function segmentOf(r: Records, i: number, ts: number, window: number | null): Segment {
  return { fromClient: (r.bits[i]! & FROM_CLIENT) !== 0, flags: r.sigType[i]!, seq: r.sigSeq[i]!, ack: r.sigAck[i]!, len: r.sigLen[i]!, window: orNaN(window), ipId: r.sigIpId[i]!, ts };
}

/** Counts one more encapsulated sighting from `src` in a flat [src, n, src, n, ...] list. */
function countUnknown(u: (string | number)[] | null, src: string): (string | number)[] {
  if (u === null) return [src, 1];
  for (let i = 0; i < u.length; i += 2) {
    if (u[i] === src) {
      u[i + 1] = (u[i + 1] as number) + 1;
      return u;
    }
  }
  return u.length < 126 ? u.concat(src, 1) : u;
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

function protoNumber(p: FlowProto): number {
  return p === 'icmp' ? 1 : p === 'icmp6' ? 58 : p === 'tcp' ? 6 : 17;
}
