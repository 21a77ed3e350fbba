/**
 * Session lookup and scoping: the open flow a conversation packet belongs to.
 * A tuple seen bare and in a tunnel at one capture point is one conversation
 * when the packet is the tunnel's traffic seen before encapsulation or after
 * decapsulation (a cooked multi-interface capture, or the inner MACs agree);
 * in two tunnel scopes it is two.
 */
import type { Packet } from '../model.js';
import { TCP_ACK, TCP_SYN } from '../protocols.js';
import { indexFlow } from './attribution.js';
import { close } from './closing.js';
import { NIL, orNaN, protoCode } from './columns.js';
import { enqueue } from './expiry.js';
import { tunnelOf } from './inventory.js';
import { sameTuple, tupleKey } from './key.js';
import { nodesOf } from './nodes.js';
import type { FlowTable } from './table.js';
import { isEchoRequest, type View } from './view.js';

export function bucket(tb: FlowTable, key: number): number {
  return (key >>> 0) & (tb.buckets.length - 1);
}

/** Flow s (in another VNI) is the request side of this packet: it comes from the flow's server, between its tunnel endpoints reversed. */
function answersAcrossVnis(tb: FlowTable, s: number, src: string, hop: NonNullable<View['tunnel']>): boolean {
  const fc = tb.fc;
  const ep = fc.ep0[s]!;
  return fc.server[s] === src && fc.client[s] !== src && ep !== NIL && tb.eps.src[ep] === hop.outerDst && tb.eps.dst[ep] === hop.outerSrc;
}

/**
 * Flow s was active at this packet's capture point within the reply timeout: the same tuple bare
 * and encapsulated at one place that close together is one conversation seen before and after the
 * tunnel (a reply is seen bare on the pod's side before it is encapsulated, so the same-packet test
 * alone would miss it).
 */
function activeHereJustNow(tb: FlowTable, s: number, p: Packet): boolean {
  if (p.ts === null) return false;
  const sc = tb.sc;
  for (let d = tb.fc.side[s]!; d !== NIL; d = sc.next[d]!) if (sc.input[d] === p.input) return Math.abs(p.ts - sc.lastSeen[d]!) <= tb.opts.replyTimeout;
  return false;
}

/** The flow (slot) a conversation packet belongs to, creating it (or re-scoping a bare one) as needed. */
export function flowFor(tb: FlowTable, p: Packet, v: Extract<View, { kind: 'conv' }>): number {
  const fc = tb.fc;
  const t = v.tuple;
  const tk = tupleKey(t);
  const head = tb.buckets[bucket(tb, tk)]!;
  if (v.tunnel) {
    const hop = v.tunnel;
    let bare = NIL;
    let tunnelScopes = 0;
    let otherVni = NIL;
    for (let s = head; s !== NIL; s = fc.hashNext[s]!) {
      if (fc.key[s] !== tk || !sameTuple(fc, s, t)) continue;
      const tn = fc.tunnel[s];
      if (!tn) bare = s;
      else if (tn.type === hop.type && tn.vni === hop.vni) return s;
      else {
        tunnelScopes++;
        if (tn.type === hop.type && answersAcrossVnis(tb, s, t.src, hop)) otherVni = s;
      }
    }
    // Cilium carries the sender's identity in the VNI: a reply comes back in another VNI, between
    // the same two tunnel endpoints reversed. The same tuple sent one way in two VNIs stays two.
    if (otherVni !== NIL) return otherVni;
    // A bare flow of the same tuple seen first (a pod's packet on cni0 and flannel.1 before it is
    // encapsulated) is this tunnel's traffic: give it the tunnel's scope instead of starting anew.
    // Without interface names or inner MACs to tell, being active here just now is the sign.
    if (
      bare !== NIL &&
      tunnelScopes === 0 &&
      (fc.cooked[bare] || (hop.innerSrcMac !== null && hasMac(tb, bare, hop.innerSrcMac)) || activeHereJustNow(tb, bare, p))
    ) {
      fc.tunnel[bare] = tunnelOf(tb, hop);
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
      if (
        noLink ||
        p.direction !== null ||
        (f.src !== null && hasMac(tb, inTunnel, f.src)) ||
        (f.dst !== null && hasMac(tb, inTunnel, f.dst)) ||
        activeHereJustNow(tb, inTunnel, p)
      )
        return inTunnel;
    }
    if (bare !== NIL) return bare;
  }
  if (tb.open >= tb.opts.maxFlows && tb.qHead !== NIL) {
    // Memory stays bounded: the flow looked at longest ago (the least recently active) is closed now.
    tb.counts.evicted++;
    close(tb, tb.qHead, nodesOf(tb));
  }
  if (tb.open >= tb.buckets.length) rehash(tb, tb.buckets.length * 2);
  const s = newFlow(tb, p, v, tk);
  const b = bucket(tb, tk);
  fc.hashNext[s] = tb.buckets[b]!;
  tb.buckets[b] = s;
  tb.open++;
  enqueue(tb, s);
  indexFlow(tb, s, true);
  tb.nat.noteStart(fc.id[s]!, p, v);
  return s;
}

export function rehash(tb: FlowTable, n: number): void {
  const fc = tb.fc;
  tb.buckets = new Int32Array(n).fill(NIL);
  for (let s = tb.qHead; s !== NIL; s = fc.qNext[s]!) {
    const b = bucket(tb, fc.key[s]!);
    fc.hashNext[s] = tb.buckets[b]!;
    tb.buckets[b] = s;
  }
}

export function newFlow(tb: FlowTable, p: Packet, v: Extract<View, { kind: 'conv' }>, key: number): number {
  const t = v.tuple;
  const l4 = v.frame.l4!;
  // Orientation: the echo request's sender, the SYN's sender; for UDP and mid-stream TCP the
  // first sender, unless its port is a well-known one and the other's is not (a reply seen first).
  let fromClient = true;
  if (l4.kind === 'icmp' || l4.kind === 'icmp6') fromClient = isEchoRequest(l4);
  else if (l4.kind === 'tcp' && l4.flags & TCP_SYN) fromClient = !(l4.flags & TCP_ACK);
  else if (t.srcPort < 1024 && t.dstPort >= 1024) fromClient = false;
  const icmp = t.proto === 'icmp' || t.proto === 'icmp6';
  const fc = tb.fc;
  const s = fc.alloc();
  tb.seen.ensure(fc.cap);
  fc.id[s] = tb.nextId++;
  fc.key[s] = key;
  fc.proto[s] = protoCode(t.proto);
  fc.client[s] = fromClient ? t.src : t.dst;
  fc.server[s] = fromClient ? t.dst : t.src;
  fc.clientPort[s] = icmp ? NIL : fromClient ? t.srcPort : t.dstPort;
  fc.serverPort[s] = icmp ? NIL : fromClient ? t.dstPort : t.srcPort;
  fc.echoId[s] = icmp ? t.srcPort : NIL;
  fc.tunnel[s] = v.tunnel ? tunnelOf(tb, v.tunnel) : null;
  fc.firstSeen[s] = fc.lastSeen[s] = orNaN(p.ts);
  fc.packets[s] = fc.sightings[s] = fc.badChecksums[s] = 0;
  fc.tcpEnd[s] = fc.cooked[s] = fc.seenCount[s] = 0;
  // Late packets of a TCP connection already closed (idle, or ended): a part judged only if it has requests of its own.
  fc.late[s] = l4.kind === 'tcp' && !(l4.flags & TCP_SYN) && tb.closedTcp.has(key) ? 1 : 0;
  fc.side[s] = fc.sideLast[s] = NIL;
  fc.ep0[s] = fc.ep1[s] = NIL;
  fc.ep0n[s] = fc.ep1n[s] = 0;
  return s;
}

export function hasMac(tb: FlowTable, s: number, mac: string): boolean {
  const fc = tb.fc;
  return fc.mac0[s] === mac || fc.mac1[s] === mac || (fc.macMore[s]?.includes(mac) ?? false);
}

export function addMac(tb: FlowTable, s: number, mac: string | null): void {
  if (mac === null) return;
  const fc = tb.fc;
  if (fc.mac0[s] === null) fc.mac0[s] = mac;
  else if (fc.mac1[s] === null) {
    if (fc.mac0[s] !== mac) fc.mac1[s] = mac;
  } else if (!hasMac(tb, s, mac)) {
    const more = fc.macMore[s];
    if (!more) fc.macMore[s] = [mac];
    else if (more.length < 6) fc.macMore[s] = more.concat(mac);
  }
}

export function countEndpoint(tb: FlowTable, s: number, ep: number): void {
  const fc = tb.fc;
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

/** The side (capture point) of flow s that input saw, made on its first packet there. */
export function sideOf(tb: FlowTable, s: number, input: number): number {
  const fc = tb.fc;
  const sc = tb.sc;
  const last = fc.sideLast[s]!;
  if (last !== NIL && sc.input[last] === input) return last;
  for (let d = fc.side[s]!; d !== NIL; d = sc.next[d]!) if (sc.input[d] === input) return d;
  const d = sc.alloc();
  tb.paths.ensure(sc.cap);
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
