/**
 * What the command writes: the report as text, one JSON document, or NDJSON records (flows as
 * they close, then the rest), and with --follow one line per broken flow as it closes.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { painter } from '../report/flow-words.js';
import { SCHEMA_VERSION } from '../report/schema.js';
import { renderText } from '../report/text.js';
import type { FlowReport, Report } from '../report/types.js';
import type { Format } from './args.js';

/** Waits for `out` to drain when its buffer is full, so output never piles up in memory. */
export function backpressure(out: Writable): () => Promise<void> | undefined {
  return () => (out.writableNeedDrain ? once(out, 'drain').then(() => undefined) : undefined);
}

/** One NDJSON line: the record's type first, then its fields. */
function record(type: string, fields: object): string {
  return `${JSON.stringify({ type, ...fields })}\n`;
}

/** The first NDJSON record: what follows and in which layout. */
export function ndjsonStart(version: string): string {
  return record('start', { schemaVersion: SCHEMA_VERSION, tool: 'overlay-analyzer', version });
}

export function ndjsonFlow(f: FlowReport): string {
  return record('flow', f);
}

/** Every record after the flows, the summary last. */
export function ndjsonEnd(r: Report): string {
  const out: string[] = [];
  for (const f of r.findings) out.push(record('finding', f));
  for (const { type, ...t } of r.tunnels) out.push(record('tunnel', { tunnel: type, ...t }));
  for (const a of r.anomalies) out.push(record('anomaly', a));
  for (const o of r.clockOffsets) out.push(record('clockOffset', o));
  for (const a of r.arp) out.push(record('arp', a));
  for (const i of r.inputs) out.push(record('input', i));
  for (const w of r.warnings) out.push(record('warning', { message: w }));
  for (const h of r.hints) out.push(record('hint', { message: h }));
  if (r.cluster) out.push(record('cluster', r.cluster));
  out.push(record('summary', { schemaVersion: r.schemaVersion, ...r.summary }));
  return out.join('');
}

/** The line --follow prints for a flow that is not healthy, as it closes. */
export function followLine(f: FlowReport, color: boolean): string {
  const paint = painter(color);
  const port = (p: number | null) => (p !== null ? `.${p}` : '');
  const over = f.tunnel ? ` over ${f.tunnel.type}${f.tunnel.vni !== null ? ` vni ${f.tunnel.vni}` : ''}` : '';
  return `${paint('bold', f.verdict)} ${f.proto} ${f.client}${port(f.clientPort)} -> ${f.server}${port(f.serverPort)}${over}: ${f.explanation}\n`;
}

/** The whole report in a format other than NDJSON (which is written as it goes). */
export async function renderReport(
  r: Report,
  format: Exclude<Format, 'ndjson'>,
  color: boolean,
  text: { width?: number; flows?: number[] } = {},
): Promise<string> {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  // The page's modules are loaded only for it.
  if (format === 'html') return (await import('../report/html/page.js')).renderHtml(r);
  return renderText(r, color, { warningsShown: true, ...text });
}
