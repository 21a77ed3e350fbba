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

import type { Packet } from '../model.js';
import { attribute, type PendingError } from './attribution.js';
import type { Stores } from './closed.js';
import { close } from './closing.js';
import { FlowColumns, NIL, PathColumns, SeenColumns, SideColumns } from './columns.js';
import { addConv } from './conversation.js';
import { closeIdle, openFlows } from './expiry.js';
import { type ArpInfo, describePlace, type Flow, type InputNode, type TunnelInfo } from './flow.js';
import { describeError } from './icmp-errors.js';
import type { GivenNode } from './identity.js';
import { addArp, noteTunnel } from './inventory.js';
import { NatLinks } from './nat.js';
import { type InputTally, nodesOf, noteDirection, tallyOf, vote } from './nodes.js';
import { ANY, Endpoints, type EpCounts, MAX_PAIRS, Records } from './records.js';
import { settleBefore } from './sightings.js';
import { LOCAL_ERROR_WINDOW, MIN_IDLE_TIMEOUT, SAME_PACKET_WINDOW, TICK } from './timing.js';
import { viewOf, viewScratch } from './view.js';

export {
  type ArpInfo,
  type Attribution,
  describeHop,
  type Evidence,
  type Flow,
  type FlowError,
  flowEvidence,
  type Hop,
  type InputNode,
  type Passage,
  type Role,
  type Seen,
  type Side,
  type Sighting,
  type TunnelInfo,
} from './flow.js';
export { tupleKey } from './key.js';
export { MIN_IDLE_TIMEOUT } from './timing.js';

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
  /** Nodes the caller named, by input (--node): they override what the packets say. */
  given?: (GivenNode | undefined)[];
}

export const defaultFlowTableOptions: FlowTableOptions = { replyTimeout: 1, maxFlows: 1_000_000, idleTimeout: Infinity };

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

/** A listed tunnel's packets by outer endpoint pair, and the inner MAC last seen from and to each pair. */
export type TunnelEps = { counts: EpCounts; lastMac: (string | undefined)[]; lastDstMac: (string | undefined)[] };

export class FlowTable {
  readonly opts: FlowTableOptions;
  readonly fc = new FlowColumns();
  readonly seen = new SeenColumns();
  readonly sc = new SideColumns();
  readonly paths = new PathColumns();
  readonly rec = new Records();
  readonly eps = new Endpoints();
  readonly stores: Stores = { fc: this.fc, seen: this.seen, sc: this.sc, paths: this.paths, eps: this.eps };
  /** Open flows by tuple key: a bucket's first slot, chained through FlowColumns.hashNext. */
  buckets = new Int32Array(1024).fill(NIL);
  open = 0;
  /** Open flows, a linked list in the order tick() last looked at them: the idle ones are at the front. */
  qHead = NIL;
  qTail = NIL;
  /** TCP connections that ended, in the order they ended, as (slot, id) pairs: closed sooner than idle ones. */
  ended: number[] = [];
  endedHead = 0;
  /** Flows closed with no onFlow to take them. */
  readonly closedFlows: Flow[] = [];
  /** TCP conversations closed before the end, by tuple key (oldest first, at most CLOSED_TCP_KEPT): their late packets are no conversation of their own. */
  readonly closedTcp = new Set<number>();
  /**
   * Open flows (slots) by their pair of inner addresses, for errors that name only a host (tcpdump
   * text): built when the first such error is due, then kept as flows open and close (binary
   * captures rarely need it).
   */
  indexed = false;
  readonly byPair = new Map<number, Set<number>>();
  /** Open flows by the outer destinations they were carried to, for errors about a tunnel endpoint (rare): built when one is due, dropped at the next tick. */
  byOuterDst: Map<string, number[]> | null = null;
  readonly tunnels = new Map<string, TunnelInfo>();
  lastTunnel: TunnelInfo | null = null;
  /**
   * Each tunnel's packets by outer endpoint pair (its endpoints Map is filled from them at the end),
   * and the inner source MAC last seen from each pair.
   */
  readonly tunnelEps = new Map<TunnelInfo, TunnelEps>();
  readonly arp = new Map<string, ArpInfo>();
  /** Flows that are one connection before and after a NAT rewrite (nat.ts). */
  readonly nat = new NatLinks();
  errors: PendingError[] = [];
  /** Per input number. */
  readonly inputs: InputTally[] = [];
  /** Nodes the caller named, by input. */
  get given(): (GivenNode | undefined)[] {
    return this.opts.given ?? [];
  }
  nextId = 1;
  end: number | null = null;
  nextTick: number | null = null;
  /** What a conversation packet's view is written into (viewOf): no view outlives its packet's add(). */
  private readonly scratch = viewScratch();
  readonly counts = { packets: 0, conversations: 0, errors: 0, arp: 0, other: 0, evicted: 0, truncated: 0, late: 0 };
  readonly notes: string[] = [];

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
      const t = tallyOf(this, p.input);
      if (t.end === null || p.ts > t.end) t.end = p.ts;
      const r = this.rec;
      if (r.head < r.tail && r.ts[r.head & r.mask]! < p.ts - SAME_PACKET_WINDOW) settleBefore(this, p.ts - SAME_PACKET_WINDOW);
      if (this.nextTick === null) this.nextTick = p.ts + TICK;
      else if (p.ts >= this.nextTick) this.tick(p.ts);
    }
    if (p.direction === 'out' || p.direction === 'in') noteDirection(tallyOf(this, p.input), p);
    const v = viewOf(p, this.scratch);
    // The outer endpoints by number, looked up once for the tunnel inventory and the flow.
    const ep = v.tunnel ? this.eps.id(v.tunnel.outerSrc, v.tunnel.outerDst) : NIL;
    if (v.tunnel) noteTunnel(this, p, v.tunnel, ep);
    switch (v.kind) {
      case 'conv':
        this.counts.conversations++;
        addConv(this, p, v, ep);
        return;
      case 'error':
        this.counts.errors++;
        tallyOf(this, p.input).back++;
        if (v.ip.src === v.ip.dst) vote(this, p.input, v.ip.src, 1);
        if (this.errors.length < 100_000) {
          this.errors.push({
            input: p.input,
            ts: p.ts,
            ip: v.ip,
            icmp: v.icmp,
            quoted: v.quoted,
            hop: v.tunnel,
            evidence: {
              role: 'error',
              what: `${v.ip.src} > ${v.ip.dst}: ${describeError(v.icmp)}`,
              where: describePlace(p.ifname, p.ifindex, p.direction, v.tunnel),
              input: p.input,
              no: p.no,
              line: p.line,
              ts: p.ts,
            },
          });
        }
        return;
      case 'arp':
        this.counts.arp++;
        addArp(this, p, v.frame.arp!);
        return;
      default:
        this.counts.other++;
        if (v.reason.startsWith('truncated')) {
          this.counts.truncated++;
          tallyOf(this, p.input).truncated++;
        }
    }
  }

  /** An input is over: its packets' sightings are all in. Called between inputs and by finish(). */
  endInput(): void {
    settleBefore(this, Infinity);
  }

  /**
   * Housekeeping once per TICK of capture time: tie errors to flows once the flows' evidence
   * around them is in, close idle flows.
   */
  tick(now: number): void {
    this.nextTick = now + TICK;
    if (this.errors.length > 0) {
      const due = now - LOCAL_ERROR_WINDOW;
      const later: PendingError[] = [];
      for (const e of this.errors) {
        if (e.ts !== null && e.ts < due) attribute(this, e);
        else later.push(e);
      }
      this.errors = later;
      this.byOuterDst = null;
    }
    if (this.opts.idleTimeout !== Infinity) closeIdle(this, now);
  }

  /** Ends the capture: settles every packet, ties the remaining errors to flows, closes every flow. */
  finish(): TableResult {
    this.endInput();
    this.byOuterDst = null;
    for (const e of this.errors) attribute(this, e);
    this.errors = [];
    const nodes = nodesOf(this);
    const fc = this.fc;
    const open = openFlows(this).sort((a, b) => fc.id[a]! - fc.id[b]!);
    for (const s of open) close(this, s, nodes);
    this.ended = [];
    this.endedHead = 0;
    const flows = this.closedFlows.splice(0).sort((a, b) => a.id - b.id);
    if (this.counts.late > 0) {
      const n = this.counts.late;
      this.notes.push(
        `${n} late ${n === 1 ? 'part' : 'parts'} of TCP connections closed earlier (acknowledgements, keep-alives or a reset long after the last data) not judged on ${n === 1 ? 'its' : 'their'} own`,
      );
    }
    if (this.counts.evicted > 0) {
      const n = this.counts.evicted;
      this.notes.push(
        `${n} ${n === 1 ? 'flow was' : 'flows were'} closed before going idle, to keep at most ${this.opts.maxFlows} open at once (--max-flows): each is judged on what it had seen by then`,
      );
    }
    for (const [t, { counts }] of this.tunnelEps) for (const ep of counts.byFirstSighting()) t.endpoints.set(this.eps.key[ep]!, counts.get(ep));
    if (this.eps.spilled > 0)
      this.notes.push(
        `${this.eps.spilled} encapsulated packets came from more outer endpoint pairs than are kept (${MAX_PAIRS}): counted from ${ANY} (a flood of spoofed outer sources?)`,
      );
    return {
      flows,
      nodes: nodes.filter((n) => n !== undefined),
      tunnels: [...this.tunnels.values()],
      arp: [...this.arp.values()],
      end: this.end,
      counts: { ...this.counts },
      notes: this.notes,
    };
  }
}
