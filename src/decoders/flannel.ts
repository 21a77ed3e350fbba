/**
 * flannel's "udp" backend, on UDP 8285: flanneld reads IP packets from its TUN
 * device (flannel0) and sends each as the whole payload of a UDP datagram to the
 * peer node's flanneld. No header of its own:
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  outer IPv4  |  UDP 8285 -> 8285  |  inner IP packet ...     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The inner packet is a frame of its own with link 'none'. With no header to
 * check, only a payload that starts like an IP packet (version 4 or 6) is taken
 * for one; anything else on the port stays plain UDP (returns false).
 */
import type { Frame } from '../model.js';
import { decodeIpTunnel } from './ipip.js';
import type { DecodeOptions } from './options.js';

export function decodeFlannelUdp(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): boolean {
  if (off >= end) return false;
  const version = b[off] >> 4;
  if (version !== 4 && version !== 6) return false;
  decodeIpTunnel('flannel-udp', version, b, off, end, f, opts, depth);
  return true;
}
