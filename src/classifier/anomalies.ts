/**
 * Tunnel inventory anomalies: things an operator should know about the
 * underlay even when no flow failed because of them.
 */
import type { Flow, InputNode, TableResult } from '../flows/table.js';
import { VXLAN_PORT_IANA, VXLAN_PORT_LINUX } from '../protocols.js';
import { carrierOf } from './carrier.js';
import { type Naming, NEXT, type NextContext, render } from './next.js';

export interface Anomaly {
  kind: 'source-rewritten' | 'vni-mismatch' | 'two-vxlan-ports' | 'arp-unanswered' | 'bad-outer-checksum';
  detail: string;
  /** What to run, and where (source-rewritten). */
  next?: string[];
}

function pairs(m: Map<string, number>): [string, string][] {
  return [...m.keys()].map((k) => k.split('>') as [string, string]);
}

/** A flow whose encapsulated packets arrive at a captured node from one address while its answers go to another. */
export interface Rewrite {
  key: string;
  flow: Flow;
  input: number;
  from: string[];
  to: string[];
}

/** Encapsulated packets arrive from one address but the answers go to another: the underlay rewrote the outer source. */
export function sourceRewrite(f: Flow, nodes: InputNode[]): Rewrite | null {
  // It takes a pair each way (from the peer, to another address).
  if (f.endpoints.size < 2) return null;
  for (const side of f.sides) {
    const local = nodes.find((n) => n.input === side.input)?.local ?? [];
    if (!local.length) continue;
    const eps = pairs(f.endpoints);
    const from = new Set(eps.filter(([s, d]) => local.includes(d) && !local.includes(s)).map(([s]) => s));
    const to = new Set(eps.filter(([s, d]) => local.includes(s) && !local.includes(d)).map(([, d]) => d));
    if (!from.size || !to.size || [...from].some((a) => to.has(a))) continue;
    return { key: `${[...from].join(',')}|${[...to].join(',')}`, flow: f, input: side.input, from: [...from], to: [...to] };
  }
  return null;
}

function rewriteAnomaly({ flow: f, input, from, to }: Rewrite, naming: Naming): Anomaly {
  const x: NextContext = { input, naming, carrier: carrierOf(f.tunnel), vtep: to[0]!, client: f.client, server: f.server, serverPort: f.serverPort };
  return {
    kind: 'source-rewritten',
    detail: `encapsulated packets from the peer arrive with outer source ${from.join(', ')}, but the answers go to the tunnel endpoint ${to.join(', ')}: something on the underlay rewrites the outer source (SNAT/masquerade), e.g. flow ${f.client} -> ${f.server}`,
    next: render(NEXT.rewritten(x, from[0]!), x),
  };
}

/**
 * Encapsulated packets whose outer UDP checksum is wrong (a zero or offload-partial one is not
 * judged): the receiving kernel drops them (Udp InCsumErrors) before VXLAN sees them, so the inner
 * flow looks lost on the underlay. Known causes: the kernel's VXLAN checksum offload on some NICs
 * (flannel's documented workaround turns it off on flannel.1), a device rewriting the packet.
 */
function badChecksums(result: Pick<TableResult, 'tunnels'>): Anomaly[] {
  const out: Anomaly[] = [];
  for (const t of result.tunnels) {
    for (const [ep, n] of t.badChecksum) {
      const [src, dst] = ep.split('>') as [string, string];
      const of = t.endpoints.get(ep) ?? n;
      const port = t.port !== null ? `:${t.port}` : '';
      out.push({
        kind: 'bad-outer-checksum',
        detail:
          `${n} of ${of} encapsulated packets from ${src} to ${dst}${port} (${t.type}${t.vni !== null ? ' vni ' + t.vni : ''}) with a bad outer UDP checksum: ` +
          `the receiving kernel drops them before VXLAN sees them; check NIC checksum offload on ${src} (ethtool -K flannel.1 tx-checksum-ip-generic off, ` +
          `and ethtool -k on its NIC), whether a device on the underlay rewrites these packets without fixing the checksum, and on ${dst} whether nstat -az UdpInCsumErrors grows`,
      });
    }
  }
  return out;
}

/** The tunnel inventory's anomalies; `rewrites` are the flows' source rewrites (sourceRewrite), worded with the nodes' names. */
export function anomalies(result: Pick<TableResult, 'tunnels' | 'arp'>, rewrites: Rewrite[], naming: Naming): Anomaly[] {
  const out = rewrites.map((r) => rewriteAnomaly(r, naming));
  // Directed endpoint pair -> VNIs; a pair whose two directions share no VNI is misconfigured.
  const vnis = new Map<string, Set<number | null>>();
  for (const t of result.tunnels) {
    for (const key of t.endpoints.keys()) {
      let s = vnis.get(key);
      if (!s) vnis.set(key, (s = new Set()));
      s.add(t.vni);
    }
  }
  for (const [key, there] of vnis) {
    const [a, b] = key.split('>') as [string, string];
    const back = vnis.get(`${b}>${a}`);
    if (a < b && back && ![...there].some((v) => back.has(v))) {
      out.push({
        kind: 'vni-mismatch',
        detail: `${a} sends to ${b} in VNI ${[...there].join(', ')} but ${b} answers in VNI ${[...back].join(', ')}: the two ends disagree on the VNI`,
      });
    }
  }
  const ports = new Set(result.tunnels.filter((t) => t.type === 'vxlan').map((t) => t.port));
  if (ports.has(VXLAN_PORT_LINUX) && ports.has(VXLAN_PORT_IANA)) {
    out.push({ kind: 'two-vxlan-ports', detail: 'VXLAN on both UDP 8472 (Linux default, flannel) and 4789 (IANA): nodes may disagree on the port' });
  }
  out.push(...badChecksums(result));
  const endpoints = new Set(result.tunnels.flatMap((t) => pairs(t.endpoints).flat()));
  for (const a of result.arp) {
    if (a.requests > 0 && a.replies === 0) {
      out.push({
        kind: 'arp-unanswered',
        detail: `ARP who-has ${a.target} asked ${a.requests} times, never answered${endpoints.has(a.target) ? ' (a tunnel endpoint)' : ''}: that host or next hop is not on the link`,
      });
    }
  }
  return out;
}
