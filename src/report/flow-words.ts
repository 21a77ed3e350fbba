/** Flows and inputs named the same way by every report format: endpoints, tunnel, verdict colour, each input's node. */
import type { Verdict } from '../classifier/rules.js';
import type { FlowReport, Report } from './build.js';

/** ANSI colour per verdict for terminals. */
export const COLORS: Record<Verdict, string> = {
  healthy: '32', lossy: '33', 'request-only': '31', 'host-unreachable': '31', refused: '35', filtered: '31', 'frag-needed': '33', incomplete: '90',
};

export type Paint = (code: string, s: string) => string;

/** "10.244.3.2.53300 -> 10.244.2.2.8080", ports as tcpdump writes them. */
export function endpointText(f: FlowReport): string {
  const cp = f.clientPort !== null ? `.${f.clientPort}` : '';
  const sp = f.serverPort !== null ? `.${f.serverPort}` : '';
  return `${f.client}${cp} -> ${f.server}${sp}`;
}

export function tunnelText(f: FlowReport): string {
  if (!f.tunnel) return 'not encapsulated';
  return `${f.tunnel.type}${f.tunnel.vni !== null ? ' vni ' + f.tunnel.vni : ''}`;
}

/** The node (tunnel addresses) each input's capture shows, gathered from the listed flows' capture points. */
export function inputNodes(r: Report): Map<string, string[]> {
  const nodes = new Map<string, Set<string>>();
  for (const f of r.flows) for (const h of f.hops) for (const a of h.node) (nodes.get(h.input) ?? nodes.set(h.input, new Set()).get(h.input)!).add(a);
  return new Map([...nodes].map(([k, v]) => [k, [...v]]));
}
