/**
 * Kubernetes context, applied after the flows are judged (the flow table knows nothing of it):
 * read the description (load.ts, cluster.ts), resolve --node names, then name the report's
 * addresses and check the capture against the description.
 */
import type { Report } from '../report/types.js';
import { checks } from './checks.js';
import { type Cluster, clusterOf, findNode, nodeAddresses } from './cluster.js';
import { loadKube } from './load.js';
import { inputNodeNames, names } from './names.js';

export type { Cluster } from './cluster.js';
export { KubeError } from './load.js';

export async function readCluster(paths: string[]): Promise<Cluster> {
  return clusterOf(await loadKube(paths));
}

/** A node's underlay addresses by its name (or one of its addresses); none when the description has no such node. */
export function resolver(c: Cluster): (name: string) => string[] {
  return (name) => {
    const n = findNode(c, name);
    return n ? nodeAddresses(n) : [];
  };
}

/** A node's name by one of its underlay addresses (public-ip, InternalIP); null when no node has it. */
export function nodeNamer(c: Cluster): (address: string) => string | null {
  return (a) => c.nodes.find((n) => nodeAddresses(n).includes(a))?.name ?? null;
}

/** Names and checks in the report; each input's node by its name in the description. */
export function annotate(r: Report, c: Cluster): void {
  const nodes = inputNodeNames(r, c);
  r.cluster = { nodes, names: names(r, c), findings: checks(r, c) };
}
