/**
 * One packet of a conversation (echo, TCP, UDP) into its flow: the flow and the capture point's
 * side it belongs to, the per-side counts, a new packet record or a second sighting of one, the
 * path of the side's first request and reply, how a TCP connection ended, and the evidence kept.
 */
import type { Packet } from '../model.js';
import { TCP_FIN, TCP_RST } from '../protocols.js';
import {
  connectionEnded,
  dirCode,
  END_CLIENT_FIN,
  END_RESET,
  END_SERVER_FIN,
  NIL,
  orNaN,
  REQUEST_ENCAPSULATED,
  ROLE_REPLY,
  ROLE_REQUEST,
  seenBits,
} from './columns.js';
import { placeName } from './crossnode.js';
import { keepEvidence } from './evidence.js';
import { tallyOf } from './nodes.js';
import { badOuterChecksum } from './outer.js';
import { addRequest, newRecord } from './pairing.js';
import { ENCAPSULATED, REFUSAL, STARTS_REQUEST } from './records.js';
import { addMac, countEndpoint, flowFor, sideOf } from './scope.js';
import { findSame, pushRecord } from './sightings.js';
import type { FlowTable } from './table.js';
import { isEchoRequest, type View } from './view.js';
export function addConv(tb: FlowTable, p: Packet, v: Extract<View, { kind: 'conv' }>, ep: number): void {
  const fc = tb.fc;
  const sc = tb.sc;
  const r = tb.rec;
  const s = flowFor(tb, p, v);
  const d = sideOf(tb, s, p.input);
  const t = v.tuple;
  const l4c = v.frame.l4!;
  // A ping to one's own address: client and server are one; the echo type tells the way.
  const fromClient =
    fc.client[s] === fc.server[s] && (l4c.kind === 'icmp' || l4c.kind === 'icmp6')
      ? isEchoRequest(l4c)
      : t.src === fc.client[s] && (fc.clientPort[s] === NIL || t.srcPort === fc.clientPort[s]);
  const tally = tallyOf(tb, p.input);
  if (fromClient) tally.forth++;
  else tally.back++;
  const hop = v.tunnel;
  fc.sightings[s]++;
  if (p.direction !== null) fc.cooked[s] = 1;
  const ts = orNaN(p.ts);
  if (ts === ts) {
    if (!(fc.firstSeen[s]! <= ts)) fc.firstSeen[s] = ts;
    if (!(fc.lastSeen[s]! >= ts)) fc.lastSeen[s] = ts;
    if (sc.firstSeen[d] !== sc.firstSeen[d]) sc.firstSeen[d] = ts;
    sc.lastSeen[d] = ts;
  }
  if (hop) {
    countEndpoint(tb, s, ep);
    if (badOuterChecksum(p.frame)) fc.badChecksums[s]++;
    addMac(tb, s, hop.innerSrcMac);
    addMac(tb, s, hop.innerDstMac);
  }

  // The interface, where the capture names a real one: a name, or cooked v2's ifindex (a pcapng
  // interface id may be the "any" pseudo-interface, where every hop shares it).
  const placeIf = p.ifname ?? (p.frame.link === 'sll2' ? p.ifindex : null);
  const dir = dirCode(p.direction);
  let n = findSame(tb, d, v, fromClient, ts, placeIf, dir, ep);
  let i: number;
  let role: number;
  if (n !== NIL) {
    i = n & r.mask;
    if (hop && !(r.bits[i]! & ENCAPSULATED)) {
      r.bits[i] |= ENCAPSULATED;
      r.encDir[i] = dir;
      r.encEp[i] = ep;
      r.encTs[i] = ts;
      r.encIfname[i] = tb.opts.followPackets ? placeName(p) : null;
    }
    role = r.role[i]!;
  } else {
    n = newRecord(tb, d, p, v, fromClient, ts, ep);
    i = n & r.mask;
    role = r.role[i]!;
    // The side's first request and first reply: their places are its paths.
    if (role === ROLE_REQUEST && tb.paths.steps[d * 2] === 0) r.first[i] = 1;
    else if (role === ROLE_REPLY && tb.paths.steps[d * 2 + 1] === 0) r.first[i] = 2;
    pushRecord(tb, d, n);
    fc.packets[s]++;
    if (r.bits[i]! & STARTS_REQUEST) addRequest(tb, d, i);
    if (r.bits[i]! & REFUSAL) sc.resets[d]++;
  }
  r.placeIf[i] = placeIf;
  r.placeDir[i] = dir;
  r.placeEp[i] = ep;
  const first = r.first[i]!;
  if (first !== 0) tb.paths.append(d * 2 + first - 1, p.ifname, p.ifindex, dir, p.ts, ep, hop ? hop.port : null);
  if (role === ROLE_REQUEST && hop) sc.bits[d] |= REQUEST_ENCAPSULATED;
  const l4 = v.frame.l4!;
  if (l4.kind === 'tcp' && l4.flags & (TCP_FIN | TCP_RST) && !connectionEnded(fc.tcpEnd[s]!)) {
    fc.tcpEnd[s] |= l4.flags & TCP_RST ? END_RESET : fromClient ? END_CLIENT_FIN : END_SERVER_FIN;
    if (connectionEnded(fc.tcpEnd[s]!)) tb.ended.push(s, fc.id[s]!);
  }

  keepEvidence(tb.fc, tb.seen, s, p, seenBits(role, fromClient, dir), ts, ep, hop ? hop.port : null, l4);
}
