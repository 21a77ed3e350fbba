/**
 * Linux cooked captures: what `tcpdump -i any` writes. The kernel has removed the
 * device's own link header; this pseudo-header says which way the packet went,
 * what kind of device it passed (ARPHRD_*) and the link-layer address.
 *
 * LINKTYPE_LINUX_SLL (113), 16 bytes:
 *   +---------------------------+
 *   |         Packet type       | (2 octets)
 *   +---------------------------+
 *   |        ARPHRD_ type       | (2 octets)
 *   +---------------------------+
 *   | Link-layer address length | (2 octets)
 *   +---------------------------+
 *   |    Link-layer address     | (8 octets)
 *   +---------------------------+
 *   |        Protocol type      | (2 octets)
 *   +---------------------------+
 *   |           Payload         |
 *
 * LINKTYPE_LINUX_SLL2 (276), 20 bytes:
 *   +---------------------------+
 *   |        Protocol type      | (2 octets)
 *   +---------------------------+
 *   |       Reserved (MBZ)      | (2 octets)
 *   +---------------------------+
 *   |       Interface index     | (4 octets)
 *   +---------------------------+
 *   |        ARPHRD_ type       | (2 octets)
 *   +---------------------------+
 *   |         Packet type       | (1 octet)
 *   +---------------------------+
 *   | Link-layer address length | (1 octet)
 *   +---------------------------+
 *   |    Link-layer address     | (8 octets)
 *   +---------------------------+
 *   |           Payload         |
 *
 * Packet type: 0 to us (In), 1 broadcast, 2 multicast, 3 to another host
 * (promiscuous), 4 sent by us (Out). The payload is the network-layer packet on
 * every device kind, Ethernet (ARPHRD 1, a VXLAN device such as flannel.1 too),
 * loopback (772) or tun (65534) alike; the protocol type is its EtherType. Only
 * the address depends on the ARPHRD: Ethernet-like devices give a 6-byte MAC
 * (all zero on loopback), others (IP tunnels, tun) none or a non-MAC address,
 * which the model does not carry. Protocol values below 0x0600 are not
 * EtherTypes (802.2 LLC, CAN, netlink families): not decoded.
 */
import type { Direction, Frame } from '../model.js';
import { ARPHRD_NETLINK, ETHERTYPE_MIN } from '../protocols.js';
import { formatMac, hex4, u16, u32 } from './bytes.js';
import { decodeEthertype } from './ethernet.js';
import type { DecodeOptions } from './options.js';

export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;
const MAC_LEN = 6;

const DIRECTIONS: readonly Direction[] = ['in', 'broadcast', 'multicast', 'other', 'out'];

/** What the cooked header says beyond the frame. */
export interface CookedInfo {
  direction: Direction | null;
  ifindex: number | null;
}

function directionOf(pkttype: number): Direction {
  // 5 and up (loopback, user, kernel) are the kernel's internal kinds: neither in nor out.
  return pkttype < DIRECTIONS.length ? DIRECTIONS[pkttype] : 'other';
}

export function decodeSll(b: Uint8Array, f: Frame, out: CookedInfo, opts: DecodeOptions): void {
  const end = b.length;
  if (end >= 2) out.direction = directionOf(u16(b, 0));
  if (end < SLL_HEADER_LEN) {
    f.truncated = true;
    return;
  }
  const hatype = u16(b, 2);
  if (u16(b, 4) === MAC_LEN) f.src = formatMac(b, 6);
  cookedPayload(u16(b, 14), hatype, b, SLL_HEADER_LEN, end, f, opts);
}

export function decodeSll2(b: Uint8Array, f: Frame, out: CookedInfo, opts: DecodeOptions): void {
  const end = b.length;
  if (end >= 8) out.ifindex = u32(b, 4);
  if (end >= 11) out.direction = directionOf(b[10]);
  if (end < SLL2_HEADER_LEN) {
    f.truncated = true;
    return;
  }
  const hatype = u16(b, 8);
  if (b[11] === MAC_LEN) f.src = formatMac(b, 12);
  cookedPayload(u16(b, 0), hatype, b, SLL2_HEADER_LEN, end, f, opts);
}

function cookedPayload(protocol: number, hatype: number, b: Uint8Array, off: number, end: number, f: Frame, opts: DecodeOptions): void {
  if (hatype === ARPHRD_NETLINK) {
    f.note = `netlink message (family ${protocol}) not decoded`;
    return;
  }
  if (protocol < ETHERTYPE_MIN) {
    f.note = `cooked protocol ${hex4(protocol)} (ARPHRD ${hatype}) is not an EtherType: not decoded`;
    return;
  }
  decodeEthertype(protocol, b, off, end, f, opts, 0);
}
