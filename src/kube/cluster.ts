/**
 * The cluster as the analyzer needs it: nodes (addresses, pod CIDR, flannel's annotations),
 * pods (address, node), services (cluster IPs, ports, node ports), read from the objects of
 * load.ts; and the name of an address.
 */
import { KubeError, type KubeObject } from './load.js';

export interface KubeNode {
  name: string;
  internalIPs: string[];
  podCIDRs: string[];
  /** flannel.alpha.coreos.com/public-ip: the address its VXLAN is sent from and to. */
  publicIP: string | null;
  backendType: string | null;
  vni: number | null;
  vtepMAC: string | null;
  /** UDP port of the backend when its data says (flannel's default for VXLAN is the kernel's 8472). */
  port: number | null;
}

export interface KubePod {
  namespace: string;
  name: string;
  ips: string[];
  node: string | null;
}

export interface KubeService {
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  ports: { port: number; protocol: string; nodePort: number | null; targetPort: number | string | null }[];
}

export interface Cluster {
  nodes: KubeNode[];
  pods: KubePod[];
  services: KubeService[];
}

const FLANNEL = 'flannel.alpha.coreos.com/';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const strs = (...vs: unknown[]): string[] => [...new Set(vs.map(str).filter((s): s is string => s !== null && s !== 'None'))];

function named(o: KubeObject): { name: string; namespace: string; annotations: Obj } {
  const meta = obj(o.body.metadata);
  const name = str(meta.name);
  if (!name) throw new KubeError(o.file, o.line, `${o.kind} without metadata.name`);
  return { name, namespace: str(meta.namespace) ?? 'default', annotations: obj(meta.annotations) };
}

function node(o: KubeObject): KubeNode {
  const { name, annotations } = named(o);
  const spec = obj(o.body.spec);
  const addresses = arr(obj(o.body.status).addresses).map(obj);
  let data: Obj = {};
  const raw = str(annotations[`${FLANNEL}backend-data`]);
  if (raw) {
    try {
      data = obj(JSON.parse(raw));
    } catch {
      throw new KubeError(o.file, o.line, `node ${name}: ${FLANNEL}backend-data is not JSON: ${raw}`);
    }
  }
  return {
    name,
    internalIPs: strs(...addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address)),
    podCIDRs: strs(spec.podCIDR, ...arr(spec.podCIDRs)),
    publicIP: str(annotations[`${FLANNEL}public-ip`]),
    backendType: str(annotations[`${FLANNEL}backend-type`]),
    vni: typeof data.VNI === 'number' ? data.VNI : null,
    vtepMAC: str(data.VtepMAC)?.toLowerCase() ?? null,
    port: typeof data.Port === 'number' && data.Port > 0 ? data.Port : null,
  };
}

function pod(o: KubeObject): KubePod {
  const { name, namespace } = named(o);
  const status = obj(o.body.status);
  return { namespace, name, ips: strs(status.podIP, ...arr(status.podIPs).map((p) => obj(p).ip)), node: str(obj(o.body.spec).nodeName) };
}

function service(o: KubeObject): KubeService {
  const { name, namespace } = named(o);
  const spec = obj(o.body.spec);
  const ports = arr(spec.ports)
    .map(obj)
    .map((p) => ({
      port: Number(p.port),
      protocol: str(p.protocol) ?? 'TCP',
      nodePort: typeof p.nodePort === 'number' ? p.nodePort : null,
      targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : null,
    }));
  return { namespace, name, type: str(spec.type) ?? 'ClusterIP', clusterIPs: strs(spec.clusterIP, ...arr(spec.clusterIPs)), ports };
}

/** The cluster from its objects (Endpoints and EndpointSlices are read and not used yet). */
export function clusterOf(objects: KubeObject[]): Cluster {
  const c: Cluster = { nodes: [], pods: [], services: [] };
  for (const o of objects) {
    if (o.kind === 'Node') c.nodes.push(node(o));
    else if (o.kind === 'Pod') c.pods.push(pod(o));
    else if (o.kind === 'Service') c.services.push(service(o));
  }
  return c;
}

/** A node's underlay addresses: its flannel public-ip first, then its InternalIPs. */
export function nodeAddresses(n: KubeNode): string[] {
  return [...new Set([...(n.publicIP ? [n.publicIP] : []), ...n.internalIPs])];
}

/** The node a name or address stands for. */
export function findNode(c: Cluster, nameOrAddress: string): KubeNode | undefined {
  return c.nodes.find((n) => n.name === nameOrAddress) ?? c.nodes.find((n) => nodeAddresses(n).includes(nameOrAddress));
}

/** The pod subnet an address is in, and its node (flannel.1 and cni0 addresses are in it too). */
export function podCidrNode(c: Cluster, addr: string): KubeNode | undefined {
  return c.nodes.find((n) => n.podCIDRs.some((cidr) => inCidr(addr, cidr)));
}

function ipv4(a: string): number | null {
  const p = a.split('.');
  if (p.length !== 4) return null;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!Number.isInteger(v) || v < 0 || v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function inCidr(addr: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const a = ipv4(addr);
  const b = ipv4(net ?? '');
  const n = Number(bits);
  if (a === null || b === null || !(n >= 0 && n <= 32)) return false;
  const size = 2 ** (32 - n);
  return Math.floor(a / size) === Math.floor(b / size);
}
