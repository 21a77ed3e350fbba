#!/usr/bin/env node
// How much of tcpdump's own regression text the grammar reads: per test in
// ../shared/tcpdump-tests/INDEX.tsv, packet lines parsed / packet lines present,
// for tcpdump 5.0's output and 4.99.3's. Run after `npm install` (it uses dist/).
// The totals also say how many of the packets read have an IP or ARP header (the
// rest are link protocols such as STP or LLDP: read, but no conversation) and how
// many packet lines were warned about.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseText } from '../dist/lexer/index.js';

const dir = fileURLToPath(new URL('../../shared/tcpdump-tests/', import.meta.url));
const rows = readFileSync(dir + 'INDEX.tsv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'));
/** A packet line of -# output: its number, then a time or the printer. */
const PACKET_LINE = /^\s*\d+\s{2}\S/;
const total = { '5.0': [0, 0, 0, 0], '4.99.3': [0, 0, 0, 0] };
console.log(['test', '5.0 parsed/present', '4.99.3 parsed/present'].join('\t'));
for (const [name, , out5, out499] of rows) {
  const cells = [name];
  for (const [ver, file] of [
    ['5.0', out5],
    ['4.99.3', out499],
  ]) {
    if (!file || !existsSync(dir + file)) {
      cells.push('-');
      continue;
    }
    const text = readFileSync(dir + file, 'utf8');
    const present = text.split('\n').filter((l) => PACKET_LINE.test(l)).length;
    const r = parseText(text, file);
    const parsed = Math.min(present, r.packets.length);
    total[ver][0] += parsed;
    total[ver][1] += present;
    total[ver][2] += Math.min(parsed, r.packets.filter((p) => p.frame.ip || p.frame.arp).length);
    total[ver][3] += r.stats.skipped;
    cells.push(`${parsed}/${present}`);
  }
  console.log(cells.join('\t'));
}
for (const [ver, [p, n, ip, warned]] of Object.entries(total)) {
  console.log(
    `total ${ver}: ${p}/${n} packet lines parsed (${((100 * p) / n).toFixed(1)}%); ${ip} with an IP or ARP header (${((100 * ip) / n).toFixed(1)}%); ${warned} lines warned`,
  );
}
