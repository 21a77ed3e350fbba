/**
 * One line per packet of the fields a capture and its tcpdump text must agree on (addresses,
 * ports, protocol, ICMP type/code, TCP flags, tunnel and VNI, outer and inner), and a capture read
 * into those lines, with each packet's time.
 */
import { decodeFrame } from '../../src/decoders/index.js';
import type { Frame } from '../../src/model.js';
import { openInput, readCapture } from '../../src/readers/index.js';

/** The fields both sources must agree on, as one line. */
export function summary(f: Frame): string {
  const parts: string[] = [];
  for (let fr: Frame | null = f; fr; fr = fr.tunnel ? fr.tunnel.inner : null) {
    if (fr.arp) parts.push(`arp ${fr.arp.op} ${fr.arp.senderIp}>${fr.arp.targetIp === '?' ? '' : fr.arp.targetIp}`.replace(/>$/, ''));
    if (fr.ip) {
      const l4 = fr.l4;
      let s = `ip${fr.ip.version} ${fr.ip.src}>${fr.ip.dst}`;
      if (l4?.kind === 'udp' || l4?.kind === 'tcp') s += ` ${l4.kind} ${l4.srcPort}>${l4.dstPort}`;
      if (l4?.kind === 'tcp') s += ` flags ${l4.flags}`;
      if (l4?.kind === 'icmp' || l4?.kind === 'icmp6') s += ` ${l4.kind} ${l4.type}/${l4.code}`;
      parts.push(s);
    }
    if (fr.tunnel) parts.push(`${fr.tunnel.type} ${fr.tunnel.vni ?? ''}`);
  }
  return parts.join(' | ');
}

/** ARP replies in text do not name the target: compare what the text can show. */
export function textView(s: string): string {
  return s.replace(/(arp 2 \S+)>\S+/g, '$1');
}

/** Each packet of a capture: its summary, its time and its outer UDP checksum verdict. */
export async function decoded(path: string): Promise<{ line: string; ts: number; sum: boolean | null | undefined }[]> {
  const out: { line: string; ts: number; sum: boolean | null | undefined }[] = [];
  await readCapture(
    await openInput(path),
    (data, lt, ts) => {
      const f = decodeFrame(lt, data).frame;
      out.push({ line: summary(f), ts, sum: f.tunnel && f.l4?.kind === 'udp' ? f.l4.checksumOk : undefined });
    },
    () => undefined,
  );
  return out;
}
