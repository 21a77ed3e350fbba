/**
 * Which node each capture is: votes for a capture point's own tunnel addresses
 * (exact from cooked captures' directions, else the address in every
 * encapsulated packet, ARP requests it sent breaking a tie), and whether it
 * saw anything at all in an answering direction.
 */

import type { Packet } from '../model.js';
import type { InputNode } from './flow.js';
import { identify } from './identity.js';
import { EpCounts } from './records.js';
import type { FlowTable } from './table.js';

/** Most addresses remembered per input for each clue (a node has few; a router's capture has many). */
const MAX_CLUE_ADDRESSES = 64;
/** Addresses an input keeps votes for. */
const MAX_VOTED = 4096;

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
  /** Bare packets a cooked capture shows leaving (out) by source address, and the sources of bare packets arriving. */
  outSrc: Map<string, number>;
  inSrc: Set<string>;
  /** ARP replies a cooked capture shows this node sending, by the address they answer for. */
  arpAnswers: Map<string, number>;
  /** ARP replies a capture without directions shows, by the address they answer for (sent here, or to here). */
  arpReplied: Map<string, number>;
  /** Encapsulated packets seen with their sender's initial TTL (64, 128, 255: no router crossed), by outer source. */
  initialTtl: Map<string, number>;
  /** Outer sources of encapsulated packets seen with a lower TTL (a router crossed on the way here). */
  routedTtl: Set<string>;
  /** ARP: the last request for each target, and the time from it to the first reply (the answering node sees the shortest). */
  arpAsked: Map<string, number>;
  arpGap: Map<string, number>;
}

export function tallyOf(tb: FlowTable, input: number): InputTally {
  return (tb.inputs[input] ??= {
    end: null,
    cooked: false,
    encapsulated: 0,
    votes: new Map(),
    epVotes: new EpCounts(3),
    forth: 0,
    back: 0,
    truncated: 0,
    outSrc: new Map(),
    inSrc: new Set(),
    arpAnswers: new Map(),
    arpReplied: new Map(),
    initialTtl: new Map(),
    routedTtl: new Set(),
    arpAsked: new Map(),
    arpGap: new Map(),
  });
}

function bump(m: Map<string, number>, k: string): void {
  const n = m.get(k);
  if (n !== undefined) m.set(k, n + 1);
  else if (m.size < MAX_CLUE_ADDRESSES) m.set(k, 1);
}

/** A bare packet's direction in a cooked capture: its source is this node's when it only ever leaves. */
export function noteDirection(t: InputTally, p: Packet): void {
  const ip = p.frame.ip;
  if (!ip || p.frame.tunnel) return;
  if (p.direction === 'out') bump(t.outSrc, ip.src);
  else if (p.direction === 'in' && t.inSrc.size < MAX_CLUE_ADDRESSES) t.inSrc.add(ip.src);
}

/** An encapsulated packet's outer TTL: a full initial TTL means its sender is this node (or on this segment). */
export function noteOuterTtl(t: InputTally, p: Packet, src: string): void {
  const ttl = p.frame.ip?.ttl;
  if (ttl === 64 || ttl === 128 || ttl === 255) bump(t.initialTtl, src);
  else if (ttl != null && t.routedTtl.size < MAX_CLUE_ADDRESSES) t.routedTtl.add(src);
}

/** ARP timing and, in cooked captures, the replies this node sent. */
export function noteArp(t: InputTally, p: Packet, op: number, target: string): void {
  if (op === 1 && p.ts !== null) {
    if (t.arpAsked.size < MAX_CLUE_ADDRESSES) t.arpAsked.set(target, p.ts);
  } else if (op === 2) {
    const asked = t.arpAsked.get(target);
    if (asked !== undefined && p.ts !== null && !t.arpGap.has(target)) t.arpGap.set(target, p.ts - asked);
    if (p.direction === 'out') bump(t.arpAnswers, target);
    else if (p.direction === null) bump(t.arpReplied, target);
  }
}

export function vote(tb: FlowTable, input: number, addr: string, n: number): void {
  const t = tallyOf(tb, input);
  const had = t.votes.get(addr);
  // The first addresses voted for are the node's (a flood of spoofed ones comes too late to count).
  if (had !== undefined) t.votes.set(addr, had + n);
  else if (t.votes.size < MAX_VOTED) t.votes.set(addr, n);
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

/** Each input's node: its own tunnel addresses where the capture shows them, then what the inputs tell together (identity.ts). */
export function nodesOf(tb: FlowTable): InputNode[] {
  return identify(tb, ownNodes(tb));
}

/** Each input's own tunnel addresses from its own votes alone. */
function ownNodes(tb: FlowTable): InputNode[] {
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
    out[input] = { input, local, cooked: t.cooked, oneWay: t.back === 0 && t.forth > 0, forth: t.forth, truncated: t.truncated, end: t.end, evidence: [] };
  });
  return out;
}
