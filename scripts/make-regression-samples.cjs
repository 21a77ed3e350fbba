#!/usr/bin/env node
// Makes the hand-picked files of samples/regression/ from samples/lab/ (deterministic).
// Usage: node scripts/make-regression-samples.cjs   (writes into samples/regression/)
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const root = path.join(__dirname, '..');
const lab = (f) => path.join(root, 'samples/lab', f);
const out = (f, data) => fs.writeFileSync(path.join(root, 'samples/regression', f), data);
const le32 = (v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const pcapHdr = (lt, snap = 262144) => Buffer.concat([le32(0xa1b2c3d4), Buffer.from([2, 0, 4, 0]), le32(0), le32(0), le32(snap), le32(lt)]);
const rec = (cap, wire, data) => Buffer.concat([le32(1700000000), le32(0), le32(cap), le32(wire), data]);
const real = fs.readFileSync(lab('healthy-icmp.nodea-ens224.pcap'));
const firstRec = real.subarray(24, 24 + 16 + real.readUInt32LE(24 + 8));
out('pcap-record-2gib.pcap', Buffer.concat([real.subarray(0, 24), firstRec, rec(2 ** 31, 2 ** 31, Buffer.alloc(64, 0x45))]));
const ng = fs.readFileSync(lab('healthy-icmp.nodea-any.pcapng'));
const blocks = [];
for (let o = 0; o + 12 <= ng.length; o += ng.readUInt32LE(o + 4)) blocks.push([o, ng.readUInt32LE(o + 4)]);
const epb = blocks.find(([b]) => ng.readUInt32LE(b) === 6);
const after = epb[0] + epb[1];
const bad = Buffer.from(ng.subarray(after));
bad.writeUInt32LE(13, 4);
out('pcapng-bad-block-length.pcapng', Buffer.concat([ng.subarray(0, after), bad]));
let s = 12345;
const g = Buffer.alloc(4096);
for (let i = 0; i < g.length; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  g[i] = s >>> 24;
}
out('binary-garbage.txt', g);
const txt = fs.readFileSync(lab('healthy-icmp.nodea-ens224.pcap.nn.txt'), 'utf8');
out('utf16le-tcpdump.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(txt, 'utf16le')]));
out('empty.pcap', '');
out(
  'vxlan-text-cut-inner-frame.txt',
  '05:23:24.683108 00:0c:29:7a:10:31 > 00:50:56:c0:00:04, ethertype IPv4 (0x0800), length 148: 192.168.223.131.44625 > 192.168.232.130.8472: OTV, flags [I] (0x08), overlay 0, instance 1\n5a:af:8c:67:f0:d6 > 0',
);
out('text-100k-unclosed-brackets.txt', '05:22:56.346587 IP 10.244.3.0 > 10.244.2.0: ' + '['.repeat(100000) + '\n');
out('pcap-cut-mid-record.pcap', real.subarray(0, real.length - 30));
out('pcap-unknown-linktype.pcap', Buffer.concat([pcapHdr(147), firstRec]));
const orphan = Buffer.from(ng.subarray(epb[0], epb[0] + epb[1]));
orphan.writeUInt32LE(7, 8);
out('pcapng-missing-interface.pcapng', Buffer.concat([ng.subarray(0, epb[0]), orphan]));
out('pcap-double-gzip.pcap.gz', zlib.gzipSync(zlib.gzipSync(real)));
out('pcap-header-only.pcap', real.subarray(0, 24));
out('not-tcpdump.txt', 'Hello,\nthis is a README someone piped in by mistake.\n\n$ ls -l\ntotal 0\n');
out('pcap-caplen-over-snaplen.pcap', Buffer.concat([pcapHdr(1, 64), rec(firstRec.length - 16, 10, firstRec.subarray(16))]));
