/** The tcpdump text grammar on real text: the seed, tcpdump's own outputs, and noise. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseText } from '../src/lexer/index.js';
import { innermost, TCP_ACK, TCP_SYN } from '../src/model.js';

const shared = (f: string) => readFileSync(fileURLToPath(new URL(`../../shared/${f}`, import.meta.url)), 'utf8');

describe('seed text (tcpdump -i any -nn -e, cooked v1)', () => {
  it('healthy.txt: four packets, the encapsulated ones with their inner frame', () => {
    const { packets, warnings } = parseText(shared('seed/healthy.txt'));
    expect(warnings).toEqual([]);
    expect(packets).toHaveLength(4);
    const [req, bareReq, bareRep, rep] = packets;
    expect(req).toMatchObject({ direction: 'in', line: 1, ts: 9 * 3600 + 53 * 60 + 14.217481 });
    expect(req!.frame).toMatchObject({ link: 'sll', src: '00:50:56:c0:00:03', ethertype: 0x0800 });
    expect(req!.frame.ip).toMatchObject({ src: '192.168.232.1', dst: '192.168.232.130', proto: 17 });
    expect(req!.frame.l4).toMatchObject({ kind: 'udp', srcPort: 53693, dstPort: 8472 });
    expect(req!.frame.tunnel).toMatchObject({ type: 'vxlan', vni: 1, flags: 0x08 });
    const inner = innermost(req!.frame);
    expect(inner).toMatchObject({ src: '5a:af:8c:67:f0:d6', dst: '02:bb:32:12:e0:c2' });
    expect(inner.ip).toMatchObject({ src: '10.244.3.0', dst: '10.244.2.0', proto: 1 });
    expect(inner.l4).toMatchObject({ kind: 'icmp', type: 8, code: 0, id: 46, seq: 1 });
    expect(bareReq!.frame.tunnel).toBeNull();
    expect(bareRep!.frame.l4).toMatchObject({ kind: 'icmp', type: 0, id: 46, seq: 1 });
    expect(bareRep!.direction).toBe('out');
    expect(rep!.frame.ip).toMatchObject({ src: '192.168.232.130', dst: '192.168.223.131' });
    expect(rep!.line).toBe(5);
  });

  it("missing-route.txt: the kernel's ICMP host unreachable names the peer VTEP", () => {
    const { packets } = parseText(shared('seed/missing-route.txt'));
    expect(packets).toHaveLength(6);
    expect(packets[0]!.frame.ip).toMatchObject({ src: '192.168.232.130', dst: '192.168.232.130', proto: 1 });
    expect(packets[0]!.frame.l4).toMatchObject({ kind: 'icmp', type: 3, code: 1, quoted: { dst: '192.168.223.131' } });
    expect(packets[0]!.frame.src).toBe('00:00:00:00:00:00');
  });
});

describe('tcpdump printers', () => {
  const one = (line: string) => {
    const r = parseText(line + '\n');
    expect(r.warnings).toEqual([]);
    expect(r.packets).toHaveLength(1);
    return r.packets[0]!;
  };
  it('timestamps: time of day, -tttt, -tt, none, packet numbers', () => {
    expect(one('17:16:09.924505488 IP 1.2.3.4.1 > 5.6.7.8.80: tcp 0').ts).toBeCloseTo(17 * 3600 + 16 * 60 + 9.924505488, 6);
    expect(one('2018-02-14 15:30:19.014914 IP 1.2.3.4 > 5.6.7.8: ICMP echo request, id 1, seq 2, length 64').ts).toBeCloseTo(
      Date.UTC(2018, 1, 14, 15, 30, 19) / 1000 + 0.014914,
      6,
    );
    expect(one('1518622219.014914 IP 1.2.3.4 > 5.6.7.8: ICMP echo reply, id 1, seq 2, length 64').ts).toBeCloseTo(1518622219.014914, 5);
    expect(one('IP 1.2.3.4 > 5.6.7.8: ICMP echo reply, id 1, seq 2, length 64').ts).toBeNull();
    expect(one('   12  IP 1.2.3.4 > 5.6.7.8: ICMP echo reply, id 1, seq 2, length 64').no).toBe(12);
  });
  it('cooked v2 with interface names, -e with ifindex', () => {
    const p = one(
      '05:04:12.067283 ens224 In  ifindex 2 00:50:56:c0:00:03 ethertype IPv4 (0x0800), length 154: 192.168.223.131.44625 > 192.168.232.130.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
    );
    expect(p).toMatchObject({ ifname: 'ens224', ifindex: 2, direction: 'in' });
    expect(p.frame.link).toBe('sll2');
  });
  it("TCP flags and sequence numbers: the first ACK segment printed as is, later ones restored from tcpdump's relative numbers", () => {
    const syn = one(
      'IP 10.244.3.2.35238 > 10.244.2.2.8080: Flags [S], seq 3698762527, win 64240, options [mss 1460,sackOK,TS val 3592817299 ecr 0,nop,wscale 10], length 0',
    );
    expect(syn.frame.l4).toMatchObject({ kind: 'tcp', flags: TCP_SYN, seq: 3698762527, window: 64240, payloadLen: 0 });
    const data = one('IP 10.244.3.2.35238 > 10.244.2.2.8080: Flags [P.], seq 1:7, ack 1, win 63, length 6');
    expect(data.frame.l4).toMatchObject({ kind: 'tcp', seq: 1, ack: 1, payloadLen: 6 });
    const conn = parseText(
      [
        'IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1000, win 64240, length 0',
        'IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [S.], seq 5000, ack 1001, win 65160, length 0',
        'IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1:7, ack 1, win 63, length 6',
        'IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [.], ack 7, win 63, length 0',
      ].join('\n'),
    ).packets.map((p) => p.frame.l4 as { seq: number | null; ack: number | null });
    expect(conn.map((t) => [t.seq, t.ack])).toEqual([
      [1000, null],
      [5000, 1001],
      [1001, 5001],
      [null, 1007],
    ]);
    expect((data.frame.l4 as { flags: number }).flags & TCP_ACK).toBe(TCP_ACK);
  });
  it('ICMP errors: port, need to frag, admin prohibited', () => {
    expect(one('IP 10.244.2.2 > 10.244.3.2: ICMP 10.244.2.2 udp port 9999 unreachable, length 42').frame.l4).toMatchObject({
      type: 3,
      code: 3,
      quoted: { dst: '10.244.2.2', proto: 17, dstPort: 9999 },
    });
    expect(one('IP 10.244.2.1 > 10.244.2.2: ICMP 10.244.3.2 unreachable - need to frag (mtu 1450), length 556').frame.l4).toMatchObject({
      type: 3,
      code: 4,
      mtu: 1450,
    });
    expect(one('IP 192.168.223.1 > 192.168.223.131: ICMP host 192.168.232.130 unreachable - admin prohibited filter, length 142').frame.l4).toMatchObject({
      type: 3,
      code: 13,
      quoted: { dst: '192.168.232.130' },
    });
  });
  it('-v: IP header fields on the first line, addresses on the continuation', () => {
    const r = parseText(
      '05:04:12.067283 ens224 In  IP (tos 0x0, ttl 63, id 43263, offset 0, flags [none], proto UDP (17), length 134)\n    192.168.223.131.44625 > 192.168.232.130.8472: OTV, flags [I] (0x08), overlay 0, instance 1\nIP (tos 0x0, ttl 64, id 6123, offset 0, flags [DF], proto ICMP (1), length 84)\n    10.244.3.2 > 10.244.2.2: ICMP echo request, id 7741, seq 1, length 64\n',
    );
    expect(r.warnings).toEqual([]);
    expect(r.packets).toHaveLength(1);
    const p = r.packets[0]!;
    expect(p.frame.ip).toMatchObject({ ttl: 63, id: 43263, length: 134, dontFragment: false });
    expect(innermost(p.frame).ip).toMatchObject({ id: 6123, dontFragment: true, src: '10.244.3.2' });
  });
  it('ARP request and reply', () => {
    expect(one('ARP, Request who-has 10.244.2.2 tell 10.244.2.1, length 28').frame.arp).toMatchObject({
      op: 1,
      targetIp: '10.244.2.2',
      senderIp: '10.244.2.1',
    });
    expect(one('ARP, Reply 10.244.2.2 is-at 0a:58:0a:f4:02:02, length 28').frame.arp).toMatchObject({
      op: 2,
      senderIp: '10.244.2.2',
      senderMac: '0a:58:0a:f4:02:02',
    });
  });
  it('IPv6 addresses with ports', () => {
    expect(one('IP6 fe80::1.546 > ff02::1:2.547: dhcp6 solicit').frame.l4).toMatchObject({ kind: 'udp', srcPort: 546, dstPort: 547 });
    expect(one('IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 5, seq 1, length 64').frame.l4).toMatchObject({ kind: 'icmp6', type: 128, id: 5 });
  });
});

describe('noise and garbage', () => {
  it('banner, prompts, blank lines, CRLF and prose are skipped; an unreadable packet line is a warning with its number', () => {
    const text =
      'root@node:~# tcpdump -i any -nn\r\ntcpdump: verbose output suppressed, use -v[v]... for full protocol decode\r\nlistening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes\r\n\r\n09:53:14.217552 In IP 10.244.3.0 > 10.244.2.0: ICMP echo request, id 46, seq 1, length 64\r\nthis is not tcpdump\r\n09:53:14.217592 Out IP 10.244.2.0 > 10.244.3.0: ICMP echo reply, id 46, seq 1, length 64\r\n09:53:14.217593 Out IP 10.244.2.0 >\r\n2 packets captured\r\n';
    const r = parseText(text, 'paste');
    expect(r.packets.map((p) => p.line)).toEqual([5, 7]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ input: 'paste', line: 8 });
    expect(r.warnings[0]!.message).toMatch(/^not read \(cut off/);
    expect(r.stats).toMatchObject({ packetLines: 3, parsed: 2, skipped: 1, passedOver: 1 });
  });
  it('a U+FEFF after "src > dst:" is dropped as a character no token matches; the line is still read as TCP', () => {
    // The lexer tries the Tail token there (chevrotain's first-character slots above U+00FF are
    // shared by 256 codes): the tail must still start at "Flags", not at the U+FEFF.
    const r = parseText('IP 10.244.24.93.48651 > 10.244.17.7.80:\ufeff Flags [S], seq 3265225602, win 6486\n');
    expect(r.packets[0]!.frame.l4).toMatchObject({ kind: 'tcp', flags: TCP_SYN, seq: 3265225602, window: 6486 });
  });
  it('an HTML page gives no packets and never throws: its lines are passed over, none looks like a packet line', () => {
    const r = parseText('<!DOCTYPE html>\n<html><head><title>x</title></head>\n<body><p>10.0.0.1 > 10.0.0.2</p></body></html>\n');
    expect(r.packets).toHaveLength(0);
    expect(r.stats).toMatchObject({ packetLines: 0, passedOver: 3 });
  });
  it('random text never throws', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = 'abcIPOTV0123456789.:>,()[] \n\t-';
    for (let i = 0; i < 200; i++) {
      let s = '';
      for (let j = 0; j < 200; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(() => parseText(s)).not.toThrow();
    }
  });
});

describe('tcpdump text as people paste it', () => {
  it('host and port names (no -n): names stay addresses, port names become numbers, said once', () => {
    const r = parseText(
      [
        '05:22:27.766008 ens224 In  IP node-b.38412 > node-a.otv: OTV, flags [I] (0x08), overlay 0, instance 1',
        'IP pod-b.default.svc.lab.57416 > pod-a.default.svc.lab.http-alt: Flags [S], seq 1, win 64240, length 0',
        '05:22:27.766009 ens224 Out IP 172.32.12.0.46667 > 172.32.68.2.webcache: Flags [S], seq 1, win 64240, length 0',
        '05:22:27.766010 ens224 In  IP router-b.lab > node-b: ICMP pod-a.default.svc.lab udp port mdns unreachable, length 36',
      ].join('\n'),
    );
    const [tun, plain, icmp] = r.packets.map((p) => p.frame);
    expect(tun!.ip).toMatchObject({ src: 'node-b', dst: 'node-a' });
    expect(tun!.l4).toMatchObject({ kind: 'udp', srcPort: 38412, dstPort: 8472 });
    expect(tun!.tunnel!.inner.ip).toMatchObject({ src: 'pod-b.default.svc.lab', dst: 'pod-a.default.svc.lab' });
    expect(tun!.tunnel!.inner.l4).toMatchObject({ kind: 'tcp', srcPort: 57416, dstPort: 8080, flags: TCP_SYN });
    expect(plain!.l4).toMatchObject({ kind: 'tcp', dstPort: 8080 });
    expect(icmp!.l4).toMatchObject({ kind: 'icmp', type: 3, code: 3, quoted: { dst: 'pod-a.default.svc.lab', proto: 17, dstPort: 5353 } });
    expect(r.warnings.map((w) => [w.line, w.message])).toEqual([[1, expect.stringMatching(/host names.*-nn/)]]);
    expect(r.stats.skipped).toBe(0);
  });
  it('-q: UDP to 8472 is the tunnel with an unknown inner frame, said once', () => {
    const r = parseText(
      '05:22:22.468186 ens224 In  IP 192.168.223.131.44625 > 192.168.232.130.8472: UDP, length 106\n05:22:22.468187 ens224 In  IP 192.168.223.131.44625 > 192.168.232.130.8472: UDP, length 106\n05:22:22.468188 ens224 In  IP 10.0.0.1.5353 > 10.0.0.2.5353: UDP, length 106\n',
    );
    expect(r.packets.map((p) => p.frame.tunnel?.type ?? null)).toEqual(['vxlan', 'vxlan', null]);
    expect(r.packets[0]!.frame.tunnel!.inner.ip).toBeNull();
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/without -q/)]);
  });
  it('GENEVE on one line: the inner frame after "vni 0x..:", never the next line', () => {
    const r = parseText(
      [
        '22:04:33.999279 IP 20.0.0.2.43443 > 20.0.0.1.6081: Geneve, Flags [none], vni 0xb: IP 30.0.0.2.51225 > 30.0.0.1.22: Flags [S], seq 397610159, win 14600, length 0',
        '22:04:33.999327 IP 20.0.0.1.22540 > 20.0.0.2.6081: Geneve, Flags [C], vni 0xa, options [8 bytes]: IP 30.0.0.1.22 > 30.0.0.2.51225: Flags [S.], seq 2910871522, ack 397610160, win 28960, length 0',
      ].join('\n'),
    );
    expect(r.packets.map((p) => [p.frame.tunnel?.type, p.frame.tunnel?.vni, innermost(p.frame).l4?.kind])).toEqual([
      ['geneve', 11, 'tcp'],
      ['geneve', 10, 'tcp'],
    ]);
  });
  it('-v checksum notes before the tunnel header: the inner frame is read, the verdict on the outer UDP', () => {
    const rec = (note: string) =>
      `05:22:27.766008 IP (tos 0x0, ttl 63, id 1, offset 0, flags [none], proto UDP (17), length 134)\n    192.168.223.131.38412 > 192.168.232.130.8472: ${note} OTV, flags [I] (0x08), overlay 0, instance 1\nIP (tos 0x0, ttl 63, id 2, offset 0, flags [DF], proto ICMP (1), length 84)\n    10.244.3.2 > 10.244.2.2: ICMP echo request, id 1, seq 1, length 64\n`;
    const r = parseText(rec('[bad udp cksum 0x1234 -> 0x4963!]') + rec('[udp sum ok]') + rec('[no cksum]'));
    expect(r.packets.map((p) => [innermost(p.frame).l4?.kind, p.frame.l4?.kind === 'udp' ? p.frame.l4.checksumOk : undefined])).toEqual([
      ['icmp', false],
      ['icmp', true],
      ['icmp', null],
    ]);
  });
  it('-e with 802.1Q and -v: the tags, then the IP fields and the addresses', () => {
    const r = parseText(
      '12:00:00.000000 00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype 802.1Q (0x8100), length 102: vlan 20, p 0, ethertype IPv4 (0x0800), (tos 0x0, ttl 64, id 7, offset 0, flags [DF], proto ICMP (1), length 84)\n    192.168.2.3 > 8.8.8.8: ICMP echo request, id 1, seq 1, length 64\n',
    );
    expect(r.packets[0]!.frame).toMatchObject({ vlans: [20], ip: { src: '192.168.2.3', dst: '8.8.8.8', ttl: 64 }, l4: { kind: 'icmp', type: 8 } });
  });
  it('link protocols are packets without a network part, not warnings; -ttt deltas become times', () => {
    const r = parseText(
      ' 00:00:00.000000 STP 802.1w, Rapid STP, Flags [Proposal], bridge-id 8001.00:19:06:ea:b8:80.800c, length 36\n 00:00:01.500000 LLDP, length 262\n 00:00:00.250000 CDPv2, ttl: 180s, checksum: 0x1234 (unverified), length 400\n',
    );
    expect(r.warnings).toEqual([]);
    expect(r.packets.map((p) => [p.frame.ip, p.ts])).toEqual([
      [null, 0],
      [null, 1.5],
      [null, 1.75],
    ]);
  });
});
