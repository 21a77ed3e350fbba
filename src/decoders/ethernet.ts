/**
 * Ethernet II (IEEE 802.3 MAC frame with an EtherType) and 802.1Q / 802.1ad VLAN tags.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Destination MAC address                      |
 *   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *   |                     Source MAC address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      EtherType / TPID         |  PCP|D|  VLAN identifier (VID)| <- tag, 0..n times
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      EtherType                |  payload ...
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A tag is TPID 0x8100 (802.1Q), 0x88a8 (802.1ad S-tag) or 0x9100 (pre-standard QinQ),
 * then the 16-bit TCI; the EtherType of what follows comes after it. The frame check
 * sequence is not in captures; bytes after the IP datagram are padding.
 */
import { emptyFrame, type Frame } from '../model.js';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_MIN,
  ETHERTYPE_QINQ,
  ETHERTYPE_QINQ_OLD,
  ETHERTYPE_TEB,
  ETHERTYPE_VLAN,
} from '../protocols.js';
import { decodeArp } from './arp.js';
import { formatMac, hex4, u16 } from './bytes.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import type { DecodeOptions } from './options.js';

export const ETHERNET_HEADER_LEN = 14;

export function decodeEthernet(b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  if (off + 6 <= end) f.dst = formatMac(b, off);
  if (off + 12 <= end) f.src = formatMac(b, off + 6);
  if (off + ETHERNET_HEADER_LEN > end) {
    f.truncated = true;
    return;
  }
  const type = u16(b, off + 12);
  if (type < ETHERTYPE_MIN) {
    f.note = `802.3 frame (length ${type}, LLC): not decoded`;
    return;
  }
  decodeEthertype(type, b, off + ETHERNET_HEADER_LEN, end, f, opts, depth);
}

/**
 * Next layer by EtherType, after any VLAN tags. Shared by Ethernet, Linux cooked
 * captures (their protocol field is an EtherType) and GENEVE's protocol type.
 */
/**
 * A tunnel's payload by its protocol type (GRE, GENEVE): an Ethernet frame for transparent
 * Ethernet bridging (0x6558), else a packet of that EtherType. The frame to fill, then its decoding.
 */
export function payloadFrame(ptype: number): Frame {
  return emptyFrame(ptype === ETHERTYPE_TEB ? 'ether' : 'none');
}
export function decodePayload(ptype: number, b: Uint8Array, off: number, end: number, inner: Frame, opts: DecodeOptions, depth: number): void {
  if (ptype === ETHERTYPE_TEB) decodeEthernet(b, off, end, inner, opts, depth);
  else decodeEthertype(ptype, b, off, end, inner, opts, depth);
}

export function decodeEthertype(type: number, b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions, depth: number): void {
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (off + 4 > end) {
      f.ethertype = type;
      f.truncated = true;
      return;
    }
    f.vlans.push(u16(b, off) & 0x0fff);
    type = u16(b, off + 2);
    off += 4;
  }
  f.ethertype = type;
  switch (type) {
    case ETHERTYPE_IPV4:
      decodeIPv4(b, off, end, f, opts, depth);
      return;
    case ETHERTYPE_IPV6:
      decodeIPv6(b, off, end, f, opts, depth);
      return;
    case ETHERTYPE_ARP:
      decodeArp(b, off, end, f);
      return;
    default:
      f.note = `unknown ethertype ${hex4(type)}`;
  }
}
