/**
 * One connection through a NAT (kube-proxy's DNAT to a pod, a NodePort's masquerade), seen on both
 * sides of the rewrite in one capture: the same packet under two tuples. The rewrite changes
 * addresses and ports, never the TCP sequence, the IP id, an echo's identifier and sequence or a
 * datagram's length, and the kernel does it within microseconds. So a flow whose first packet
 * repeats, within SAME_PACKET_WINDOW at the same capture point, the first packet of another flow
 * under another tuple is that flow after the rewrite: the two are linked when the second starts.
 *
 * Both halves of a NATed connection go idle (or end) together, but close one by one: the first
 * to close waits here for its partner, and the pair is handed on as one conversation (stitch()).
 * Memory holds the flow starts of the last SAME_PACKET_WINDOW and the halves whose partner is
 * still open.
 */
import type { Packet } from '../model.js';
import type { Flow, Hop, NatLink, Side } from './flow.js';
import { SAME_PACKET_WINDOW } from './timing.js';
import type { Tuple, View } from './view.js';

/** Flow starts remembered at most (a burst of new flows within the window). */
const STARTS_KEPT = 65536;

interface Start {
  id: number;
  ts: number;
  tuple: Tuple;
  /** Where it was seen (interface and direction), null when the capture does not say. */
  place: string | null;
}

/**
 * What a rewrite leaves of a packet, as a key: per capture point, the TCP sequence (absolute) and
 * IP id, an echo's identifier and sequence, a datagram's source port and length. Null when the
 * packet does not say enough (a relative TCP sequence in text).
 */
function fingerprint(input: number, v: Extract<View, { kind: 'conv' }>): string | null {
  const l4 = v.frame.l4!;
  const id = v.ip.id;
  switch (l4.kind) {
    case 'tcp':
      return l4.seq === null ? null : `t ${input} ${l4.seq} ${id} ${l4.flags} ${l4.payloadLen}`;
    case 'udp':
      return `u ${input} ${v.tuple.srcPort} ${l4.payloadLen} ${id}`;
    default:
      return l4.id === null || l4.seq === null ? null : `i ${input} ${l4.type} ${l4.id} ${l4.seq} ${id}`;
  }
}

/** The fingerprint in words, for the report: "tcp seq 1674666179, ip id 4242". */
function fingerprintWords(v: Extract<View, { kind: 'conv' }>): string {
  const l4 = v.frame.l4!;
  const ipId = v.ip.id !== null ? `, ip id ${v.ip.id}` : '';
  if (l4.kind === 'tcp') return `tcp seq ${l4.seq}${ipId}`;
  if (l4.kind === 'udp') return `udp from port ${l4.srcPort}, length ${l4.payloadLen}${ipId}`;
  return `echo id ${l4.id} seq ${l4.seq}${ipId}`;
}

export class NatLinks {
  private readonly starts = new Map<string, Start>();
  private readonly order: { key: string; start: Start }[] = [];
  private head = 0;
  /** Flow id -> its partner's id, both ways, while either is open. */
  private readonly partner = new Map<number, number>();
  private readonly links = new Map<number, Omit<NatLink, 'front'>>();
  /** Closed halves waiting for their partner, by the partner's id. */
  private readonly waiting = new Map<number, Flow>();

  /** Pairs linked so far. */
  linked = 0;

  /** What it holds now: flow starts within the window, links of open flows, halves waiting for their partner. */
  get held(): { starts: number; links: number; waiting: number } {
    return { starts: this.starts.size, links: this.partner.size, waiting: this.waiting.size };
  }

  /**
   * A new flow's first packet: link it to the flow whose first packet it repeats under another
   * tuple. The copy before the rewrite is seen where the packet came in, the one after it on its
   * way on: at another interface or in another direction. Where the capture does not say (one
   * interface, no direction), it takes the IP id too (traceroute's probes share the rest).
   */
  noteStart(id: number, p: Packet, v: Extract<View, { kind: 'conv' }>): void {
    const ts = p.ts;
    if (ts === null) return;
    const key = fingerprint(p.input, v);
    if (key === null) return;
    this.expire(ts);
    const t = v.tuple;
    const place = p.ifname !== null || p.ifindex !== null || p.direction !== null ? `${p.ifname ?? p.ifindex} ${p.direction}` : null;
    const prev = this.starts.get(key);
    const apart = place !== null && prev?.place != null ? place !== prev.place : v.ip.id !== null;
    if (prev && apart && ts - prev.ts <= SAME_PACKET_WINDOW && !sameTuple(prev.tuple, t) && !this.partner.has(prev.id)) {
      const rewrote =
        prev.tuple.dst !== t.dst || prev.tuple.dstPort !== t.dstPort
          ? prev.tuple.src !== t.src || prev.tuple.srcPort !== t.srcPort
            ? 'both'
            : 'destination'
          : 'source';
      this.partner.set(prev.id, id).set(id, prev.id);
      const link = { rewrote, input: p.input, by: `${fingerprintWords(v)}, ${Math.round((ts - prev.ts) * 1e6)} µs apart` } as const;
      this.links.set(prev.id, link).set(id, link);
      this.starts.delete(key);
      this.linked++;
      return;
    }
    const start = { id, ts, tuple: { ...t }, place };
    this.starts.set(key, start);
    this.order.push({ key, start });
    if (this.order.length - this.head > STARTS_KEPT) this.drop();
  }

  /**
   * A flow closed (null: a late part not handed on). Returns what to hand on: the flow itself, the
   * pair stitched into one conversation, or null while its partner is still open.
   */
  closed(id: number, flow: Flow | null): Flow | null {
    const other = this.partner.get(id);
    if (other === undefined) return flow;
    this.partner.delete(id);
    const link = this.links.get(id)!;
    this.links.delete(id);
    if (this.partner.has(other)) {
      if (flow) this.waiting.set(other, flow);
      return null;
    }
    const first = this.waiting.get(id);
    this.waiting.delete(id);
    if (!first || !flow) return first ?? flow;
    return first.id < flow.id ? stitch(first, flow, link) : stitch(flow, first, link);
  }

  private expire(now: number): void {
    while (this.head < this.order.length && this.order[this.head]!.start.ts < now - SAME_PACKET_WINDOW) this.drop();
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  private drop(): void {
    const { key, start } = this.order[this.head++]!;
    if (this.starts.get(key) === start) this.starts.delete(key);
  }
}

function sameTuple(a: Tuple, b: Tuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.dst === b.dst && a.srcPort === b.srcPort && a.dstPort === b.dstPort;
}

/** "10.244.3.5:41234 > 10.96.0.20:80" (an echo: "10.244.3.5 > 10.96.0.20"), or the other way. */
function tupleWords(f: Pick<Flow, 'client' | 'server' | 'clientPort' | 'serverPort'>, back = false): string {
  const c = f.clientPort === null ? f.client : `${f.client}:${f.clientPort}`;
  const s = f.serverPort === null ? f.server : `${f.server}:${f.serverPort}`;
  return back ? `${s} > ${c}` : `${c} > ${s}`;
}

function natHop(from: string, to: string, ts: number | null): Hop {
  return { ifname: null, ifindex: null, direction: null, tunnel: null, ts, nat: { from, to } };
}

/**
 * The two halves as one conversation: the flow after the rewrite (it carries the tunnel, the
 * other nodes' sides and the locus), with the flow before it as its front, and at the capture
 * point that saw both, the front's hops, the NAT step, then the back's.
 */
function stitch(front: Flow, back: Flow, link: Omit<NatLink, 'front'>): Flow {
  const sides = back.sides.map((s): Side => {
    const fs = front.sides.find((x) => x.input === s.input);
    if (!fs) return s;
    const reqTs = s.requestPath?.[0]?.ts ?? null;
    const repTs = fs.replyPath?.[0]?.ts ?? null;
    return {
      ...s,
      requestPath: [...(fs.requestPath ?? []), natHop(tupleWords(front), tupleWords(back), reqTs), ...(s.requestPath ?? [])],
      replyPath:
        s.replyPath || fs.replyPath ? [...(s.replyPath ?? []), natHop(tupleWords(back, true), tupleWords(front, true), repTs), ...(fs.replyPath ?? [])] : null,
    };
  });
  const min = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.min(x, y));
  const max = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.max(x, y));
  return {
    ...back,
    id: front.id,
    firstSeen: min(front.firstSeen, back.firstSeen),
    lastSeen: max(front.lastSeen, back.lastSeen),
    sightings: front.sightings + back.sightings,
    sides,
    nat: { ...link, front },
  };
}
