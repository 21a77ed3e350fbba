/**
 * Names for the report's addresses from the cluster's description, after the flows are judged:
 * pods, services, nodes (by flannel public-ip and InternalIP), and a node's own addresses in its
 * pod CIDR (flannel.1 holds the network address, cni0 the first host).
 */
import type { AddressName, Report } from '../report/types.js';
import { type Cluster, findNode, inCidr, nodeAddresses, podCidrNode } from './cluster.js';

export function nameOf(c: Cluster, addr: string): AddressName | null {
  const pod = c.pods.find((p) => p.ips.includes(addr));
  if (pod) return { name: `pod ${pod.namespace}/${pod.name}`, node: pod.node };
  const svc = c.services.find((s) => s.clusterIPs.includes(addr));
  if (svc) return { name: `svc ${svc.namespace}/${svc.name}`, node: null };
  const node = c.nodes.find((n) => nodeAddresses(n).includes(addr));
  if (node) return { name: node.name, node: null };
  const owner = podCidrNode(c, addr);
  if (owner) {
    const cidr = owner.podCIDRs.find((x) => inCidr(addr, x))!;
    const net = cidr.split('/')[0]!;
    const first = net.replace(/\d+$/, (d) => String(Number(d) + 1));
    const dev = addr === net ? 'flannel.1' : addr === first ? 'cni0' : null;
    return { name: dev ? `${owner.name}'s ${dev}` : `no pod listed, in ${owner.name}'s pod CIDR ${cidr}`, node: dev ? null : owner.name };
  }
  return null;
}

/** Every address the report shows: flows' ends, tunnel endpoints, the inputs' nodes, ARP targets. */
function addresses(r: Report): Set<string> {
  const all = new Set<string>();
  for (const f of r.flows) all.add(f.client).add(f.server);
  for (const t of r.tunnels) for (const e of t.endpoints) all.add(e.src).add(e.dst);
  for (const i of r.inputs) for (const a of i.nodeAddresses ?? []) all.add(a);
  for (const a of r.arp) all.add(a.target);
  return all;
}

export function names(r: Report, c: Cluster): Record<string, AddressName> {
  const out: Record<string, AddressName> = {};
  for (const a of addresses(r)) {
    const n = nameOf(c, a);
    if (n) out[a] = n;
  }
  return out;
}

/** Each input's node by the description: the node whose addresses the capture shows as its own, or the one the caller named. */
export function inputNodeNames(r: Report, c: Cluster): (string | null)[] {
  return r.inputs.map((i) => {
    const byName = i.node !== undefined ? findNode(c, i.node) : undefined;
    if (byName) return byName.name;
    for (const a of i.nodeAddresses ?? []) {
      const n = findNode(c, a);
      if (n) return n.name;
    }
    return null;
  });
}
