/**
 * Binary packet decoding: one captured record -> the model's Frame.
 *
 * Each protocol is a small file (RFC header diagram on top): a plain function over
 * the bytes and an offset that fills in the frame and hands the rest to the next
 * layer it names (EtherType, IP protocol, UDP port). Decoders never throw and never
 * read past the captured bytes: a cut header sets `truncated` on the frame it
 * belongs to and everything decoded above it stays.
 */
import { type Direction, emptyFrame, type Frame, type LinkKind } from '../model.js';
import {
  DLT_RAW_12,
  DLT_RAW_14,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../protocols.js';
import { decodeEthernet } from './ethernet.js';
import { decodeNull } from './null.js';
import { type DecodeOptions, defaultDecodeOptions } from './options.js';
import { decodeRaw } from './raw.js';
import { decodeSll, decodeSll2 } from './sll.js';

export { formatIPv4, formatIPv6, formatMac } from './bytes.js';
export { type DecodeOptions, decodeOptions, defaultDecodeOptions, MAX_DEPTH } from './options.js';

export interface DecodedLink {
  frame: Frame;
  /** Which way the packet went, from a Linux cooked header; null for other link types. */
  direction: Direction | null;
  /** Interface index from a Linux cooked v2 header; null otherwise. */
  ifindex: number | null;
}

function linkKind(linkType: number): LinkKind {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return 'ether';
    case LINKTYPE_LINUX_SLL:
      return 'sll';
    case LINKTYPE_LINUX_SLL2:
      return 'sll2';
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return 'null';
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return 'raw';
    default:
      return 'none';
  }
}

/** Decodes one captured record of link type `linkType`. Never throws. */
export function decodeFrame(linkType: number, bytes: Uint8Array, opts: DecodeOptions = defaultDecodeOptions): DecodedLink {
  const frame = emptyFrame(linkKind(linkType));
  const out: DecodedLink = { frame, direction: null, ifindex: null };
  try {
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        decodeEthernet(bytes, 0, bytes.length, frame, opts, 0);
        break;
      case LINKTYPE_LINUX_SLL:
        decodeSll(bytes, frame, out, opts);
        break;
      case LINKTYPE_LINUX_SLL2:
        decodeSll2(bytes, frame, out, opts);
        break;
      case LINKTYPE_NULL:
      case LINKTYPE_LOOP:
        decodeNull(bytes, frame, opts);
        break;
      case LINKTYPE_RAW:
      case DLT_RAW_12:
      case DLT_RAW_14:
        decodeRaw(bytes, 0, frame, opts);
        break;
      case LINKTYPE_IPV4:
        decodeRaw(bytes, 4, frame, opts);
        break;
      case LINKTYPE_IPV6:
        decodeRaw(bytes, 6, frame, opts);
        break;
      default:
        frame.note = `unknown link type ${linkType}`;
    }
  } catch (e) {
    // Decoders check every bound; this only keeps a bug in one of them from ending a whole capture.
    frame.note = `decoder error: ${e instanceof Error ? e.message : String(e)}`;
  }
  return out;
}
