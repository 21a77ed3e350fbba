/**
 * What carries a tunnel across the underlay, in an operator's words: the UDP
 * port or IP protocol a firewall must allow, the traceroute that follows it,
 * and what the encapsulation costs of the underlay's MTU.
 */
import type { TunnelType } from '../model.js';
import { FLANNEL_UDP_PORT, GENEVE_PORT, IPPROTO_GRE, IPPROTO_IPIP, VXLAN_PORT_LINUX } from '../protocols.js';

export interface Carrier {
  /** "UDP 8472", "IP protocol 47 (GRE)". */
  words: string;
  port: number | null;
  /** The traceroute that follows the carrier's path. */
  trace: (host: string) => string;
  /** Bytes the encapsulation adds (outer IP included). */
  overhead: number;
  /** flannel's device for it (flannel.1 for VXLAN, flannel0 for its udp backend); null for another overlay's. */
  device: string | null;
  /** Whether the device forwards by fdb and neighbour entries (VXLAN) that a stale peer can leave wrong. */
  fdb: boolean;
}

/** Outer IPv4 + UDP + the tunnel header (+ the inner Ethernet header where one is carried). */
const OVERHEAD: Record<TunnelType, number> = { vxlan: 50, geneve: 50, 'flannel-udp': 28, ipip: 20, gre: 24 };
const DEFAULT_PORT: Partial<Record<TunnelType, number>> = { vxlan: VXLAN_PORT_LINUX, geneve: GENEVE_PORT, 'flannel-udp': FLANNEL_UDP_PORT };
const IP_PROTOCOL: Partial<Record<TunnelType, [number, string]>> = { gre: [IPPROTO_GRE, 'GRE'], ipip: [IPPROTO_IPIP, 'IP-in-IP'] };
const DEVICE: Partial<Record<TunnelType, string>> = { vxlan: 'flannel.1', 'flannel-udp': 'flannel0' };

export function carrierOf(tunnel: { type: TunnelType; port: number | null } | null): Carrier {
  const type = tunnel?.type ?? 'vxlan';
  const proto = IP_PROTOCOL[type];
  if (proto) {
    return {
      words: `IP protocol ${proto[0]} (${proto[1]})`,
      port: null,
      trace: (h) => `traceroute -P ${proto[0]} ${h}`,
      overhead: OVERHEAD[type],
      device: DEVICE[type] ?? null,
      fdb: false,
    };
  }
  const port = tunnel?.port ?? DEFAULT_PORT[type] ?? VXLAN_PORT_LINUX;
  return {
    words: `UDP ${port}`,
    port,
    trace: (h) => `traceroute -U -p ${port} ${h}`,
    overhead: OVERHEAD[type],
    device: DEVICE[type] ?? null,
    fdb: type === 'vxlan',
  };
}
