/**
 * IP in IP: IPv4 protocol 4 / IPv6 next header 4 (RFC 2003) carries an IPv4
 * packet, protocol 41 (RFC 4213, also 6in6) an IPv6 packet, right after the
 * outer header. The inner packet is a frame of its own with link 'none'.
 */
import { emptyFrame, type Frame, type TunnelType } from '../model.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_IPIP } from '../protocols.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import { type DecodeOptions, nestedTooDeep } from './options.js';

export function decodeIpInIp(proto: number, b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  decodeIpTunnel('ipip', proto === IPPROTO_IPIP ? 4 : 6, b, off, end, f, opts, depth);
}

/** A tunnel whose payload is a bare IPv`version` packet, no header of its own (IP-in-IP, flannel-udp). */
export function decodeIpTunnel(type: TunnelType, version: 4 | 6, b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (nestedTooDeep(f, depth)) return;
  const inner = emptyFrame('none');
  f.tunnel = { type, vni: null, flags: null, inner };
  if (version === 4) {
    inner.ethertype = ETHERTYPE_IPV4;
    decodeIPv4(b, off, end, inner, opts, depth + 1);
  } else {
    inner.ethertype = ETHERTYPE_IPV6;
    decodeIPv6(b, off, end, inner, opts, depth + 1);
  }
}
