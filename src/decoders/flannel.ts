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
import { emptyFrame, type Frame } from '../model.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../protocols.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import { MAX_DEPTH, type DecodeOptions } from './options.js';

export function decodeFlannelUdp(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): boolean {
  if (off >= end) return false;
  const version = b[off] >> 4;
  if (version !== 4 && version !== 6) return false;
  if (depth >= MAX_DEPTH) {
    f.note = `tunnels nested deeper than ${MAX_DEPTH} levels: not decoded further`;
    return true;
  }
  const inner = emptyFrame('none');
  f.tunnel = { type: 'flannel-udp', vni: null, flags: null, inner };
  if (version === 4) {
    inner.ethertype = ETHERTYPE_IPV4;
    decodeIPv4(b, off, end, inner, opts, depth + 1);
  } else {
    inner.ethertype = ETHERTYPE_IPV6;
    decodeIPv6(b, off, end, inner, opts, depth + 1);
  }
  return true;
}
