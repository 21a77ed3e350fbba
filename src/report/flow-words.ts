/** Flows and inputs named the same way by every report format: endpoints, tunnel, verdict colour, each input's node. */
import { styleText } from 'node:util';
import type { Verdict } from '../classifier/rules.js';
import type { FlowReport, Report } from './build.js';

/** A style Node's util.styleText knows ('bold', 'gray', 'red', ...). */
export type Style = Parameters<typeof styleText>[0];

/** Colour per verdict for terminals. */
export const COLORS: Record<Verdict, Style> = {
  healthy: 'green',
  lossy: 'yellow',
  'request-only': 'red',
  'host-unreachable': 'red',
  refused: 'magenta',
  filtered: 'red',
  'frag-needed': 'yellow',
  incomplete: 'gray',
};

export type Paint = (style: Style, s: string) => string;

/** A painter: Node's styleText when coloring (the caller decided: not styleText's own stream check), the text unchanged otherwise. */
export function painter(color: boolean): Paint {
  return color ? (style, s) => styleText(style, s, { validateStream: false }) : (_style, s) => s;
}

/** "10.244.3.2.53300 -> 10.244.2.2.8080", ports as tcpdump writes them; with the cluster's names, "pod default/web-a (10.244.2.2:8080) on node-a". */
export function endpointText(f: FlowReport, r?: Report): string {
  return `${addressText(f.client, f.clientPort, r)} -> ${addressText(f.server, f.serverPort, r)}`;
}

/** An address (and port) as the cluster's description names it, else as tcpdump writes it; `endpoint` false leaves out the Services it serves. */
export function addressText(addr: string, port: number | null, r?: Report, endpoint = true): string {
  const names = r?.cluster?.names;
  const n = (port !== null ? names?.[`${addr}:${port}`] : undefined) ?? names?.[addr];
  if (!n) return `${addr}${port !== null ? `.${port}` : ''}`;
  const of = endpoint && n.endpointOf ? `, endpoint of ${n.endpointOf.join(', ')}` : '';
  return `${n.name} (${addr}${port !== null ? `:${port}` : ''})${n.node ? ` on ${n.node}` : ''}${of}`;
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

/** Prose with the cluster's names put before the IPv4 addresses it knows ("node-a (192.168.232.130)"); unchanged without --kube. */
export function namedText(text: string, r: Report): string {
  const names = r.cluster?.names;
  if (!names) return text;
  return text.replace(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(:\d+)?(?![\d]|\.\d)/g, (all, a: string, port: string | undefined) => {
    const n = names[a];
    return n ? `${n.name} (${a}${port ?? ''})${n.node ? ` on ${n.node}` : ''}` : all;
  });
}
