/**
 * What a UDP flow's protocol expects: a reply on the same ports, a reply from
 * another port, an answer only in ICMP, or nothing at all.
 *
 * UDP has no acknowledgements: a datagram without a reply is a problem only
 * where the protocol answers (DNS, NTP, SNMP ...) or where the capture shows
 * the other direction. A one-way stream (syslog, statsd, flow export, a
 * tunnel's own carrier) is not a failure for lacking one.
 */
import { FLANNEL_UDP_PORT, GENEVE_PORT, VXLAN_PORT_IANA, VXLAN_PORT_LINUX, VXLAN_PORT_WEAVE } from '../protocols.js';

export type UdpExpectation =
  /** Request/response on the same two ports. */
  | 'reply'
  /** The answer comes from a new port (TFTP): another flow. */
  | 'reply-elsewhere'
  /** traceroute probes: answered by ICMP time exceeded or port unreachable. */
  | 'icmp'
  /** One-way by design: no reply is expected. */
  | 'none'
  /** Not a protocol known here: judged as request/response only if the capture shows the reverse direction. */
  | 'unknown';

/** Server ports of protocols that answer each datagram on the same ports. */
const REQUEST_RESPONSE: Record<number, string> = {
  7: 'echo',
  53: 'DNS',
  67: 'DHCP',
  68: 'DHCP',
  88: 'Kerberos',
  111: 'rpcbind',
  123: 'NTP',
  137: 'NetBIOS name service',
  161: 'SNMP',
  389: 'CLDAP',
  443: 'QUIC',
  464: 'kpasswd',
  500: 'IKE',
  1812: 'RADIUS',
  1813: 'RADIUS accounting',
  1645: 'RADIUS',
  1646: 'RADIUS accounting',
  2049: 'NFS',
  3478: 'STUN',
  5060: 'SIP',
  5353: 'mDNS',
  5355: 'LLMNR',
  5683: 'CoAP',
  8600: 'Consul DNS',
  11211: 'memcached',
};

/** Server ports of one-way streams. */
const ONE_WAY: Record<number, string> = {
  162: 'SNMP trap',
  514: 'syslog',
  2055: 'NetFlow',
  4739: 'IPFIX',
  6343: 'sFlow',
  8125: 'statsd',
  9995: 'NetFlow',
  9996: 'NetFlow',
  12201: 'GELF',
  25826: 'collectd',
  51820: 'WireGuard',
  [VXLAN_PORT_LINUX]: 'VXLAN',
  [VXLAN_PORT_IANA]: 'VXLAN',
  [GENEVE_PORT]: 'GENEVE',
  [FLANNEL_UDP_PORT]: 'flannel UDP',
  [VXLAN_PORT_WEAVE]: 'Weave VXLAN',
};

/** TFTP answers from a new port (RFC 1350). */
const TFTP_PORT = 69;
/** traceroute's default UDP probe ports. */
const TRACEROUTE_FIRST = 33434;
const TRACEROUTE_LAST = 33534;

export interface UdpProtocol {
  expects: UdpExpectation;
  /** The protocol's name, when known. */
  name: string | null;
}

/** The protocol of a UDP flow from its server port (and, for replies seen first, its client port). */
export function udpProtocol(serverPort: number | null, clientPort: number | null): UdpProtocol {
  for (const port of [serverPort, clientPort]) {
    if (port === null) continue;
    if (port === TFTP_PORT) return { expects: 'reply-elsewhere', name: 'TFTP' };
    const rr = REQUEST_RESPONSE[port];
    if (rr) return { expects: 'reply', name: rr };
    const oneWay = ONE_WAY[port];
    if (oneWay) return { expects: 'none', name: oneWay };
  }
  if (serverPort !== null && serverPort >= TRACEROUTE_FIRST && serverPort <= TRACEROUTE_LAST) return { expects: 'icmp', name: 'traceroute probe' };
  return { expects: 'unknown', name: null };
}
