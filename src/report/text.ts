/**
 * The report for a person in a terminal: problems first, aligned, colored
 * only when asked (the CLI asks on a TTY without NO_COLOR).
 */
import { styleText } from 'node:util';
import type { Verdict } from '../classifier/rules.js';
import type { FlowReport, Report } from './build.js';

type Style = Parameters<typeof styleText>[0];

const COLORS: Record<Verdict, Style> = {
  healthy: 'green', lossy: 'yellow', 'request-only': 'red', 'host-unreachable': 'red', refused: 'magenta', filtered: 'red', 'frag-needed': 'yellow', incomplete: 'gray',
};

export interface TextOptions {
  /** The warnings were shown elsewhere (the command prints them on stderr): only count them. */
  warningsShown?: boolean;
}

/** Times as tcpdump prints them: a date for epoch times, time of day alone for text captures without one. */
export function formatTime(ts: number | null): string {
  if (ts === null) return '-';
  const whole = Math.floor(ts);
  const frac = String(Math.round((ts - whole) * 1e6)).padStart(6, '0').slice(0, 6);
  const iso = new Date(whole * 1000).toISOString();
  const hms = iso.slice(11, 19);
  return ts >= 2 * 86400 ? `${iso.slice(0, 10)} ${hms}.${frac}` : `${hms}.${frac}`;
}

function endpointText(f: FlowReport): string {
  const cp = f.clientPort !== null ? `.${f.clientPort}` : '';
  const sp = f.serverPort !== null ? `.${f.serverPort}` : '';
  return `${f.client}${cp} -> ${f.server}${sp}`;
}

function tunnelText(f: FlowReport): string {
  if (!f.tunnel) return 'no tunnel';
  return `${f.tunnel.type}${f.tunnel.vni !== null ? ' vni ' + f.tunnel.vni : ''}`;
}

/** A painter: Node's styleText when coloring (the caller decided: not styleText's own stream check), the text unchanged otherwise. */
export function painter(color: boolean): (style: Style, s: string) => string {
  return color ? (style, s) => styleText(style, s, { validateStream: false }) : (_style, s) => s;
}

export function renderText(r: Report, color: boolean, opts: TextOptions = {}): string {
  const paint = painter(color);
  const bold = (s: string) => paint('bold', s);
  const out: string[] = [];
  const inputs = r.inputs.map((i) => `${i.name} (${i.format}, ${i.packets} packets)`).join(', ');
  const s = r.summary;
  out.push(`${bold('overlay-analyzer')}: ${inputs}`);
  const counts = Object.entries(s.verdicts).filter(([, n]) => n > 0).map(([v, n]) => `${n} ${v}`).join(', ');
  out.push(`${s.flows} flow${s.flows === 1 ? '' : 's'}${counts ? ': ' + counts : ''}; ${s.packets} packets, ${s.icmpErrors} ICMP errors`);

  const problems = r.flows.filter((f) => f.verdict !== 'healthy');
  const healthy = r.flows.filter((f) => f.verdict === 'healthy');
  const vw = Math.max(0, ...r.flows.map((f) => f.verdict.length));
  const pw = Math.max(0, ...r.flows.map((f) => f.proto.length));
  const ew = Math.max(0, ...r.flows.map((f) => endpointText(f).length));
  const line = (f: FlowReport) =>
    `  ${paint(COLORS[f.verdict], f.verdict.padEnd(vw))}  ${f.proto.padEnd(pw)}  ${endpointText(f).padEnd(ew)}  ${tunnelText(f)}`;

  for (const o of r.clockOffsets) {
    out.push(`clock of ${o.b} - clock of ${o.a}: ${o.offset >= 0 ? '+' : ''}${o.offset.toFixed(6)} s (spread ${(o.spread * 1000).toFixed(3)} ms over ${o.samples} packets seen by both)`);
  }
  if (r.findings.length) {
    out.push('', bold('Findings'));
    for (const f of r.findings) out.push(`  ${paint(COLORS[f.verdict], f.verdict)}  ${f.title}`);
  }
  if (problems.length) {
    out.push('', bold('Problems'));
    for (const f of problems) {
      out.push(line(f));
      out.push(`      ${f.explanation}`);
      if (f.locus) out.push(`      broke at: ${f.locus} (${f.locusDetail})`);
      if (f.lastSeenAt) out.push(`      last seen: ${f.lastSeenAt} at ${formatTime(f.lastSeen)}`);
      for (const l of f.lost.slice(0, 8)) out.push(`      lost: ${l.detail}`);
      if (f.lost.length > 8) out.push(`      lost: ${f.lost.length - 8} more`);
      for (const e of f.evidence.slice(0, 8)) {
        const at = e.line !== null ? `${e.input}:${e.line}` : `${e.input} #${e.no}`;
        out.push(`      ${paint('gray', `${formatTime(e.ts)} ${at}`)}  ${e.what}  [${e.where}${e.attribution ? `; ${e.attribution}` : ''}]`);
      }
      for (const n of f.next) out.push(`      check: ${n}`);
    }
  }
  if (healthy.length) {
    out.push('', bold('Healthy'));
    for (const f of healthy) out.push(`${line(f)}  ${f.explanation}`);
  }
  if (r.tunnels.length) {
    out.push('', bold('Tunnels'));
    for (const t of r.tunnels) {
      const eps = t.endpoints.map((e) => `${e.src} > ${e.dst} (${e.packets})`).join(', ');
      out.push(`  ${t.type}${t.vni !== null ? ' vni ' + t.vni : ''}${t.port !== null ? ' udp ' + t.port : ''}: ${t.packets} packets; ${eps}`);
    }
  }
  if (r.anomalies.length) {
    out.push('', bold('Anomalies'));
    for (const a of r.anomalies) out.push(`  ${a.kind}: ${a.detail}`);
  }
  if (r.warnings.length && opts.warningsShown) out.push('', `${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'} (above, on stderr)`);
  else if (r.warnings.length) {
    out.push('', bold('Warnings'));
    for (const w of r.warnings) out.push(`  ${w}`);
  }
  if (r.flows.length === 0) out.push('', 'No conversations found in the input.');
  if (r.hints.length) out.push('');
  for (const h of r.hints) out.push(`${bold('Hint')}: ${h}`);
  return out.join('\n') + '\n';
}
