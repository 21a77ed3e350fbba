/** A connection stitched through a NAT (flows/nat.ts), in the report's words: its front, its back, how they were tied. */
import type { ServiceSymptom } from '../classifier/service.js';
import type { Flow } from '../flows/flow.js';
import { addressText } from './flow-words.js';
import type { Finding, FlowReport, Report } from './types.js';

export interface NatReport {
  /** The connection as its client sent it, before the rewrite (the Service address or NodePort). */
  client: string;
  clientPort: number | null;
  server: string;
  serverPort: number | null;
  /** What the rewrite changed: the destination (DNAT), the source (SNAT, masquerade), or both. */
  rewrote: 'destination' | 'source' | 'both';
  /** Where the connection went after the rewrite: "vxlan to 192.168.232.130", null when not encapsulated. */
  via: string | null;
  /** The input that saw both sides of the rewrite. */
  input: string;
  /** How the two were recognised as one packet. */
  by: string;
}

export function natReport(flow: Flow, names: string[]): NatReport | undefined {
  const n = flow.nat;
  if (!n) return undefined;
  const f = n.front;
  const hop = flow.sides.find((s) => s.input === n.input)?.requestPath?.find((h) => h.tunnel !== null && h.direction !== 'in')?.tunnel;
  return {
    client: f.client,
    clientPort: f.clientPort,
    server: f.server,
    serverPort: f.serverPort,
    rewrote: n.rewrote,
    via: hop ? `${hop.type} to ${hop.dst}` : null,
    input: names[n.input] ?? String(n.input),
    by: n.by,
  };
}

/**
 * "10.244.3.5.41234 -> 10.96.0.20.80, DNATed to 10.244.2.5.80 via vxlan to 192.168.232.130": the
 * connection as its client sent it, then what the rewrite made of it (only the end it changed).
 */
export function natText(f: FlowReport, r?: Report): string | null {
  const n = f.nat;
  if (!n) return null;
  const client = addressText(f.client, f.clientPort, r);
  // The Service is named in front of the rewrite: the pod behind it need not say it serves it.
  const server = addressText(f.server, f.serverPort, r, false);
  const after =
    n.rewrote === 'destination' ? `DNATed to ${server}` : n.rewrote === 'source' ? `SNATed to ${client}` : `DNATed and SNATed to ${client} -> ${server}`;
  return `${addressText(n.client, n.clientPort, r)} -> ${addressText(n.server, n.serverPort, r)}, ${after}${n.via ? ` via ${n.via}` : ''}`;
}

/** A Service's symptom (classifier/service.ts) as a finding; the group findings it covers are dropped. */
export function withServices(symptoms: ServiceSymptom[], findings: Finding[], flows: FlowReport[], names: string[]): Finding[] {
  if (!symptoms.length) return findings;
  const made = symptoms.map((s): Finding => {
    const example = flows.find((f) => f.id === s.example);
    return {
      verdict: s.verdict,
      locus: s.locus,
      title: s.title,
      summary: s.title,
      locusDetail: s.locusDetail !== null ? `${names[s.locusInput!] ?? s.locusInput}: ${s.locusDetail}` : null,
      explanation: example?.explanation ?? '',
      next: example?.next ?? [],
      count: s.flows.length,
      flows: s.flows,
      service: { address: s.address, answeredBy: s.answeredBy, protocols: s.protocols, backends: s.backends, from: s.from, to: s.to },
    };
  });
  const covered = new Set(symptoms.flatMap((s) => s.flows));
  return [...made, ...findings.filter((f) => f.count > f.flows.length || !f.flows.every((id) => covered.has(id)))];
}
