/**
 * ICMP and ICMPv6 errors sorted by what they mean for a conversation.
 *
 * Each (type, code) maps to one class; the classifier's rules speak only of
 * classes, so the table below is the single place that reads ICMP numbers.
 */

import type { Icmp } from '../model.js';
import {
  ICMP_TIMXCEED,
  ICMP_UNREACH,
  ICMP_UNREACH_FILTER_PROHIB,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_HOST_PRECEDENCE,
  ICMP_UNREACH_HOST_PROHIB,
  ICMP_UNREACH_HOST_UNKNOWN,
  ICMP_UNREACH_ISOLATED,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_NET,
  ICMP_UNREACH_NET_PROHIB,
  ICMP_UNREACH_NET_UNKNOWN,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PRECEDENCE_CUTOFF,
  ICMP_UNREACH_PROTOCOL,
  ICMP_UNREACH_SRCFAIL,
  ICMP_UNREACH_TOSHOST,
  ICMP_UNREACH_TOSNET,
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_ADMIN,
  ICMP6_DST_UNREACH_BEYONDSCOPE,
  ICMP6_DST_UNREACH_NOPORT,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_DST_UNREACH_POLICY,
  ICMP6_DST_UNREACH_REJECT_ROUTE,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_TIME_EXCEEDED,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from '../protocols.js';

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
  [ICMP_UNREACH_NET]: 'unreachable', // net
  [ICMP_UNREACH_HOST]: 'unreachable', // host
  [ICMP_UNREACH_PROTOCOL]: 'refused', // protocol
  [ICMP_UNREACH_PORT]: 'refused', // port
  [ICMP_UNREACH_NEEDFRAG]: 'frag-needed',
  [ICMP_UNREACH_SRCFAIL]: 'unreachable', // source route failed
  [ICMP_UNREACH_NET_UNKNOWN]: 'unreachable', // destination net unknown
  [ICMP_UNREACH_HOST_UNKNOWN]: 'unreachable', // destination host unknown
  [ICMP_UNREACH_ISOLATED]: 'unreachable', // source host isolated
  [ICMP_UNREACH_NET_PROHIB]: 'prohibited', // net administratively prohibited
  [ICMP_UNREACH_HOST_PROHIB]: 'prohibited', // host administratively prohibited
  [ICMP_UNREACH_TOSNET]: 'unreachable', // net unreachable for TOS
  [ICMP_UNREACH_TOSHOST]: 'unreachable', // host unreachable for TOS
  [ICMP_UNREACH_FILTER_PROHIB]: 'prohibited', // communication administratively prohibited (filter)
  [ICMP_UNREACH_HOST_PRECEDENCE]: 'prohibited', // host precedence violation
  [ICMP_UNREACH_PRECEDENCE_CUTOFF]: 'prohibited', // precedence cutoff
};

const ICMP6_UNREACH: Record<number, ErrorClass> = {
  [ICMP6_DST_UNREACH_NOROUTE]: 'unreachable', // no route to destination
  [ICMP6_DST_UNREACH_ADMIN]: 'prohibited', // administratively prohibited
  [ICMP6_DST_UNREACH_BEYONDSCOPE]: 'unreachable', // beyond scope of source address
  [ICMP6_DST_UNREACH_ADDR]: 'unreachable', // address unreachable
  [ICMP6_DST_UNREACH_NOPORT]: 'refused', // port unreachable
  [ICMP6_DST_UNREACH_POLICY]: 'prohibited', // source address failed ingress/egress policy
  [ICMP6_DST_UNREACH_REJECT_ROUTE]: 'prohibited', // reject route to destination
};

export function errorClass(icmp: Icmp): ErrorClass {
  if (icmp.kind === 'icmp') {
    if (icmp.type === ICMP_UNREACH) return ICMP4_UNREACH[icmp.code] ?? 'unreachable';
    if (icmp.type === ICMP_TIMXCEED) return 'time-exceeded';
    return 'other';
  }
  if (icmp.type === ICMP6_DST_UNREACH) return ICMP6_UNREACH[icmp.code] ?? 'unreachable';
  if (icmp.type === ICMP6_PACKET_TOO_BIG) return 'frag-needed';
  if (icmp.type === ICMP6_TIME_EXCEEDED) return 'time-exceeded';
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
      const what =
        q && q.dstPort !== null
          ? `${q.proto === IPPROTO_TCP ? 'tcp' : q.proto === IPPROTO_UDP ? 'udp' : 'proto ' + q.proto} port ${q.dstPort}`
          : 'port/protocol';
      return `${v6}${about} ${what} unreachable`;
    }
    case 'prohibited':
      return `${v6}${about} unreachable - administratively prohibited (code ${icmp.code})`;
    case 'unreachable':
      return `${v6}${icmp.kind === 'icmp' && icmp.code === ICMP_UNREACH_NET ? 'net' : 'host'} ${about} unreachable (code ${icmp.code})`;
    case 'time-exceeded':
      return `${v6}time exceeded (code ${icmp.code}) for a packet to ${about}`;
    default:
      return `${v6}type ${icmp.type} code ${icmp.code} about ${about}`;
  }
}
