/**
 * ARP (RFC 826), as used on Ethernet for IPv4.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Hardware type (HTYPE)     |     Protocol type (PTYPE)     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | HW len (HLEN) | Proto len PLEN|        Operation (OPER)       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Sender hardware address (SHA), HLEN bytes                    |
 *   |  Sender protocol address (SPA), PLEN bytes                    |
 *   |  Target hardware address (THA), HLEN bytes                    |
 *   |  Target protocol address (TPA), PLEN bytes                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Only IPv4 protocol addresses (PTYPE 0x0800, PLEN 4) fit the model. Hardware
 * addresses are kept when they are 6-byte MACs. ATM ARP (HTYPE 19, RFC 2225) lays
 * its addresses out differently and is not decoded.
 */
import type { Frame } from '../model.js';
import { ARPHRD_ATM, ETHERTYPE_IPV4 } from '../protocols.js';
import { formatIPv4, formatMac, hex4, u16 } from './bytes.js';

const ARP_FIXED_LEN = 8;

export function decodeArp(b: Uint8Array, off: number, end: number, f: Frame): void {
  if (off + ARP_FIXED_LEN > end) {
    f.truncated = true;
    return;
  }
  const htype = u16(b, off);
  const ptype = u16(b, off + 2);
  const hlen = b[off + 4];
  const plen = b[off + 5];
  const op = u16(b, off + 6);
  if (htype === ARPHRD_ATM) {
    f.note = 'ATM ARP (RFC 2225) not decoded';
    return;
  }
  if (ptype !== ETHERTYPE_IPV4 || plen !== 4) {
    f.note = `ARP for protocol ${hex4(ptype)} (address length ${plen}) not decoded`;
    return;
  }
  const sha = off + ARP_FIXED_LEN;
  const spa = sha + hlen;
  const tha = spa + 4;
  const tpa = tha + hlen;
  if (tpa + 4 > end) {
    f.truncated = true;
    return;
  }
  f.arp = {
    op,
    senderMac: hlen === 6 ? formatMac(b, sha) : null,
    senderIp: formatIPv4(b, spa),
    targetMac: hlen === 6 ? formatMac(b, tha) : null,
    targetIp: formatIPv4(b, tpa),
  };
}
