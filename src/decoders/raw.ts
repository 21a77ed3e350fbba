/**
 * Raw IP: no link header at all; the first nibble is the IP version.
 * LINKTYPE_RAW (101, and the DLT_RAW values 12 / 14 that old files carry),
 * LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229), whose version is fixed.
 *
 *    0 1 2 3
 *   +-+-+-+-+-+-+-+-
 *   |Version| ... IPv4 or IPv6 header
 *   +-+-+-+-+-+-+-+-
 */
import type { Frame } from '../model.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../protocols.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import type { DecodeOptions } from './options.js';

/** `version` 0 reads it from the packet; 4 or 6 is what the link type fixes. */
export function decodeRaw(b: Uint8Array, version: 0 | 4 | 6, f: Frame, opts: DecodeOptions): void {
  const end = b.length;
  if (end < 1) {
    f.truncated = true;
    return;
  }
  const v = version !== 0 ? version : b[0] >> 4;
  if (v === 4) {
    f.ethertype = ETHERTYPE_IPV4;
    decodeIPv4(b, 0, end, f, opts, 0);
  } else if (v === 6) {
    f.ethertype = ETHERTYPE_IPV6;
    decodeIPv6(b, 0, end, f, opts, 0);
  } else {
    f.note = `unknown IP version ${v}`;
  }
}
