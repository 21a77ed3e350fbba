/**
 * What a decoder needs to know beyond the bytes: which UDP ports carry which tunnel
 * (gopacket's UDP port -> layer table). IP protocol numbers route by themselves (ipnext.ts).
 *
 * Kept apart from index.ts so every decoder can import the type without an import cycle.
 */
import type { Frame } from '../model.js';
import { FLANNEL_UDP_PORT, GENEVE_PORT, VXLAN_PORT_IANA, VXLAN_PORT_LINUX, VXLAN_PORT_WEAVE } from '../protocols.js';

/** What a UDP datagram to or from a tunnel port carries. */
export type UdpTunnel = 'vxlan' | 'geneve' | 'flannel-udp';

export interface DecodeOptions {
  /** UDP port (source or destination) -> the tunnel it carries. */
  udpTunnels: ReadonlyMap<number, UdpTunnel>;
}

/**
 * VXLAN on Linux's 8472 (flannel, the kernel default), IANA's 4789 and Weave's fast datapath 6784;
 * GENEVE on 6081; flannel's udp backend on 8285.
 */
export const defaultDecodeOptions: DecodeOptions = {
  udpTunnels: new Map<number, UdpTunnel>([
    [VXLAN_PORT_LINUX, 'vxlan'],
    [VXLAN_PORT_IANA, 'vxlan'],
    [VXLAN_PORT_WEAVE, 'vxlan'],
    [GENEVE_PORT, 'geneve'],
    [FLANNEL_UDP_PORT, 'flannel-udp'],
  ]),
};

/** The default table plus `extraVxlanPorts` as VXLAN (ports outside 1..65535 are ignored). */
export function decodeOptions(extraVxlanPorts?: number[]): DecodeOptions {
  if (!extraVxlanPorts || extraVxlanPorts.length === 0) return defaultDecodeOptions;
  const table = new Map(defaultDecodeOptions.udpTunnels);
  for (const p of extraVxlanPorts) if (Number.isInteger(p) && p > 0 && p <= 0xffff) table.set(p, 'vxlan');
  return { udpTunnels: table };
}

/**
 * How many tunnels (and ICMP quotes, which are decoded like a packet of their own) may nest.
 * Hostile input can nest VXLAN in VXLAN until the bytes run out; each level costs a frame.
 */
export const MAX_DEPTH = 8;

/** Whether a tunnel at `depth` would nest too deep to decode; says so on its frame when it would. */
export function nestedTooDeep(f: Frame, depth: number): boolean {
  if (depth < MAX_DEPTH) return false;
  f.note = `tunnels nested deeper than ${MAX_DEPTH} levels: not decoded further`;
  return true;
}
