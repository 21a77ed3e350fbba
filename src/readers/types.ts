/** What a capture reader hands on: one captured record at a time, before any decoding. */
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

/**
 * Called once per captured record. `data` is a view that is only valid during the call
 * (readers reuse their buffers): decode it, do not keep it.
 * linkType is the LINKTYPE_* value of the record's interface; ts is seconds since the epoch;
 * ifindex is the pcapng interface id (null for classic pcap); ifname is the name the pcapng
 * interface block gives it (if_name), null when it names none or names the "any" pseudo-device;
 * point is the capture point (readers/points.ts) of a pcapng that merges several, else 0 or absent.
 */
export type RecordHandler = (
  data: Uint8Array,
  linkType: number,
  ts: number | null,
  wireLen: number,
  ifindex: number | null,
  ifname?: string | null,
  point?: number,
) => void;

/** A problem in the input that does not stop reading: where it is and what it is. */
export interface InputWarning {
  /** The input's name as the user gave it (path, or "-" / "stdin"). */
  input: string;
  /** Byte offset (binary inputs) or 1-based line number (text inputs) where the problem is. */
  offset?: number;
  line?: number;
  message: string;
}

/** Thrown (as the only exception readers throw) when an input cannot be read at all. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
    readonly offset?: number,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
  /** One line for a person: "capture.pcap: offset 24: unknown link type 999". */
  override toString(): string {
    const where = this.offset !== undefined ? `offset ${this.offset}: ` : this.line !== undefined ? `line ${this.line}: ` : '';
    return `${this.input}: ${where}${this.message}`;
  }
}

/** Every link type decodeFrame decodes (DLT_RAW as old files and OpenBSD number it among them). */
export const DECODED_LINK_TYPES: ReadonlySet<number> = new Set([
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  DLT_RAW_12,
  DLT_RAW_14,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL2,
]);
