/**
 * The report for a person in a terminal, fitted to its width (80 columns when not a terminal),
 * wrapped, never cut: inputs and verdict counts, findings largest first, one line per problem
 * flow with its id, then short summaries of tunnels, anomalies and warnings. Long lists are
 * counted and point to --format html / json; `--flow ID` shows one flow in full (flow-detail.ts).
 * Colored only when asked (the CLI asks on a TTY without NO_COLOR).
 */
import type { Verdict } from '../classifier/rules.js';
import type { FlowReport, Report } from './build.js';
import { renderFlowDetail } from './flow-detail.js';
import { addressText, COLORS, endpointText, inputNodes, namedText, painter } from './flow-words.js';
import { natText } from './nat.js';
import { count, grouped, LOCUS_WORDS, wrap } from './words.js';

/** Lists longer than these are cut short with a count and a pointer to the HTML or JSON report. */
const MAX_FINDINGS = 5;
const MAX_PROBLEM_LINES = 20;
const MAX_HEALTHY_LINES = 5;
const MAX_ENDPOINTS = 4;
const MAX_NOTES = 6;
const MAX_NODE_CLUES = 4;
const MAX_NAMES = 12;

export interface TextOptions {
  /** Columns to fit (default 80). */
  width?: number;
  /** Flow ids to show in full instead of the summary. */
  flows?: number[];
  /** The warnings were shown elsewhere (the command prints them on stderr): only count them. */
  warningsShown?: boolean;
}

/** The offset, or for a text without a date the offset within a day, said so. */
export function clockWords(o: Report['clockOffsets'][number]): string {
  const sign = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(6)} s`;
  return o.noDate ? `${sign(o.offsetInDay ?? 0)} within a day (one of them is text without a date: print it with -tttt)` : sign(o.offset);
}

/** "and 12 more ...: analyze --format html > report.html (or --format json)". */
function more(n: number, noun: string): string {
  return `... and ${count(n, `more ${noun}`)}: see analyze --format html ... > report.html (or --format json)`;
}

export function renderText(r: Report, color: boolean, opts: TextOptions = {}): string {
  const width = Math.max(40, opts.width ?? 80);
  const paint = painter(color);
  if (opts.flows?.length) return renderFlowDetail(r, opts.flows, width, paint);
  const bold = (s: string) => paint('bold', s);
  const out: string[] = [];
  const para = (text: string, first = '', rest = first) => out.push(...wrap(text, width, first, rest));
  const s = r.summary;
  para(`${bold('overlay-analyzer')}: ${count(r.inputs.length, 'input')}, ${count(s.packets, 'packet')}, ${count(s.flows, 'flow')}. Times are UTC.`);
  const nodes = inputNodes(r);
  for (const [k, i] of r.inputs.entries()) {
    const node = i.nodeAddresses ?? nodes.get(i.name) ?? [];
    const name = r.cluster?.nodes[k] ?? i.node;
    const label = name !== undefined && name !== null && !node.includes(name) ? `${name}${node.length ? ` (${node.join(', ')})` : ''}` : node.join(', ');
    const lines = i.text ? ` from ${count(i.text.lines, 'line')} (${count(i.text.packetLines, 'packet line')}, ${i.text.warned} warned)` : '';
    para(`${i.name}: ${i.error ? 'not read' : `${i.format}, ${count(i.packets, 'packet')}${lines}`}${label ? `, node ${label}` : ''}`, '  ', '    ');
    for (const e of (i.nodeEvidence ?? []).slice(0, MAX_NODE_CLUES)) para(`${e.address}: ${e.clue}`, '    - ', '      ');
  }
  const verdicts = Object.entries(s.verdicts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([v, n]) => `${grouped(n)} ${paint(COLORS[v as Verdict], v)}`)
    .join(', ');
  para(`Verdicts: ${verdicts || 'no flows'}; ${count(s.icmpErrors, 'ICMP error')}.`, '', '  ');
  for (const o of r.clockOffsets) {
    para(
      `Clock of ${o.b} minus clock of ${o.a}: ${clockWords(o)} (spread ${(o.spread * 1000).toFixed(3)} ms over ${count(o.samples, 'packet')} seen by both)`,
      '',
      '  ',
    );
  }

  if (r.findings.length) {
    out.push('', bold(`Findings, largest first (${grouped(r.findings.length)})`));
    const sorted = [...r.findings].sort((a, b) => b.count - a.count);
    sorted.slice(0, MAX_FINDINGS).forEach((f, i) => {
      const n = `${i + 1}. `;
      para(`${paint(COLORS[f.verdict], f.verdict)}: ${namedText(f.summary, r)}`, `  ${n}`, ' '.repeat(2 + n.length));
      const pad = ' '.repeat(2 + n.length);
      if (f.locus) para(`Where: ${LOCUS_WORDS[f.locus]}${f.locusDetail ? ` (${namedText(f.locusDetail, r)})` : ''}.`, pad, pad + '  ');
      para(`Why: ${namedText(f.explanation, r)}`, pad, pad + '  ');
      for (const c of f.next) para(`check: ${c}`, pad, pad + '  ');
      const ids = f.flows
        .slice(0, 12)
        .map((id) => `#${id}`)
        .join(' ');
      para(`Flows: ${ids}${f.count > 12 ? ` and ${grouped(f.count - 12)} more` : ''}`, pad, pad + '  ');
    });
    if (sorted.length > MAX_FINDINGS) {
      const rest = sorted.slice(MAX_FINDINGS);
      para(
        more(rest.length, 'finding') +
          ` (${count(
            rest.reduce((a, f) => a + f.count, 0),
            'flow',
          )})`,
        '  ',
        '    ',
      );
    }
  }

  const problems = r.flows.filter((f) => f.verdict !== 'healthy');
  const idw = Math.max(0, ...r.flows.slice(0, MAX_PROBLEM_LINES + MAX_HEALTHY_LINES).map((f) => String(f.id).length)) + 1;
  const vw = Math.max(0, ...r.flows.slice(0, MAX_PROBLEM_LINES).map((f) => f.verdict.length));
  // The tunnel is in the findings and in --flow: one line per flow keeps to what tells flows apart.
  const line = (f: FlowReport) =>
    `${`#${f.id}`.padEnd(idw)} ${paint(COLORS[f.verdict], f.verdict.padEnd(vw))} ${f.proto} ${natText(f, r) ?? endpointText(f, r)}: ${grouped(f.answered)} of ${grouped(f.requests)} answered`;
  if (problems.length) {
    out.push('', bold(`Problem flows (${grouped(s.problems)})`));
    for (const f of problems.slice(0, MAX_PROBLEM_LINES)) para(line(f), '  ', '      ');
    if (s.problems > MAX_PROBLEM_LINES) para(more(s.problems - Math.min(problems.length, MAX_PROBLEM_LINES), 'problem flow'), '  ', '    ');
    const example = problems[0]!.id;
    para(`One flow in full, with its path, lost packets and a ladder diagram: analyze --flow ${example} ... (the same inputs)`, '  ', '    ');
  }
  const healthy = r.flows.filter((f) => f.verdict === 'healthy');
  if (s.verdicts.healthy > 0) {
    out.push('', bold(`Healthy flows (${grouped(s.verdicts.healthy)})`));
    if (s.verdicts.healthy <= MAX_HEALTHY_LINES) for (const f of healthy) para(line(f), '  ', '      ');
    else para(`${count(s.verdicts.healthy, 'flow')} answered as expected; --format html or --format json lists them.`, '  ', '    ');
  }

  if (r.tunnels.length) {
    out.push('', bold('Tunnels'));
    for (const t of r.tunnels) {
      const addrs = new Set(t.endpoints.flatMap((e) => [e.src, e.dst]));
      para(
        `${t.type}${t.vni !== null ? ' vni ' + t.vni : ''}${t.port !== null ? ' on UDP ' + t.port : ''}: ${count(t.packets, 'packet')} between ${count(addrs.size, 'address')} (${count(t.endpoints.length, 'direction')})`,
        '  ',
        '    ',
      );
      const top = [...t.endpoints].sort((a, b) => b.packets - a.packets);
      for (const e of top.slice(0, MAX_ENDPOINTS))
        para(`${addressText(e.src, null, r)} > ${addressText(e.dst, null, r)}: ${count(e.packets, 'packet')}`, '    ', '      ');
      if (top.length > MAX_ENDPOINTS) para(more(top.length - MAX_ENDPOINTS, 'direction'), '    ', '      ');
    }
  }
  if (r.cluster) {
    const c = r.cluster;
    out.push('', bold(`The cluster's description (--kube): ${count(c.findings.length, 'disagreement')} with the capture`));
    c.findings.forEach((f, i) => {
      const n = `${i + 1}. `;
      const pad = ' '.repeat(2 + n.length);
      para(`${f.check}: ${f.title}`, `  ${n}`, pad);
      para(f.detail, pad, pad + '  ');
      for (const x of f.next) para(`check: ${x}`, pad, pad + '  ');
    });
    const named = Object.keys(c.names);
    if (named.length)
      para(
        `Names: ${named
          .slice(0, MAX_NAMES)
          .map((a) => addressText(a, null, r))
          .join('; ')}${named.length > MAX_NAMES ? `; ${more(named.length - MAX_NAMES, 'name')}` : ''}`,
        '  ',
        '    ',
      );
  }
  const notes = (title: string, noun: string, items: string[]) => {
    if (!items.length) return;
    out.push('', bold(title));
    for (const a of items.slice(0, MAX_NOTES)) para(a, '  ', '    ');
    if (items.length > MAX_NOTES) para(more(items.length - MAX_NOTES, noun), '  ', '    ');
  };
  if (r.anomalies.length) {
    out.push('', bold('Anomalies'));
    for (const a of r.anomalies.slice(0, MAX_NOTES)) {
      para(`${a.kind}: ${a.detail}`, '  ', '    ');
      for (const x of a.next ?? []) para(`check: ${x}`, '    ', '      ');
    }
    if (r.anomalies.length > MAX_NOTES) para(more(r.anomalies.length - MAX_NOTES, 'anomaly'), '  ', '    ');
  }
  if (r.warnings.length && opts.warningsShown) out.push('', `${count(r.warnings.length, 'warning')} (above, on stderr)`);
  else notes('Warnings', 'warning', r.warnings);
  if (r.flows.length === 0) out.push('', 'No conversations found in the input.');
  if (r.hints.length) out.push('');
  for (const h of r.hints) para(`${bold('Hint')}: ${h}`);
  return out.join('\n') + '\n';
}
