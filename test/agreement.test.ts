/**
 * Agreement: the tcpdump text of a capture and the capture itself give the
 * same packets (addresses, ports, protocol, ICMP type/code, TCP flags, tunnel
 * and VNI, outer and inner), so everything downstream is the same.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseText } from '../src/lexer/index.js';
import { decoded as decodedPackets, summary, textView } from './helpers/summary.js';

const labDir = fileURLToPath(new URL('../samples/lab/', import.meta.url));
const testsDir = fileURLToPath(new URL('../../shared/tcpdump-tests/', import.meta.url));

async function decoded(path: string): Promise<string[]> {
  return (await decodedPackets(path)).map((d) => d.line);
}

describe('lab captures: binary and each text form agree packet by packet', () => {
  const pcaps = existsSync(labDir) ? readdirSync(labDir).filter((f) => f.endsWith('.pcap')) : [];
  it('has lab captures', () => expect(pcaps.length).toBeGreaterThan(20));
  for (const pcap of pcaps) {
    it(pcap, async () => {
      const bin = (await decoded(labDir + pcap)).map(textView);
      for (const v of ['.nn.txt', '.nn-e.txt', '.nn-v.txt']) {
        const { packets, warnings } = parseText(readFileSync(labDir + pcap + v, 'utf8'), pcap + v);
        expect(warnings, pcap + v).toEqual([]);
        expect(
          packets.map((p) => textView(summary(p.frame))),
          pcap + v,
        ).toEqual(bin);
      }
    });
  }
});

describe('tcpdump regression captures: every text line we parse agrees with the capture', () => {
  const rows = existsSync(testsDir + 'INDEX.tsv')
    ? readFileSync(testsDir + 'INDEX.tsv', 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t'))
    : [];
  let compared = 0;
  let disagreed: string[] = [];
  let known = 0;
  // Known disagreements, each with its reason (see the closing note of the issue):
  // geneve-tcp/-vni: filtered outputs, whose -# numbers are not the capture's; nsh-over-vxlan-gpe:
  // VXLAN-GPE (4790) is not decoded from bytes; the rest are link types or deliberately broken
  // headers (*-oobr, *heapoverflow, *_invalid) the decoders refuse; lspping-*/mpls-traceroute*: IP
  // inside MPLS labels (0x8847) is not decoded from bytes.
  const KNOWN =
    /^(out-4\.99\.3\/)?(lspping|mpls-traceroute|geneve-(tcp|vni)|nsh-over-vxlan-gpe|mpls-ldp-hello|icmp-rfc5837|rfc5837|.*heapoverflow|.*oobr|LINKTYPE_IPV6_invalid)/;
  it('agrees', async () => {
    for (const [name, input, out5, out499] of rows) {
      if (!name || !input || !/\.pcap(ng)?$/.test(input)) continue;
      let bin: string[];
      try {
        bin = await decoded(testsDir + input);
      } catch {
        continue; // a capture our readers refuse (garbage on purpose) has nothing to agree with
      }
      for (const out of [out5, out499]) {
        if (!out || !existsSync(testsDir + out)) continue;
        const { packets } = parseText(readFileSync(testsDir + out, 'utf8'), out);
        for (const p of packets) {
          const b = bin[p.no - 1];
          if (b === undefined) continue;
          const t = textView(summary(p.frame));
          // Compare the layers the text shows: the text may stop earlier (an opaque protocol) than the decoder.
          if (!t || !p.frame.ip) continue;
          compared++;
          const bv = textView(b);
          // Where the text names the transport, every layer must match; else the addresses.
          // tcpdump -q prints "tcp 0" without flags: those are then not compared.
          const quiet = (x: string) => (/ tcp \d+>\d+ flags 0/.test(t) ? x.replace(/ flags \d+/, '') : x);
          const same = p.frame.l4 ? quiet(bv) === quiet(t) : bv.startsWith(t);
          if (!same && KNOWN.test(out)) known++;
          else if (!same) disagreed.push(`${out} #${p.no}: text "${t}" vs capture "${bv}"`);
        }
      }
    }
    console.log(`tcpdump-tests agreement: ${compared} packets compared, ${disagreed.length} disagree, ${known} known exceptions`);
    disagreed = disagreed.slice(0, 20);
    expect(compared).toBeGreaterThan(300);
    expect(disagreed).toEqual([]);
  });
});
