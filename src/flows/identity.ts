/**
 * Which node each capture is, from every clue its packets give, and from what the captures tell
 * together. A capture that received nothing from its peer (the far side of a blocked port) is
 * still recognised, so that two nodes' captures place a loss on the underlay.
 *
 * Clues, strongest first: the caller's word (--node); a cooked capture's directions (encapsulated
 * packets leaving or arriving, bare packets only ever leaving, ARP replies leaving); ARP timing
 * between captures (the node that answers sees the shortest time from request to reply); a full
 * initial TTL on the outer packets (sent here or on this segment, no router crossed); the other
 * captures' nodes (two captures of two nodes: the one left over); ARP requests this capture sent.
 * A node that sends nothing else still sends IPv6 from its flannel.1's link-local address, made
 * from the device's MAC (EUI-64): the VTEP MAC its peers send to names it.
 */
import type { InputNode, NodeClue } from './flow.js';
import { type InputTally, votesOf } from './nodes.js';
import { ANY } from './records.js';
import type { FlowTable } from './table.js';

/** A node named by the caller: its label and the addresses it stands for. */
export interface GivenNode {
  name: string;
  addresses: string[];
}

const plural = (n: number, w: string, ws = `${w}s`) => `${n} ${n === 1 ? w : ws}`;
const isLoopback = (a: string) => a.startsWith('127.') || a === '::1';

/** Every outer endpoint address seen in any input. */
function tunnelAddresses(tb: FlowTable): Set<string> {
  const all = new Set<string>();
  for (const t of tb.inputs) {
    if (!t) continue;
    for (const ep of t.epVotes.order) {
      all.add(tb.eps.src[ep]!);
      all.add(tb.eps.dst[ep]!);
    }
  }
  all.delete(ANY);
  return all;
}

type Counts = { out: number; in: number; any: number };

/** Encapsulated packets of one input by address (one pass): leaving from it, arriving at it, and of unknown direction carrying it. */
function encapsulatedCounts(tb: FlowTable, t: InputTally): Map<string, Counts> {
  const m = new Map<string, Counts>();
  const of = (a: string) => m.get(a) ?? m.set(a, { out: 0, in: 0, any: 0 }).get(a)!;
  for (const ep of t.epVotes.order) {
    const src = tb.eps.src[ep]!;
    const dst = tb.eps.dst[ep]!;
    const unknown = t.epVotes.get(ep, 2);
    of(src).out += t.epVotes.get(ep, 0);
    of(src).any += unknown;
    of(dst).in += t.epVotes.get(ep, 1);
    if (dst !== src) of(dst).any += unknown;
  }
  return m;
}

/** What a cooked capture's directions say: clues for the addresses it found, and bare sources that only ever leave. */
function cookedClues(tb: FlowTable, t: InputTally, n: InputNode, tunnels: Set<string>): void {
  const counts = encapsulatedCounts(tb, t);
  for (const a of n.local) {
    const c = counts.get(a);
    if (!c) continue;
    if (c.out) n.evidence.push({ address: a, clue: `sends encapsulated packets from it (${plural(c.out, 'packet')} leaving)` });
    if (c.in) n.evidence.push({ address: a, clue: `encapsulated packets arrive for it (${plural(c.in, 'packet')} arriving)` });
  }
  for (const [a, k] of t.outSrc) {
    if (t.inSrc.has(a) || isLoopback(a) || a === '::') continue;
    n.evidence.push({ address: a, clue: `packets leave from it and none arrive from it (${plural(k, 'packet')} leaving)` });
    if (tunnels.has(a) && !n.local.includes(a)) n.local.push(a);
  }
  for (const [a, k] of t.arpAnswers) {
    n.evidence.push({ address: a, clue: `answers ARP for it (${k} ${k === 1 ? 'reply' : 'replies'} leaving)` });
    if (tunnels.has(a) && !n.local.includes(a)) n.local.push(a);
  }
}

/**
 * A capture with no direction and no encapsulated packet (the far side of a blocked port, on its
 * NIC): of the ARP it saw, the answer for an address the other captures send encapsulated packets
 * to, asked for by addresses none of them does (a router), is this node's.
 */
function silentClues(t: InputTally, n: InputNode, tunnels: Set<string>): void {
  const answered = [...t.arpReplied].filter(([a]) => tunnels.has(a));
  if (answered.length !== 1 || [...t.votes.keys()].some((a) => tunnels.has(a))) return;
  const [a, k] = answered[0]!;
  decide(
    n,
    a,
    `answers ARP for it (${plural(k, 'reply', 'replies')} seen), and the other captures send encapsulated packets to it; the ARP came from ${[...t.votes.keys()].join(', ') || 'another host'}`,
  );
}

/** The 16-bit groups of an IPv6 address, or null. */
function groups6(a: string): number[] | null {
  const halves = a.split('::');
  if (halves.length > 2 || a.includes('.')) return null;
  const part = (h: string | undefined) => (h ? h.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const g = [...head, ...Array<number>(fill).fill(0), ...tail];
  return g.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? g : null;
}

/** The MAC a link-local address was made from (EUI-64, RFC 4291 appendix A: ff:fe in the middle, the universal/local bit flipped); null for any other address. */
export function eui64Mac(a: string): string | null {
  const g = groups6(a.toLowerCase());
  if (!g || (g[0]! & 0xffc0) !== 0xfe80 || (g[5]! & 0xff) !== 0xff || g[6]! >> 8 !== 0xfe) return null;
  const b = [g[4]! >> 8, g[4]! & 0xff, g[5]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  b[0]! ^= 2;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The underlay address whose encapsulated packets carry this VTEP MAC, as inner source or destination (any capture). */
function vtepAddress(tb: FlowTable, mac: string): string | null {
  for (const t of tb.tunnels.values()) {
    for (const m of [t.dstMacs, t.macs]) for (const [a, macs] of m) if (macs.has(mac)) return a;
  }
  return null;
}

/** IPv6 leaving from a link-local address made from a VTEP MAC (flannel.1's router solicitations): the node behind that MAC. */
function linkLocalClues(tb: FlowTable, t: InputTally, n: InputNode): void {
  for (const a of t.outSrc.keys()) {
    const mac = t.inSrc.has(a) ? null : eui64Mac(a);
    const vtep = mac && vtepAddress(tb, mac);
    if (!vtep) continue;
    n.evidence.push({
      address: vtep,
      clue: `its link-local address ${a}, which IPv6 leaves from (flannel.1's router solicitations), is made from VTEP MAC ${mac}, the MAC encapsulated packets for ${vtep} are addressed to`,
    });
    if (!n.local.includes(vtep)) n.local.push(vtep);
  }
}

/** The addresses in every encapsulated packet of a capture without directions: one of them is its node's. */
function candidates(tb: FlowTable, t: InputTally): string[] {
  if (t.encapsulated === 0) return [];
  const counts = encapsulatedCounts(tb, t);
  return [...votesOf(tb, t).keys()].filter((a) => (counts.get(a)?.any ?? 0) >= t.encapsulated);
}

/** ARP answered for `a`: here the time from request to reply was shorter than at every other capture that saw both. */
function answeredHere(tb: FlowTable, input: number, a: string): string | null {
  const gap = tb.inputs[input]!.arpGap.get(a);
  if (gap === undefined) return null;
  const others: string[] = [];
  for (let j = 0; j < tb.inputs.length; j++) {
    const g = j === input ? undefined : tb.inputs[j]?.arpGap.get(a);
    if (g === undefined) continue;
    if (g <= gap) return null;
    others.push(`${(g * 1e6).toFixed(0)} µs at input ${j + 1}`);
  }
  return others.length ? `answered ARP for it: ${(gap * 1e6).toFixed(0)} µs from request to reply here, ${others.join(', ')}` : null;
}

export function identify(tb: FlowTable, nodes: InputNode[], given: (GivenNode | undefined)[] = tb.given): InputNode[] {
  const tunnels = tunnelAddresses(tb);
  const open: { n: InputNode; cands: string[] }[] = [];
  for (const n of nodes) {
    if (!n) continue;
    const t = tb.inputs[n.input]!;
    const g = given[n.input];
    // A name without addresses only labels the node: the packets still tell its addresses.
    if (g?.addresses.length) {
      n.local = [...g.addresses];
      n.evidence = g.addresses.map((a) => ({ address: a, clue: `given: --node ${g.name}` }));
      continue;
    }
    if (t.cooked || t.encapsulated === 0) {
      cookedClues(tb, t, n, tunnels);
      if (!t.cooked) silentClues(t, n, tunnels);
      linkLocalClues(tb, t, n);
      continue;
    }
    const cands = candidates(tb, t);
    // Strongest first: ARP timing between captures, then a full initial TTL held by one candidate only.
    const byGap = cands.map((a) => [a, answeredHere(tb, n.input, a)] as const).filter(([, w]) => w !== null);
    // Only against an end whose packets were seen to cross a router: an end that sent nothing tells nothing.
    const byTtl = cands.filter((a) => t.initialTtl.has(a) && !t.routedTtl.has(a) && cands.some((b) => b !== a && t.routedTtl.has(b)));
    if (byGap.length === 1) decide(n, byGap[0]![0], byGap[0]![1]!);
    else if (byTtl.length === 1 && cands.length > 1)
      decide(
        n,
        byTtl[0]!,
        `its encapsulated packets carry a full initial TTL here (${plural(t.initialTtl.get(byTtl[0]!)!, 'packet')}: no router crossed), the other end's arrive with less (a router crossed)`,
      );
    else open.push({ n, cands });
  }
  // The other captures' nodes: with one candidate left over, that is this capture's node.
  const taken = new Map<string, number>();
  for (const n of nodes) if (n && !open.some((o) => o.n === n)) for (const a of n.local) taken.set(a, n.input);
  for (const { n, cands } of open) {
    const left = cands.filter((a) => !taken.has(a));
    if (left.length === 1 && left.length < cands.length) {
      const other = cands
        .filter((a) => taken.has(a))
        .map((a) => `${a} is input ${taken.get(a)! + 1}'s node`)
        .join(', ');
      decide(n, left[0]!, `the other end of its encapsulated packets: ${other}`);
    } else if (n.local.length === 1) {
      n.evidence.push({
        address: n.local[0]!,
        clue:
          cands.length > 1
            ? 'in every encapsulated packet, and ARP requests came from it (a weak clue: a broadcast request is seen by its peer too)'
            : `in every encapsulated packet (${plural(tb.inputs[n.input]!.encapsulated, 'packet')})`,
      });
    }
  }
  for (const n of nodes) {
    if (!n) continue;
    macClues(tb, n);
    // The node's own addresses' clues first, in the order found.
    const rank = (e: NodeClue) => (n.local.includes(e.address) ? 0 : 1);
    n.evidence.sort((a, b) => rank(a) - rank(b));
  }
  return nodes;
}

function decide(n: InputNode, address: string, clue: string): void {
  n.local = [address];
  n.evidence.push({ address, clue });
}

/** The VTEP MACs behind the node's addresses: the inner source MAC of the encapsulated packets it sends. */
function macClues(tb: FlowTable, n: InputNode): void {
  for (const a of n.local) {
    const macs = new Set<string>();
    for (const t of tb.tunnels.values()) for (const m of t.macs.get(a) ?? []) macs.add(m);
    if (macs.size) n.evidence.push({ address: a, clue: `VTEP MAC ${[...macs].join(', ')} (inner source of what it encapsulates)` });
  }
}

export type { NodeClue };
