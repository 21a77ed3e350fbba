/**
 * What tcpdump's -v and -q print about a tunnel packet around the phrases the grammar reads:
 *
 * - -v checks the outer UDP checksum and says so before the tunnel header
 *   ("10.0.2.200.43625 > 10.0.2.201.8472: [bad udp cksum 0x1a14 -> 0x4963!] OTV, flags [I] ...",
 *   "[udp sum ok]", "[no cksum]"): the note is taken out so the tunnel and its inner frame are read, and its
 *   verdict goes on the outer UDP header as the binary decoder reaches it.
 * - -q prints "UDP, length 106" for the tunnel port and no inner frame: the packet is still the
 *   tunnel (its endpoints are a hop, not an application flow), with an inner frame that is unknown.
 */
import { emptyFrame, type Frame, type Ip } from '../model.js';

/** The note and the tunnel header's first word after it. */
const OUTER_SUM = /: \[(?:bad udp cksum 0x([0-9a-f]+) -> 0x[0-9a-f]+!|udp sum ok|(no cksum))\] (?=OTV, |VXLAN, |Geneve, |VXLAN-GPE, )/;

/** The inner TCP or UDP checksum field, where tcpdump -v found it wrong. */
const INNER_BAD = /cksum 0x([0-9a-f]+) \(incorrect -> |\[bad (?:udp|tcp) cksum 0x([0-9a-f]+) -> /;

export interface OuterSum {
  /** The record without the note. */
  text: string;
  /** The outer checksum field when tcpdump found it wrong, null when it said "udp sum ok" or "no cksum". */
  bad: number | null;
  /** "no cksum": the field is zero, nothing to judge. */
  none: boolean;
  /** The inner TCP/UDP checksum field when tcpdump found that one wrong too. */
  innerBad: number | null;
}

/** The record with the outer checksum note taken out, or null when it has none. */
export function outerSum(text: string): OuterSum | null {
  // Cheap test first: most records have no note.
  if (!text.includes('] ') || !(text.includes('cksum') || text.includes('sum ok'))) return null;
  const m = OUTER_SUM.exec(text);
  if (!m) return null;
  const rest = text.slice(m.index + m[0].length);
  const inner = m[1] === undefined ? null : INNER_BAD.exec(rest);
  return {
    text: text.slice(0, m.index + 2) + rest,
    bad: m[1] === undefined ? null : parseInt(m[1], 16),
    none: m[2] !== undefined,
    innerBad: inner ? parseInt(inner[1] ?? inner[2]!, 16) : null,
  };
}

/** The IPv4 pseudo-header sum (RFC 768), folded to 16 bits; null for an address that is not IPv4 (IPv6, a host name). */
function pseudoSum(ip: Ip, proto: number): number | null {
  const a = ip.src.split('.');
  const b = ip.dst.split('.');
  if (ip.version !== 4 || a.length !== 4 || b.length !== 4 || ip.length === null) return null;
  // A 20-byte header: -v prints "options (...)" when there are more, which tunnel carriers do not use.
  let s = proto + ip.length - 20;
  for (const x of [a, b]) s += ((Number(x[0]) << 8) | Number(x[1])) + ((Number(x[2]) << 8) | Number(x[3]));
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/**
 * The outer UDP header of a tunnel packet gets the note's verdict as the binary decoder reaches it
 * (decoders/checksum.ts): not judged (null) when the field holds only the pseudo-header sum (Linux
 * left it for the NIC), nor when the inner TCP/UDP field does (local checksum offload wrote the
 * outer sum over a partial inner one); IPv6 carriers, whose sums the text cannot redo, likewise.
 */
export function applyOuterSum(f: Frame, sum: OuterSum): void {
  const l4 = f.l4;
  if (!f.tunnel || l4?.kind !== 'udp' || !f.ip) return;
  if (sum.bad === null) {
    l4.checksumOk = sum.none ? null : true;
    return;
  }
  const outer = pseudoSum(f.ip, 17);
  const inner = f.tunnel.inner.ip;
  const partialInner = sum.innerBad !== null && inner !== null && pseudoSum(inner, inner.proto) === sum.innerBad;
  l4.checksumOk = outer === null || outer === sum.bad || partialInner ? null : false;
}

/** UDP ports whose printer tcpdump names (OTV and VXLAN for 8472 and 4789, Geneve for 6081): without -q they never print as "UDP, length". */
const TUNNEL_PORTS = new Map<number, 'vxlan' | 'geneve'>([
  [8472, 'vxlan'],
  [4789, 'vxlan'],
  [6081, 'geneve'],
]);

/**
 * A -q line to a tunnel port ("UDP, length 106"): the frame becomes a tunnel whose inner frame is
 * unknown (an empty frame: no link addresses, no network part), and true is returned so the reader can say once that -q
 * hid the inner packets.
 */
export function quietTunnel(f: Frame, tail: string): boolean {
  const l4 = f.l4;
  if (f.tunnel || l4?.kind !== 'udp' || !tail.startsWith('UDP')) return false;
  const type = TUNNEL_PORTS.get(l4.dstPort) ?? TUNNEL_PORTS.get(l4.srcPort);
  if (!type) return false;
  f.tunnel = { type, vni: null, flags: null, inner: emptyFrame('ether') };
  return true;
}
