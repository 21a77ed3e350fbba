/**
 * Which node each capture is: votes for a capture point's own tunnel addresses
 * (exact from cooked captures' directions, else the address in every
 * encapsulated packet, ARP requests it sent breaking a tie), and whether it
 * saw anything at all in an answering direction.
 */

import type { InputNode } from './flow.js';
import { EpCounts } from './records.js';
import type { FlowTable } from './table.js';

/** Votes for a node's own tunnel addresses: exact from cooked directions, else the address in every encapsulated packet. */
export interface InputTally {
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

export function tallyOf(tb: FlowTable, input: number): InputTally {
  return (tb.inputs[input] ??= { end: null, cooked: false, encapsulated: 0, votes: new Map(), epVotes: new EpCounts(3), forth: 0, back: 0, truncated: 0 });
}

export function vote(tb: FlowTable, input: number, addr: string, n: number): void {
  const t = tallyOf(tb, input);
  t.votes.set(addr, (t.votes.get(addr) ?? 0) + n);
}

/** An address's votes: packets a cooked capture shows it sending (out, as outer source) or receiving (in, as outer destination), and the rest. */
export interface Votes {
  /** Encapsulated packets whose direction says the address is this node's: certain. */
  exact: number;
  /** Encapsulated packets of unknown direction that carry the address, ICMP errors to itself, ARP requests it sent (0.5). */
  weight: number;
}

/** An input's votes by address, in the order addresses were first voted for, the encapsulated packets' counts included. */
export function votesOf(tb: FlowTable, t: InputTally): Map<string, Votes> {
  const votes = new Map<string, Votes>();
  for (const [a, n] of t.votes) votes.set(a, { exact: 0, weight: n });
  // Only addresses that had a vote of their own count (an address seen only as the far end of
  // packets arriving is not this node's).
  const add = (a: string, exact: number, weight: number) => {
    const v = votes.get(a);
    if (!v) return;
    v.exact += exact;
    v.weight += weight;
  };
  for (const ep of t.epVotes.order) {
    const src = tb.eps.src[ep]!;
    const dst = tb.eps.dst[ep]!;
    const unknown = t.epVotes.get(ep, 2);
    add(src, t.epVotes.get(ep, 0), unknown);
    add(dst, t.epVotes.get(ep, 1), dst !== src ? unknown : 0);
  }
  return votes;
}

/** Each input's node: its own tunnel addresses where the capture shows them. */
export function nodesOf(tb: FlowTable): InputNode[] {
  const out: InputNode[] = [];
  tb.inputs.forEach((t, input) => {
    let local: string[] = [];
    const votes = votesOf(tb, t);
    if (t.cooked) {
      local = [...votes].filter(([, v]) => v.exact > 0).map(([a]) => a);
    } else if (t.encapsulated > 0) {
      // Without directions, the node's address is the one in every encapsulated packet, if only one is
      // (ARP requests it sent break a tie between the two ends of a single tunnel).
      const all = [...votes].filter(([, v]) => v.weight >= t.encapsulated).sort((a, b) => b[1].weight - a[1].weight);
      if (all.length === 1 || (all.length > 1 && all[0]![1].weight > all[1]![1].weight)) local = [all[0]![0]];
    } else {
      local = [...votes.keys()];
    }
    out[input] = { input, local, cooked: t.cooked, oneWay: t.back === 0 && t.forth > 0, forth: t.forth, truncated: t.truncated };
  });
  return out;
}
