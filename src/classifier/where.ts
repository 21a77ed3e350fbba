/**
 * Where a conversation broke, from what each capture point (side) saw: an ordered table, first
 * match wins, like the verdict rules (rules.ts).
 *
 * Each input is one capture point, usually one node. A side is the client's node when the
 * requests leave it encapsulated (or replies arrive), the server's node when requests arrive
 * encapsulated (or replies leave).
 */
import type { Flow, FlowError, InputNode, Side } from '../flows/flow.js';

export type Locus =
  /** Inside a captured node: seen on the overlay device but never sent encapsulated, or the node reported the peer endpoint unreachable. */
  | 'node'
  /** It left a captured node (encapsulated) and nothing came back; no capture from the other end. */
  | 'beyond'
  /** It left one captured node towards another captured node and never arrived there. */
  | 'underlay'
  /** It arrived at the other captured node, and no answer left that node. */
  | 'remote-node';

export type SideRole = 'client' | 'server' | 'unknown';

export function sideRole(s: Side): SideRole {
  if (s.requestPassage.out > 0 || s.replyPassage.in > 0) return 'client';
  if (s.requestPassage.in > 0 || s.replyPassage.out > 0 || s.undelivered > 0) return 'server';
  return 'unknown';
}

/** The side whose view decides the verdict: the client's node when captured (it knows whether answers came back), else the busiest. */
export function primarySide(flow: Flow): Side {
  const client = flow.sides.find((s) => sideRole(s) === 'client');
  if (client) return client;
  let best = flow.sides[0]!;
  for (const s of flow.sides) if (s.requests > best.requests) best = s;
  return best;
}

export interface LocusResult {
  locus: Locus;
  /** The input the locus is at or starts from. */
  input: number;
  /** Words for the explanation: what was seen where. */
  detail: string;
}

/** What the rules look at: the flow's sides by role, and where the client's node sent the requests. */
interface Seen {
  flow: Flow;
  undelivered: Side | undefined;
  /** An unreachable or frag-needed error the node sent to itself. */
  localError: FlowError | undefined;
  client: Side | undefined;
  server: Side | undefined;
  /** Outer destinations of the client node's encapsulated packets. */
  peers: string[];
  /** The input whose node those packets went to (the server's side, or a captured node with that address). */
  serverInput: number | undefined;
  /** What that input saw of the flow. */
  serverSide: Side | undefined;
}

export interface WhereRule {
  locus: Locus;
  /** The condition, in words. */
  when: string;
  /** The input and the detail when the rule matches, else null. */
  test: (s: Seen) => { input: number; detail: string } | null | undefined;
}

const towards = (s: Seen) => s.peers.join(', ');

export const WHERE: readonly WhereRule[] = [
  {
    locus: 'node',
    when: 'a reply was made on the overlay device and never left encapsulated',
    test: (s) => s.undelivered && { input: s.undelivered.input, detail: 'the reply was made on the overlay device but never left encapsulated' },
  },
  {
    locus: 'node',
    when: 'the node reported an address unreachable (or fragmentation needed) to itself',
    test: (s) => s.localError && { input: s.localError.input, detail: `the node reported ${s.localError.about} unreachable to itself` },
  },
  {
    locus: 'beyond',
    when: "the client's node is captured, the node its requests went to is not",
    test: (s) =>
      s.client && s.serverInput === undefined
        ? {
            input: s.client.input,
            detail:
              s.client.requestPassage.out > 0
                ? `the requests left encapsulated${s.peers.length ? ` towards ${towards(s)}` : ''} and nothing came back`
                : 'the requests left and nothing came back',
          }
        : null,
  },
  {
    locus: 'underlay',
    when: 'both nodes are captured, and the requests never arrived at the server node',
    test: (s) =>
      s.client && (!s.serverSide || s.serverSide.requests === 0)
        ? { input: s.client.input, detail: `the requests left encapsulated towards ${towards(s) || 'the peer'} and never arrived at the captured peer node` }
        : null,
  },
  {
    locus: 'remote-node',
    when: 'both nodes are captured, the requests arrived, and no answer left the server node',
    test: (s) =>
      s.client && s.serverSide && s.serverSide.replyPassage.out === 0
        ? { input: s.serverSide.input, detail: 'the requests arrived at the peer node and no answer left it' }
        : null,
  },
  {
    locus: 'underlay',
    when: "both nodes are captured, the answers left the server node and never arrived at the client's",
    test: (s) =>
      s.client && s.serverSide && s.client.replyPassage.in === 0
        ? { input: s.serverSide.input, detail: 'the replies left the peer node encapsulated and never arrived back' }
        : null,
  },
  {
    locus: 'beyond',
    when: 'both nodes are captured and the packets crossed them',
    test: (s) => s.client && { input: s.client.input, detail: 'the packets crossed the captured nodes' },
  },
  {
    locus: 'node',
    when: "only the server's node is captured: the requests arrived and no answer left it",
    test: (s) =>
      s.server && s.server.replyPassage.out === 0 ? { input: s.server.input, detail: 'the requests arrived encapsulated and no answer left this node' } : null,
  },
  {
    locus: 'beyond',
    when: "only the server's node is captured, and the answers left it",
    test: (s) => s.server && { input: s.server.input, detail: 'the answers left this node encapsulated' },
  },
  {
    locus: 'beyond',
    when: 'anything else: a capture point of unknown role',
    test: (s) => ({ input: s.flow.sides[0]!.input, detail: 'nothing came back to the capture point' }),
  },
];

/** Outer destinations of the flow's encapsulated packets that left the given node. */
function sentTo(flow: Flow, local: string[]): string[] {
  const out: string[] = [];
  for (const ep of flow.endpoints.keys()) {
    const [s, d] = ep.split('>') as [string, string];
    if (local.includes(s) && !out.includes(d)) out.push(d);
  }
  return out;
}

function seen(flow: Flow, nodes: InputNode[]): Seen {
  const client = flow.sides.find((s) => sideRole(s) === 'client');
  const server = flow.sides.find((s) => sideRole(s) === 'server');
  const peers = client ? sentTo(flow, nodes.find((n) => n.input === client.input)?.local ?? []) : [];
  // The server's node is captured when another input's own address is where the requests went.
  const serverInput = client ? (server?.input ?? nodes.find((n) => n.input !== client.input && n.local.some((a) => peers.includes(a)))?.input) : undefined;
  return {
    flow,
    undelivered: flow.sides.find((s) => s.undelivered > 0),
    localError: flow.errors.find((e) => e.local && (e.cls === 'unreachable' || e.cls === 'frag-needed')),
    client,
    server,
    peers,
    serverInput,
    serverSide: serverInput === undefined ? undefined : flow.sides.find((x) => x.input === serverInput),
  };
}

/**
 * The flow's requests left the client's node encapsulated for another captured node, which saw
 * none of them though its capture went on past the last one (clocks may differ by a second).
 */
export function neverArrived(flow: Flow, nodes: InputNode[]): boolean {
  const s = seen(flow, nodes);
  if (!s.client || s.client.requestPassage.out === 0 || s.serverInput === undefined || (s.serverSide && s.serverSide.requests > 0)) return false;
  const end = nodes.find((n) => n.input === s.serverInput)?.end ?? null;
  return end !== null && s.client.lastSeen !== null && end >= s.client.lastSeen + CLOCK_SLACK;
}
/** Seconds two nodes' clocks may differ by (NTP) when one's capture must have gone on past the other's packets. */
const CLOCK_SLACK = 1;

/** Where it broke; null when it did not (healthy) or the capture cannot say (incomplete). */
export function locate(flow: Flow, nodes: InputNode[], broken: boolean): LocusResult | null {
  if (!broken || flow.sides.length === 0) return null;
  const s = seen(flow, nodes);
  for (const rule of WHERE) {
    const r = rule.test(s);
    if (r) return { locus: rule.locus, ...r };
  }
  return null;
}
