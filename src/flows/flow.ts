/**
 * What the flow table hands on: a closed flow, what each capture point (side) saw of it, the
 * evidence kept (in numbers, worded on demand by flowEvidence), and what each input tells of
 * its node. The table builds these when a flow closes (closed.ts).
 */

import type { Packet } from '../model.js';
import { ICMP_ECHO, ICMP6_ECHO_REQUEST, TCP_ACK, TCP_RST, TCP_SYN } from '../protocols.js';
import type { PacketSighting } from './crossnode.js';
import type { ErrorClass } from './icmp-errors.js';
import type { TcpSummary } from './tcp.js';
import type { FlowProto, TunnelHop } from './view.js';

/** One place a packet was seen. */
export interface Sighting {
  input: number;
  no: number;
  line: number | null;
  ts: number | null;
  ifname: string | null;
  ifindex: number | null;
  direction: Packet['direction'];
  /** The tunnel it was inside at this sighting, null when bare. */
  hop: TunnelHop | null;
}

export type Role = 'request' | 'reply' | 'other';

export interface Evidence {
  role: Role | 'error';
  /** What the packet was, in tcpdump's words where possible. */
  what: string;
  /** Where it was seen: interface, direction, tunnel. */
  where: string;
  input: number;
  no: number;
  line: number | null;
  ts: number | null;
  /** For errors: how the error was tied to this flow. */
  attribution?: Attribution;
}

/** How an ICMP error was tied to a flow: the quoted packet itself, the host it names, the tunnel endpoint it names, or inference. */
export type Attribution = 'quoted' | 'host' | 'endpoint' | 'inferred';

export interface FlowError {
  cls: ErrorClass;
  /** Who sent the error. */
  from: string;
  /** The address the error is about (the quoted destination). */
  about: string;
  mtu: number | null;
  ts: number | null;
  attribution: Attribution;
  /** The input the error was captured in, and whether the node sent it to itself (its own failure to send). */
  input: number;
  local: boolean;
  /** The error quotes a packet the server sent (a reply that died on the way back, or came too late to be taken). */
  aboutReply: boolean;
}

/**
 * A sighting kept as evidence, in numbers: the words are made when the flow closes (most
 * sightings are never reported, and a flow keeps only a few).
 */
export interface Seen extends Omit<Sighting, 'hop'> {
  role: Role;
  fromClient: boolean;
  /** Outer addresses and UDP port when it was encapsulated (the tunnel type and VNI are the flow's). */
  outerSrc: string | null;
  outerDst: string | null;
  port: number | null;
  /** ICMP type or TCP flags; ICMP/TCP sequence; TCP payload or UDP length. */
  type: number;
  seq: number | null;
  len: number | null;
}

/** One place a packet was seen, for the flow's hops. */
export interface Hop {
  ifname: string | null;
  ifindex: number | null;
  direction: Packet['direction'];
  /** The tunnel it was in there, null when bare. */
  tunnel: { type: TunnelHop['type']; vni: number | null; src: string; dst: string; port: number | null } | null;
  ts: number | null;
  /** A NAT step (nat.ts): the packet's tuple before and after the rewrite. */
  nat?: { from: string; to: string };
}

/** How one capture point saw packets of one role: arriving or leaving encapsulated, or only bare. */
export interface Passage {
  /** Encapsulated, arriving at / leaving the capturing node. */
  in: number;
  out: number;
  /** Encapsulated, direction not known yet: outer source -> count (resolved with the node's addresses at the end). */
  unknown: (string | number)[] | null;
  /** Seen only bare. */
  bare: number;
}

/** What one capture point (input) saw of a flow: each side keeps its own counts, as each node sees its own half. */
export interface Side {
  input: number;
  requests: number;
  replies: number;
  /** Requests answered by a reply that went back the way the request came. */
  answered: number;
  /** Requests whose reply was made here but never left encapsulated. */
  undelivered: number;
  /** Requests unanswered at the end: timed out, or answered by a reply that never left. */
  unanswered: number;
  /** Requests too recent at the end to tell. */
  pendingAtEnd: number;
  /** Packets seen bare inside a tunnel scope that never left encapsulated. */
  notEncapsulated: number;
  lastNotEncapsulatedTs: number | null;
  /** A request was seen encapsulated here. */
  requestEncapsulated: boolean;
  /** TCP resets from the server answering a SYN. */
  resets: number;
  /** TCP: the connection in sequence-space terms (tcp.ts); null for other protocols. */
  tcp: TcpSummary | null;
  requestPassage: Passage;
  replyPassage: Passage;
  /** Where the first request and the first reply were seen. */
  requestPath: Hop[] | null;
  replyPath: Hop[] | null;
  /** The first requests and replies seen here, one entry per packet, for following packets across capture points (crossnode.ts); kept only when the table follows packets. */
  sightings: PacketSighting[];
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface Flow {
  id: number;
  proto: FlowProto;
  client: string;
  server: string;
  /** Ports (TCP/UDP); null for ICMP. */
  clientPort: number | null;
  serverPort: number | null;
  /** ICMP echo identifier, null otherwise. */
  echoId: number | null;
  /** "" for bare traffic, "vxlan:1" etc. inside a tunnel. */
  scope: string;
  tunnel: { type: TunnelHop['type']; vni: number | null; port: number | null } | null;
  /** Outer endpoints the flow's packets travelled between: "src>dst" -> sightings. */
  endpoints: Map<string, number>;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Distinct packets (per capture point), and all sightings of them. */
  packets: number;
  /** Encapsulated sightings with a wrong outer UDP checksum (the VXLAN checksum-offload bug when SYNs are retried). */
  badChecksums: number;
  sightings: number;
  /** One side per input that saw the flow, in input order. */
  sides: Side[];
  errors: FlowError[];
  /** Evidence, kept small until flowEvidence() words it: the first sightings, the newest one, the errors tied to the flow. */
  seen: Seen[];
  last: Seen | null;
  errorEvidence: Evidence[];
  /** Inner MAC addresses seen in the tunnel: a bare frame with one of them is the same traffic on the overlay device. */
  innerMacs: string[];
  /** Sightings carried link direction (cooked capture): bare copies are hops of the same packets. */
  cooked: boolean;
  /** Set when this flow is a connection after a NAT rewrite, stitched to the flow before it. */
  nat?: NatLink;
}

/** Two flows that are one connection before and after a NAT rewrite at one capture point (nat.ts). */
export interface NatLink {
  /** The flow as its client sent it (to the Service address, the NodePort); the Flow holding this link is the connection after the rewrite. */
  front: Flow;
  /** What the rewrite changed: the destination (DNAT), the source (SNAT, masquerade), or both. */
  rewrote: 'destination' | 'source' | 'both';
  /** The capture point that saw both halves. */
  input: number;
  /** How the two were recognised as one packet: "tcp seq 1674666179, ip id 4242, 30 µs apart". */
  by: string;
}

/** What one input tells about the node it was captured on. */
export interface InputNode {
  input: number;
  /** The node's own tunnel endpoint addresses, where the capture shows them. */
  local: string[];
  /** Whether packets carried a direction (cooked `-i any` capture). */
  cooked: boolean;
  /**
   * Not one packet of this capture went in an answering direction (no reply or server packet of any
   * flow, no ICMP error, no ARP reply) though requests did: likely a one-direction capture filter,
   * which cannot tell a lost reply from one the filter dropped.
   */
  oneWay: boolean;
  /** Packets from clients (requests and the like) this capture point saw. */
  forth: number;
  /** Packets cut by the snap length before their (inner) transport header: not judged. */
  truncated: number;
  /** Time of the input's last packet (null when it has none with a time): whatever it did not see by then it could still have. */
  end: number | null;
  /** Why this input is taken for its node: one clue per line, the address it points to first. */
  evidence: NodeClue[];
}

/** One clue to a capture's own node. */
export interface NodeClue {
  address: string;
  /** What was seen, in words ("sends VXLAN (8 packets leaving)"). */
  clue: string;
}

export interface TunnelInfo {
  type: TunnelHop['type'];
  vni: number | null;
  port: number | null;
  packets: number;
  endpoints: Map<string, number>;
  /** Inner MAC addresses seen behind each outer source address. */
  macs: Map<string, Set<string>>;
  /** Inner destination MAC addresses sent to each outer destination address (the VTEP MAC its senders address). */
  dstMacs: Map<string, Set<string>>;
  /** Packets with a wrong outer UDP checksum, per "src>dst". */
  badChecksum: Map<string, number>;
  /** The tunnel as its flows name it (one object shared by all of them). */
  scope: NonNullable<Flow['tunnel']>;
}

export interface ArpInfo {
  target: string;
  requests: number;
  replies: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

/** A flow's scope: "" for bare traffic, "vxlan:1" etc. for a tunnel (type and VNI). */
export function scopeOf(tunnel: { type: string; vni: number | null } | null): string {
  return tunnel ? `${tunnel.type}:${tunnel.vni ?? ''}` : '';
}

export function describeHop(hop: TunnelHop | null): string {
  if (!hop) return 'bare';
  const vni = hop.vni !== null ? ` vni ${hop.vni}` : '';
  return `${hop.type}${vni} ${hop.outerSrc} > ${hop.outerDst}${hop.port !== null ? ':' + hop.port : ''}`;
}

export function describePlace(ifname: string | null, ifindex: number | null, direction: Packet['direction'], hop: TunnelHop | null): string {
  const parts: string[] = [];
  if (ifname) parts.push(ifname);
  else if (ifindex !== null) parts.push(`ifindex ${ifindex}`);
  if (direction) parts.push(direction);
  parts.push(hop ? 'encapsulated ' + describeHop(hop) : 'bare');
  return parts.join(' ');
}

/**
 * A flow's evidence in words: the first sightings, the last one, then the errors tied to it.
 * Made on demand: most flows of a big capture are counted, never listed.
 */
export function flowEvidence(f: Flow): Evidence[] {
  const out = f.seen.map((s) => evidenceOf(f, s));
  if (f.last) out.push(evidenceOf(f, f.last));
  // A stitched connection (nat.ts): its front's packets too, in time order.
  if (f.nat) out.push(...flowEvidence(f.nat.front).filter((e) => e.role !== 'error'));
  if (f.nat) out.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  return out.concat(f.errorEvidence);
}

function evidenceOf(f: Flow, s: Seen): Evidence {
  const [src, dst, sp, dp] = s.fromClient ? [f.client, f.server, f.clientPort, f.serverPort] : [f.server, f.client, f.serverPort, f.clientPort];
  let what: string;
  switch (f.proto) {
    case 'icmp':
    case 'icmp6':
      what = `${src} > ${dst}: ${f.proto === 'icmp6' ? 'ICMP6 ' : 'ICMP '}echo ${s.type === ICMP_ECHO || s.type === ICMP6_ECHO_REQUEST ? 'request' : 'reply'}, id ${f.echoId}, seq ${s.seq}`;
      break;
    case 'tcp': {
      const t = s.type;
      const flags = (t & TCP_SYN ? 'S' : '') + (t & 0x01 ? 'F' : '') + (t & TCP_RST ? 'R' : '') + (t & 0x08 ? 'P' : '') + (t & TCP_ACK ? '.' : '');
      what = `${src}.${sp} > ${dst}.${dp}: tcp [${flags || 'none'}]${s.len ? `, length ${s.len}` : ''}`;
      break;
    }
    case 'udp':
      what = `${src}.${sp} > ${dst}.${dp}: udp${s.len !== null ? `, length ${s.len}` : ''}`;
  }
  const hop: TunnelHop | null =
    s.outerSrc !== null && f.tunnel
      ? { type: f.tunnel.type, vni: f.tunnel.vni, port: s.port, outerSrc: s.outerSrc, outerDst: s.outerDst!, innerSrcMac: null, innerDstMac: null }
      : null;
  return { role: s.role, what, where: describePlace(s.ifname, s.ifindex, s.direction, hop), input: s.input, no: s.no, line: s.line, ts: s.ts };
}
