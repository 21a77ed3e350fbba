/**
 * What a node's annotations say of its overlay, by CNI: a table of the annotations each one
 * writes on the Node object (`kubectl get nodes -o yaml` shows them).
 *
 * | CNI     | annotation                                              | means                                 |
 * |---------|---------------------------------------------------------|---------------------------------------|
 * | flannel | flannel.alpha.coreos.com/public-ip                      | the underlay address VXLAN uses       |
 * | flannel | flannel.alpha.coreos.com/backend-type, backend-data     | vxlan, {"VNI":1,"VtepMAC":...,"Port"} |
 * | calico  | projectcalico.org/IPv4Address                           | the underlay address, with its prefix |
 * | calico  | projectcalico.org/IPv4VXLANTunnelAddr                   | vxlan.calico's address                |
 * | calico  | projectcalico.org/IPv4IPIPTunnelAddr                    | tunl0's address                       |
 * | calico  | projectcalico.org/IPv4WireguardInterfaceAddr            | wireguard.cali's address              |
 * | cilium  | network.cilium.io/ipv4-pod-cidr (io.cilium.network.*)   | its pod CIDR (cluster-pool IPAM)      |
 * | cilium  | network.cilium.io/ipv4-cilium-host (io.cilium.network.*)| cilium_host's address                 |
 * | cilium  | network.cilium.io/ipv4-health-ip (io.cilium.network.*)  | its health endpoint's address         |
 *
 * Calico writes no VTEP MAC on the Node (it is on Calico's own Node resource), Cilium neither.
 */

export type Cni = 'flannel' | 'calico' | 'cilium';

/** An address on one of a node's overlay devices. */
export interface NodeDevice {
  address: string;
  device: string;
}

export interface Overlay {
  cni: Cni | null;
  /** The underlay address the overlay is sent from and to (flannel's public-ip, Calico's IPv4Address). */
  publicIP: string | null;
  /** The underlay subnet, where the CNI writes it (Calico's IPv4Address prefix). */
  underlayCIDR: string | null;
  backendType: string | null;
  vni: number | null;
  vtepMAC: string | null;
  port: number | null;
  devices: NodeDevice[];
  /** Pod CIDRs the CNI writes besides spec.podCIDRs. */
  podCIDRs: string[];
}

type Obj = Record<string, unknown>;

const FLANNEL = 'flannel.alpha.coreos.com/';
const CALICO = 'projectcalico.org/';
/** Cilium writes each under its new prefix, older versions under the legacy one. */
const cilium = (key: string) => [`network.cilium.io/${key}`, `io.cilium.network.${key}`];

const DEVICES: { cni: Cni; keys: string[]; device: string }[] = [
  { cni: 'calico', keys: [`${CALICO}IPv4VXLANTunnelAddr`], device: 'vxlan.calico' },
  { cni: 'calico', keys: [`${CALICO}IPv4IPIPTunnelAddr`], device: 'tunl0' },
  { cni: 'calico', keys: [`${CALICO}IPv4WireguardInterfaceAddr`], device: 'wireguard.cali' },
  { cni: 'cilium', keys: cilium('ipv4-cilium-host'), device: 'cilium_host' },
  { cni: 'cilium', keys: cilium('ipv4-health-ip'), device: 'cilium health endpoint' },
];

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The first of `keys` annotated. */
const first = (a: Obj, keys: string[]) => keys.map((k) => str(a[k])).find((v) => v !== null) ?? null;

/** The overlay as the annotations describe it; `bad` reports an annotation that cannot be read. */
export function overlayOf(a: Obj, bad: (reason: string) => Error): Overlay {
  let data: Obj = {};
  const raw = str(a[`${FLANNEL}backend-data`]);
  if (raw) {
    try {
      const v: unknown = JSON.parse(raw);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) data = v as Obj;
    } catch {
      throw bad(`${FLANNEL}backend-data is not JSON: ${raw}`);
    }
  }
  const calicoAddr = str(a[`${CALICO}IPv4Address`]);
  const devices: NodeDevice[] = [];
  const cnis = new Set<Cni>();
  for (const d of DEVICES) {
    const address = first(a, d.keys);
    if (address === null) continue;
    devices.push({ address: address.split('/')[0]!, device: d.device });
    cnis.add(d.cni);
  }
  const podCIDR = first(a, cilium('ipv4-pod-cidr'));
  if (podCIDR) cnis.add('cilium');
  if (calicoAddr) cnis.add('calico');
  const flannel = Object.keys(a).some((k) => k.startsWith(FLANNEL));
  return {
    cni: flannel ? 'flannel' : ([...cnis][0] ?? null),
    publicIP: str(a[`${FLANNEL}public-ip`]) ?? calicoAddr?.split('/')[0] ?? null,
    underlayCIDR: calicoAddr?.includes('/') ? calicoAddr : null,
    backendType: str(a[`${FLANNEL}backend-type`]),
    vni: typeof data.VNI === 'number' ? data.VNI : null,
    vtepMAC: str(data.VtepMAC)?.toLowerCase() ?? null,
    port: typeof data.Port === 'number' && data.Port > 0 ? data.Port : null,
    devices,
    podCIDRs: podCIDR ? [podCIDR] : [],
  };
}
