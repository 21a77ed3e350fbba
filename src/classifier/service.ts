/**
 * The seed's symptom, told as one: a Service address answers ping but not TCP or UDP. From the
 * packets alone: an address whose connections a node DNATs (flows/nat.ts stitched them) is a
 * Service address; an echo to it answered without ever entering a tunnel was answered by the node
 * itself (IPVS keeps Service addresses on kube-ipvs0), so ping proves nothing about the path; the
 * DNATed connections travel the tunnel to the pods' nodes, and where they die is their locus.
 *
 * Fed each judged flow (streaming); what it keeps is bounded by the number of Service addresses.
 */
import type { Flow, InputNode } from '../flows/flow.js';
import type { Classified } from './index.js';
import type { Verdict } from './rules.js';
import type { Locus } from './where.js';

/** Service addresses followed at most (each keeps a few addresses and flow ids). */
const MAX_SERVICES = 1000;
const MAX_IDS = 1000;

/** One Service address whose DNATed connections fail, with what the capture shows of it. */
export interface ServiceSymptom {
  /** The address clients connected to, before the rewrite ("address:port" for a NodePort, on the node's own address). */
  address: string;
  /** The node(s) that answered ICMP echo to it themselves (their own addresses), empty when no echo was seen. */
  answeredBy: string[];
  /** "TCP", "UDP": the protocols DNATed. */
  protocols: string[];
  /** Where the connections went after the rewrite: pod addresses, and the tunnel endpoints they were sent from and to. */
  backends: string[];
  from: string[];
  to: string[];
  verdict: Verdict;
  locus: Locus | null;
  /** The input the locus is at, and its words. */
  locusInput: number | null;
  locusDetail: string | null;
  /** The whole symptom in one sentence. */
  title: string;
  /** The flows it covers: the DNATed connections that fail, then the echoes answered locally. */
  flows: number[];
  /** The first broken connection: its explanation and next steps stand for all. */
  example: number;
}

interface Entry {
  /** A NodePort: the node's own address (and the port) the client connected to. */
  nodePort: number | null;
  /** Of the connections that fail: protocols, pods, tunnel endpoints, flow ids. */
  protocols: Set<string>;
  backends: Set<string>;
  from: Set<string>;
  to: Set<string>;
  tunnel: { type: string; port: number | null } | null;
  broken: { verdict: Verdict; locus: Classified['locus']; errorFrom: string | null; id: number } | null;
  flows: number[];
  /** Connections to it that were answered: their protocols and pods. */
  okProtocols: Set<string>;
  okBackends: Set<string>;
}

const subnet = (a: string) => (a.includes(':') ? a : `${a.split('.').slice(0, 3).join('.')}.0/24`);
const list = (s: Iterable<string>) => [...s].join(', ');

export class ServiceSymptoms {
  /** Echoes answered without a tunnel, by their server: the answering nodes and the flow ids. */
  private readonly echoes = new Map<string, { nodes: Set<string>; flows: number[] }>();
  private readonly services = new Map<string, Entry>();

  add(flow: Flow, c: Classified, nodes: InputNode[]): void {
    if ((flow.proto === 'icmp' || flow.proto === 'icmp6') && !flow.tunnel && c.verdict === 'healthy') {
      const side = c.side;
      const node = nodes.find((n) => n.input === side.input)?.local ?? [];
      if (side.answered === 0 || node.length === 0) return;
      const e =
        this.echoes.get(flow.server) ??
        (this.echoes.size < MAX_SERVICES ? this.echoes.set(flow.server, { nodes: new Set(), flows: [] }).get(flow.server) : undefined);
      if (!e) return;
      for (const a of node) e.nodes.add(a);
      if (e.flows.length < MAX_IDS) e.flows.push(flow.id);
      return;
    }
    const nat = flow.nat;
    if (!nat || nat.rewrote === 'source') return;
    const local = nodes.find((n) => n.input === nat.input)?.local ?? [];
    // A connection to the capturing node's own address is to a NodePort: one entry per port.
    const nodePort = local.includes(nat.front.server) ? nat.front.serverPort : null;
    const address = nodePort !== null ? `${nat.front.server}:${nodePort}` : nat.front.server;
    let s = this.services.get(address);
    if (!s) {
      if (this.services.size >= MAX_SERVICES) return;
      s = {
        nodePort,
        protocols: new Set(),
        backends: new Set(),
        from: new Set(),
        to: new Set(),
        tunnel: null,
        broken: null,
        flows: [],
        okProtocols: new Set(),
        okBackends: new Set(),
      };
      this.services.set(address, s);
    }
    if (c.verdict === 'healthy' || c.verdict === 'incomplete') {
      if (c.verdict === 'healthy') {
        s.okProtocols.add(flow.proto.toUpperCase());
        s.okBackends.add(flow.server);
      }
      return;
    }
    s.protocols.add(flow.proto.toUpperCase());
    s.backends.add(flow.server);
    for (const ep of flow.endpoints.keys()) {
      const [src, dst] = ep.split('>') as [string, string];
      if (local.length === 0 || local.includes(src)) {
        s.from.add(src);
        s.to.add(dst);
      }
    }
    if (flow.tunnel) s.tunnel ??= { type: flow.tunnel.type, port: flow.tunnel.port };
    if (s.flows.length < MAX_IDS) s.flows.push(flow.id);
    if (!s.broken) s.broken = { verdict: c.verdict, locus: c.locus, errorFrom: flow.errors.find((e) => e.cls === 'unreachable')?.from ?? null, id: flow.id };
  }

  /** Each Service address with broken DNATed connections, as one symptom. */
  finish(): ServiceSymptom[] {
    const out: ServiceSymptom[] = [];
    for (const [address, s] of this.services) {
      const b = s.broken;
      if (!b) continue;
      const what = s.nodePort !== null ? `NodePort ${address}` : `Service ${address}`;
      const echo = s.nodePort === null ? this.echoes.get(address) : undefined;
      const answeredBy = echo ? [...echo.nodes] : [];
      const protocols = [...s.protocols].sort();
      const via = s.tunnel
        ? `, sent in ${s.tunnel.type.toUpperCase()}${s.tunnel.port !== null ? ` ${s.tunnel.port}` : ''}${s.to.size ? ` to ${list(s.to)}` : ''}`
        : '';
      const verb = protocols.length > 1 ? 'are' : 'is';
      const conns = `${protocols.join(' and ')} to it ${verb} DNATed to ${list(s.backends)}${via}`;
      const head = answeredBy.length
        ? `ICMP to ${what} is answered locally by ${list(answeredBy)} (the address sits on a local device, kube-ipvs0 or lo); ${conns}`
        : `${protocols.join(' and ')} to ${what} ${verb} DNATed to ${list(s.backends)}${via}`;
      out.push({
        address,
        answeredBy,
        protocols,
        backends: [...s.backends],
        from: [...s.from],
        to: [...s.to],
        verdict: b.verdict,
        locus: b.locus?.locus ?? null,
        locusInput: b.locus?.input ?? null,
        locusDetail: b.locus?.detail ?? null,
        title: `${head}, and ${fate(s, b)}${answered(s)}`,
        flows: [...s.flows, ...(echo?.flows ?? [])],
        example: b.id,
      });
    }
    return out;
  }
}

/** The connections to the same address that were answered, when some were. */
function answered(s: Entry): string {
  if (!s.okBackends.size) return '';
  const protocols = [...s.okProtocols].sort();
  return ` (${protocols.join(' and ')} to it DNATed to ${list(s.okBackends)} ${protocols.length > 1 || s.okBackends.size > 1 ? 'are' : 'is'} answered)`;
}

/** How the DNATed connections die, by verdict and locus. */
function fate(s: Entry, b: NonNullable<Entry['broken']>): string {
  const from = list(s.from) || 'this node';
  const to = list(s.to) || 'the pods’ node';
  const carrier = s.tunnel?.port != null ? `UDP ${s.tunnel.port}` : 'the tunnel';
  const between = s.from.size && s.to.size ? ` between ${list(new Set([...s.from].map(subnet)))} and ${list(new Set([...s.to].map(subnet)))}` : '';
  if (b.verdict === 'host-unreachable')
    return `${b.errorFrom ?? 'the node'} reports ${to} unreachable: no host answers for that address (a stale fdb or route)`;
  switch (b.locus?.locus) {
    case 'underlay':
      return `no encapsulated packet from ${from} arrives at ${to}: ${carrier} is dropped${between}`;
    case 'remote-node':
      return `the packets arrive at ${to} and no answer leaves it`;
    case 'node':
      return `the packets never leave ${from} encapsulated`;
    default:
      return `nothing comes back from ${to}: ${carrier} is dropped${between}, or ${to} does not answer (capture on ${to} too, to tell which)`;
  }
}
