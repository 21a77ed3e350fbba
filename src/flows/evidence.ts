/**
 * Evidence: the sightings a flow keeps to show an operator (the first
 * EVIDENCE_FIRST and the newest), as numbers in SeenColumns; the words are made
 * only for flows that are reported (closed.ts, flow.ts).
 */
import type { L4, Packet } from '../model.js';
import { EVIDENCE_FIRST, type FlowColumns, NIL, orNaN, type SeenColumns } from './columns.js';

/** Keeps one sighting of flow s: bits are role | fromClient << 2 | direction << 3. */
export function keepEvidence(fc: FlowColumns, sn: SeenColumns, s: number, p: Packet, bits: number, ts: number, ep: number, port: number | null, l4: L4): void {
  // The first few sightings are kept, then only the newest (slot 3, rewritten).
  const kept = fc.seenCount[s]!;
  const e = s * 4 + (kept < EVIDENCE_FIRST ? kept : EVIDENCE_FIRST);
  fc.seenCount[s] = kept < EVIDENCE_FIRST ? kept + 1 : EVIDENCE_FIRST + 1;
  sn.bits[e] = bits;
  sn.input[e] = p.input;
  sn.no[e] = p.no;
  sn.line[e] = orNaN(p.line);
  sn.ts[e] = ts;
  sn.ifname[e] = p.ifname;
  sn.ifindex[e] = orNaN(p.ifindex);
  sn.ep[e] = ep;
  sn.port[e] = port ?? NIL;
  sn.type[e] = l4.kind === 'tcp' ? l4.flags : l4.kind === 'udp' ? 0 : l4.type;
  sn.seq[e] = l4.kind === 'udp' ? NaN : orNaN(l4.seq);
  sn.len[e] = l4.kind === 'udp' || l4.kind === 'tcp' ? orNaN(l4.payloadLen) : NaN;
}
