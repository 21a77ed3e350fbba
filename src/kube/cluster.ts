/**
 * The cluster as the analyzer needs it: nodes (addresses, pod CIDR, their CNI's annotations,
 * annotations.ts), pods (address, node), services (cluster IPs, ports, node ports) and the pod
 * addresses behind them (Endpoints, EndpointSlices), read from the objects of load.ts.
 */
import { type Cni, type NodeDevice, overlayOf } from './annotations.js';
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
  /** The CNI whose annotations describe it (null: none does). */
  cni: Cni | null;
  /** The underlay subnet, where the CNI writes it (Calico). */
  underlayCIDR: string | null;
  /** Addresses of its overlay devices the annotations give (Calico's vxlan.calico and tunl0, Cilium's cilium_host). */
  devices: NodeDevice[];
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
  ports: { name: string | null; port: number; protocol: string; nodePort: number | null; targetPort: number | string | null }[];
  /** The pod addresses behind it (Endpoints, EndpointSlices), by the service port they serve. */
  endpoints: KubeEndpoint[];
}

export interface KubeEndpoint {
  ip: string;
  port: number;
  protocol: string;
  /** The service port's name (null when the service has one unnamed port). */
  portName: string | null;
  node: string | null;
  /** "namespace/name" of the pod it is, when it says. */
  pod: string | null;
  ready: boolean;
}

export interface Cluster {
  nodes: KubeNode[];
  pods: KubePod[];
  services: KubeService[];
}

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
  const { podCIDRs, ...overlay } = overlayOf(annotations, (reason) => new KubeError(o.file, o.line, `node ${name}: ${reason}`));
  return {
    name,
    internalIPs: strs(...addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address)),
    podCIDRs: strs(spec.podCIDR, ...arr(spec.podCIDRs), ...podCIDRs),
    ...overlay,
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
      name: str(p.name),
      port: Number(p.port),
      protocol: str(p.protocol) ?? 'TCP',
      nodePort: typeof p.nodePort === 'number' ? p.nodePort : null,
      targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : null,
    }));
  return { namespace, name, type: str(spec.type) ?? 'ClusterIP', clusterIPs: strs(spec.clusterIP, ...arr(spec.clusterIPs)), ports, endpoints: [] };
}

const podRef = (ref: unknown, namespace: string) => {
  const r = obj(ref);
  return r.kind === 'Pod' && str(r.name) ? `${str(r.namespace) ?? namespace}/${str(r.name)}` : null;
};

/** An Endpoints object (named as its service): subsets of addresses and ports. */
function endpointsOf(o: KubeObject): { service: string; endpoints: KubeEndpoint[] } {
  const { name, namespace } = named(o);
  const out: KubeEndpoint[] = [];
  for (const subset of arr(o.body.subsets).map(obj)) {
    const ports = arr(subset.ports).map(obj);
    const take = (list: unknown, ready: boolean) => {
      for (const a of arr(list).map(obj)) {
        const ip = str(a.ip);
        if (!ip) continue;
        for (const p of ports) out.push(endpoint(ip, p, a, namespace, ready));
      }
    };
    take(subset.addresses, true);
    take(subset.notReadyAddresses, false);
  }
  return { service: `${namespace}/${name}`, endpoints: out };
}

/** One address of an Endpoints subset or an EndpointSlice endpoint (`at`: its nodeName and targetRef) on one port. */
function endpoint(ip: string, p: Record<string, unknown>, at: Record<string, unknown>, namespace: string, ready: boolean): KubeEndpoint {
  return {
    ip,
    port: Number(p.port),
    protocol: str(p.protocol) ?? 'TCP',
    portName: str(p.name),
    node: str(at.nodeName),
    pod: podRef(at.targetRef, namespace),
    ready,
  };
}

/** An EndpointSlice (its service in the kubernetes.io/service-name label): endpoints and ports. */
function sliceOf(o: KubeObject): { service: string; endpoints: KubeEndpoint[] } {
  const { namespace } = named(o);
  const service = str(obj(obj(o.body.metadata).labels)['kubernetes.io/service-name']);
  if (!service) throw new KubeError(o.file, o.line, 'EndpointSlice without the kubernetes.io/service-name label');
  const ports = arr(o.body.ports).map(obj);
  const out: KubeEndpoint[] = [];
  for (const e of arr(o.body.endpoints).map(obj)) {
    const ready = obj(e.conditions).ready !== false;
    for (const ip of strs(...arr(e.addresses))) for (const p of ports) out.push(endpoint(ip, p, e, namespace, ready));
  }
  return { service: `${namespace}/${service}`, endpoints: out };
}

/** The cluster from its objects; a service's endpoints from its EndpointSlices, else its Endpoints (both kubectl shows alike). */
export function clusterOf(objects: KubeObject[]): Cluster {
  const c: Cluster = { nodes: [], pods: [], services: [] };
  const slices: ReturnType<typeof sliceOf>[] = [];
  const endpoints: ReturnType<typeof endpointsOf>[] = [];
  for (const o of objects) {
    if (o.kind === 'Node') c.nodes.push(node(o));
    else if (o.kind === 'Pod') c.pods.push(pod(o));
    else if (o.kind === 'Service') c.services.push(service(o));
    else if (o.kind === 'EndpointSlice') slices.push(sliceOf(o));
    else endpoints.push(endpointsOf(o));
  }
  for (const s of c.services) {
    const key = `${s.namespace}/${s.name}`;
    const from = slices.some((x) => x.service === key) ? slices : endpoints;
    const seen = new Set<string>();
    for (const e of from.filter((x) => x.service === key).flatMap((x) => x.endpoints)) {
      const k = `${e.ip}|${e.port}|${e.protocol}`;
      if (seen.has(k)) continue;
      seen.add(k);
      s.endpoints.push(e);
    }
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
