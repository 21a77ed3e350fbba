/**
 * Where a conversation broke, from what each capture point (side) saw.
 *
 * Each input is one capture point, usually one node. A side is the client's
 * node when the requests leave it encapsulated (or replies arrive), the
 * server's node when requests arrive encapsulated (or replies leave).
 */
import type { Flow, InputNode, Side } from '../flows/flow.js';

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

/** Outer destinations of the flow's encapsulated packets that left the given node. */
function sentTo(flow: Flow, local: string[]): string[] {
  const out: string[] = [];
  for (const ep of flow.endpoints.keys()) {
    const [s, d] = ep.split('>') as [string, string];
    if (local.includes(s) && !out.includes(d)) out.push(d);
  }
  return out;
}

/** Where it broke; null when it did not (healthy) or the capture cannot say (incomplete). */
export function locate(flow: Flow, nodes: InputNode[], broken: boolean): LocusResult | null {
  if (!broken || flow.sides.length === 0) return null;
  const nodeOf = (input: number) => nodes.find((n) => n.input === input);
  const undelivered = flow.sides.find((s) => s.undelivered > 0);
  if (undelivered) {
    return { locus: 'node', input: undelivered.input, detail: 'the reply was made on the overlay device but never left encapsulated' };
  }
  const local = flow.errors.find((e) => e.local && (e.cls === 'unreachable' || e.cls === 'frag-needed'));
  if (local) return { locus: 'node', input: local.input, detail: `the node reported ${local.about} unreachable to itself` };

  const client = flow.sides.find((s) => sideRole(s) === 'client');
  const server = flow.sides.find((s) => sideRole(s) === 'server');
  if (client) {
    const cLocal = nodeOf(client.input)?.local ?? [];
    const peers = sentTo(flow, cLocal);
    // The server's node is captured when another input's own address is where the requests went.
    const serverInput = server?.input ?? nodes.find((n) => n.input !== client.input && n.local.some((a) => peers.includes(a)))?.input;
    if (serverInput === undefined) {
      return {
        locus: 'beyond',
        input: client.input,
        detail:
          client.requestPassage.out > 0
            ? `the requests left encapsulated${peers.length ? ' towards ' + peers.join(', ') : ''} and nothing came back`
            : 'the requests left and nothing came back',
      };
    }
    const s = flow.sides.find((x) => x.input === serverInput);
    if (!s || s.requests === 0)
      return {
        locus: 'underlay',
        input: client.input,
        detail: `the requests left encapsulated towards ${peers.join(', ') || 'the peer'} and never arrived at the captured peer node`,
      };
    if (s.replyPassage.out === 0) return { locus: 'remote-node', input: serverInput, detail: 'the requests arrived at the peer node and no answer left it' };
    if (client.replyPassage.in === 0)
      return { locus: 'underlay', input: serverInput, detail: 'the replies left the peer node encapsulated and never arrived back' };
    return { locus: 'beyond', input: client.input, detail: 'the packets crossed the captured nodes' };
  }
  if (server) {
    if (server.replyPassage.out === 0) return { locus: 'node', input: server.input, detail: 'the requests arrived encapsulated and no answer left this node' };
    return { locus: 'beyond', input: server.input, detail: 'the answers left this node encapsulated' };
  }
  const only = flow.sides[0]!;
  return { locus: 'beyond', input: only.input, detail: 'nothing came back to the capture point' };
}
