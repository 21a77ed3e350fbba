/**
 * A flow's ladder (ladder.ts) as inline SVG: lanes as vertical lines under their capture point,
 * the underlay as a shaded band, one row per packet with time going down, lost packets ending in
 * a red cross with the words of where they were due.
 */
import { encapsulatedSegment, type Ladder, type Lane, type Row } from '../ladder.js';
import { baseName, utcTime } from '../words.js';
import { esc } from './escape.js';

const LEFT = 180;
/** Row words start here; left of them, brackets join a packet's retransmissions. */
const TEXT_X = 14;
const LANE = 108;
const GAP = 230;
const TOP = 78;
const ROW = 42;
const SLOPE = 10;
/** Room right of the last lane for words written there (a lost mark or an ICMP error on it). */
const RIGHT = 300;

const COLOR: Record<Row['role'], string> = { request: '#1d4ed8', reply: '#047857', error: '#b45309' };

function laneX(lanes: Lane[]): number[] {
  const xs: number[] = [];
  let x = LEFT;
  for (const l of lanes) {
    const w = l.kind === 'gap' ? GAP : LANE;
    xs.push(x + w / 2);
    x += w;
  }
  return xs;
}

function header(ladder: Ladder, xs: number[]): string[] {
  const out: string[] = [];
  ladder.groups.forEach((g, gi) => {
    const idx = ladder.lanes.flatMap((l, i) => (l.group === gi ? [i] : []));
    // Wide enough for its words, even over one lane.
    const words = Math.max(`${g.node ?? 'node ?'} · ${g.side}`.length * 7.2, baseName(g.input).length * 6.2) + 20;
    const mid = (xs[idx[0]!]! + xs[idx.at(-1)!]!) / 2;
    const half = Math.max(xs[idx.at(-1)!]! - xs[idx[0]!]! + LANE - 8, words) / 2;
    const [x0, x1] = [mid - half, mid + half];
    const unseen = ladder.lanes[idx[0]!]!.kind === 'unseen';
    out.push(
      `<g class="group" data-side="${g.side}"><rect x="${x0}" y="6" width="${x1 - x0}" height="40" rx="6" class="${unseen ? 'grp unseen' : 'grp'}"/>`,
      `<text x="${(x0 + x1) / 2}" y="22" class="grp-node">${esc(g.node ?? 'node ?')} · ${g.side}</text>`,
      `<text x="${(x0 + x1) / 2}" y="38" class="grp-input">${esc(baseName(g.input))}</text><title>${esc(g.input)}</title></g>`,
    );
  });
  return out;
}

function lanesSvg(ladder: Ladder, xs: number[], bottom: number): string[] {
  return ladder.lanes.map((l, i) => {
    const x = xs[i]!;
    const band = l.kind === 'gap' ? `<rect x="${x - GAP / 2 + 6}" y="${TOP - 22}" width="${GAP - 12}" height="${bottom - TOP + 22}" class="gap-band"/>` : '';
    return (
      `<g class="lane" data-kind="${l.kind}" data-x="${x}">${band}<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${bottom}" class="lane-line ${l.kind}"/>` +
      `<text x="${x}" y="${TOP - 10}" class="lane-label">${esc(l.label)}</text></g>`
    );
  });
}

function rowSvg(row: Row, i: number, ladder: Ladder, xs: number[], first: number | null): string {
  const y = TOP + 24 + i * ROW;
  const c = COLOR[row.role];
  const parts: string[] = [];
  const when = utcTime(row.ts, false);
  const since = first !== null && row.ts !== null && i > 0 ? ` +${(row.ts - first).toFixed(3)} s` : '';
  const label = row.role === 'error' ? 'ICMP error' : row.label;
  parts.push(
    `<text x="${TEXT_X}" y="${y}" class="t">${esc(when)}<tspan class="since">${esc(since)}</tspan></text>`,
    `<text x="${TEXT_X}" y="${y + 14}" class="rl" fill="${c}">${esc(label)}${row.retransmission !== null ? ' ↻' : ''}</text>`,
  );
  for (const s of row.segments) {
    const x1 = xs[s.from]!;
    const x2 = xs[s.to]!;
    if (x1 === x2) {
      parts.push(`<circle cx="${x1}" cy="${y + SLOPE / 2}" r="4.5" fill="${c}" class="dot"/>`);
      continue;
    }
    const lostHere = row.lost && s.to === row.lost.lane;
    const end = lostHere ? '' : ` marker-end="url(#arrow-${row.role})"`;
    const cls = encapsulatedSegment(ladder, s) ? 'seg enc' : 'seg';
    parts.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y + SLOPE}" stroke="${lostHere ? '#dc2626' : c}" class="${cls}"${end}/>`);
    if (s.outer) {
      const [ends, kind] = splitOuter(s.outer);
      const mx = (x1 + x2) / 2;
      parts.push(`<text x="${mx}" y="${y - 11}" class="outer">${esc(ends)}</text><text x="${mx}" y="${y - 2}" class="outer">${esc(kind)}</text>`);
    }
  }
  // The error's sender and receiver are in its tooltip and the evidence; the diagram keeps what it says.
  if (row.role === 'error')
    parts.push(`<text x="${xs[row.segments[0]!.from]! + 10}" y="${y + 9}" class="err">${esc(row.label.replace(/^\S+ > \S+: /, ''))}</text>`);
  if (row.lost) {
    const x = xs[row.lost.lane]!;
    const ly = y + SLOPE;
    parts.push(
      `<g class="lost-mark" data-lane="${row.lost.lane}" data-lane-kind="${ladder.lanes[row.lost.lane]!.kind}" data-x="${x}">` +
        `<path d="M${x - 7} ${ly - 7}L${x + 7} ${ly + 7}M${x + 7} ${ly - 7}L${x - 7} ${ly + 7}" class="x"/>` +
        `<text x="${row.role === 'reply' ? x - 12 : x + 12}" y="${ly + 4}" class="lost-text"${row.role === 'reply' ? ' text-anchor="end"' : ''}>${esc(row.lost.short)}</text><title>${esc(row.lost.detail)}</title></g>`,
    );
  }
  return `<g class="row" data-role="${row.role}"${row.lost ? ' data-lost="1"' : ''}><title>${esc(`${when} UTC ${row.label}`)}</title>${parts.join('')}</g>`;
}

/** "a > b:8472 vxlan vni 1" in two lines: endpoints, then tunnel. */
function splitOuter(outer: string): [string, string] {
  const m = /^(\S+ > \S+) (.*)$/.exec(outer);
  return m ? [m[1]!, m[2]!] : [outer, ''];
}

/** Brackets joining the rows of one packet sent again. */
function retransmissions(ladder: Ladder): string[] {
  const out: string[] = [];
  const groups = new Map<number, number[]>();
  ladder.rows.forEach((r, i) => {
    if (r.retransmission !== null) groups.set(r.retransmission, [...(groups.get(r.retransmission) ?? []), i]);
  });
  for (const [, idx] of groups) {
    const y0 = TOP + 24 + idx[0]! * ROW - 10;
    const y1 = TOP + 24 + idx.at(-1)! * ROW + 18;
    out.push(`<g class="retrans"><path d="M9 ${y0}H4V${y1}H9" class="bracket"/><title>the same packet sent ${idx.length} times</title></g>`);
  }
  return out;
}

/** The arrowheads every ladder uses, defined once per page. */
export function ladderDefs(): string {
  const markers = (['request', 'reply', 'error'] as const)
    .map(
      (r) =>
        `<marker id="arrow-${r}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="${COLOR[r]}"/></marker>`,
    )
    .join('');
  return `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>${markers}</defs></svg>`;
}

export function ladderSvg(ladder: Ladder, flowId: number): string {
  const xs = laneX(ladder.lanes);
  const last = ladder.lanes.length - 1;
  const wordsRight = ladder.rows.some(
    (r) => (r.lost && r.lost.lane >= last - 1 && r.role === 'request') || (r.role === 'error' && r.segments[0]!.from >= last - 2),
  );
  const width = xs[last]! + (ladder.lanes[last]!.kind === 'gap' ? GAP : LANE) / 2 + (wordsRight ? RIGHT : 16);
  const bottom = TOP + 24 + Math.max(1, ladder.rows.length) * ROW;
  const height = bottom + 12;
  const first = ladder.rows.find((r) => r.ts !== null)?.ts ?? null;
  return (
    `<svg class="ladder" data-flow="${flowId}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="ladder diagram of flow ${flowId}">` +
    `<text x="${TEXT_X}" y="${TOP - 10}" class="time-head">time (UTC)</text>` +
    header(ladder, xs).join('') +
    lanesSvg(ladder, xs, bottom).join('') +
    retransmissions(ladder).join('') +
    ladder.rows.map((r, i) => rowSvg(r, i, ladder, xs, first)).join('') +
    '</svg>'
  );
}
