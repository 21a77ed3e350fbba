/**
 * The binary decoders against real captures, with tcpdump's own text as the oracle:
 * every address, port, VNI, VLAN id, ICMP type and TCP flag set the decoder finds must
 * appear, in order and spelled as tcpdump spells it, in what tcpdump printed for that
 * packet (the .out files beside the captures).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DecodedLink, decodeFrame, decodeOptions, defaultDecodeOptions, formatIPv4, formatIPv6, formatMac, MAX_DEPTH } from '../src/decoders/index.js';
import { type Direction, type Frame, type Icmp, innermost, TCP_ACK, TCP_PSH, TCP_RST, TCP_SYN, type Tcp, type Udp } from '../src/model.js';
import { readPcap } from './helpers/pcap.js';

const TD = new URL('../../shared/tcpdump-tests/', import.meta.url);
const ZEEK = new URL('../../shared/other-captures/zeek/', import.meta.url);
const SURICATA = new URL('../../shared/other-captures/suricata-verify/', import.meta.url);

const td = (name: string) => new URL(name, TD);
const zeek = (name: string) => new URL(name, ZEEK);

function decodeAll(path: URL, opts = defaultDecodeOptions): DecodedLink[] {
  const { linkType, records } = readPcap(path);
  return records.map((r) => decodeFrame(linkType, r.data, opts));
}

/** The frames of a packet from the outside in: each tunnel's inner frame after its carrier. */
function chain(f: Frame): Frame[] {
  const out = [f];
  while (f.tunnel) {
    f = f.tunnel.inner;
    out.push(f);
  }
  return out;
}

function udp(f: Frame): Udp {
  expect(f.l4?.kind).toBe('udp');
  return f.l4 as Udp;
}
function tcp(f: Frame): Tcp {
  expect(f.l4?.kind).toBe('tcp');
  return f.l4 as Tcp;
}
function icmp(f: Frame): Icmp {
  expect(f.l4?.kind === 'icmp' || f.l4?.kind === 'icmp6').toBe(true);
  return f.l4 as Icmp;
}

// ---------------------------------------------------------------------------------------------
// tcpdump's text as the oracle

/** Packets of a tcpdump .out file: each starts with its number and a date, continuation lines follow. */
function outBlocks(path: URL): string[] {
  const blocks: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    // "   1  2013-05-18 20:21:44.837063 ..." (tcpdump's test suite) or "05:22:56.346587 ..." (the lab's text).
    if (/^(\s*\d+\s+\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\.\d+ /.test(line)) blocks.push(line);
    else if (blocks.length > 0) blocks[blocks.length - 1] += '\n' + line;
  }
  return blocks;
}

/**
 * How the .out was printed: -e (link addresses), -v (IP header fields, quoted datagrams), 4.99.3's
 * OTV name for 8472; noTunnel when that tcpdump gave the UDP port to another protocol.
 */
interface Style {
  e: boolean;
  v: boolean;
  otv: boolean;
  noTunnel: boolean;
}

/** A fragment of tcpdump's text, or a pattern where tcpdump has two ways of printing the same thing. */
type Fact = string | RegExp;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const TCP_FLAG_CHARS: Array<[number, string]> = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];
const SLL_DIRECTION: Record<Direction, string> = { in: 'In', out: 'Out', broadcast: 'B', multicast: 'M', other: 'P' };
const ICMP6_NAMES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded in-transit',
  128: 'echo request',
  129: 'echo reply',
  130: 'multicast listener query',
  131: 'multicast listener report',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  143: 'multicast listener report v2',
};
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** What tcpdump prints for a decoded frame, as a list of fragments in the order it prints them. */
function facts(f: Frame, s: Style, out: Fact[] = [], link: Omit<DecodedLink, 'frame'> | null = null): Fact[] {
  if (s.e && f.link === 'ether' && f.src && f.dst) out.push(`${f.src} > ${f.dst}`);
  if (s.e && f.link === 'sll' && link?.direction && f.src) out.push(`${SLL_DIRECTION[link.direction]} ${f.src}`);
  if (s.e && f.link === 'sll2' && link?.direction) out.push(new RegExp(`${SLL_DIRECTION[link.direction]} +ifindex ${link.ifindex}${f.src ? ' ' + f.src : ''}`));
  if (s.e) for (const id of f.vlans) out.push(`vlan ${id}`);
  if (f.arp) {
    if (f.arp.op === 1) out.push(`who-has ${f.arp.targetIp}`, `tell ${f.arp.senderIp}`);
    if (f.arp.op === 2) out.push(`Reply ${f.arp.senderIp} is-at ${f.arp.senderMac}`);
  }
  const ip = f.ip;
  if (!ip) return out;
  if (s.v && ip.version === 4) out.push(`ttl ${ip.ttl}, id ${ip.id}, offset ${ip.fragOffset}`, `length ${ip.length}`);
  if (s.v && ip.version === 6) out.push(`hlim ${ip.ttl}`);
  const l4 = f.l4;
  if (l4 && (l4.kind === 'tcp' || l4.kind === 'udp')) {
    // After IPv6 extension headers tcpdump prints the addresses, the headers, then the bare ports.
    if (ip.version === 6)
      out.push(
        new RegExp(`${esc(ip.src)}\\.${l4.srcPort} > ${esc(ip.dst)}\\.${l4.dstPort}|${esc(ip.src)} > ${esc(ip.dst)}: [^\\n]* ${l4.srcPort} > ${l4.dstPort}`),
      );
    else out.push(`${ip.src}.${l4.srcPort} > ${ip.dst}.${l4.dstPort}`);
  } else out.push(`${ip.src} > ${ip.dst}`);
  if (l4?.kind === 'tcp') {
    const flags = TCP_FLAG_CHARS.filter(([bit]) => l4.flags & bit)
      .map(([, c]) => c)
      .join('');
    out.push(`Flags [${flags || 'none'}]`, `win ${l4.window}`, `length ${l4.payloadLen}`);
  }
  if (l4?.kind === 'icmp') {
    if (l4.type === 8 || l4.type === 0) out.push(`ICMP echo ${l4.type === 8 ? 'request' : 'reply'}, id ${l4.id}, seq ${l4.seq}`);
    const q = l4.quoted;
    if (l4.type === 3 && q) {
      if (l4.code === 3) out.push(`ICMP ${q.dst} ${q.proto === 6 ? 'tcp' : 'udp'} port ${q.dstPort} unreachable`);
      else if (l4.code === 1) out.push(`ICMP host ${q.dst} unreachable`);
      else if (l4.code === 13) out.push(`ICMP host ${q.dst} unreachable - admin prohibited filter`);
      else if (l4.code === 4) out.push(`ICMP ${q.dst} unreachable - need to frag (mtu ${l4.mtu})`);
    }
    if (l4.type === 11) out.push(l4.code === 0 ? 'ICMP time exceeded in-transit' : 'ICMP ip reassembly time exceeded');
    if (q && q.frame && s.v) facts(q.frame, s, out);
  }
  if (l4?.kind === 'icmp6') {
    const name = ICMP6_NAMES[l4.type];
    if (name) out.push(`ICMP6, ${name}`);
    if (l4.type === 128 || l4.type === 129) out.push(`id ${l4.id}, seq ${l4.seq}`);
    if (l4.type === 2) out.push(`mtu ${l4.mtu}`);
  }
  const t = f.tunnel;
  if (t && !s.noTunnel) {
    const port = l4?.kind === 'udp' ? l4.dstPort : null;
    if (t.type === 'vxlan' && s.otv && port === 8472) out.push(`OTV, flags [I] (0x${hex2(t.flags ?? 0)}), overlay 0, instance ${t.vni}`);
    else if (t.type === 'vxlan') out.push(`VXLAN, flags [I] (0x${hex2(t.flags ?? 0)}), vni ${t.vni}`);
    else if (t.type === 'geneve') out.push(`Geneve, Flags [`, `vni 0x${t.vni!.toString(16)}`);
    facts(t.inner, s, out);
  }
  return out;
}

function expectInOrder(block: string, fragments: Fact[], where: string): void {
  let pos = 0;
  for (const frag of fragments) {
    let i: number;
    let len: number;
    if (typeof frag === 'string') {
      i = block.indexOf(frag, pos);
      len = frag.length;
    } else {
      const m = frag.exec(block.slice(pos));
      i = m ? pos + m.index : -1;
      len = m ? m[0].length : 0;
    }
    if (i < 0) expect.fail(`${where}: ${String(frag)} not found after offset ${pos} of tcpdump's\n${block}\nall facts: ${fragments.map(String).join(' | ')}`);
    pos = i + len;
  }
}

function agreesWithTcpdump(pcap: URL, out: URL, style: Partial<Style>, minFacts: number): void {
  const s: Style = { e: false, v: false, otv: false, noTunnel: false, ...style };
  const decoded = decodeAll(pcap);
  const blocks = outBlocks(out);
  expect(decoded.length).toBe(blocks.length);
  let total = 0;
  decoded.forEach((d, i) => {
    const fs = facts(d.frame, s, [], d);
    total += fs.length;
    expectInOrder(blocks[i]!, fs, `${pcap.pathname.split('/').pop()} packet ${i + 1}`);
  });
  // The oracle only means something when the decoder found things to check.
  expect(total).toBeGreaterThanOrEqual(minFacts);
}

describe('agreement with tcpdump on real captures', () => {
  const cases: Array<[string, URL, URL, Partial<Style>, number]> = [
    ['VXLAN 4789 (-e)', td('vxlan.pcap'), td('vxlan.out'), { e: true }, 10 * 5],
    ['VXLAN 8472 (-e)', td('vxlan_port_8472.pcap'), td('vxlan_port_8472.out'), { e: true }, 10 * 5],
    [
      'VXLAN 8472 as tcpdump 4.99.3 prints it (OTV, instance)',
      td('vxlan_port_8472.pcap'),
      td('out-4.99.3/vxlan_port_8472.out'),
      { e: true, otv: true },
      10 * 5,
    ],
    ['GENEVE (-vv)', td('geneve.pcap'), td('geneve-vv.out'), { v: true }, 39 * 6],
    ['802.1ad QinQ + ARP (-e)', td('802.1ad_QinQ.pcap'), td('802.1ad_QinQ.out'), { e: true }, 2 * 4],
    ['LINKTYPE_IPV6', td('LINKTYPE_IPV6.pcap'), td('LINKTYPE_IPV6.out'), {}, 1],
    ['LINKTYPE_RAW IPv6', td('LINKTYPE_RAW_ipv6.pcap'), td('LINKTYPE_RAW_ipv6.out'), {}, 1],
    ['ICMPv6 (-v)', td('icmpv6.pcap'), td('icmpv6.out'), { v: true }, 5 * 3],
    ['IPv6 routing header (-v)', td('ipv6-routing-header.pcap'), td('ipv6-routing-header.out'), { v: true }, 4 * 2],
    ['TCP RST with data', td('tcp_rst_data.pcap'), td('tcp_rst_data.out'), {}, 4],
    ['ARP, 2282 frames, many of them corrupted (-e)', td('arp-oobr.pcap'), td('arp-oobr.out'), { e: true }, 2282 * 2],
    ['cooked v1 ICMP port unreachable (-e -v)', td('icmp-cksum-oobr-1.pcap'), td('icmp-cksum-oobr-1.out'), { e: true, v: true }, 8],
  ];
  for (const encap of ['vxlan', 'geneve']) {
    for (const outer of ['ipv4', 'ipv6']) {
      for (const inner of ['ipv4', 'ipv6']) {
        for (const kind of ['gso', 'bigtcp']) {
          const name = `${kind}-${outer}-${encap}-${inner}`;
          cases.push([`${name} (-v)`, td(`${name}.pcap`), td(`${name}.out`), { v: true }, 5]);
        }
      }
    }
  }
  cases.push(['BIG TCP IPv6 jumbo hop-by-hop (-v)', td('bigtcp-ipv6-hbh.pcap'), td('bigtcp-ipv6-hbh.out'), { v: true }, 4]);
  const others: Array<[URL, string, number]> = [
    [ZEEK, 'vxlan-triple-v2.pcap', 10],
    [ZEEK, 'geneve-vxlan-dns-truncated.pcap', 12],
    [ZEEK, 'vxlan-overlapping-http-get.pcap', 42 * 3],
    [ZEEK, 'vxlan-encapsulated-http.pcap', 12 * 5],
    [ZEEK, 'vxlan-encapsulated-igmp-v2.pcap', 3 * 3],
    [ZEEK, 'vxlan-inner-tcp-bad-checksum.pcap', 5],
    [ZEEK, 'vxlan.pcap', 10 * 5],
    [ZEEK, 'geneve.pcap', 6 * 5],
    [ZEEK, 'geneve-ipv6.pcap', 2 * 3],
    [ZEEK, 'geneve-many-options.pcap', 10 * 3],
    [SURICATA, 'detect-arp-04-vxlan__vxlan-arp.pcap', 2 * 4],
    [SURICATA, 'geneve-decoder__input.pcap', 10 * 3],
    [SURICATA, 'vxlan-decoder-01__input.pcap', 3 * 2],
    [SURICATA, 'vxlan-decoder-03__vxlan.pcap', 100 * 4],
    [SURICATA, 'vxlan-non-zero-reserved-fields__input.pcap', 10 * 2],
  ];
  for (const [dir, name, min] of others) {
    // 4.99.3 gives UDP source port 49152 to BCM-LI-SHIM before looking at 4789 (see SOURCES.tsv).
    const noTunnel = name.startsWith('vxlan-non-zero-reserved');
    cases.push([`${name} (4.99.3 -e)`, new URL(name, dir), new URL(`${name}.tcpdump-4.99.3-e.out`, dir), { e: true, otv: true, noTunnel }, min]);
    cases.push([`${name} (4.99.3 -v)`, new URL(name, dir), new URL(`${name}.tcpdump-4.99.3-v.out`, dir), { v: true, otv: true, noTunnel }, min]);
  }
  for (const [title, pcap, out, style, min] of cases) {
    it(title, () => agreesWithTcpdump(pcap, out, style, min));
  }
});

// ---------------------------------------------------------------------------------------------
// Per-decoder facts on real packets

describe('VXLAN', () => {
  it('8472 and 4789 decode the same frames: outer UDP, flags 0x08, VNI 100, inner Ethernet with ICMP echo or ARP', () => {
    const a = decodeAll(td('vxlan_port_8472.pcap'));
    const b = decodeAll(td('vxlan.pcap'));
    expect(a).toHaveLength(10);
    for (let i = 0; i < 10; i++) {
      const fa = a[i]!.frame;
      expect(udp(fa).dstPort).toBe(8472);
      expect(udp(b[i]!.frame).dstPort).toBe(4789);
      expect(fa.tunnel).toMatchObject({ type: 'vxlan', vni: 100, flags: 0x08 });
      expect(fa.tunnel!.inner).toEqual(b[i]!.frame.tunnel!.inner);
      expect(fa.truncated || fa.tunnel!.inner.truncated).toBe(false);
    }
    const first = a[0]!.frame.tunnel!.inner;
    expect(first).toMatchObject({ link: 'ether', src: '00:16:3e:37:f6:04', dst: '00:30:88:01:00:02', ethertype: 0x0800 });
    expect(first.ip).toMatchObject({ src: '192.168.203.3', dst: '192.168.203.5', proto: 1, length: 84 });
    expect(icmp(first)).toMatchObject({ kind: 'icmp', type: 8, code: 0, id: 1292, seq: 1 });
    expect(a[1]!.frame.tunnel!.inner.arp).toEqual({
      op: 1,
      senderMac: '00:30:88:01:00:02',
      senderIp: '192.168.203.5',
      targetMac: '00:00:00:00:00:00',
      targetIp: '192.168.203.3',
    });
  });

  it('a port that is not a VXLAN port leaves the payload undecoded; decodeOptions adds ports', () => {
    const rec = readPcap(td('vxlan_port_8472.pcap')).records[0]!;
    const onlyIana = { udpTunnels: new Map([[4789, 'vxlan' as const]]) };
    expect(decodeFrame(1, rec.data, onlyIana).frame.tunnel).toBeNull();
    const iana = readPcap(td('vxlan.pcap')).records[0]!;
    expect(decodeFrame(1, iana.data, onlyIana).frame.tunnel?.vni).toBe(100);
    // A VXLAN on a custom port (here: the Linux port moved away by rewriting the UDP destination).
    const moved = Uint8Array.from(rec.data);
    moved[36] = 0x12; // UDP destination 8472 -> 0x1234 = 4660
    moved[37] = 0x34;
    expect(decodeFrame(1, moved).frame.tunnel).toBeNull();
    expect(decodeFrame(1, moved, decodeOptions([4660])).frame.tunnel?.vni).toBe(100);
    const vxlanPorts = (o: typeof defaultDecodeOptions) =>
      [...o.udpTunnels]
        .filter(([, t]) => t === 'vxlan')
        .map(([p]) => p)
        .sort();
    expect(vxlanPorts(decodeOptions())).toEqual([4789, 6784, 8472]);
    expect(vxlanPorts(decodeOptions([70000, -1, 4660]))).toEqual([4660, 4789, 6784, 8472]);
    expect(defaultDecodeOptions.udpTunnels.get(6081)).toBe('geneve');
    expect(defaultDecodeOptions.udpTunnels.get(8285)).toBe('flannel-udp');
  });

  it('vxlan-triple-v2: three VXLANs deep (VNI 1, 2, 3, flags 0x0c), DNS at the bottom', () => {
    const [d] = decodeAll(zeek('vxlan-triple-v2.pcap'));
    const frames = chain(d!.frame);
    expect(frames).toHaveLength(4);
    expect(frames.slice(0, 3).map((f) => [f.tunnel!.vni, f.tunnel!.flags, f.ip!.src, udp(f).dstPort])).toEqual([
      [1, 0x0c, '1.1.1.1', 4789],
      [2, 0x0c, '2.2.2.2', 4789],
      [3, 0x0c, '3.3.3.3', 4789],
    ]);
    const dns = frames[3]!;
    expect(dns.ip).toMatchObject({ src: '4.4.4.4', dst: '4.4.4.9', length: 57 });
    expect(udp(dns)).toMatchObject({ srcPort: 53, dstPort: 53, payloadLen: 29 });
    expect(frames.every((f) => !f.truncated && f.note === null)).toBe(true);
  });

  it('reserved bits set (flags 0xff, crafted, source port 49152): still VXLAN on 4789, VNI valid with I set', () => {
    const ds = decodeAll(new URL('vxlan-non-zero-reserved-fields__input.pcap', SURICATA));
    for (const d of ds) {
      expect(udp(d.frame)).toMatchObject({ srcPort: 49152, dstPort: 4789 });
      expect(d.frame.tunnel).toMatchObject({ type: 'vxlan', flags: 0xff, vni: 11 });
      expect(innermost(d.frame).ip).not.toBeNull();
    }
    expect(tcp(innermost(ds[0]!.frame))).toMatchObject({ srcPort: 51252, dstPort: 80, flags: TCP_SYN, window: 64240 });
    // Without the I flag the VNI field means nothing (RFC 7348): null, the inner frame still decoded.
    const noI = Uint8Array.from(readPcap(td('vxlan.pcap')).records[0]!.data);
    noI[42] = 0x00;
    const f = decodeFrame(1, noI).frame;
    expect(f.tunnel).toMatchObject({ vni: null, flags: 0 });
    expect(icmp(f.tunnel!.inner).id).toBe(1292);
  });

  it('vxlan-overlapping-http-get: the same inner TCP session bare and in VNIs 4242 and 4711', () => {
    const ds = decodeAll(zeek('vxlan-overlapping-http-get.pcap'));
    const byVni = new Map<string, number>();
    for (const d of ds) {
      const key = d.frame.tunnel ? String(d.frame.tunnel.vni) : 'bare';
      byVni.set(key, (byVni.get(key) ?? 0) + 1);
      const f = innermost(d.frame);
      const t = tcp(f);
      expect([t.srcPort, t.dstPort].sort()).toEqual([59856, 80].sort());
      expect([f.ip!.src, f.ip!.dst].sort()).toEqual(['141.142.228.5', '192.150.187.43']);
    }
    expect(byVni).toEqual(
      new Map([
        ['4711', 14],
        ['4242', 14],
        ['bare', 14],
      ]),
    );
    const syn = tcp(innermost(ds[0]!.frame));
    expect(syn).toMatchObject({ flags: TCP_SYN, seq: 4263588410, ack: null, window: 65535, payloadLen: 0 });
    const synack = tcp(innermost(ds[3]!.frame));
    expect(synack).toMatchObject({ flags: TCP_SYN | TCP_ACK, seq: 2779762238, ack: 4263588411, window: 14480 });
  });
});

describe('GENEVE', () => {
  it('TEB payload with options skipped: inner Ethernet, VNI 0, ICMP echo', () => {
    const ds = decodeAll(zeek('geneve.pcap'));
    const f = ds[0]!.frame;
    expect(f.tunnel).toMatchObject({ type: 'geneve', vni: 0, flags: 0 });
    expect(f.tunnel!.inner).toMatchObject({ link: 'ether', src: 'b2:1a:43:d5:fa:4c', dst: '76:b5:d5:0a:a6:41' });
    expect(icmp(f.tunnel!.inner)).toMatchObject({ type: 8, id: 16816, seq: 28 });
  });

  it('the C flag and 8 bytes of options skipped (tcpdump-tests geneve.pcap)', () => {
    const ds = decodeAll(td('geneve.pcap'));
    const f = ds[0]!.frame;
    expect(f.tunnel).toMatchObject({ type: 'geneve', vni: 0xa, flags: 0x40 });
    const inner = f.tunnel!.inner;
    expect(inner).toMatchObject({ link: 'ether', ethertype: 0x0800 });
    expect(inner.ip).toMatchObject({ src: '30.0.0.1', dst: '30.0.0.2', id: 48546 });
    expect(icmp(inner)).toMatchObject({ type: 8, id: 10578, seq: 23 });
  });

  it('bare IPv6 payload (protocol type 0x86dd) has inner link none', () => {
    const ds = decodeAll(zeek('geneve-ipv6.pcap'));
    const f = ds[0]!.frame;
    expect(f.ip).toMatchObject({ version: 4, src: '10.0.0.1', dst: '10.0.0.2' });
    expect(f.tunnel).toMatchObject({ type: 'geneve', vni: 0x123456 });
    const inner = f.tunnel!.inner;
    expect(inner).toMatchObject({ link: 'none', src: null, dst: null, ethertype: 0x86dd });
    expect(inner.ip).toMatchObject({ version: 6, src: 'fd00::1', dst: 'fd00::2', proto: 17 });
    expect(udp(inner)).toMatchObject({ srcPort: 40000, dstPort: 40001, payloadLen: 5 });
  });

  it('geneve-vxlan-dns-truncated: GENEVE > bare IPv4 > VXLAN > Ethernet > IPv4 > DNS, cut inside the DNS message', () => {
    const ds = decodeAll(zeek('geneve-vxlan-dns-truncated.pcap'));
    for (const d of ds) {
      const [outer, mid, inner] = chain(d.frame);
      expect(outer!.tunnel).toMatchObject({ type: 'geneve', vni: 0x1092 });
      expect(mid).toMatchObject({ link: 'none', ethertype: 0x0800 });
      expect(inner!.link).toBe('ether');
      expect(mid!.tunnel).toMatchObject({ type: 'vxlan', vni: 4242 });
      expect(outer!.truncated).toBe(false);
      expect(mid!.truncated).toBe(false);
      // The innermost datagram announces more than the 176 captured bytes hold.
      expect(inner!.truncated).toBe(true);
      expect(udp(inner!).srcPort === 53 || udp(inner!).dstPort === 53).toBe(true);
    }
    expect(udp(innermost(ds[1]!.frame))).toMatchObject({ srcPort: 53, dstPort: 36872, length: 82, payloadLen: 74 });
  });

  it('many options', () => {
    for (const g of decodeAll(zeek('geneve-many-options.pcap'))) {
      expect(g.frame.tunnel?.type).toBe('geneve');
      expect(innermost(g.frame).ip).not.toBeNull();
    }
  });
});

describe('GSO and BIG TCP super-packets', () => {
  it('IPv4 total length 0 is presumed to be the captured length, IPv6 jumbo option is read', () => {
    const [v4] = decodeAll(td('bigtcp-ipv4-vxlan-ipv4.pcap'));
    expect(v4!.frame.ip!.length).toBe(80102);
    const inner = innermost(v4!.frame);
    expect(tcp(inner).payloadLen).toBe(80000);
    expect(inner.truncated).toBe(false);
    const [hbh] = decodeAll(td('bigtcp-ipv6-hbh.pcap'));
    expect(hbh!.frame.ip).toMatchObject({ version: 6, proto: 6, length: 40 + 80040 });
    expect(tcp(hbh!.frame)).toMatchObject({ srcPort: 41851, dstPort: 43913, payloadLen: 80000 });
    const [gso] = decodeAll(td('gso-ipv6-geneve-ipv6.pcap'));
    expect(gso!.frame.tunnel).toMatchObject({ type: 'geneve', vni: 0x1389 });
    expect(tcp(innermost(gso!.frame)).payloadLen).toBe(6790);
  });
});

describe('Ethernet, VLAN tags, raw IP', () => {
  it('802.1ad QinQ: S-tag 200 then C-tag 2001, ARP behind them', () => {
    const [d] = decodeAll(td('802.1ad_QinQ.pcap'));
    expect(d!.frame).toMatchObject({ vlans: [200, 2001], ethertype: 0x0806, src: '00:20:d2:5a:fb:3f', dst: 'ff:ff:ff:ff:ff:ff' });
    expect(d!.frame.arp).toMatchObject({ op: 1, senderIp: '172.21.79.97', targetIp: '172.21.79.100' });
  });

  it('LINKTYPE_IPV6 (229) and LINKTYPE_RAW (101) give the same IPv6 frame with link raw', () => {
    const [a] = decodeAll(td('LINKTYPE_IPV6.pcap'));
    const [b] = decodeAll(td('LINKTYPE_RAW_ipv6.pcap'));
    expect(a!.frame).toEqual(b!.frame);
    expect(a!.frame).toMatchObject({ link: 'raw', ethertype: 0x86dd });
    expect(a!.frame.ip).toMatchObject({ src: '2001:db8::1', dst: '2620:fe::9', proto: 17 });
    expect(udp(a!.frame)).toMatchObject({ srcPort: 12345, dstPort: 53, payloadLen: 29 });
  });

  it('LINKTYPE_IPV6 with an IPv4 packet inside is a note, not a guess', () => {
    const { linkType, records } = readPcap(td('LINKTYPE_IPV6_invalid.pcap'));
    const d = decodeFrame(linkType, records[0]!.data);
    expect(d.frame.ip).toBeNull();
    expect(d.frame.note).toMatch(/version 4/);
  });

  it('raw IPv4 (228, 101, 12, 14) from a real IPv4 datagram, and padding after the total length ignored', () => {
    const rec = readPcap(td('tcp_rst_data.pcap')).records[0]!;
    const ip = rec.data.subarray(14);
    const ref = decodeFrame(1, rec.data).frame;
    for (const lt of [228, 101, 12, 14]) {
      const f = decodeFrame(lt, ip).frame;
      expect(f.link).toBe('raw');
      expect(f.ip).toEqual(ref.ip);
      expect(f.l4).toEqual(ref.l4);
    }
    const padded = new Uint8Array(ip.length + 6);
    padded.set(ip);
    padded.fill(0xff, ip.length);
    const p = decodeFrame(101, padded).frame;
    expect(p.l4).toEqual(ref.l4);
    expect(p.truncated).toBe(false);
    expect(decodeFrame(101, Uint8Array.of(0x50, 0, 0, 0)).frame.note).toBe('unknown IP version 5');
  });

  it('unknown link type and unknown ethertype are notes', () => {
    const d = decodeFrame(147, new Uint8Array(40));
    expect(d.frame).toMatchObject({ link: 'none', note: 'unknown link type 147', ip: null });
    const lldp = Uint8Array.from(readPcap(td('vxlan.pcap')).records[0]!.data);
    lldp[12] = 0x88;
    lldp[13] = 0xcc;
    expect(decodeFrame(1, lldp).frame).toMatchObject({ link: 'ether', ethertype: 0x88cc, note: 'unknown ethertype 0x88cc', ip: null });
  });
});

describe('BSD loopback (LINKTYPE_NULL 0, LINKTYPE_LOOP 108)', () => {
  const v6 = readPcap(td('LINKTYPE_RAW_ipv6.pcap')).records[0]!.data;
  const v4 = readPcap(td('tcp_rst_data.pcap')).records[0]!.data.subarray(14);
  const withAf = (af: number, le: boolean, payload: Uint8Array) => {
    const b = new Uint8Array(4 + payload.length);
    new DataView(b.buffer).setUint32(0, af, le);
    b.set(payload, 4);
    return b;
  };
  for (const lt of [0, 108]) {
    for (const le of [true, false]) {
      it(`link type ${lt}, ${le ? 'little' : 'big'}-endian family: AF_INET 2 and AF_INET6 24/28/30`, () => {
        const f4 = decodeFrame(lt, withAf(2, le, v4)).frame;
        expect(f4).toMatchObject({ link: 'null', ethertype: 0x0800 });
        expect(f4.ip).toMatchObject({ src: '199.204.31.89', dst: '172.16.133.41' });
        for (const af of [24, 28, 30]) {
          const f6 = decodeFrame(lt, withAf(af, le, v6)).frame;
          expect(f6).toMatchObject({ link: 'null', ethertype: 0x86dd });
          expect(f6.ip).toMatchObject({ version: 6, src: '2001:db8::1' });
        }
        expect(decodeFrame(lt, withAf(7, le, v4)).frame.note).toBe('loopback address family 7 not decoded');
      });
    }
  }
});

describe('Linux cooked captures', () => {
  const sll1 = readPcap(td('icmp-cksum-oobr-1.pcap'));

  it('v1: packet type 4 is out, the link address is the MAC, IP carried directly', () => {
    expect(sll1.linkType).toBe(113);
    const d = decodeFrame(113, sll1.records[0]!.data);
    expect(d.direction).toBe('out');
    expect(d.ifindex).toBeNull();
    expect(d.frame).toMatchObject({ link: 'sll', src: '00:16:3e:27:78:a2', dst: null, ethertype: 0x0800 });
    // The outer IP claims 13911 bytes; 188 were captured.
    expect(d.frame.ip).toMatchObject({ src: '62.220.31.247', dst: '62.225.245.115', length: 13911 });
    expect(d.frame.truncated).toBe(true);
    const q = icmp(d.frame).quoted!;
    expect(q).toMatchObject({ src: '62.225.245.115', dst: '62.220.31.247', proto: 17, srcPort: 9109, dstPort: 1027 });
    expect(q.frame!.truncated).toBe(true);
  });

  it('v1: every packet type maps to a direction; loopback ARPHRD 772 carries IP too', () => {
    const rec = Uint8Array.from(sll1.records[0]!.data);
    const dirs: Array<Direction | null> = [];
    for (const t of [0, 1, 2, 3, 4, 5]) {
      rec[1] = t;
      dirs.push(decodeFrame(113, rec).direction);
    }
    expect(dirs).toEqual(['in', 'broadcast', 'multicast', 'other', 'out', 'other']);
    rec[2] = 0x03; // ARPHRD 772
    rec[3] = 0x04;
    expect(decodeFrame(113, rec).frame.ip?.src).toBe('62.220.31.247');
    rec[14] = 0x00; // protocol 0x0004: 802.2 LLC, not an EtherType
    rec[15] = 0x04;
    expect(decodeFrame(113, rec).frame).toMatchObject({ ip: null, note: 'cooked protocol 0x0004 (ARPHRD 772) is not an EtherType: not decoded' });
  });

  it("v1 on lo (ARPHRD 772): the kernel's host unreachable to itself, quoting an encapsulated packet (the seed incident's shape)", () => {
    const vx = readPcap(td('vxlan_port_8472.pcap')).records[0]!.data.subarray(14);
    const err = icmpError(3, 1, 0, vx);
    const rec = new Uint8Array(16 + err.length);
    const dv = new DataView(rec.buffer);
    dv.setUint16(0, 0); // PACKET_HOST
    dv.setUint16(2, 772); // ARPHRD_LOOPBACK
    dv.setUint16(4, 6); // address length; the address is all zero on lo
    dv.setUint16(14, 0x0800);
    rec.set(err, 16);
    const d = decodeFrame(113, rec);
    expect(d.direction).toBe('in');
    expect(d.frame).toMatchObject({ link: 'sll', src: '00:00:00:00:00:00', ethertype: 0x0800, truncated: false });
    const q = icmp(d.frame).quoted!;
    expect(q).toMatchObject({ dst: '192.168.202.1', proto: 17, dstPort: 8472 });
    expect(q.frame!.tunnel).toMatchObject({ type: 'vxlan', vni: 100 });
    expect(q.frame!.tunnel!.inner.ip).toMatchObject({ src: '192.168.203.3', dst: '192.168.203.5' });
  });

  it('v2: protocol, interface index, ARPHRD, packet type and address from the same real record', () => {
    const v1 = sll1.records[0]!.data;
    const v2 = new Uint8Array(v1.length + 4);
    const dv = new DataView(v2.buffer);
    dv.setUint16(0, 0x0800); // protocol
    dv.setUint32(4, 7); // ifindex
    dv.setUint16(8, 1); // ARPHRD_ETHER
    v2[10] = 0; // PACKET_HOST
    v2[11] = 6;
    v2.set(v1.subarray(6, 14), 12);
    v2.set(v1.subarray(16), 20);
    const d = decodeFrame(276, v2);
    expect(d).toMatchObject({ direction: 'in', ifindex: 7 });
    expect(d.frame).toMatchObject({ link: 'sll2', src: '00:16:3e:27:78:a2' });
    expect(d.frame.ip).toEqual(decodeFrame(113, v1).frame.ip);
    expect(decodeFrame(276, v2.subarray(0, 12))).toMatchObject({ direction: 'in', ifindex: 7, frame: { truncated: true, ip: null } });
  });
});

describe('IPv4', () => {
  const ref = readPcap(td('vxlan.pcap')).records[0]!.data; // Ethernet, IPv4 DF, UDP 4789
  const refIp = ref.subarray(14);

  it('options are skipped via IHL', () => {
    // The same datagram with 8 bytes of options (NOP padding) inserted after the fixed header.
    const withOpts = new Uint8Array(refIp.length + 8);
    withOpts.set(refIp.subarray(0, 20));
    withOpts.fill(1, 20, 28);
    withOpts.set(refIp.subarray(20), 28);
    withOpts[0] = 0x47;
    new DataView(withOpts.buffer).setUint16(2, refIp.length + 8);
    const a = decodeFrame(101, refIp).frame;
    const b = decodeFrame(101, withOpts).frame;
    expect(b.l4).toEqual(a.l4);
    expect(b.tunnel).toEqual(a.tunnel);
  });

  it('fragments: the first keeps its transport header, later ones have none', () => {
    const first = Uint8Array.from(refIp.subarray(0, 20 + 48));
    const dv = new DataView(first.buffer);
    dv.setUint16(2, 68);
    dv.setUint16(6, 0x2000); // MF, offset 0
    const f1 = decodeFrame(101, first).frame;
    expect(f1.ip).toMatchObject({ moreFragments: true, fragOffset: 0, dontFragment: false });
    expect(udp(f1)).toMatchObject({ srcPort: 45149, dstPort: 4789, length: 114 });
    expect(f1.note).toBeNull();
    const second = Uint8Array.from(refIp.subarray(0, 20 + 40));
    new DataView(second.buffer).setUint16(2, 60);
    new DataView(second.buffer).setUint16(6, 6); // offset 6 * 8 = 48
    const f2 = decodeFrame(101, second).frame;
    expect(f2.ip).toMatchObject({ fragOffset: 48, moreFragments: false });
    expect(f2.l4).toBeNull();
    expect(f2.tunnel).toBeNull();
    expect(f2.truncated).toBe(false);
  });

  it('IP-in-IP (protocol 4) and IPv6-in-IPv4 (41) are tunnels of type ipip with a bare inner frame', () => {
    const inner4 = refIp;
    const inner6 = readPcap(td('LINKTYPE_RAW_ipv6.pcap')).records[0]!.data;
    for (const [proto, inner] of [
      [4, inner4],
      [41, inner6],
    ] as const) {
      const outer = new Uint8Array(20 + inner.length);
      outer.set(refIp.subarray(0, 20));
      outer.set(inner, 20);
      const dv = new DataView(outer.buffer);
      dv.setUint16(2, outer.length);
      outer[9] = proto;
      const f = decodeFrame(228, outer).frame;
      expect(f.ip!.proto).toBe(proto);
      expect(f.tunnel).toMatchObject({ type: 'ipip', vni: null, flags: null });
      expect(f.tunnel!.inner).toMatchObject({ link: 'none', ethertype: proto === 4 ? 0x0800 : 0x86dd });
      expect(f.tunnel!.inner.ip).toEqual(decodeFrame(101, inner).frame.ip);
      if (proto === 4) expect(f.tunnel!.inner.tunnel?.vni).toBe(100); // and on through the VXLAN inside
    }
  });

  it('a bad header length or total length is a note', () => {
    const bad = Uint8Array.from(refIp);
    bad[0] = 0x44;
    expect(decodeFrame(101, bad).frame.note).toBe('IPv4 header length 16 < 20');
    const bad2 = Uint8Array.from(refIp);
    new DataView(bad2.buffer).setUint16(2, 12);
    expect(decodeFrame(101, bad2).frame).toMatchObject({ note: 'IPv4 total length 12 < header length 20', l4: null });
  });
});

describe('IPv6 extension headers', () => {
  it('routing header walked to ICMPv6 echo and UDP', () => {
    const ds = decodeAll(td('ipv6-routing-header.pcap'));
    expect(ds[0]!.frame.ip).toMatchObject({ proto: 58, ttl: 4, src: '2200::244:212:3fff:feae:22f7', dst: '2200::240:2:0:0:4' });
    expect(icmp(ds[0]!.frame)).toMatchObject({ kind: 'icmp6', type: 128, id: 0, seq: 0 });
    expect(udp(ds[2]!.frame)).toMatchObject({ srcPort: 5645, dstPort: 5642, payloadLen: 0 });
  });

  it('hop-by-hop options walked (MLD reports behind a router alert)', () => {
    const ds = decodeAll(td('icmpv6.pcap'));
    expect(ds[1]!.frame.ip!.proto).toBe(58);
    expect(icmp(ds[1]!.frame)).toMatchObject({ kind: 'icmp6', type: 143, code: 0, quoted: null });
    expect(icmp(ds[0]!.frame)).toMatchObject({ type: 134, quoted: null }); // router advertisement: type and code only
  });

  it('fragment header: identification, offset and M flag; a non-first fragment has no l4', () => {
    const [d] = decodeAll(td('ipv6_frag6_negative_len.pcap'));
    expect(d!.frame.ip).toMatchObject({ id: 0x80000074, fragOffset: 1280, moreFragments: false });
    expect(d!.frame.l4).toBeNull();
  });

  it('a fragment header cut by the snap length marks the frame truncated', () => {
    const [d] = decodeAll(td('ip6_frag_asan.pcap'));
    expect(d!.frame.ip).toMatchObject({ src: '452:22:19:0:41a:e4ff:10ff:484d', proto: 44, id: null, length: 27176 });
    expect(d!.frame.truncated).toBe(true);
  });

  it('a first fragment keeps its transport header (built from a real IPv6 UDP datagram)', () => {
    const v6 = readPcap(td('LINKTYPE_RAW_ipv6.pcap')).records[0]!.data;
    const b = new Uint8Array(v6.length + 8);
    b.set(v6.subarray(0, 40));
    b[6] = 44; // next header: Fragment
    b.set([17, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef], 40); // next UDP, offset 0, M=1, id
    b.set(v6.subarray(40), 48);
    new DataView(b.buffer).setUint16(4, v6.length - 40 + 8);
    const f = decodeFrame(101, b).frame;
    expect(f.ip).toMatchObject({ proto: 17, id: 0xdeadbeef, fragOffset: 0, moreFragments: true });
    expect(udp(f)).toMatchObject({ srcPort: 12345, dstPort: 53 });
  });
});

describe('TCP', () => {
  it('RST with data: flags, absolute seq/ack, window, payload length from the IP length', () => {
    const [d] = decodeAll(td('tcp_rst_data.pcap'));
    expect(tcp(d!.frame)).toEqual({
      kind: 'tcp',
      srcPort: 80,
      dstPort: 52875,
      flags: TCP_RST | TCP_ACK,
      seq: 1617159969,
      ack: 1936660873,
      window: 5785,
      payloadLen: 58,
    });
  });

  it('a TCP header cut by the snap length keeps its ports and marks truncation', () => {
    const { linkType, records } = readPcap(td('tcp_rst_data-trunc.pcap'));
    const d = decodeFrame(linkType, records[0]!.data);
    expect(tcp(d.frame)).toMatchObject({ srcPort: 80, dstPort: 52875 });
    expect(d.frame.truncated).toBe(true);
    const push = decodeAll(zeek('vxlan-encapsulated-http.pcap')).map((x) => innermost(x.frame).l4 as Tcp);
    expect(push.some((t) => t.flags === (TCP_PSH | TCP_ACK) && (t.payloadLen ?? 0) > 0)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// ICMP errors

/** An ICMP error as Linux sends it: IPv4 header, 8 bytes of ICMP, then up to 548 bytes of the offending datagram. */
function icmpError(type: number, code: number, rest: number, offending: Uint8Array, src = [192, 168, 232, 130], dst = [192, 168, 232, 130]): Uint8Array {
  const quote = offending.subarray(0, Math.min(offending.length, 576 - 28));
  const b = new Uint8Array(28 + quote.length);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  b[1] = 0xc0;
  dv.setUint16(2, b.length);
  b[8] = 64;
  b[9] = 1;
  b.set(src, 12);
  b.set(dst, 16);
  b[20] = type;
  b[21] = code;
  dv.setUint32(24, rest);
  b.set(quote, 28);
  return b;
}

describe('ICMPv4', () => {
  const vx = readPcap(td('vxlan_port_8472.pcap')).records[0]!.data.subarray(14); // IPv4/UDP 8472/VXLAN/Ethernet/IPv4/ICMP echo

  it('host unreachable quoting a VXLAN packet: quoted outer addresses and ports, the inner echo through the tunnel', () => {
    const f = decodeFrame(228, icmpError(3, 1, 0, vx)).frame;
    const e = icmp(f);
    expect(e).toMatchObject({ kind: 'icmp', type: 3, code: 1, mtu: null, id: null });
    expect(e.quoted).toMatchObject({ src: '192.168.203.1', dst: '192.168.202.1', proto: 17, srcPort: 45149, dstPort: 8472 });
    const qf = e.quoted!.frame!;
    expect(qf.link).toBe('none');
    expect(qf.tunnel).toMatchObject({ type: 'vxlan', vni: 100 });
    expect(icmp(qf.tunnel!.inner)).toMatchObject({ type: 8, id: 1292, seq: 1 });
    expect(f.truncated).toBe(false);
    expect(qf.truncated || qf.tunnel!.inner.truncated).toBe(false);
  });

  it('fragmentation needed: next-hop MTU from bytes 6-7; an RFC 792 quote (IP + 8 bytes) still names the ports', () => {
    const f = decodeFrame(228, icmpError(3, 4, 1450, vx.subarray(0, 28))).frame;
    const e = icmp(f);
    expect(e).toMatchObject({ type: 3, code: 4, mtu: 1450 });
    expect(e.quoted).toMatchObject({ dst: '192.168.202.1', srcPort: 45149, dstPort: 8472 });
    // The quoted datagram announces 134 bytes; 28 are quoted: truncation of the quote, not of the error.
    expect(e.quoted!.frame!.truncated).toBe(true);
    expect(e.quoted!.frame!.tunnel).toBeNull();
    expect(f.truncated).toBe(false);
  });

  it('time exceeded with RFC 4884 extensions (real, PPP framing stripped): quote bounded, UDP ports', () => {
    const rec = readPcap(td('icmp-rfc5837.pcap')).records[0]!.data;
    const f = decodeFrame(101, rec.subarray(4)).frame; // PPP: ff 03 00 21
    expect(f.ip).toMatchObject({ src: '10.4.0.2', dst: '12.4.4.4' });
    const e = icmp(f);
    expect(e).toMatchObject({ type: 11, code: 0 });
    expect(e.quoted).toMatchObject({ src: '12.4.4.4', dst: '12.1.1.1', proto: 17, srcPort: 42315, dstPort: 33440 });
    expect(e.quoted!.frame!.ip!.ttl).toBe(1);
  });

  it('port unreachable quoting a TCP segment and a redirect', () => {
    const tcpIp = readPcap(td('tcp_rst_data.pcap')).records[0]!.data.subarray(14);
    const pu = icmp(decodeFrame(228, icmpError(3, 3, 0, tcpIp)).frame);
    expect(pu.quoted).toMatchObject({ proto: 6, srcPort: 80, dstPort: 52875 });
    expect(tcp(pu.quoted!.frame!)).toMatchObject({ flags: TCP_RST | TCP_ACK, seq: 1617159969 });
    const rd = icmp(decodeFrame(228, icmpError(5, 1, 0xc0a8e801, tcpIp)).frame);
    expect(rd).toMatchObject({ type: 5, code: 1 });
    expect(rd.quoted?.dst).toBe('172.16.133.41');
  });

  it('an error whose quote holds no IP header has no quote and says why', () => {
    const cut = icmpError(3, 1, 0, vx.subarray(0, 12));
    const f = decodeFrame(228, cut).frame;
    expect(icmp(f).quoted).toBeNull();
    expect(f.truncated).toBe(true);
    const garbage = icmpError(3, 1, 0, new Uint8Array(24).fill(0x11));
    const g = decodeFrame(228, garbage).frame;
    expect(icmp(g).quoted).toBeNull();
    expect(g.note).toBe('quoted datagram: IPv4 packet with IP version 1');
  });
});

describe('ICMPv6', () => {
  const v6 = readPcap(td('LINKTYPE_RAW_ipv6.pcap')).records[0]!.data; // IPv6 UDP 53 query

  function icmp6Error(type: number, code: number, rest: number, offending: Uint8Array): Uint8Array {
    const b = new Uint8Array(48 + offending.length);
    const dv = new DataView(b.buffer);
    b[0] = 0x60;
    dv.setUint16(4, 8 + offending.length);
    b[6] = 58;
    b[7] = 64;
    b.set(offending.subarray(24, 40), 8); // from the offending packet's destination
    b.set(offending.subarray(8, 24), 24); // to its source
    b[40] = type;
    b[41] = code;
    dv.setUint32(44, rest);
    b.set(offending, 48);
    return b;
  }

  it('packet too big carries a 32-bit MTU and the quoted datagram', () => {
    const f = decodeFrame(229, icmp6Error(2, 0, 1280, v6)).frame;
    const e = icmp(f);
    expect(e).toMatchObject({ kind: 'icmp6', type: 2, code: 0, mtu: 1280 });
    expect(e.quoted).toMatchObject({ src: '2001:db8::1', dst: '2620:fe::9', proto: 17, srcPort: 12345, dstPort: 53 });
    expect(e.quoted!.frame!.ethertype).toBe(0x86dd);
  });

  it('destination unreachable (port, code 4), time exceeded, parameter problem quote; neighbour discovery does not', () => {
    for (const [type, code] of [
      [1, 4],
      [3, 0],
      [4, 1],
    ]) {
      const e = icmp(decodeFrame(229, icmp6Error(type!, code!, 0, v6)).frame);
      expect(e).toMatchObject({ type, code, mtu: null });
      expect(e.quoted?.dstPort).toBe(53);
    }
    const ns = icmp(decodeFrame(229, icmp6Error(135, 0, 0, v6)).frame);
    expect(ns).toMatchObject({ type: 135, quoted: null, id: null });
  });
});

describe('ARP', () => {
  it('requests and replies from real frames, padding ignored; corrupted ones are notes or truncation', () => {
    const ds = decodeAll(td('arp-oobr.pcap'));
    expect(ds.filter((d) => d.frame.arp !== null).length).toBeGreaterThan(2000);
    for (const d of ds) if (d.frame.arp === null) expect(d.frame.truncated || d.frame.note !== null).toBe(true);
    // Frame 1166 is ATM ARP (hardware type 19), laid out differently: tcpdump prints [|arp] too.
    expect(ds[1165]!.frame).toMatchObject({ arp: null, note: 'ATM ARP (RFC 2225) not decoded' });
    expect(ds[1]!.frame.arp).toEqual({
      op: 1,
      senderMac: '00:1f:29:da:2d:79',
      senderIp: '192.168.1.104',
      targetMac: '00:55:00:00:00:00',
      targetIp: '192.168.1.1',
    });
    expect(ds[10]!.frame.arp).toMatchObject({ op: 2, senderIp: '192.168.0.1', senderMac: '00:21:d8:01:03:45' });
  });

  it('a non-Ethernet hardware address length keeps the IPs and no MACs', () => {
    const { linkType, records } = readPcap(td('arp-too-long-tha.pcap'));
    const f = decodeFrame(linkType, records[0]!.data).frame;
    expect(f.arp).toEqual({ op: 1, senderMac: null, senderIp: '48.48.48.48', targetMac: null, targetIp: '48.48.48.48' });
  });
});

// ---------------------------------------------------------------------------------------------
// Truncation and hostile input

function allFrames(f: Frame, out: Frame[] = []): Frame[] {
  out.push(f);
  if (f.tunnel) allFrames(f.tunnel.inner, out);
  const l4 = f.l4;
  if (l4 && (l4.kind === 'icmp' || l4.kind === 'icmp6') && l4.quoted?.frame) allFrames(l4.quoted.frame, out);
  return out;
}

describe('truncation', () => {
  it('every prefix of a real VXLAN packet: never throws, truncated on the frame whose header was cut, outer layers kept', () => {
    const full = readPcap(td('vxlan_port_8472.pcap')).records[0]!.data; // 148 bytes
    expect(full.length).toBe(148);
    const whole = decodeFrame(1, full).frame;
    for (let n = 0; n <= full.length; n++) {
      const f = decodeFrame(1, full.subarray(0, n)).frame;
      const frames = allFrames(f);
      expect(frames.some((x) => x.note !== null && x.note.startsWith('decoder error'))).toBe(false);
      if (n === full.length) {
        expect(f).toEqual(whole);
        continue;
      }
      expect(
        frames.some((x) => x.truncated),
        `prefix ${n}`,
      ).toBe(true);
      if (n >= 12) expect(f.src).toBe(whole.src);
      if (n >= 14) expect(f.ethertype).toBe(0x0800);
      if (n >= 34) expect(f.ip).toEqual(whole.ip);
      if (n >= 38) expect(udp(f)).toMatchObject({ srcPort: 45149, dstPort: 8472 });
      if (n >= 42) expect(f.l4).toEqual(whole.l4);
      // Until the VXLAN header is whole, the outer frame is the one cut; after, only the inner one.
      expect(f.truncated, `prefix ${n}`).toBe(n < 50);
      if (n >= 50) {
        expect(f.tunnel).toMatchObject({ type: 'vxlan', vni: 100, flags: 0x08 });
        const inner = f.tunnel!.inner;
        expect(inner.truncated, `prefix ${n}`).toBe(true);
        if (n >= 64) expect(inner.ethertype).toBe(0x0800);
        if (n >= 84) expect(inner.ip).toEqual(whole.tunnel!.inner.ip);
        if (n >= 92) expect(inner.l4).toEqual(whole.tunnel!.inner.l4);
      } else {
        expect(f.tunnel).toBeNull();
      }
    }
  });

  it('every prefix of cooked, QinQ, IPv6 routing, ICMP-error and GENEVE records: truncated unless nothing was lost', () => {
    const sources: Array<[URL, number]> = [
      [td('icmp-cksum-oobr-1.pcap'), 0],
      [td('802.1ad_QinQ.pcap'), 0],
      [td('ipv6-routing-header.pcap'), 1],
      [td('icmpv6.pcap'), 0],
      [zeek('geneve-vxlan-dns-truncated.pcap'), 1],
      [zeek('vxlan-triple-v2.pcap'), 0],
    ];
    for (const [path, i] of sources) {
      const { linkType, records } = readPcap(path);
      const full = records[i]!.data;
      const whole = decodeFrame(linkType, full);
      let cut = 0;
      for (let n = 0; n < full.length; n++) {
        const d = decodeFrame(linkType, full.subarray(0, n));
        const frames = allFrames(d.frame);
        expect(frames.some((x) => x.note?.startsWith('decoder error'))).toBe(false);
        // A prefix that only loses link padding decodes as the whole record; any other must say it was cut.
        if (JSON.stringify(d) === JSON.stringify(whole)) continue;
        cut++;
        expect(
          frames.some((x) => x.truncated),
          `${path.pathname} prefix ${n}`,
        ).toBe(true);
      }
      expect(cut).toBeGreaterThan(40);
    }
  });

  it('random corruption of real packets never throws nor trips the safety net', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 0x100000000;
    const pool: Array<[number, Uint8Array]> = [];
    for (const p of [
      td('vxlan.pcap'),
      td('geneve.pcap'),
      td('icmp-cksum-oobr-1.pcap'),
      td('icmpv6.pcap'),
      td('ipv6-routing-header.pcap'),
      zeek('vxlan-triple-v2.pcap'),
      td('802.1ad_QinQ.pcap'),
    ]) {
      const { linkType, records } = readPcap(p);
      for (const r of records) pool.push([linkType, r.data]);
    }
    for (let k = 0; k < 20000; k++) {
      const [lt, src] = pool[Math.floor(rand() * pool.length)]!;
      const b = Uint8Array.from(src.subarray(0, Math.floor(rand() * (src.length + 1))));
      const flips = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < flips && b.length > 0; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const d = decodeFrame(lt, b);
      const frames = allFrames(d.frame);
      expect(frames.length).toBeLessThanOrEqual(2 * MAX_DEPTH + 2);
      for (const x of frames) if (x.note?.startsWith('decoder error')) expect.fail(`${x.note} on ${Buffer.from(b).toString('hex')}`);
    }
  });

  it('tunnel nesting is bounded: 20 VXLANs deep stops at MAX_DEPTH with a note', () => {
    // Wrap the real echo request in Ethernet/IPv4/UDP/VXLAN 20 times, lengths kept consistent.
    const base = readPcap(td('vxlan.pcap')).records[0]!.data;
    const hdr = base.subarray(0, 50); // outer Ethernet + IPv4 + UDP + VXLAN of a real packet
    let pkt: Uint8Array = base.subarray(50);
    for (let i = 0; i < 20; i++) {
      const b = new Uint8Array(50 + pkt.length);
      b.set(hdr);
      b.set(pkt, 50);
      const dv = new DataView(b.buffer);
      dv.setUint16(16, b.length - 14);
      dv.setUint16(38, b.length - 34);
      pkt = b;
    }
    const f = decodeFrame(1, pkt).frame;
    const frames = chain(f);
    expect(frames).toHaveLength(MAX_DEPTH + 1);
    expect(frames[MAX_DEPTH]!.note).toBe(`tunnels nested deeper than ${MAX_DEPTH} levels: not decoded further`);
    expect(frames[MAX_DEPTH]!.l4?.kind).toBe('udp');
  });
});

// ---------------------------------------------------------------------------------------------
// Address formatting

describe('address strings', () => {
  const v6 = (s: string) => {
    const [a, b] = s.includes('::') ? s.split('::') : [s, undefined];
    const head = a ? a.split(':') : [];
    const tail = b ? b.split(':') : [];
    const words = b === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
    const u = new Uint8Array(18);
    words.forEach((w, i) => new DataView(u.buffer).setUint16(2 + 2 * i, parseInt(w, 16)));
    return formatIPv6(u, 2);
  };

  it('IPv6 as inet_ntop / tcpdump print it (RFC 5952, embedded IPv4 forms)', () => {
    const cases: Record<string, string> = {
      '0:0:0:0:0:0:0:0': '::',
      '0:0:0:0:0:0:0:1': '::1',
      '1:0:0:0:0:0:0:0': '1::',
      '2001:db8:0:0:0:0:0:1': '2001:db8::1',
      '0:0:0:0:0:ffff:102:304': '::ffff:1.2.3.4',
      '0:0:0:0:0:0:102:304': '::1.2.3.4',
      '0:0:0:0:0:0:1:2': '::0.1.0.2',
      '0:0:0:0:0:0:0:2': '::2',
      '0:0:0:0:0:1:0:0': '::1:0:0',
      '1:0:0:1:0:0:0:1': '1:0:0:1::1',
      '1:0:1:0:1:0:1:0': '1:0:1:0:1:0:1:0',
      '1:0:0:2:0:0:3:4': '1::2:0:0:3:4',
      'fe80:0:0:0:0:0:ffff:0': 'fe80::ffff:0',
      'ABCD:EF01:0:0:0:0:0:0DB8': 'abcd:ef01::db8',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff': 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    };
    for (const [input, want] of Object.entries(cases)) expect(v6(input), input).toBe(want);
  });

  it('IPv4 (cached, same string on repeat) and MAC', () => {
    const b = Uint8Array.of(9, 10, 244, 2, 255, 0x0a, 0xf4, 0x00, 0x01, 0xab, 0xcd);
    expect(formatIPv4(b, 1)).toBe('10.244.2.255');
    expect(formatIPv4(b, 1)).toBe('10.244.2.255');
    expect(formatIPv4(Uint8Array.of(255, 255, 255, 255), 0)).toBe('255.255.255.255');
    expect(formatMac(b, 5)).toBe('0a:f4:00:01:ab:cd');
  });
});

// ---------------------------------------------------------------------------------------------
// The lab captures (samples/lab), when they are there: cooked v1/v2 from `tcpdump -i any`.

// ---------------------------------------------------------------------------------------------
// The lab captures: real kernel VXLAN (flannel.1, VNI 1, UDP 8472) from `tcpdump -i any` (cooked v2,
// and v1 / nanosecond variants) and the underlay NIC, with the text tcpdump 4.99.3 printed for each.

const LAB = new URL('../samples/lab/', import.meta.url);
const lab = (name: string) => new URL(name, LAB);

describe('samples/lab: agreement with tcpdump 4.99.3', () => {
  const pcaps = readdirSync(LAB)
    .filter((n) => n.endsWith('.pcap'))
    .sort();
  it('has the lab captures', () => expect(pcaps.length).toBeGreaterThanOrEqual(20));
  for (const name of pcaps) {
    it(`${name} (-nn -e)`, () => agreesWithTcpdump(lab(name), lab(`${name}.nn-e.txt`), { e: true, otv: true }, 5));
    it(`${name} (-nn -v)`, () => agreesWithTcpdump(lab(name), lab(`${name}.nn-v.txt`), { v: true, otv: true }, 5));
  }
});

describe('samples/lab: cooked captures and ICMP errors of the kernel', () => {
  /** Decoded records whose innermost or outer frame carries an ICMP error (type 3). */
  function unreachables(name: string): Array<{ d: DecodedLink; e: Icmp }> {
    const out: Array<{ d: DecodedLink; e: Icmp }> = [];
    for (const d of decodeAll(lab(name))) {
      for (const f of chain(d.frame)) if (f.l4?.kind === 'icmp' && f.l4.type === 3) out.push({ d, e: f.l4 });
    }
    return out;
  }

  it('cooked v2 (-i any): every record has a direction and an interface index; VXLAN on 8472, VNI 1', () => {
    const { linkType } = readPcap(lab('healthy-icmp.nodea-any.pcap'));
    expect(linkType).toBe(276);
    const ds = decodeAll(lab('healthy-icmp.nodea-any.pcap'));
    expect(ds.every((d) => d.direction !== null && d.ifindex !== null && d.frame.link === 'sll2')).toBe(true);
    const encap = ds.filter((d) => d.frame.tunnel !== null);
    expect(encap.length).toBeGreaterThanOrEqual(6);
    for (const d of encap) {
      expect(d.frame.tunnel).toMatchObject({ type: 'vxlan', vni: 1, flags: 0x08 });
      expect(d.ifindex).toBe(2); // ens224
      expect(d.direction === 'in' || d.direction === 'out').toBe(true);
    }
    const requestsIn = encap.filter((d) => d.direction === 'in' && icmp(d.frame.tunnel!.inner).type === 8);
    const repliesOut = encap.filter((d) => d.direction === 'out' && icmp(d.frame.tunnel!.inner).type === 0);
    expect(requestsIn.length).toBe(3);
    expect(repliesOut.length).toBe(3);
    expect(udp(repliesOut[0]!.frame)).toMatchObject({ dstPort: 8472 });
    expect(repliesOut[0]!.frame.ip).toMatchObject({ src: '192.168.232.130', dst: '192.168.223.131' });
    // The same echo seen bare on flannel.1 (ifindex 3): IP straight after the cooked header.
    const bare = ds.filter((d) => d.ifindex === 3 && d.frame.ip?.proto === 1);
    expect(bare.length).toBeGreaterThanOrEqual(6);
    expect(bare[0]!.frame).toMatchObject({ tunnel: null, ethertype: 0x0800 });
  });

  it('cooked v1 (-y LINUX_SLL) decodes to the same packets as v2 without the interface index', () => {
    const v1 = decodeAll(lab('healthy-icmp.nodea-any-sll1.pcap'));
    expect(readPcap(lab('healthy-icmp.nodea-any-sll1.pcap')).linkType).toBe(113);
    expect(v1.every((d) => d.ifindex === null && d.direction !== null && d.frame.link === 'sll')).toBe(true);
    const inner = (ds: DecodedLink[]) =>
      ds.filter((d) => d.frame.tunnel).map((d) => [d.direction, d.frame.ip!.src, icmp(d.frame.tunnel!.inner).type, icmp(d.frame.tunnel!.inner).seq]);
    expect(inner(v1)).toEqual(inner(decodeAll(lab('healthy-icmp.nodea-any.pcap'))));
  });

  it('missing-route: the host unreachable the node sends itself quotes the encapsulated reply, through VXLAN', () => {
    const errs = unreachables('missing-route.nodea-any.pcap');
    expect(errs.length).toBeGreaterThanOrEqual(3);
    for (const { d, e } of errs) {
      expect(d.frame.ip).toMatchObject({ src: '192.168.232.130', dst: '192.168.232.130' });
      expect(e.code).toBe(1);
      expect(e.quoted).toMatchObject({ src: '192.168.232.130', dst: '192.168.223.131', proto: 17, dstPort: 8472 });
      const q = e.quoted!.frame!;
      expect(q.tunnel).toMatchObject({ type: 'vxlan', vni: 1 });
      expect(q.tunnel!.inner.ip).toMatchObject({ src: '10.244.2.2', dst: '10.244.3.2', proto: 1 });
      expect(icmp(q.tunnel!.inner)).toMatchObject({ type: 0 });
    }
  });

  it('frag-needed: next-hop MTU 1450 from the kernel, the quoted DF echo request', () => {
    const errs = unreachables('frag-needed.nodea-any.pcap');
    expect(errs.length).toBeGreaterThanOrEqual(1);
    for (const { e } of errs) {
      expect(e).toMatchObject({ code: 4, mtu: 1450 });
      expect(e.quoted).toMatchObject({ dst: '10.244.3.2', proto: 1 });
      expect(e.quoted!.frame!.ip).toMatchObject({ dontFragment: true, length: 1488 });
      expect(e.quoted!.frame!.truncated).toBe(true); // 1488 bytes announced, 548 quoted
    }
  });

  it('admin-prohibited: code 13 from the router, quoting the VXLAN packet it refused', () => {
    const errs = unreachables('admin-prohibited.nodeb-ens224.pcap');
    expect(errs.length).toBeGreaterThanOrEqual(3);
    for (const { d, e } of errs) {
      expect(d.frame.ip).toMatchObject({ src: '192.168.223.1', dst: '192.168.223.131' });
      expect(e.code).toBe(13);
      expect(e.quoted).toMatchObject({ src: '192.168.223.131', dst: '192.168.232.130', dstPort: 8472 });
      expect(e.quoted!.frame!.tunnel?.vni).toBe(1);
    }
  });

  it('nanosecond pcap gives the same frames as the microsecond one would', () => {
    const { records } = readPcap(lab('healthy-tcp.nodea-any-nano.pcap'));
    expect(records.length).toBeGreaterThan(10);
    const ds = decodeAll(lab('healthy-tcp.nodea-any-nano.pcap'));
    const syn = ds.map((d) => innermost(d.frame).l4).find((l) => l?.kind === 'tcp' && l.flags === TCP_SYN) as Tcp | undefined;
    expect(syn).toMatchObject({ dstPort: 8080 });
  });
});

describe('outer UDP checksum of tunnel packets (lab captures with udpcsum VXLAN)', () => {
  const LAB = new URL('../samples/lab/', import.meta.url);
  /** [direction, outer source, checksumOk] of each VXLAN packet of a lab capture. */
  function checksums(file: string): [Direction | null, string, boolean | null][] {
    const { linkType, records } = readPcap(new URL(file, LAB));
    return records
      .map((r) => decodeFrame(linkType, r.data))
      .filter((d) => d.frame.tunnel)
      .map((d) => [d.direction, d.frame.ip!.src, (d.frame.l4 as Udp).checksumOk]);
  }
  it('right when the sender computed it, unjudged when offload left it partial, wrong when the router rewrote a byte', () => {
    const B = '192.168.223.131';
    const A = '192.168.232.130';
    // Node B sums in software (tx offload off): right on arrival at A; A's own leave partial (0x49db, the pseudo-header sum).
    expect(checksums('udpcsum-healthy.nodea-any.pcap')).toEqual([
      ['in', B, true],
      ['out', A, null],
      ['in', B, true],
      ['out', A, null],
      ['in', B, true],
      ['out', A, null],
    ]);
    // The router wrote one byte: B sent them right, A received them wrong (and its kernel dropped them: Udp InCsumErrors 3).
    expect(checksums('udpcsum-corrupted.nodeb-any.pcap')).toEqual([
      ['out', B, true],
      ['out', B, true],
      ['out', B, true],
    ]);
    expect(checksums('udpcsum-corrupted.nodea-any.pcap')).toEqual([
      ['in', B, false],
      ['in', B, false],
      ['in', B, false],
    ]);
    // Without udpcsum this kernel still leaves partial sums (0x49db) on the echoes, and on TCP/UDP it
    // sums the outer by local checksum offload over an inner checksum still partial: tcpdump calls both
    // bad, neither is judged. So in the whole lab only the corrupted capture has a wrong one.
    expect(checksums('blocked-8472.nodeb-any.pcap').every(([, , ok]) => ok === null)).toBe(true);
    const bad = readdirSync(LAB).filter((f) => f.endsWith('.pcap') && checksums(f).some(([, , ok]) => ok === false));
    expect(bad.sort()).toEqual(['udpcsum-corrupted.nodea-any.pcap', 'udpcsum-corrupted.nodea-ens224.pcap']);
  });
  it('agrees with tcpdump -vv packet by packet (when tcpdump is installed)', () => {
    for (const file of ['udpcsum-healthy.nodea-ens224.pcap', 'udpcsum-corrupted.nodea-ens224.pcap', 'udpcsum-corrupted.nodeb-any.pcap']) {
      const td = spawnSync('tcpdump', ['-r', fileURLToPath(new URL(file, LAB)), '-nn', '-vv', 'udp port 8472'], { encoding: 'utf8' });
      if (td.status !== 0) return;
      // tcpdump says "udp sum ok" or "bad udp cksum X -> Y!"; it does not know partial sums, which it calls bad.
      const theirs = [...td.stdout.matchAll(/\[(udp sum ok|bad udp cksum)/g)].map((m) => m[1] === 'udp sum ok');
      const ours = checksums(file).map(([, , ok]) => ok === true);
      expect(ours, file).toEqual(theirs);
      expect(theirs.length, file).toBeGreaterThan(0);
    }
  });
});
