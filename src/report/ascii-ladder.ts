/**
 * A flow's ladder (ladder.ts) in plain characters for a terminal: lanes are numbered columns
 * (named in a legend above), one line per packet, "-" inside a node, "=" encapsulated across
 * the underlay, ">"/"<" the way it went, "o" a packet seen at one place, "X" where it was lost.
 */
import { encapsulatedSegment, type Ladder } from './ladder.js';
import { baseName, utcTime, wrap } from './words.js';

const TIME = 16;

/** Which lanes belong to which capture point, in words, wrapped. */
function legend(l: Ladder, width: number): string[] {
  const parts: string[] = [];
  l.groups.forEach((g, gi) => {
    const lanes = l.lanes.map((x, i) => ({ x, n: i + 1 })).filter(({ x }) => x.group === gi);
    const names = lanes.map(({ x, n }) => `${n} ${x.label}`).join(', ');
    parts.push(`${g.node ?? 'node ?'} (${baseName(g.input)}, ${g.side} side): ${names}`);
  });
  const gap = l.lanes.findIndex((x) => x.kind === 'gap');
  // The underlay sits between the client's capture points and the server's.
  parts.splice(l.groups.filter((g) => g.side === 'client').length, 0, `${gap + 1} ${l.lanes[gap]!.label}`);
  return parts.flatMap((p, i) => wrap(p, width, i === 0 ? '  lanes: ' : '         ', '           '));
}

export function asciiLadder(l: Ladder, width: number): string[] {
  const n = l.lanes.length;
  const cw = Math.max(3, Math.min(12, Math.floor((width - 2 - TIME) / n)));
  const center = (i: number) => i * cw + (cw >> 1);
  const out = legend(l, width);
  let head = ' '.repeat(2) + 'time (UTC)'.padEnd(TIME);
  for (let i = 0; i < n; i++)
    head += String(i + 1)
      .padStart((cw >> 1) + 1)
      .padEnd(cw);
  out.push(head.trimEnd());
  for (const row of l.rows) {
    const grid = Array.from({ length: n * cw }, () => ' ');
    l.lanes.forEach((lane, i) => (grid[center(i)] = lane.kind === 'gap' ? ':' : lane.kind === 'unseen' ? '.' : '|'));
    for (const s of row.segments) {
      const a = center(s.from);
      const b = center(s.to);
      if (a === b) {
        grid[a] = 'o';
        continue;
      }
      const fill = encapsulatedSegment(l, s) ? '=' : '-';
      const [lo, hi] = a < b ? [a, b] : [b, a];
      for (let x = lo + 1; x < hi; x++) grid[x] = fill;
      grid[b] = a < b ? '>' : '<';
      // Where a packet first shows up: "+", unless an arrow already ends there.
      if ('|:.'.includes(grid[a]!)) grid[a] = '+';
    }
    if (row.lost) grid[center(row.lost.lane)] = 'X';
    const time = utcTime(row.ts, false).padEnd(TIME);
    const line = `  ${time}${grid.join('').trimEnd()}`;
    const words = `${row.role === 'error' ? 'ICMP error: ' : ''}${row.label}${row.retransmission !== null ? ' (sent again)' : ''}${row.lost ? `: ${row.lost.short}` : ''}`;
    if (line.length + 2 + words.length <= width) out.push(`${line}  ${words}`);
    else out.push(line, ...wrap(words, width, ' '.repeat(2 + TIME) + '^ ', ' '.repeat(4 + TIME)));
  }
  if (l.note) out.push(...wrap(`(${l.note})`, width, '  '));
  return out;
}
