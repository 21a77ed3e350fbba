/**
 * Flow -> verdict, locus, lost packets; explanation and next steps on demand.
 *
 * facts() reads the counts the flow table kept; the verdict comes from the rule table in
 * rules.ts, where it broke from the table in where.ts; Judge takes the flows the table closes
 * and judges each when what it needs is known (across.ts follows packets between captures).
 * The explanation (explain.ts) turns the same facts and the flow's evidence into words.
 */
import type { Flow, FlowError, InputNode, Side } from '../flows/flow.js';
import { udpProtocol } from '../flows/udp.js';
import { type ClockOffset, clockOffsets, coverage, type LostPacket, lostPackets } from './across.js';
import { type Rewrite, sourceRewrite } from './anomalies.js';
import { type Facts, type Rule, type Verdict, verdictOf } from './rules.js';
import { type LocusResult, locate, neverArrived, primarySide } from './where.js';

export { type Facts, RULES, type Rule, VERDICTS, type Verdict, verdictOf } from './rules.js';
export { type Locus, type LocusResult, locate, primarySide, type SideRole, sideRole } from './where.js';

export interface Classified {
  verdict: Verdict;
  rule: Rule;
  facts: Facts;
  /** Where it broke (null when healthy or when the capture cannot tell). */
  locus: LocusResult | null;
  /** The capture point whose view gave the verdict. */
  side: Side;
}

/** A capture point with this many client packets and not one in an answering direction is a one-direction capture, not a dead network. */
const BUSY_POINT = 50;

/** The counts of the deciding side, and every ICMP error tied to the flow at any capture point. */
export function facts(flow: Flow, side: Side = primarySide(flow), nodes: InputNode[] = []): Facts {
  const count = (cls: FlowError['cls']) => flow.errors.filter((e) => e.cls === cls).length;
  const node = nodes.find((n) => n.input === side.input);
  const tcp = side.tcp;
  const retransmitted = tcp ? tcp.retransmissions + tcp.synRetries : 0;
  // An error about a reply (it died on the way back, or came after the client gave up) un-answers its request.
  const lostReplies = Math.min(side.answered, flow.errors.filter((e) => e.aboutReply && e.input === side.input && e.cls !== 'time-exceeded').length);
  const udp = flow.proto === 'udp' ? udpProtocol(flow.serverPort, flow.clientPort) : null;
  const noReplyExpected = udp !== null && udp.expects !== 'reply' && side.replies === 0;
  return {
    requests: side.requests,
    answered: side.answered - lostReplies,
    unanswered: side.unanswered + lostReplies,
    undelivered: side.undelivered,
    pending: side.pendingAtEnd,
    replies: side.replies,
    resets: side.resets,
    unreachable: count('unreachable'),
    refused: count('refused'),
    prohibited: count('prohibited'),
    fragNeeded: count('frag-needed'),
    timeExceeded: count('time-exceeded'),
    oneWay: node?.oneWay ?? false,
    oneDirectionCapture: (node?.oneWay ?? false) && (node?.forth ?? 0) >= BUSY_POINT,
    retransmitted,
    oneSidedAlive: tcp !== null && tcp.oneSided !== null && tcp.peerAlive && !tcp.backoff,
    stalled: tcp !== null && tcp.backoff,
    noReplyExpected,
    neverArrived: noReplyExpected && nodes.length > 1 && neverArrived(flow, nodes),
  };
}

export interface ClassifyOptions {
  replyTimeout: number;
}

/** How bad a verdict is, to judge a NATed connection by the worse of its two halves (ties: the half after the rewrite, which knows the tunnel). */
const SEVERITY: Record<Verdict, number> = {
  healthy: 0,
  incomplete: 1,
  lossy: 2,
  'request-only': 3,
  refused: 3,
  filtered: 3,
  'frag-needed': 3,
  'host-unreachable': 3,
};

export function classify(flow: Flow, nodes: InputNode[], opts: ClassifyOptions): Classified {
  const back = classifyOne(flow, nodes);
  if (!flow.nat) return back;
  const front = classifyOne(flow.nat.front, nodes);
  return SEVERITY[front.verdict] > SEVERITY[back.verdict] ? front : back;
}

function classifyOne(flow: Flow, nodes: InputNode[]): Classified {
  const side = primarySide(flow);
  const f = facts(flow, side, nodes);
  const { verdict, rule } = verdictOf(f);
  const locus = locate(flow, nodes, verdict !== 'healthy' && verdict !== 'incomplete');
  return { verdict, rule, facts: f, locus, side };
}

export { describe } from './explain.js';

/** A flow with its verdict; its lost packets are worked out only for the flows the report shows. */
export interface Judged {
  flow: Flow;
  nodes: InputNode[];
  c: Classified;
  lost: () => LostPacket[];
}

const MAX_WAITING = 100_000;

/** Flows of several capture points held for their clock offsets when the inputs are read together. */
export const HELD_FLOWS = 2000;

export interface JudgeOptions extends ClassifyOptions {
  /**
   * Several capture points read together: at most this many flows wait for the end (default: all);
   * past it, clock offsets come from them and every flow is judged as it closes.
   */
  held?: number | undefined;
  /** The last time each input has shown so far (by its own clock): how far its capture is known to have run. */
  inputEnd?: ((input: number) => number | null) | undefined;
}
const MAX_REWRITES = 100;

/**
 * Judges the flows the table closes. With several capture points, the packets followed between
 * them need every flow first (clock offsets come from all of them), so flows wait for finish();
 * so do flows judged at a capture point that has shown nothing in an answering direction yet,
 * which may still show some later (a bounded number of them).
 */
export class Judge {
  /** Several capture points: flows wait for finish() (or up to opts.held), where single packets are followed between them. */
  private held: Flow[] | null;
  private readonly waiting: Flow[] = [];
  private offsets: ClockOffset[] = [];
  private coverage: Map<number, [number, number]> | null = null;
  /** Flows whose outer source was rewritten on the way, one per pair of addresses (anomalies.ts). */
  readonly rewrites = new Map<string, Rewrite>();

  constructor(
    private readonly inputs: number,
    private readonly opts: JudgeOptions,
    private readonly onJudged: (j: Judged) => void,
  ) {
    this.held = inputs > 1 ? [] : null;
  }

  add(flow: Flow, nodes: InputNode[]): void {
    if (this.held) {
      this.held.push(flow);
      if (this.held.length > (this.opts.held ?? Infinity)) this.release(nodes);
      return;
    }
    // Several capture points judged as their flows close: what each is known to cover grows as they are read.
    if (this.coverage && this.opts.held !== undefined) this.extendCoverage([flow]);
    if (this.waiting.length < MAX_WAITING && flow.sides.some((s) => nodes.find((n) => n.input === s.input)?.oneWay)) this.waiting.push(flow);
    else this.judge(flow, nodes);
  }

  /** Judges the flows that waited; the clock offsets between the inputs (none with one input). */
  finish(nodes: InputNode[]): ClockOffset[] {
    if (this.held) this.release(nodes, true);
    for (const flow of this.waiting) this.judge(flow, nodes);
    this.waiting.length = 0;
    return this.offsets;
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
    for (let i = 0; i < this.inputs; i++) {
      const t = end(i);
      const c = cov.get(i);
      if (t === null) continue;
      if (!c) cov.set(i, [t, t]);
      else if (t > c[1]) c[1] = t;
    }
  }

  private judge(flow: Flow, nodes: InputNode[]): void {
    const rewrite = sourceRewrite(flow, nodes);
    if (rewrite && !this.rewrites.has(rewrite.key) && this.rewrites.size < MAX_REWRITES) this.rewrites.set(rewrite.key, rewrite);
    const cov = this.coverage;
    const lost = () => (cov && nodes.length > 1 ? lostPackets(flow, nodes, this.offsets, cov) : []);
    this.onJudged({ flow, nodes, c: classify(flow, nodes, this.opts), lost });
  }
}
