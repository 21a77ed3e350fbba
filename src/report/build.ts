/**
 * The report: what `--format json` prints and what the library returns. Verdicts, loci, lost
 * packets and anomalies come from the classifier (its Judge); this only shapes them for people
 * and programs.
 */

import type { ClockOffset } from '../classifier/across.js';
import { anomalies } from '../classifier/anomalies.js';
import { Judge, type Judged, type JudgeOptions, VERDICTS, type Verdict } from '../classifier/index.js';
import type { Naming } from '../classifier/next.js';
import { ServiceSymptoms } from '../classifier/service.js';
import type { Flow, InputNode, TableResult } from '../flows/table.js';
import type { InputWarning } from '../readers/types.js';
import { Findings, keyOf, ORDER } from './findings.js';
import { endpoints, flowReport, type NodeNames, namingOf } from './flow-report.js';
import { withServices } from './nat.js';
import { SCHEMA_VERSION } from './schema.js';
import type { ClockOffsetReport, FlowReport, InputSummary, Report } from './types.js';

export type * from './types.js';

/** An offset taken modulo a day, between -12 h and +12 h. */
function inDay(offset: number): number {
  const m = ((offset % 86400) + 86400) % 86400;
  return m > 43200 ? m - 86400 : m;
}

export function warningLine(w: InputWarning): string {
  const where = w.offset !== undefined ? `offset ${w.offset}: ` : w.line !== undefined ? `line ${w.line}: ` : '';
  return `${w.input}: ${where}${w.message}`;
}

/** Default for how many flows a report lists in full: problems first, then healthy ones. */
export const DEFAULT_MAX_LISTED = 5000;

/** The Judge's options (reply timeout, flows held when several inputs are read together) and the report's. */
export interface BuilderOptions extends NodeNames, JudgeOptions {
  maxListed?: number | undefined;
  /** Receives every flow's report as it is judged. */
  onFlow?: ((flow: FlowReport) => void) | undefined;
  /** false: no flow is kept for the report's `flows` (they went to onFlow). */
  listFlows?: boolean | undefined;
}

/**
 * Builds the report one judged flow at a time, so a capture of millions of flows is summed up
 * without holding them: every flow is counted, problems are grouped into findings, and at most
 * `maxListed` flows are kept in full.
 */
export class ReportBuilder {
  private readonly problems: FlowReport[] = [];
  private readonly healthy: FlowReport[] = [];
  private readonly findings = new Findings();
  private readonly services = new ServiceSymptoms();
  private readonly verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  private total = 0;
  private readonly judge: Judge;
  private named: { nodes: InputNode[]; naming: Naming } | null = null;

  constructor(
    private readonly names: string[],
    private readonly opts: BuilderOptions,
  ) {
    this.judge = new Judge(names.length, opts, (j) => this.take(j));
  }

  add(flow: Flow, nodes: InputNode[]): void {
    this.judge.add(flow, nodes);
  }

  private take(j: Judged): void {
    const { flow, nodes, c } = j;
    const max = this.opts.listFlows === false ? 0 : (this.opts.maxListed ?? DEFAULT_MAX_LISTED);
    let made: FlowReport | null = null;
    const report = () => (made ??= flowReport(j, this.names, this.opts, this.naming(nodes)));
    if (this.opts.onFlow) this.opts.onFlow(report());
    this.total++;
    this.verdicts[c.verdict]++;
    this.services.add(flow, c, nodes);
    // At most `max` flows are held: a problem takes the place of a healthy one.
    if (c.verdict === 'healthy') {
      if (this.problems.length + this.healthy.length < max) this.healthy.push(report());
      return;
    }
    if (this.problems.length + this.healthy.length >= max) this.healthy.pop();
    const k = keyOf(flow, c.verdict, c.locus?.locus ?? null);
    const keep = this.problems.length < max || !this.findings.has(k);
    const f = keep ? report() : null;
    if (f && this.problems.length < max) this.problems.push(f);
    this.findings.add(flow.id, k, f);
  }

  private naming(nodes: InputNode[]): Naming {
    if (this.named?.nodes !== nodes) this.named = { nodes, naming: namingOf(this.names, nodes, this.opts) };
    return this.named.naming;
  }

  /** The report, from the flows added and what the table knows of tunnels, ARP and counts. */
  finish(result: TableResult, inputs: InputSummary[], warnings: InputWarning[]): Report {
    const offsets = this.judge.finish(result.nodes);
    const names = this.names;
    for (const n of result.nodes) {
      const i = inputs[n.input];
      if (!i || (n.local.length === 0 && n.evidence.length === 0)) continue;
      i.nodeAddresses = [...n.local];
      i.nodeEvidence = n.evidence.map((e) => ({ ...e }));
    }
    const flows = [...this.problems, ...this.healthy];
    flows.sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict] || (a.firstSeen ?? 0) - (b.firstSeen ?? 0) || a.id - b.id);
    const notes = [...result.notes];
    for (const n of result.nodes) {
      if (n.truncated > 0)
        notes.push(
          `${names[n.input] ?? n.input}: ${n.truncated} packet${n.truncated === 1 ? '' : 's'} cut by the snapshot length before the (inner) transport header, not judged: capture with -s 0 to see them`,
        );
    }
    if (flows.length < this.total && this.opts.listFlows !== false)
      notes.push(`${this.total - flows.length} of ${this.total} flows are counted but not listed (problems first; --max-listed)`);
    return {
      schemaVersion: SCHEMA_VERSION,
      inputs,
      clockOffsets: offsets.map(clockOffsetReport(names)),
      tunnels: result.tunnels.map((t) => ({
        type: t.type,
        vni: t.vni,
        port: t.port,
        packets: t.packets,
        endpoints: endpoints(t.endpoints),
        macs: Object.fromEntries([...t.macs].map(([k, v]) => [k, [...v]])),
        dstMacs: Object.fromEntries([...t.dstMacs].map(([k, v]) => [k, [...v]])),
      })),
      anomalies: anomalies(result, [...this.judge.rewrites.values()], this.naming(result.nodes)),
      findings: withServices(this.services.finish(), this.findings.list(), this.problems, names),
      flows,
      arp: result.arp.map((a) => ({ target: a.target, requests: a.requests, replies: a.replies })),
      summary: {
        packets: result.counts.packets,
        flows: this.total,
        listed: flows.length,
        verdicts: this.verdicts,
        problems: this.total - this.verdicts.healthy,
        notConversation: result.counts.packets - result.counts.conversations,
        icmpErrors: result.counts.errors,
        evicted: result.counts.evicted,
        partial: result.counts.evicted > 0,
      },
      warnings: [...warnings.map(warningLine), ...notes],
      hints: [],
    };
  }
}

function clockOffsetReport(names: string[]): (o: ClockOffset) => ClockOffsetReport {
  return (o) => ({
    a: names[o.a] ?? String(o.a),
    b: names[o.b] ?? String(o.b),
    offset: o.offset,
    spread: o.spread,
    samples: o.samples,
    ...(o.noDate ? { noDate: true as const, offsetInDay: inDay(o.offset) } : {}),
  });
}

/** The report of a finished table whose flows it returned (no onFlow). */
export function buildReport(result: TableResult, inputs: InputSummary[], warnings: InputWarning[], opts: BuilderOptions): Report {
  const b = new ReportBuilder(
    inputs.map((i) => i.name),
    opts,
  );
  for (const flow of result.flows) b.add(flow, result.nodes);
  return b.finish(result, inputs, warnings);
}
