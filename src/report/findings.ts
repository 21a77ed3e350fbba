/**
 * Problem flows with one cause, grouped into findings: one line for an operator before the flows
 * themselves. Flows share a cause when they share verdict, locus, client and server subnets and
 * tunnel.
 */
import type { Verdict } from '../classifier/index.js';
import type { Finding, FlowReport } from './types.js';

/** The /24 (IPv4) or /64 (IPv6) around an address, for grouping flows by subnet. */
function subnet(addr: string): string {
  if (addr.includes(':')) return addr.split(':').slice(0, 4).join(':') + '::/64';
  const parts = addr.split('.');
  return `${parts.slice(0, 3).join('.')}.0/24`;
}

const HEADLINE: Record<Verdict, string> = {
  healthy: 'healthy',
  lossy: 'some requests unanswered',
  'request-only': 'no reply ever arrives',
  'host-unreachable': 'the host or tunnel endpoint is unreachable',
  refused: 'refused',
  filtered: 'rejected by a filter',
  'frag-needed': 'packets too big for the path MTU',
  incomplete: 'the capture cannot tell',
};

/** Problems first (most severe first as the verdict list orders them), then by first sighting. */
export const ORDER: Record<Verdict, number> = {
  'host-unreachable': 0,
  filtered: 1,
  'request-only': 2,
  refused: 3,
  'frag-needed': 4,
  lossy: 5,
  incomplete: 6,
  healthy: 7,
};

const MAX_FINDING_IDS = 1000;

interface Group {
  first: FlowReport;
  count: number;
  ids: number[];
}

export class Findings {
  private readonly groups = new Map<string, Group>();

  /** Whether a flow already stands for this cause. */
  has(key: string): boolean {
    return this.groups.has(key);
  }

  /** Counts a problem flow under its cause; `report` stands for the cause when it is the first. */
  add(id: number, key: string, report: FlowReport | null): void {
    const g = this.groups.get(key);
    if (g) {
      g.count++;
      if (g.ids.length < MAX_FINDING_IDS) g.ids.push(id);
    } else this.groups.set(key, { first: report!, count: 1, ids: [id] });
  }

  list(): Finding[] {
    const groups = [...this.groups.values()].sort(
      (a, b) => ORDER[a.first.verdict] - ORDER[b.first.verdict] || (a.first.firstSeen ?? 0) - (b.first.firstSeen ?? 0) || a.first.id - b.first.id,
    );
    return groups.map(({ first: f, count, ids }) => {
      const over = f.tunnel ? ` over ${f.tunnel.type}${f.tunnel.vni !== null ? ' vni ' + f.tunnel.vni : ''}` : '';
      const who = count === 1 ? `${f.proto} ${f.client} -> ${f.server}` : `${count} flows from ${subnet(f.client)} to ${subnet(f.server)}`;
      const where = f.locusDetail ? ` (${f.locus}: ${f.locusDetail})` : '';
      const summary = `${who}${over}: ${HEADLINE[f.verdict]}`;
      return {
        verdict: f.verdict,
        locus: f.locus,
        title: summary + where,
        summary,
        locusDetail: f.locusDetail,
        explanation: f.explanation,
        next: f.next,
        count,
        flows: ids,
      };
    });
  }
}

/** The cause a problem flow is grouped under. */
export function keyOf(
  f: { client: string; server: string; tunnel: { type: string; vni: number | null } | null },
  verdict: Verdict,
  locus: string | null,
): string {
  return [verdict, locus, subnet(f.client), subnet(f.server), f.tunnel ? `${f.tunnel.type}:${f.tunnel.vni}` : ''].join('|');
}
