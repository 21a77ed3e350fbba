/**
 * Real frames for property tests: every record of the lab captures (read by our own readers)
 * and of a few public captures,
 * deduplicated, plus the IP packets inside them re-framed for the link types the lab does not
 * use (raw IP, IPv4/IPv6-only, BSD loopback), so every link type gets real traffic too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
} from '../../src/protocols.js';
import { openInput, readCapture } from '../../src/readers/index.js';

export const labDir = fileURLToPath(new URL('../../samples/lab/', import.meta.url));
const shared = (f: string) => fileURLToPath(new URL(`../../../shared/${f}`, import.meta.url));
/**
 * The lab has no IPv6, GENEVE or VLAN traffic: a few small public captures that do (tcpdump's and
 * zeek's test files) join it, so those decoders get real frames too.
 */
const EXTRA = [
  'tcpdump-tests/LINKTYPE_IPV6.pcap',
  'tcpdump-tests/icmpv6.pcap',
  'tcpdump-tests/ipv6-routing-header.pcap',
  'tcpdump-tests/802.1ad_QinQ.pcap',
  'tcpdump-tests/gso-ipv6-vxlan-ipv6.pcap',
  'tcpdump-tests/gso-ipv4-geneve-ipv6.pcap',
  'other-captures/zeek/geneve-ipv6.pcap',
  'other-captures/zeek/vxlan-triple-v2.pcap',
].map(shared);

export interface LabFrame {
  /** Where it came from, for failure messages: "file #n" (and the re-framing). */
  origin: string;
  linkType: number;
  data: Uint8Array;
}

/** Every link type decodeFrame knows, and one it does not. */
export const LINK_TYPES = [
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
];
export const UNKNOWN_LINK_TYPE = 147; // LINKTYPE_USER0: nobody's decoder

export function labCaptures(): string[] {
  return readdirSync(labDir)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => labDir + f);
}

/** The IP packet inside a lab frame, from its link header, or null. */
function ipPayload(linkType: number, d: Uint8Array): Uint8Array | null {
  const at = (typeOff: number, payload: number) => {
    const t = (d[typeOff]! << 8) | d[typeOff + 1]!;
    return (t === 0x0800 || t === 0x86dd) && d.length > payload ? d.subarray(payload) : null;
  };
  if (linkType === LINKTYPE_ETHERNET) return at(12, 14);
  if (linkType === LINKTYPE_LINUX_SLL) return at(14, 16);
  if (linkType === LINKTYPE_LINUX_SLL2) return at(0, 20);
  return null;
}

let cached: LabFrame[] | null = null;

export async function labFrames(): Promise<LabFrame[]> {
  if (cached) return cached;
  const seen = new Set<string>();
  const out: LabFrame[] = [];
  const add = (origin: string, linkType: number, data: Uint8Array) => {
    const key = linkType + ':' + Buffer.from(data).toString('hex');
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ origin, linkType, data });
  };
  for (const path of [...labCaptures(), ...EXTRA.filter((p) => existsSync(p))]) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    let no = 0;
    // The record is a view valid only during the call: keep a copy.
    await readCapture(
      await openInput(path),
      (data, linkType) => add(`${name} #${++no}`, linkType, Uint8Array.from(data)),
      () => undefined,
    );
  }
  for (const f of [...out]) {
    const ip = ipPayload(f.linkType, f.data);
    if (!ip) continue;
    const v6 = ip[0]! >> 4 === 6;
    const af = v6 ? 24 : 2; // BSD AF_INET6 (NetBSD/OpenBSD), AF_INET
    add(`${f.origin} as raw`, LINKTYPE_RAW, ip);
    add(`${f.origin} as DLT 12`, DLT_RAW_12, ip);
    add(`${f.origin} as DLT 14`, DLT_RAW_14, ip);
    add(`${f.origin} as ${v6 ? 'IPV6' : 'IPV4'}`, v6 ? LINKTYPE_IPV6 : LINKTYPE_IPV4, ip);
    add(`${f.origin} as NULL`, LINKTYPE_NULL, Uint8Array.from([af, 0, 0, 0, ...ip])); // host (little-endian) order
    add(`${f.origin} as LOOP`, LINKTYPE_LOOP, Uint8Array.from([0, 0, 0, af, ...ip])); // network order
  }
  cached = out;
  return out;
}
