/**
 * What a decoder needs to know beyond the bytes: which UDP ports carry which tunnel.
 *
 * Kept apart from index.ts so every decoder can import the type without an import cycle.
 */
import { GENEVE_PORT, VXLAN_PORT_IANA, VXLAN_PORT_LINUX } from '../protocols.js';

export interface DecodeOptions {
  /** UDP ports decoded as VXLAN (either source or destination port). */
  vxlanPorts: ReadonlySet<number>;
  /** UDP ports decoded as GENEVE. */
  genevePorts: ReadonlySet<number>;
}

/** Linux's 8472 (flannel, the kernel default) and IANA's 4789 for VXLAN; 6081 for GENEVE. */
export const defaultDecodeOptions: DecodeOptions = {
  vxlanPorts: new Set([VXLAN_PORT_LINUX, VXLAN_PORT_IANA]),
  genevePorts: new Set([GENEVE_PORT]),
};

/** The default ports plus `extraVxlanPorts` (ports outside 1..65535 are ignored). */
export function decodeOptions(extraVxlanPorts?: number[]): DecodeOptions {
  if (!extraVxlanPorts || extraVxlanPorts.length === 0) return defaultDecodeOptions;
  const vxlan = new Set(defaultDecodeOptions.vxlanPorts);
  for (const p of extraVxlanPorts) if (Number.isInteger(p) && p > 0 && p <= 0xffff) vxlan.add(p);
  return { vxlanPorts: vxlan, genevePorts: defaultDecodeOptions.genevePorts };
}

/**
 * How many tunnels (and ICMP quotes, which are decoded like a packet of their own) may nest.
 * Hostile input can nest VXLAN in VXLAN until the bytes run out; each level costs a frame.
 */
export const MAX_DEPTH = 8;
