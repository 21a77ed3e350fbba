/**
 * `--flow ID`: one flow in full for a terminal: what it is and why, where each capture point saw
 * it, the packets lost, an ASCII ladder, the evidence and what to run next; wrapped to the width.
 */

import { asciiLadder } from './ascii-ladder.js';
import type { FlowReport, HopReport, PathStep, Report } from './build.js';
import { COLORS, endpointText, type Paint, tunnelText } from './flow-words.js';
import { ladderOf } from './ladder.js';
import { natText } from './nat.js';
import { count, grouped, LOCUS_WORDS, plainPlace, utcTime, wrap } from './words.js';

function step(s: PathStep): string {
  if (s.nat) return `NAT ${s.nat.from} => ${s.nat.to}`;
  const name = s.ifname ?? (s.ifindex !== null ? `ifindex ${s.ifindex}` : '');
  const how = s.tunnel
    ? `encapsulated ${s.tunnel.type}${s.tunnel.vni !== null ? ' vni ' + s.tunnel.vni : ''} ${s.tunnel.src} > ${s.tunnel.dst}${s.tunnel.port !== null ? ':' + s.tunnel.port : ''}`
    : 'not encapsulated';
  return [name, s.direction, how].filter(Boolean).join(' ');
}

function hopLines(h: HopReport, width: number): string[] {
  const node = h.node.length ? `node ${h.node.join(', ')}, ` : '';
  const how = (out: number, into: number) => {
    const parts = [out ? `${out} left encapsulated` : '', into ? `${into} arrived encapsulated` : ''].filter(Boolean);
    return parts.length ? ` (${parts.join(', ')})` : '';
  };
  const out = wrap(
    `${h.input} (${node}${h.role} side): ${count(h.requests, 'request')}${how(h.requestsOut, h.requestsIn)}, ` +
      `${count(h.replies, 'reply')}${how(h.repliesOut, h.repliesIn)}${h.repliesNotSent ? `; ${count(h.repliesNotSent, 'reply')} made here never left encapsulated` : ''}`,
    width,
    '  ',
    '    ',
  );
  if (h.requestPath.length) out.push(...wrap(`first request: ${h.requestPath.map(step).join(' -> ')}`, width, '    ', '      '));
  if (h.replyPath.length) out.push(...wrap(`first reply: ${h.replyPath.map(step).join(' -> ')}`, width, '    ', '      '));
  return out;
}

function detail(f: FlowReport, width: number, paint: Paint): string[] {
  const bold = (s: string) => paint('bold', s);
  const out: string[] = [];
  const para = (text: string, first = '  ', rest = first + '  ') => out.push(...wrap(text, width, first, rest));
  para(`${bold(`Flow #${f.id}`)}: ${paint(COLORS[f.verdict], f.verdict)}, ${f.proto} ${natText(f) ?? endpointText(f)}, ${tunnelText(f)}`, '', '  ');
  if (f.nat) para(`The same packets before and after the rewrite at ${f.nat.input}: ${f.nat.by}.`);
  para(
    `${count(f.requests, 'request')}, ${f.answered} answered, ${count(f.replies, 'reply')}; first seen ${utcTime(f.firstSeen)} UTC, last ${utcTime(f.lastSeen)} UTC.`,
  );
  para(f.explanation);
  if (f.locus) para(`Where it broke: ${LOCUS_WORDS[f.locus]}${f.locusDetail ? ` (${f.locusDetail})` : ''}.`);
  out.push('', bold('  Seen at'));
  for (const h of f.hops) out.push(...hopLines(h, width));
  if (f.lost.length) {
    out.push('', bold(`  Lost packets (${f.lost.length})`));
    for (const l of f.lost.slice(0, 10)) para(l.detail, '  - ', '    ');
    if (f.lost.length > 10) para(`... and ${count(f.lost.length - 10, 'more packet')}: --format html or json`);
  }
  out.push('', bold('  Ladder'), ...asciiLadder(ladderOf(f), width));
  out.push('', bold('  Evidence (times UTC)'));
  for (const e of f.evidence) {
    const at = e.line !== null ? `${e.input}:${e.line}` : `${e.input} #${e.no}`;
    para(`${utcTime(e.ts)} ${at}: ${e.what} [${plainPlace(e.where)}${e.attribution ? `; ${e.attribution}` : ''}]`, '  ', '      ');
  }
  if (f.next.length) {
    out.push('', bold('  Check next'));
    for (const n of f.next) para(n, '  $ ', '      ');
  }
  return out;
}

export function renderFlowDetail(r: Report, ids: number[], width: number, paint: Paint): string {
  const out: string[] = [];
  for (const id of ids) {
    if (out.length) out.push('');
    const f = r.flows.find((x) => x.id === id);
    if (f) out.push(...detail(f, width, paint));
    else {
      const why =
        r.summary.listed < r.summary.flows
          ? `only ${grouped(r.summary.listed)} of ${count(r.summary.flows, 'flow')} are kept in full (problems first; raise --max-listed)`
          : `the ids are ${r.flows.length ? `${r.flows.reduce((a, x) => Math.min(a, x.id), Infinity)} to ${r.flows.reduce((a, x) => Math.max(a, x.id), 0)}` : 'none: no flows'}`;
      out.push(...wrap(`No flow #${id} in this report: ${why}.`, width));
    }
  }
  return out.join('\n') + '\n';
}
