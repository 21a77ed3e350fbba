/**
 * The tunnel and ARP inventory: every tunnel scope seen (type, VNI, port),
 * its packets by outer endpoint pair, the inner MACs behind each sender, bad
 * outer checksums, and the ARP questions and answers.
 */
import type { Packet } from '../model.js';
import type { TunnelInfo } from './flow.js';
import { noteArp, noteOuterTtl, tallyOf, vote } from './nodes.js';
import { badOuterChecksum } from './outer.js';
import { ANY, EpCounts, sightingRank } from './records.js';
import type { FlowTable, TunnelEps } from './table.js';
import type { TunnelHop } from './view.js';

/** Tunnel scopes (type, VNI, port) listed in the inventory. */
const MAX_TUNNELS = 256;

/** The tunnel's inventory entry (made on first sight); consecutive packets mostly share one. */
export function tunnelOf(tb: FlowTable, hop: TunnelHop): TunnelInfo {
  let t = tb.lastTunnel;
  if (t === null || t.type !== hop.type || t.vni !== hop.vni || t.port !== hop.port) {
    const k = `${hop.type}:${hop.vni}:${hop.port}`;
    t = tb.tunnels.get(k) ?? null;
    if (!t) {
      t = {
        type: hop.type,
        vni: hop.vni,
        port: hop.port,
        packets: 0,
        endpoints: new Map(),
        macs: new Map(),
        dstMacs: new Map(),
        badChecksum: new Map(),
        scope: { type: hop.type, vni: hop.vni, port: hop.port },
      };
      // Past the bound (a flood of VNIs) a scope is followed, not listed.
      if (tb.tunnels.size < MAX_TUNNELS) {
        tb.tunnels.set(k, t);
        tb.tunnelEps.set(t, { counts: new EpCounts(1, 1024), lastMac: [], lastDstMac: [] });
      }
    }
    tb.lastTunnel = t;
  }
  return t;
}

/** Counts an encapsulated packet in the tunnel inventory and in its input's address votes. */
export function noteTunnel(tb: FlowTable, p: Packet, hop: TunnelHop, ep: number): void {
  const t = tunnelOf(tb, hop);
  const listed = tb.tunnelEps.get(t);
  if (listed) noteListed(tb, t, listed, p, hop, ep);
  const tally = tallyOf(tb, p.input);
  tally.encapsulated++;
  noteOuterTtl(tally, p, tb.eps.src[ep]!);
  // Counted by endpoint pair; an address joins the votes (keeping their order) the first time
  // it would have had one, and the counts are added to it when nodes() reads the votes.
  const kind = p.direction === 'out' ? 0 : p.direction === 'in' ? 1 : 2;
  if (kind !== 2) tally.cooked = true;
  if (tally.epVotes.add(ep, kind)) {
    const src = tb.eps.src[ep]!;
    const dst = tb.eps.dst[ep]!;
    // ANY stands for many spoofed or past-the-bound addresses: no node's.
    if (kind !== 1 && src !== ANY) vote(tb, p.input, src, 0);
    if ((kind === 1 || (kind === 2 && dst !== src)) && dst !== ANY) vote(tb, p.input, dst, 0);
  }
}

/** A listed tunnel's packets by endpoint pair, bad outer checksums, and the inner MACs behind each end. */
function noteListed(tb: FlowTable, t: TunnelInfo, listed: TunnelEps, p: Packet, hop: TunnelHop, ep: number): void {
  const { counts, lastMac, lastDstMac } = listed;
  t.packets++;
  counts.add(ep, 0, sightingRank(p.input, p.no));
  if (badOuterChecksum(p.frame)) {
    const key = tb.eps.key[ep]!;
    if (t.badChecksum.size < 1024 || t.badChecksum.has(key)) t.badChecksum.set(key, (t.badChecksum.get(key) ?? 0) + 1);
  }
  // The same sender behind the same MAC as its last packet: nothing new (most packets).
  if (hop.innerSrcMac && lastMac[ep] !== hop.innerSrcMac) {
    lastMac[ep] = hop.innerSrcMac;
    remember(t.macs, tb.eps.src[ep]!, hop.innerSrcMac);
  }
  if (hop.innerDstMac && lastDstMac[ep] !== hop.innerDstMac) {
    lastDstMac[ep] = hop.innerDstMac;
    remember(t.dstMacs, tb.eps.dst[ep]!, hop.innerDstMac);
  }
}

export function addArp(tb: FlowTable, p: Packet, arp: NonNullable<Packet['frame']['arp']>): void {
  // An ARP request asks for targetIp; a reply answers for senderIp.
  const target = arp.op === 1 ? arp.targetIp : arp.senderIp;
  // Who asks is usually the capturing node: a tie-breaker for its own address on Ethernet captures.
  if (arp.op === 1 && (p.direction === null || p.direction === 'out')) vote(tb, p.input, arp.senderIp, 0.5);
  noteArp(tallyOf(tb, p.input), p, arp.op, target);
  let a = tb.arp.get(target);
  if (!a) {
    if (tb.arp.size >= 65536) return;
    a = { target, requests: 0, replies: 0, firstSeen: p.ts, lastSeen: p.ts };
    tb.arp.set(target, a);
  }
  if (arp.op === 1) a.requests++;
  else if (arp.op === 2) {
    a.replies++;
    tallyOf(tb, p.input).back++;
  }
  a.lastSeen = p.ts;
}

/** A MAC behind an address, within bounds (a few per address, a thousand addresses). */
function remember(m: Map<string, Set<string>>, addr: string, mac: string): void {
  let macs = m.get(addr);
  if (!macs && m.size < 1024) m.set(addr, (macs = new Set()));
  if (macs && macs.size < 64) macs.add(mac);
}
