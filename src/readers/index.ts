/**
 * Capture readers: open an input (format sniffed from its first bytes, gzip
 * unwrapped), then stream its records one at a time to a handler.
 */
import { readPcap } from './pcap.js';
import { readPcapng } from './pcapng.js';
import type { OpenedInput } from './open.js';
import { InputError, type InputWarning, type RecordHandler } from './types.js';

export { openInput, type InputFormat, type OpenedInput } from './open.js';
export { sniff, type Sniffed } from './sniff.js';
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
}

/**
 * Streams the records of a pcap or pcapng input to onRecord. Problems that leave the rest
 * readable go to onWarning (with the byte offset); an input that cannot be read at all throws
 * InputError. Memory stays bounded: the input is read in chunks and never held whole.
 */
export async function readCapture(input: OpenedInput, onRecord: RecordHandler, onWarning: (w: InputWarning) => void): Promise<CaptureSummary> {
  if (input.format === 'pcapng') {
    const r = await readPcapng(input.stream, input.name, onRecord, onWarning);
    return { format: 'pcapng', ...r };
  }
  if (input.format !== 'pcap') {
    input.stream.destroy();
    throw new InputError(input.name, 'is tcpdump text, not a capture file');
  }
  const r = await readPcap(input.stream, input.name, onRecord, onWarning);
  return { format: 'pcap', nanosecond: r.nanosecond, records: r.records, bytes: r.bytes, linkTypes: [r.linkType], snaplen: r.snaplen };
}
