/** Classic-pcap records for tests, until src/readers lands: global header 24 bytes, record header 16. */
import { readFileSync } from 'node:fs';

export interface PcapRecord {
  data: Uint8Array;
  ts: number;
  wireLen: number;
}

export function readPcap(path: string | URL): { linkType: number; records: PcapRecord[] } {
  const buf = readFileSync(path);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magicLE = dv.getUint32(0, true);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  const magic = dv.getUint32(0, le);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${String(path)}: not a classic pcap file`);
  const frac = magic === 0xa1b23c4d ? 1e9 : 1e6;
  const linkType = dv.getUint32(20, le) & 0xffff; // upper bits: FCS length
  const records: PcapRecord[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const caplen = dv.getUint32(off + 8, le);
    const data = new Uint8Array(buf.buffer, buf.byteOffset + off + 16, Math.min(caplen, buf.length - off - 16));
    records.push({ data, ts: dv.getUint32(off, le) + dv.getUint32(off + 4, le) / frac, wireLen: dv.getUint32(off + 12, le) });
    off += 16 + caplen;
  }
  return { linkType, records };
}
