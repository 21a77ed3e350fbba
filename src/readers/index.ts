/**
 * Capture readers: open an input (format sniffed from its first bytes, gzip
 * unwrapped), then stream its records one at a time to a handler.
 */

import type { OpenedInput } from './open.js';
import { readPcap, readPcapChunks } from './pcap.js';
import { readPcapng } from './pcapng.js';
import type { CapturePoint } from './points.js';
import { DECODED_LINK_TYPES, InputError, type InputWarning, type RecordHandler } from './types.js';

export { type InputFormat, type OpenedInput, openInput } from './open.js';
export { type CapturePoint, describePoint } from './points.js';
export { type Sniffed, sniff } from './sniff.js';
export * from './types.js';

export interface CaptureSummary {
  format: 'pcap' | 'pcapng';
  /** Timestamps finer than microseconds (a nanosecond pcap, a pcapng interface with if_tsresol > 6). */
  nanosecond: boolean;
  /** Records handed to onRecord. */
  records: number;
  /** Bytes read (decompressed). */
  bytes: number;
  /** LINKTYPE_* values of the capture's interfaces, in the order first seen. */
  linkTypes: number[];
  /** The file's snap length (pcapng: the largest of its interfaces'; null when it describes none). */
  snaplen: number | null;
  /** pcapng merging several captures: the capture points its interfaces belong to (absent when one). */
  points?: CapturePoint[];
  /** pcapng: sections mergecap wrote whose captures cannot be told apart (absent when none). */
  unsplitMerges?: number;
}

/**
 * Streams the records of a pcap or pcapng input to onRecord. Problems that leave the rest
 * readable go to onWarning (with the byte offset); an input that cannot be read at all throws
 * InputError. Memory stays bounded: the input is read in chunks and never held whole.
 */
export async function readCapture(input: OpenedInput, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<CaptureSummary> {
  let summary: CaptureSummary;
  if (input.format === 'pcapng') {
    const { points, unsplitMerges, ...r } = await readPcapng(input.chunks ? input.chunks() : input.stream, input.name, onRecord, onWarning);
    // Said only when there is something to say: several capture points, or a merge left whole.
    summary = { format: 'pcapng', ...r, ...(points.length > 1 ? { points } : {}), ...(unsplitMerges > 0 ? { unsplitMerges } : {}) };
  } else if (input.format !== 'pcap') {
    input.stream.destroy();
    throw new InputError(input.name, 'is tcpdump text, not a capture file');
  } else {
    const r = await (input.chunks ? readPcapChunks(input.chunks(), input.name, onRecord, onWarning) : readPcap(input.stream, input.name, onRecord, onWarning));
    summary = { format: 'pcap', nanosecond: r.nanosecond, records: r.records, bytes: r.bytes, linkTypes: [r.linkType], snaplen: r.snaplen };
  }
  // Packets of a link type we cannot decode are counted and nothing more: say so, once per type.
  for (const lt of summary.linkTypes) {
    if (!DECODED_LINK_TYPES.has(lt)) {
      onWarning({
        input: input.name,
        offset: summary.format === 'pcap' ? PCAP_LINKTYPE_OFFSET : undefined,
        message: `link type ${lt} is not one we decode: its packets are counted, not analyzed`,
      });
    }
  }
  return summary;
}

/** Where a classic pcap file header holds its link type. */
const PCAP_LINKTYPE_OFFSET = 20;
