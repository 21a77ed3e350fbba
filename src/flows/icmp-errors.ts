/**
 * ICMP and ICMPv6 errors sorted by what they mean for a conversation.
 *
 * Each (type, code) maps to one class; the classifier's rules speak only of
 * classes, so the table below is the single place that reads ICMP numbers.
 */
import type { Icmp } from '../model.js';

export type ErrorClass =
  /** No route, host or net unreachable, address unreachable (incl. the kernel's own report when ARP for the next hop fails). */
  | 'unreachable'
  /** Port or protocol unreachable: the host is there, nothing listens. */
  | 'refused'
  /** Administratively prohibited: a filter said no. */
  | 'prohibited'
  /** Fragmentation needed (DF set) / packet too big: an MTU is too small for the packet. */
  | 'frag-needed'
  /** TTL or hop limit ran out in transit, or reassembly timed out: a loop or too long a path. */
  | 'time-exceeded'
  /** Anything else (redirect, parameter problem, source quench): evidence only. */
  | 'other';

const ICMP4_UNREACH: Record<number, ErrorClass> = {
  0: 'unreachable', // net
  1: 'unreachable', // host
  2: 'refused', // protocol
  3: 'refused', // port
  4: 'frag-needed',
  5: 'unreachable', // source route failed
  6: 'unreachable', // destination net unknown
  7: 'unreachable', // destination host unknown
  8: 'unreachable', // source host isolated
  9: 'prohibited', // net administratively prohibited
  10: 'prohibited', // host administratively prohibited
  11: 'unreachable', // net unreachable for TOS
  12: 'unreachable', // host unreachable for TOS
  13: 'prohibited', // communication administratively prohibited (filter)
  14: 'prohibited', // host precedence violation
  15: 'prohibited', // precedence cutoff
};

const ICMP6_UNREACH: Record<number, ErrorClass> = {
  0: 'unreachable', // no route to destination
  1: 'prohibited', // administratively prohibited
  2: 'unreachable', // beyond scope of source address
  3: 'unreachable', // address unreachable
  4: 'refused', // port unreachable
  5: 'prohibited', // source address failed ingress/egress policy
  6: 'prohibited', // reject route to destination
};

export function errorClass(icmp: Icmp): ErrorClass {
  if (icmp.kind === 'icmp') {
    if (icmp.type === 3) return ICMP4_UNREACH[icmp.code] ?? 'unreachable';
    if (icmp.type === 11) return 'time-exceeded';
    return 'other';
  }
  if (icmp.type === 1) return ICMP6_UNREACH[icmp.code] ?? 'unreachable';
  if (icmp.type === 2) return 'frag-needed';
  if (icmp.type === 3) return 'time-exceeded';
  return 'other';
}

/** How tcpdump would name the error, for evidence lines. */
export function describeError(icmp: Icmp): string {
  const about = icmp.quoted ? icmp.quoted.dst : '?';
  const cls = errorClass(icmp);
  const v6 = icmp.kind === 'icmp6' ? 'ICMPv6 ' : 'ICMP ';
  switch (cls) {
    case 'frag-needed':
      return `${v6}${icmp.kind === 'icmp6' ? 'packet too big' : 'fragmentation needed'} for ${about}${icmp.mtu !== null ? ` (mtu ${icmp.mtu})` : ''}`;
    case 'refused': {
      const q = icmp.quoted;
      const what = q && q.dstPort !== null ? `${q.proto === 6 ? 'tcp' : q.proto === 17 ? 'udp' : 'proto ' + q.proto} port ${q.dstPort}` : 'port/protocol';
      return `${v6}${about} ${what} unreachable`;
    }
    case 'prohibited':
      return `${v6}${about} unreachable - administratively prohibited (code ${icmp.code})`;
    case 'unreachable':
      return `${v6}${icmp.kind === 'icmp' && icmp.code === 0 ? 'net' : 'host'} ${about} unreachable (code ${icmp.code})`;
    case 'time-exceeded':
      return `${v6}time exceeded (code ${icmp.code}) for a packet to ${about}`;
    default:
      return `${v6}type ${icmp.type} code ${icmp.code} about ${about}`;
  }
}
