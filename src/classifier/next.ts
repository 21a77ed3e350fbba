/**
 * What to run next, by situation: a table. Every command says where to run it: on the capturing
 * node, on the peer node (by its name when the cluster's description gives one), with kubectl, or
 * on the device between the nodes. A check aimed at the node it runs on (a ping or route lookup
 * of its own address) tells nothing, and is left out.
 *
 * No `nc -vzu VTEP 8472`: a UDP "connection" test reports success unless an ICMP port unreachable
 * comes back, so across a firewall that drops silently it says open (the incident's own notes).
 * The peer node's capture is the test that tells.
 */
import type { Carrier } from './carrier.js';

/** Labels for the nodes a report talks about, from --node, the cluster's description (--kube) or the packets. */
export interface Naming {
  /** The node an input was captured on: "node-b1", "192.168.223.131", or "the node captured in b.pcap". */
  node: (input: number) => string;
  /** That node's own underlay addresses (none when the capture does not show them). */
  local: (input: number) => string[];
  /** Every address the capture shows as that node's own: underlay, flannel.1, cni0 (its clues, flows/identity.ts). */
  own: (input: number) => string[];
  /** The node at an underlay address: its name when known, else the address. */
  at: (address: string) => string;
}

/** One command and where to run it; `target` is the address it probes, when it probes one. */
interface Step {
  run: string;
  /** Where: "on node-b1", "anywhere kubectl works". */
  where: string;
  target?: string;
}

/** What the situations' commands are made of. */
export interface NextContext {
  /** The input the commands run on first (the deciding capture point, or where it broke). */
  input: number;
  naming: Naming;
  carrier: Carrier;
  /** The far tunnel endpoint (underlay address), when the flow was encapsulated. */
  vtep: string | null;
  client: string;
  server: string;
  serverPort: number | null;
  /** ICMP error: who sent it and what it is about. */
  errorFrom?: string;
  errorAbout?: string;
  mtu?: number | null;
}

const KUBECTL = 'anywhere kubectl works';
const on = (node: string) => `on ${node}`;

const here = (x: NextContext) => x.naming.node(x.input);
const peer = (x: NextContext) => (x.vtep ? x.naming.at(x.vtep) : 'the peer node');
/** A file name for the peer's capture: its name, without what a shell or a file name would mind. */
const fileOf = (name: string) => `${name.replace(/[^\w.-]+/g, '_')}.pcap`;

function peerCapture(x: NextContext): Step[] {
  if (!x.vtep || x.carrier.port === null) return [];
  const p = peer(x);
  return [{ run: `tcpdump -i any -s0 -nn -e -w ${fileOf(p)} udp port ${x.carrier.port}`, where: `on ${p} too, then analyze both files together` }];
}

/** What the cluster says each node's overlay is. */
const ANNOTATIONS: Step = {
  run: 'kubectl get nodes -o yaml | grep flannel.alpha.coreos.com',
  where: `${KUBECTL}: each node's public-ip and VtepMAC, to compare`,
};

/** The forwarding entries towards the peers (VXLAN's fdb and neighbour entries), and what the cluster says they should be. */
function fdbChecks(x: NextContext, node: string): Step[] {
  const dev = x.carrier.device;
  return [
    ...(x.carrier.fdb && dev
      ? [
          { run: `bridge fdb show dev ${dev}${x.vtep ? ` | grep ${x.vtep}` : ''}`, where: on(node) },
          { run: `ip neigh show dev ${dev}`, where: on(node) },
        ]
      : []),
    ANNOTATIONS,
  ];
}

/** The overlay device's settings (VNI, port, local address, MTU). */
const device = (x: NextContext): Step[] => (x.carrier.device ? [{ run: `ip -d link show ${x.carrier.device}`, where: on(here(x)) }] : []);

function firewall(x: NextContext): Step[] {
  if (!x.vtep) return [];
  const ends = [...x.naming.local(x.input).slice(0, 1), x.vtep].join(' and ');
  return [{ run: `allow ${x.carrier.words} both ways between the node subnets (${ends})`, where: 'on the firewall or security group between them' }];
}

const trace = (x: NextContext, to: string): Step => ({ run: x.carrier.trace(to), where: on(here(x)), target: to });
const route = (x: NextContext, to: string): Step => ({ run: `ip route get ${to}`, where: on(here(x)), target: to });

/** The situations explain.ts names, and their commands in the order to run them. */
export const NEXT = {
  /** Some packets lost on the way, the path works. */
  lossy: (x: NextContext): Step[] => [
    { run: `ping -c 100 -i 0.2 ${x.server}`, where: on(here(x)), target: x.server },
    ...(x.vtep ? [trace(x, x.vtep), ...peerCapture(x)] : []),
  ],
  /** The reply was made on the overlay device and never left encapsulated: forwarding entries on this node. */
  replyNotSent: (x: NextContext): Step[] => [...fdbChecks(x, here(x)), route(x, x.vtep ?? x.client), ...device(x)],
  /** Requests left encapsulated, nothing came back, the peer was not captured. */
  beyond: (x: NextContext): Step[] => [
    ...peerCapture(x),
    ...(x.vtep ? [trace(x, x.vtep), route(x, x.vtep)] : [trace(x, x.server)]),
    ...firewall(x),
    ...(x.vtep ? [ANNOTATIONS] : []),
  ],
  /** Both nodes captured: it left one and never arrived at the other. */
  underlay: (x: NextContext): Step[] => [...firewall(x), ...(x.vtep ? [trace(x, x.vtep)] : [])],
  /** Both nodes captured: it arrived at the server's node (the input here) and no answer left it. */
  remoteNode: (x: NextContext): Step[] => [
    ...(x.carrier.port !== null
      ? [{ run: `iptables-save | grep -w ${x.carrier.port}; nft list ruleset | grep -w ${x.carrier.port}`, where: `${on(here(x))}: its own firewall` }]
      : []),
    ...fdbChecks(x, here(x)),
    route(x, x.client),
    ...device(x),
  ],
  /** No reply and no tunnel seen. */
  bare: (x: NextContext): Step[] => [route(x, x.server), { run: `traceroute -n ${x.server}`, where: on(here(x)), target: x.server }],
  /** The node cannot reach an address (no route, or no ARP answer for the next hop). */
  unreachable: (x: NextContext): Step[] => {
    const a = x.errorAbout!;
    return [
      route(x, a),
      { run: `ip neigh show ${a}`, where: on(here(x)), target: a },
      ...(x.vtep === a && x.carrier.fdb ? [{ run: `bridge fdb show dev ${x.carrier.device} | grep ${a}`, where: on(here(x)) }] : []),
      { run: `ping -c 3 ${a}`, where: on(here(x)), target: a },
    ];
  },
  /** Nothing listens on the port, or a filter rejects. */
  refused: (x: NextContext): Step[] => [
    { run: `ss -lntup | grep ':${x.serverPort ?? ''}'`, where: `on the node that runs ${x.naming.at(x.server)}, or in its pod's network namespace` },
    { run: `kubectl get endpointslices -A -o wide | grep ${x.server}`, where: KUBECTL },
  ],
  /** The reply came after the client gave up. */
  late: (x: NextContext): Step[] => [
    { run: `ping -c 20 ${x.server}`, where: on(here(x)), target: x.server },
    ...(x.serverPort === 53 ? [{ run: `dig @${x.server} kubernetes.default.svc.cluster.local`, where: on(here(x)), target: x.server }] : []),
  ],
  /** A filter answered administratively prohibited. */
  filtered: (x: NextContext): Step[] => [
    { run: `traceroute -n ${x.errorFrom}`, where: on(here(x)), target: x.errorFrom! },
    ...(x.vtep ? [trace(x, x.vtep), ...firewall(x)] : [{ run: 'nft list ruleset; iptables-save', where: on(x.naming.at(x.errorFrom!)) }]),
  ],
  /** Too big for a link on the way. */
  fragNeeded: (x: NextContext): Step[] => [
    ...(x.carrier.device ? device(x) : [{ run: 'ip link', where: on(here(x)) }]),
    { run: `ping -M do -s ${x.mtu != null ? x.mtu - 28 : 1422} ${x.server}`, where: on(here(x)), target: x.server },
  ],
  /** Bad outer checksums: the VXLAN checksum-offload bug. */
  checksum: (x: NextContext): Step[] => [
    { run: `ethtool -K ${x.carrier.device ?? 'flannel.1'} tx-checksum-ip-generic off`, where: `on ${here(x)} and ${peer(x)}` },
  ],
  /** Encapsulated packets arrive from an address the answers do not go to: find the device that rewrites it. */
  rewritten: (x: NextContext, from: string): Step[] => [
    {
      run: `tcpdump -i any -nn -e -c 5 udp port ${x.carrier.port ?? ''} and src host ${from}`,
      where: `${on(here(x))}: the link-layer source of those packets is the device that rewrites them`,
    },
    { run: 'arp -an | grep MAC', where: `${on(here(x))}, MAC being that link-layer source: the device's address` },
    ...(x.vtep ? [trace(x, x.vtep)] : []),
    { run: 'kubectl get nodes -o yaml | grep flannel.alpha.coreos.com/public-ip', where: `${KUBECTL}: the address each node sends VXLAN from` },
  ],
  /** Capture again, with both directions or more packets. */
  recapture: (x: NextContext, filter: string): Step[] => [{ run: `tcpdump -i any -nn ${filter}`, where: on(here(x)) }],
};

/** The steps in words, without those aimed at the node they run on: "cmd   # on node". */
export function render(steps: Step[], x: NextContext): string[] {
  const own = new Set(x.naming.own(x.input));
  const mine = on(here(x));
  return steps.filter((s) => !(s.target && s.where === mine && own.has(s.target))).map((s) => `${s.run}   # ${s.where}`);
}
