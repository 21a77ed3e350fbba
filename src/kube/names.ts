/**
 * Names for the report's addresses from the cluster's description, after the flows are judged:
 * pods, services, nodes (by flannel public-ip and InternalIP), a node's overlay devices (flannel.1
 * holds its pod CIDR's network address, cni0 the first host; Calico's and Cilium's devices as
 * annotated), and a pod address and port that is an endpoint of a service ("ip:port" keys).
 */
import { eui64Mac } from '../flows/identity.js';
import type { AddressName, Report } from '../report/types.js';
import { type Cluster, findNode, inCidr, nodeAddresses, podCidrNode } from './cluster.js';

export function nameOf(c: Cluster, addr: string): AddressName | null {
  const pod = c.pods.find((p) => p.ips.includes(addr));
  if (pod) return { name: `pod ${pod.namespace}/${pod.name}`, node: pod.node };
  const svc = c.services.find((s) => s.clusterIPs.includes(addr));
  if (svc) return { name: `svc ${svc.namespace}/${svc.name}`, node: null };
  const node = c.nodes.find((n) => nodeAddresses(n).includes(addr));
  if (node) return { name: node.name, node: null };
  for (const n of c.nodes) {
    const d = n.devices.find((x) => x.address === addr);
    if (d) return { name: `${n.name}'s ${d.device}`, node: null };
  }
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

/** The services an address and port serves as an endpoint: "svc default/web (10.96.0.20:80)". */
export function endpointOf(c: Cluster, ip: string, port: number): string[] {
  const out: string[] = [];
  for (const s of c.services) {
    for (const e of s.endpoints) {
      if (e.ip !== ip || e.port !== port) continue;
      const sp = s.ports.find((p) => p.name === e.portName && p.protocol === e.protocol) ?? s.ports[0];
      out.push(`svc ${s.namespace}/${s.name}${s.clusterIPs[0] && sp ? ` (${s.clusterIPs[0]}:${sp.port})` : ''}${e.ready ? '' : ', not ready'}`);
    }
  }
  return out;
}

export function names(r: Report, c: Cluster): Record<string, AddressName> {
  const out: Record<string, AddressName> = {};
  for (const a of addresses(r)) {
    const n = nameOf(c, a);
    if (n) out[a] = n;
  }
  // A flow's server address and port that is a service's endpoint: named as such.
  for (const f of r.flows) {
    if (f.serverPort === null) continue;
    const svcs = endpointOf(c, f.server, f.serverPort);
    if (!svcs.length) continue;
    const n = out[f.server];
    out[`${f.server}:${f.serverPort}`] = { name: n?.name ?? 'endpoint', node: n?.node ?? null, endpointOf: svcs };
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
    // A link-local address the capture sends from, made from a node's VtepMAC (EUI-64): that node.
    for (const e of i.nodeEvidence ?? []) {
      const mac = eui64Mac(e.address);
      const n = mac ? c.nodes.find((x) => x.vtepMAC === mac) : undefined;
      if (n) return n.name;
    }
    return null;
  });
}
