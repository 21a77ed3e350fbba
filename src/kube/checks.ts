/**
 * The capture checked against the cluster's description, each disagreement a finding with what
 * to run and where. A table of checks over the VXLAN the capture saw, by outer endpoint pair:
 *
 * | check            | seen                                                      | means                                 |
 * |------------------|-----------------------------------------------------------|---------------------------------------|
 * | not-a-node       | VXLAN sent to an address that is no node's public-ip      | a stale fdb entry on the sender        |
 * | source-rewritten | VXLAN from no node's public-ip, behind a node's VtepMAC   | an underlay device rewrites the source |
 * | public-ip        | a node's VXLAN (its VtepMAC) from another of its addresses| the annotation is not where it sends   |
 * | vtep-mac         | a node's public-ip sends behind another MAC than VtepMAC, | flannel.1 remade; peers' entries stale |
 * |                  | or VXLAN to a node is addressed to another MAC than it    | (a stale neighbour entry on the sender)|
 * | vni, port        | a VNI or UDP port other than the backend's                | a second overlay, or a wrong net-conf  |
 * | pod-cidr-no-node | overlay traffic for a pod address in no node's podCIDR    | a route left for a node that is gone   |
 */
import type { ClusterFinding, Report, TunnelReport } from '../report/types.js';
import { type Cluster, type KubeNode, nodeAddresses, podCidrNode } from './cluster.js';
import { nameOf } from './names.js';

/** flannel's VXLAN uses the Linux kernel's port unless its net-conf says another. */
const FLANNEL_VXLAN_PORT = 8472;
const FLANNEL_VNI = 1;

const who = (n: KubeNode) => `${n.name} (${n.publicIP ?? n.internalIPs[0] ?? '?'})`;
const restart = (n: KubeNode) =>
  `kubectl -n kube-flannel delete pod --field-selector spec.nodeName=${n.name} -l app=flannel   # flannel rewrites flannel.1's fdb and neighbour entries on ${n.name}`;

function byPublicIP(c: Cluster, a: string): KubeNode | undefined {
  return c.nodes.find((n) => n.publicIP === a);
}

/** The node an underlay address is, by name, for saying where to run a command. */
function nodeAt(c: Cluster, a: string): string {
  return c.nodes.find((n) => nodeAddresses(n).includes(a))?.name ?? `the node of ${a}`;
}

/** Broadcast and multicast MACs (the group bit of the first octet) are no VTEP's. */
function isGroupMac(m: string): boolean {
  return (Number.parseInt(m.slice(0, 2), 16) & 1) === 1;
}

function byMac(c: Cluster, macs: string[]): KubeNode | undefined {
  return c.nodes.find((n) => n.vtepMAC !== null && macs.includes(n.vtepMAC));
}

function tunnelChecks(c: Cluster, t: TunnelReport, add: (key: string, f: ClusterFinding) => void): void {
  const vxlan = c.nodes.filter((n) => n.backendType === 'vxlan');
  if (vxlan.length === 0) return;
  const vnis = [...new Set(vxlan.map((n) => n.vni ?? FLANNEL_VNI))];
  const ports = [...new Set(vxlan.map((n) => n.port ?? FLANNEL_VXLAN_PORT))];
  if (t.vni !== null && !vnis.includes(t.vni)) {
    add(`vni:${t.vni}`, {
      check: 'vni',
      title: `VXLAN in VNI ${t.vni}, but flannel's backend uses VNI ${vnis.join(', ')}`,
      detail: `${t.packets} packets in VNI ${t.vni}: not flannel's overlay, or a node configured with another VNI`,
      next: ['kubectl get nodes -o yaml | grep flannel.alpha.coreos.com/backend-data', 'ip -d link show flannel.1   # on each node: "vxlan id N"'],
    });
  }
  if (t.port !== null && !ports.includes(t.port)) {
    add(`port:${t.port}`, {
      check: 'port',
      title: `VXLAN on UDP ${t.port}, but flannel's backend uses UDP ${ports.join(', ')}`,
      detail: `${t.packets} packets on UDP ${t.port}: a firewall opened for UDP ${ports.join(', ')} does not pass them`,
      next: ['kubectl -n kube-flannel get configmap kube-flannel-cfg -o yaml | grep -A3 Backend', 'ip -d link show flannel.1   # on each node: "dstport N"'],
    });
  }
  for (const e of t.endpoints) {
    const macs = t.macs[e.src] ?? [];
    const sender = byPublicIP(c, e.src) ?? byMac(c, macs);
    const dst = byPublicIP(c, e.dst);
    const peerByMac = dst ? undefined : c.nodes.find((n) => nodeAddresses(n).includes(e.dst));
    if (!dst && sender && byPublicIP(c, e.src)) {
      const on = sender.name;
      add(`not-a-node:${e.src}>${e.dst}`, {
        check: 'not-a-node',
        title: `${who(sender)} sends VXLAN to ${e.dst}, which is no node's flannel public-ip`,
        detail: `${e.packets} packets from ${e.src} to ${e.dst}${peerByMac ? ` (${peerByMac.name}'s address, but its public-ip is ${peerByMac.publicIP ?? 'not set'})` : ''}: a stale fdb entry on ${on} points a VTEP MAC at an old or wrong underlay address`,
        next: [
          `bridge fdb show dev flannel.1 | grep ${e.dst}   # on ${on}`,
          `ip neigh show dev flannel.1   # on ${on}`,
          'kubectl get nodes -o yaml | grep flannel.alpha.coreos.com/public-ip',
          restart(sender),
        ],
      });
    }
    const sentTo = (t.dstMacs[e.dst] ?? []).filter((m) => !isGroupMac(m));
    if (dst?.vtepMAC && sentTo.length > 0 && !sentTo.includes(dst.vtepMAC) && sender) {
      add(`vtep-mac-dst:${e.src}>${e.dst}`, {
        check: 'vtep-mac',
        title: `${who(sender)} sends VXLAN to ${who(dst)} addressed to MAC ${sentTo.join(', ')}, but ${dst.name}'s VtepMAC is ${dst.vtepMAC}`,
        detail: `a stale neighbour entry on ${sender.name} for ${dst.name}'s flannel.1 address: ${dst.name} drops frames for a MAC it does not have`,
        next: [
          `ip neigh show dev flannel.1   # on ${sender.name}`,
          `bridge fdb show dev flannel.1 | grep ${e.dst}   # on ${sender.name}`,
          `ip -d link show flannel.1   # on ${dst.name}: its MAC`,
          restart(sender),
        ],
      });
    }
    if (!sender) continue;
    if (!byPublicIP(c, e.src)) {
      const own = nodeAddresses(sender).includes(e.src);
      const check = own ? 'public-ip' : 'source-rewritten';
      add(
        `${check}:${sender.name}:${e.src}`,
        own
          ? {
              check,
              title: `${sender.name}'s VXLAN comes from ${e.src}, but its flannel public-ip is ${sender.publicIP ?? 'not set'}`,
              detail: `${e.packets} packets from ${e.src} behind ${sender.name}'s VtepMAC ${sender.vtepMAC}: the cluster tells its peers to send to ${sender.publicIP ?? 'no address'}, not where it sends from`,
              next: [
                `kubectl get node ${sender.name} -o yaml | grep flannel.alpha.coreos.com`,
                `ip -4 addr show; ip route get ${e.dst}   # on ${sender.name}: the address flannel should announce (--iface, --public-ip, public-ip-overwrite)`,
                restart(sender),
              ],
            }
          : {
              check,
              title: `${sender.name}'s VXLAN arrives from ${e.src}, not from its public-ip ${sender.publicIP ?? '(not set)'}`,
              detail: `${e.packets} packets to ${e.dst} carry ${sender.name}'s VtepMAC ${sender.vtepMAC} from ${e.src}: a device on the underlay rewrites (source-NATs) the outer source on the way`,
              next: [
                `tcpdump -i any -nn -e -c 5 udp port ${t.port ?? FLANNEL_VXLAN_PORT} and src host ${e.src}   # on ${nodeAt(c, e.dst)}: the outer source MAC names the device`,
                `arp -an | grep MAC   # on ${nodeAt(c, e.dst)}, MAC being that link-layer source: the device's address`,
                `traceroute -U -p ${t.port ?? FLANNEL_VXLAN_PORT} ${sender.publicIP ?? e.src}   # from ${nodeAt(c, e.dst)}`,
              ],
            },
      );
    } else if (sender.vtepMAC !== null && macs.length > 0 && !macs.includes(sender.vtepMAC)) {
      add(`vtep-mac:${sender.name}`, {
        check: 'vtep-mac',
        title: `${who(sender)} sends behind MAC ${macs.join(', ')}, but its VtepMAC is ${sender.vtepMAC}`,
        detail:
          "flannel.1 was made anew with another MAC and the annotation (or the peers' fdb and neighbour entries) still name the old one: peers send to a MAC nobody has",
        next: [`ip -d link show flannel.1   # on ${sender.name}`, `kubectl get node ${sender.name} -o yaml | grep backend-data`, restart(sender)],
      });
    }
  }
}

/** The network of `bits` bits around an IPv4 address: "10.244.5.0/24". */
function networkOf(addr: string, bits: number): string | null {
  const p = addr.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) return null;
  const n = p.reduce((a, x) => a * 256 + x, 0);
  const size = 2 ** (32 - bits);
  const net = Math.floor(n / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${bits}`;
}

/**
 * Overlay traffic for a pod address that no node's podCIDR holds, in the pod network around the
 * nodes' podCIDRs (flannel's /16): a node left (or joined again with another podCIDR) and the
 * sender still has the route and forwarding entry for its old one.
 */
function podCidrChecks(r: Report, c: Cluster, add: (key: string, f: ClusterFinding) => void): void {
  const cidrs = c.nodes.flatMap((n) => n.podCIDRs).filter((x) => !x.includes(':'));
  const bits = Number(cidrs[0]?.split('/')[1]);
  if (!(bits >= 16 && bits <= 32)) return;
  const networks = new Set(cidrs.map((x) => networkOf(x.split('/')[0]!, 16)));
  const stale = new Map<string, { addrs: Set<string>; flows: number; senders: Set<string> }>();
  for (const f of r.flows) {
    if (!f.tunnel) continue;
    for (const a of [f.client, f.server]) {
      const cidr = networkOf(a, bits);
      if (!cidr || !networks.has(networkOf(a, 16)) || podCidrNode(c, a) || nameOf(c, a)) continue;
      const s = stale.get(cidr) ?? stale.set(cidr, { addrs: new Set(), flows: 0, senders: new Set() }).get(cidr)!;
      s.addrs.add(a);
      s.flows++;
      // The node of the other end routes to it.
      const sender = podCidrNode(c, a === f.client ? f.server : f.client);
      if (sender) s.senders.add(sender.name);
    }
  }
  for (const [cidr, s] of stale) {
    const on = [...s.senders].join(' and ') || 'the node that sends it';
    add(`pod-cidr-no-node:${cidr}`, {
      check: 'pod-cidr-no-node',
      title: `overlay traffic for ${[...s.addrs].join(', ')} in ${cidr}, which is no node's podCIDR (the nodes have ${cidrs.join(', ')})`,
      detail: `${s.flows} flow end${s.flows === 1 ? '' : 's'} in the overlay for a pod subnet no node holds: a node that left (or joined again with another podCIDR) is still routed to from ${on}: its packets go to a VTEP that has no such pods`,
      next: [
        `ip route show ${cidr}; bridge fdb show dev flannel.1   # on ${on}: the route and forwarding entry of the old node`,
        'kubectl get nodes -o custom-columns=NAME:.metadata.name,PODCIDR:.spec.podCIDR,PUBLIC-IP:.metadata.annotations.flannel\\.alpha\\.coreos\\.com/public-ip   # anywhere kubectl works',
        `ip route del ${cidr}   # on ${on}, once no node has it (or restart flannel there: it writes the routes of the nodes there are)`,
      ],
    });
  }
}

export function checks(r: Report, c: Cluster): ClusterFinding[] {
  const found = new Map<string, ClusterFinding>();
  // Every command says where to run it: kubectl anywhere it works.
  const add = (key: string, f: ClusterFinding) => {
    if (!found.has(key))
      found.set(key, { ...f, next: f.next.map((n) => (n.startsWith('kubectl ') && !n.includes('#') ? `${n}   # anywhere kubectl works` : n)) });
  };
  for (const t of r.tunnels) if (t.type === 'vxlan') tunnelChecks(c, t, add);
  podCidrChecks(r, c, add);
  return [...found.values()];
}
