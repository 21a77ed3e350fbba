/**
 * What to run next (src/classifier/next.ts), on the seed's capture and the lab's: every command
 * says where to run it, by the capture's node (its address, or its name with --kube); no UDP nc
 * test (it reports success across a firewall that drops silently), the peer node's capture
 * instead; and no check aimed at the node it runs on.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { carrierOf } from '../src/classifier/carrier.js';
import { type Naming, NEXT, type NextContext, render } from '../src/classifier/next.js';
import { analyze, analyzeFile, analyzeFiles, annotate, nodeNamer, type Report, readCluster, resolver } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const lab = (f: string) => `${root}samples/lab/${f}`;
const seed = (f: string) => `/work/shared/seed/${f}`;

/** Every command of a report: flows', findings', anomalies' and the cluster's. */
function commands(r: Report): string[] {
  return [
    ...r.flows.flatMap((f) => f.next),
    ...r.findings.flatMap((f) => f.next),
    ...r.anomalies.flatMap((a) => a.next ?? []),
    ...(r.cluster?.findings.flatMap((f) => f.next) ?? []),
  ];
}

/** The address a command probes, when it is one that probes an address (route, neighbour, ping, traceroute). */
function target(cmd: string): string | null {
  const m = /^(?:ip route get|ip neigh show|ping(?: -\S+(?: \d+)?)*|traceroute(?: -\S+(?: \d+)?)*|dig @)\s*([\d.:a-f]+)/.exec(cmd);
  return m ? m[1]! : null;
}

/** Each command run on a capture's own node that probes one of that node's own addresses. */
function selfChecks(r: Report): string[] {
  const bad: string[] = [];
  for (const i of r.inputs) {
    // The node's own addresses: underlay, and the ones its clues show (flannel.1, cni0).
    const own = [...(i.nodeAddresses ?? []), ...(i.nodeEvidence ?? []).map((e) => e.address)];
    for (const c of commands(r)) {
      const t = target(c);
      if (t && own.includes(t) && (i.nodeAddresses ?? []).some((a) => c.includes(`# on ${a}`))) bad.push(`${i.name}: ${c}`);
    }
  }
  return bad;
}

/** A Naming for one node, 192.168.232.130 with flannel.1 10.244.2.0, named node-a. */
const nodeA: Naming = {
  node: () => 'node-a',
  local: () => ['192.168.232.130'],
  own: () => ['192.168.232.130', '10.244.2.0'],
  at: (a) => (a === '192.168.223.131' ? 'node-b' : a),
};

const WHERE = / {3}# (on \S|from \S|anywhere kubectl works|flannel rewrites)/;

describe('next steps', () => {
  it("render leaves out a probe of the node it runs on (its underlay or flannel.1 address), and keeps the peer's", () => {
    const x: NextContext = {
      input: 0,
      naming: nodeA,
      carrier: carrierOf({ type: 'vxlan', port: 8472 }),
      vtep: null,
      client: '10.244.3.0',
      server: '10.244.2.0',
      serverPort: null,
    };
    expect(render(NEXT.bare(x), x)).toEqual([]);
    const peer = { ...x, server: '10.244.3.2' };
    expect(render(NEXT.bare(peer), peer)).toEqual(['ip route get 10.244.3.2   # on node-a', 'traceroute -n 10.244.3.2   # on node-a']);
    const unreachable = { ...x, vtep: '192.168.223.131', errorAbout: '192.168.223.131' };
    expect(render(NEXT.unreachable(unreachable), unreachable)[2]).toBe('bridge fdb show dev flannel.1 | grep 192.168.223.131   # on node-a');
    expect(render(NEXT.beyond(unreachable), unreachable)[0]).toBe(
      'tcpdump -i any -s0 -nn -e -w node-b.pcap udp port 8472   # on node-b too, then analyze both files together',
    );
  });

  it('the seed: the missing route is looked up on the node that captured it, towards the peer VTEP', async () => {
    const r = await analyzeFile(seed('missing-route.txt'));
    expect(r.flows[0]!.next).toEqual([
      'ip route get 192.168.223.131   # on 192.168.232.130',
      'ip neigh show 192.168.223.131   # on 192.168.232.130',
      'ping -c 3 192.168.223.131   # on 192.168.232.130',
    ]);
  });

  it('the seed: a reply lost on the node: its forwarding entries, the route to the pod, flannel.1', async () => {
    const r = await analyzeFile(seed('misrouted.txt'));
    expect(r.flows[0]!.next).toEqual([
      'bridge fdb show dev flannel.1   # on 192.168.232.130',
      'ip neigh show dev flannel.1   # on 192.168.232.130',
      "kubectl get nodes -o yaml | grep flannel.alpha.coreos.com   # anywhere kubectl works: each node's public-ip and VtepMAC, to compare",
      'ip route get 10.244.3.0   # on 192.168.232.130',
      'ip -d link show flannel.1   # on 192.168.232.130',
    ]);
  });

  it("the seed: a rewritten source: the device's MAC from a capture on the receiving node, then arp", async () => {
    const r = await analyzeFile(seed('healthy.txt'));
    const a = r.anomalies.find((x) => x.kind === 'source-rewritten')!;
    expect(a.next).toContain("arp -an | grep MAC   # on 192.168.232.130, MAC being that link-layer source: the device's address");
    expect(a.next![0]).toMatch(/^tcpdump -i any -nn -e -c 5 udp port 8472 and src host 192\.168\.232\.1 {3}# on 192\.168\.232\.130/);
  });

  it('one node captured, nothing came back: the peer capture first, then traceroute and the firewall rule', async () => {
    const r = await analyzeFile(lab('blocked-8472.nodeb-any.pcap'));
    expect(r.findings[0]!.next).toEqual([
      'tcpdump -i any -s0 -nn -e -w 192.168.232.130.pcap udp port 8472   # on 192.168.232.130 too, then analyze both files together',
      'traceroute -U -p 8472 192.168.232.130   # on 192.168.223.131',
      'ip route get 192.168.232.130   # on 192.168.223.131',
      'allow UDP 8472 both ways between the node subnets (192.168.223.131 and 192.168.232.130)   # on the firewall or security group between them',
      "kubectl get nodes -o yaml | grep flannel.alpha.coreos.com   # anywhere kubectl works: each node's public-ip and VtepMAC, to compare",
    ]);
  });

  it('both nodes captured, lost between them: no second capture asked for, the firewall rule first', async () => {
    const r = await analyzeFiles([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap')]);
    const f = r.findings.find((x) => x.locus === 'underlay')!;
    expect(f.next[0]).toBe(
      'allow UDP 8472 both ways between the node subnets (192.168.223.131 and 192.168.232.130)   # on the firewall or security group between them',
    );
    expect(commands(r).some((c) => c.startsWith('tcpdump'))).toBe(false);
  });

  it("the requests arrived at the captured peer and no answer left it (flannel's udp backend, node B's own firewall drops 8285): node B's firewall first, its flannel0", async () => {
    const t = (f: string) => `${root}samples/tunnels/${f}`;
    const r = await analyzeFiles([t('flannel-udp-blocked.nodea.pcap'), t('flannel-udp-blocked.nodeb.pcap')]);
    const f = r.findings.find((x) => x.locus === 'remote-node')!;
    expect(f.next).toEqual([
      'iptables-save | grep -w 8285; nft list ruleset | grep -w 8285   # on 192.168.77.2: its own firewall',
      "kubectl get nodes -o yaml | grep flannel.alpha.coreos.com   # anywhere kubectl works: each node's public-ip and VtepMAC, to compare",
      'ip route get 10.244.1.0   # on 192.168.77.2',
      'ip -d link show flannel0   # on 192.168.77.2',
    ]);
  });

  it('with the cluster description, the nodes by name: the peer capture on node-a, the checks on node-b', async () => {
    const cluster = await readCluster([`${root}samples/kube/lab-cluster.yaml`]);
    const r = await analyze([{ path: lab('blocked-8472.nodeb-any.pcap') }], { nameNode: nodeNamer(cluster), resolveNode: resolver(cluster) });
    const next = r.findings[0]!.next;
    expect(next[0]).toBe('tcpdump -i any -s0 -nn -e -w node-a.pcap udp port 8472   # on node-a too, then analyze both files together');
    expect(next[1]).toBe('traceroute -U -p 8472 192.168.232.130   # on node-b');
  });

  it('--node NAME labels the node the commands run on', async () => {
    const r = await analyze([{ path: lab('blocked-8472.nodeb-any.pcap'), node: '192.168.223.131' }], {});
    expect(r.findings[0]!.next[1]).toBe('traceroute -U -p 8472 192.168.232.130   # on 192.168.223.131');
    const cluster = await readCluster([`${root}samples/kube/lab-cluster.yaml`]);
    const named = await analyze([{ path: lab('blocked-8472.nodeb-any.pcap'), node: 'node-b' }], {
      nameNode: nodeNamer(cluster),
      resolveNode: resolver(cluster),
    });
    expect(named.findings[0]!.next[1]).toBe('traceroute -U -p 8472 192.168.232.130   # on node-b');
  });

  const pcaps = ['lab', 'traffic', 'tunnels'].flatMap((d) =>
    readdirSync(`${root}samples/${d}`)
      .filter((f) => f.endsWith('.pcap'))
      .map((f) => `${root}samples/${d}/${f}`),
  );
  it(`every lab, traffic and tunnel capture (${pcaps.length}) and the seed: every command says where, none is nc, none probes its own node`, async () => {
    const reports = [
      ...(await Promise.all(pcaps.map((f) => analyzeFile(f)))),
      ...(await Promise.all(['healthy.txt', 'missing-route.txt', 'misrouted.txt'].map((f) => analyzeFile(seed(f))))),
      await analyzeFiles([lab('reply-dropped.nodea-any.pcap'), lab('reply-dropped.nodeb-any.pcap')]),
    ];
    const cluster = await readCluster([`${root}samples/kube/lab-cluster-stale-ip.yaml`]);
    for (const f of ['blocked-8472.nodea-any.pcap', 'blocked-8472.nodeb-any.pcap', 'healthy-snat.nodea-any.pcap'])
      reports.push(await analyze([{ path: lab(f) }], { nameNode: nodeNamer(cluster), resolveNode: resolver(cluster), annotate: (r) => annotate(r, cluster) }));
    expect(reports.at(-1)!.cluster!.findings.length).toBeGreaterThan(0);
    const all = reports.flatMap(commands);
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((c) => !WHERE.test(c))).toEqual([]);
    expect(all.filter((c) => /\bnc\b/.test(c))).toEqual([]);
    expect(reports.flatMap(selfChecks)).toEqual([]);
  });
});
