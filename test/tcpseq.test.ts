/**
 * tcpdump's relative TCP numbers restored (src/lexer/tcpseq.ts): on the lab's real captures, every
 * sequence and acknowledgement number the text shows equals the capture's own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../src/decoders/index.js';
import { parseText } from '../src/lexer/index.js';
import { type Frame, innermost } from '../src/model.js';
import { openInput, readCapture } from '../src/readers/index.js';

const labDir = fileURLToPath(new URL('../samples/lab/', import.meta.url));
const trafficDir = fileURLToPath(new URL('../samples/traffic/', import.meta.url));

function tcpOf(f: Frame): { seq: number | null; ack: number | null; flags: number; sack: number[] | undefined } | null {
  const l4 = innermost(f).l4;
  return l4 && l4.kind === 'tcp' ? { seq: l4.seq, ack: l4.ack, flags: l4.flags, sack: l4.sack } : null;
}

const texts = [
  ...readdirSync(labDir)
    .filter((n) => /\.pcap\.nn(-e|-v)?\.txt$/.test(n) && /tcp/.test(n))
    .map((n) => labDir + n),
  ...readdirSync(trafficDir)
    .filter((n) => /\.pcap\.nn(-e|-v)?\.txt$/.test(n) && /tcp-(midstream|underlay|fin)/.test(n))
    .map((n) => trafficDir + n),
];

describe("TCP numbers in tcpdump text, restored to the capture's", () => {
  it('has lab texts with TCP to compare', () => expect(texts.length).toBeGreaterThan(5));
  it('has SACK blocks among them to compare', () => expect(texts.some((t) => /[,[]sack \d/.test(readFileSync(t, 'utf8')))).toBe(true));
  for (const path of texts) {
    it(path.slice(path.lastIndexOf('/samples/') + 1), async () => {
      const frames: Frame[] = [];
      await readCapture(
        await openInput(path.replace(/\.nn(-e|-v)?\.txt$/, '')),
        (data, lt) => frames.push(decodeFrame(lt, data).frame),
        () => undefined,
      );
      const packets = parseText(readFileSync(path, 'utf8')).packets;
      expect(packets.length).toBe(frames.length);
      let compared = 0;
      packets.forEach((p, i) => {
        const text = tcpOf(p.frame);
        const bin = tcpOf(frames[i]!);
        if (!text || !bin) return;
        if (text.seq !== null) expect(text.seq, `packet ${i + 1} seq`).toBe(bin.seq);
        if (text.ack !== null && bin.flags & 0x10) expect(text.ack, `packet ${i + 1} ack`).toBe(bin.ack);
        expect(text.sack, `packet ${i + 1} sack`).toEqual(bin.sack);
        compared++;
      });
      expect(compared).toBeGreaterThan(0);
    });
  }
});
