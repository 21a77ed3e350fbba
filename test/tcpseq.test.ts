/**
 * tcpdump's relative TCP numbers restored (src/lexer/tcpseq.ts): on the lab's real captures, every
 * sequence and acknowledgement number the text shows equals the capture's own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../src/decoders/index.js';
import { parseText } from '../src/lexer/index.js';
import { innermost, type Frame } from '../src/model.js';
import { openInput, readCapture } from '../src/readers/index.js';

const labDir = fileURLToPath(new URL('../samples/lab/', import.meta.url));

function tcpOf(f: Frame): { seq: number | null; ack: number | null; flags: number } | null {
  const l4 = innermost(f).l4;
  return l4 && l4.kind === 'tcp' ? { seq: l4.seq, ack: l4.ack, flags: l4.flags } : null;
}

const texts = readdirSync(labDir).filter((n) => /\.pcap\.nn(-e|-v)?\.txt$/.test(n) && /tcp/.test(n));

describe('TCP numbers in tcpdump text, restored to the capture\'s', () => {
  it('has lab texts with TCP to compare', () => expect(texts.length).toBeGreaterThan(5));
  for (const name of texts) {
    it(name, async () => {
      const frames: Frame[] = [];
      await readCapture(await openInput(labDir + name.replace(/\.nn(-e|-v)?\.txt$/, '')), (data, lt) => frames.push(decodeFrame(lt, data).frame), () => undefined);
      const packets = parseText(readFileSync(labDir + name, 'utf8')).packets;
      expect(packets.length).toBe(frames.length);
      let compared = 0;
      packets.forEach((p, i) => {
        const text = tcpOf(p.frame);
        const bin = tcpOf(frames[i]!);
        if (!text || !bin) return;
        if (text.seq !== null) expect(text.seq, `packet ${i + 1} seq`).toBe(bin.seq);
        if (text.ack !== null && bin.flags & 0x10) expect(text.ack, `packet ${i + 1} ack`).toBe(bin.ack);
        compared++;
      });
      expect(compared).toBeGreaterThan(0);
    });
  }
});
