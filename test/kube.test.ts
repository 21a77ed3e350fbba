/**
 * The cluster's description (src/kube/): kubectl's -o yaml and -o json of the lab cluster read
 * alike, every address named, the capture checked against the description (a rewritten source,
 * a public-ip that is not where a node sends from, VXLAN to no node's public-ip), bad input one
 * line with file and line (exit 2); and the flow table knows nothing of it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, annotate, readCluster, resolver } from '../src/index.js';
import { clusterOf } from '../src/kube/cluster.js';
import { parseKube } from '../src/kube/load.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}bin/analyze.js`;
const lab = (f: string) => `${root}samples/lab/${f}`;
const kube = (f: string) => `${root}samples/kube/${f}`;

beforeAll(() => {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', root], { stdio: 'pipe' });
}, 60_000);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function withKube(files: string[], kubeFiles: string[]) {
  const c = await readCluster(kubeFiles);
  return analyze(
    files.map((path) => ({ path })),
    { resolveNode: resolver(c), annotate: (r) => annotate(r, c) },
  );
}

describe('reading kubectl get nodes,pods,svc output', () => {
  it('-o yaml and -o json of the lab cluster give the same cluster', async () => {
    const y = await readCluster([kube('lab-cluster.yaml')]);
    const j = await readCluster([kube('lab-cluster.json')]);
    expect(j).toEqual(y);
    expect(y.nodes.map((n) => [n.name, n.publicIP, n.internalIPs, n.podCIDRs, n.backendType, n.vni, n.vtepMAC])).toEqual([
      ['node-a', '192.168.232.130', ['192.168.232.130'], ['10.244.2.0/24'], 'vxlan', 1, '02:bb:32:12:e0:c2'],
      ['node-b', '192.168.223.131', ['192.168.223.131'], ['10.244.3.0/24'], 'vxlan', 1, '5a:af:8c:67:f0:d6'],
    ]);
    expect(y.pods.map((p) => `${p.namespace}/${p.name} ${p.ips} ${p.node}`)).toEqual(['default/web-a 10.244.2.2 node-a', 'default/client-b 10.244.3.2 node-b']);
    expect(y.services[0]).toEqual({
      namespace: 'default',
      name: 'web',
      type: 'NodePort',
      clusterIPs: ['10.96.0.20'],
      ports: [{ name: null, port: 80, protocol: 'TCP', nodePort: 30080, targetPort: 8080 }],
      endpoints: [],
    });
  });

  it('single objects as several YAML documents, and a directory of files, read alike', async () => {
    const list = JSON.parse(readFileSync(kube('lab-cluster.json'), 'utf8')) as { items: object[] };
    const dir = mkdtempSync(join(tmpdir(), 'kube-'));
    // Nodes as one JSON object each in their own files; pods and services as YAML documents.
    for (const [k, o] of list.items.slice(0, 2).entries()) writeFileSync(join(dir, `node-${k}.json`), JSON.stringify(o));
    writeFileSync(
      join(dir, 'rest.yaml'),
      list.items
        .slice(2)
        .map((o) => JSON.stringify(o))
        .join('\n---\n'),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not read');
    expect(await readCluster([dir])).toEqual(await readCluster([kube('lab-cluster.yaml')]));
  });

  it('bad input: one line naming the file and line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-bad-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: v1\nitems:\n- kind: Node\n  metadata: {name: a\n');
    const r = cli(['--kube', broken, lab('healthy-icmp.nodea-any.pcap')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^analyze: ${broken}: line \\d+: not YAML or JSON: .+\\n$`));
    const deploy = join(dir, 'deploy.yaml');
    writeFileSync(deploy, readFileSync(kube('lab-cluster.yaml'), 'utf8').replace('  kind: Pod\n', '  kind: Deployment\n'));
    const d = cli(['--kube', deploy, lab('healthy-icmp.nodea-any.pcap')]);
    expect(d.code).toBe(2);
    const line =
      readFileSync(kube('lab-cluster.yaml'), 'utf8')
        .split('\n')
        .findIndex((l, k, all) => l === '- apiVersion: v1' && all[k + 1] === '  kind: Pod') + 1;
    expect(d.err).toBe(`analyze: ${deploy}: line ${line}: kind Deployment is not read: give Node, Pod, Service, Endpoints, EndpointSlice or a List of them\n`);
    expect(() => parseKube('[1, 2]', 'x.json')).toThrow('x.json: line 1: expected a Kubernetes object');
    const missing = cli(['--kube', join(dir, 'nope.yaml'), lab('healthy-icmp.nodea-any.pcap')]);
    expect([missing.code, missing.err]).toEqual([2, `analyze: ${join(dir, 'nope.yaml')}: no such file or directory\n`]);
    expect(() => clusterOf(parseKube('kind: Node\nmetadata: {}\n', 'n.yaml'))).toThrow('n.yaml: line 1: Node without metadata.name');
  });
});

describe('the lab captures with the lab cluster', () => {
  it('names every address: pods on their nodes, nodes, flannel.1 and cni0; the inputs by node name', async () => {
    const r = await withKube([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap')], [kube('lab-cluster.yaml')]);
    expect(r.cluster!.nodes).toEqual(['node-a', 'node-b']);
    expect(r.cluster!.names['10.244.2.2']).toEqual({ name: 'pod default/web-a', node: 'node-a' });
    expect(r.cluster!.names['192.168.223.131']).toEqual({ name: 'node-b', node: null });
    expect(r.cluster!.names['10.244.3.1']).toEqual({ name: "node-b's cni0", node: null });
    // The description agrees with the capture: nothing to report.
    expect(r.cluster!.findings).toEqual([]);
    const t = cli(['--kube', kube('lab-cluster.json'), lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap.nn-e.txt')]);
    const flat = t.out.replace(/\s+/g, ' ');
    expect(flat).toContain('node node-a (192.168.232.130)');
    expect(flat).toContain('request-only icmp pod default/client-b (10.244.3.2) on node-b -> pod default/web-a (10.244.2.2) on node-a: 0 of 3 answered');
    expect(flat).toContain(
      'request-only tcp pod default/client-b (10.244.3.2:53300) on node-b -> pod default/web-a (10.244.2.2:8080) on node-a: 0 of 1 answered',
    );
    expect(t.out).toContain('0 disagreements with the capture');
    // The findings' prose names the addresses too.
    expect(flat).toContain('towards node-a (192.168.232.130) and never arrived at the captured peer node');
    expect(flat).toContain('(vxlan to node-a (192.168.232.130:8472))');
  });

  it("the seed's rewritten source (healthy-snat): node-b's VTEP MAC from 192.168.232.1, from pcap and from text", async () => {
    for (const f of ['healthy-snat.nodea-any.pcap', 'healthy-snat.nodea-any.pcap.nn-e.txt']) {
      const r = await withKube([lab(f)], [kube('lab-cluster.yaml')]);
      expect(r.cluster!.findings.map((x) => [x.check, x.title])).toEqual([
        ['source-rewritten', "node-b's VXLAN arrives from 192.168.232.1, not from its public-ip 192.168.223.131"],
      ]);
      expect(r.cluster!.findings[0]!.next.every((n) => /on node-a|from node-a/.test(n))).toBe(true);
      expect(r.flows.every((x) => x.verdict === 'healthy')).toBe(true);
    }
  });

  it("a description whose public-ip is not the lab's: node-b's VXLAN is not from it, and node-a sends to no node's public-ip", async () => {
    for (const b of ['blocked-8472.nodeb-any.pcap', 'blocked-8472.nodeb-any.pcap.nn-e.txt']) {
      const r = await withKube([lab('blocked-8472.nodea-any.pcap'), lab(b)], [kube('lab-cluster-stale-ip.yaml')]);
      expect(r.cluster!.findings.map((x) => x.check).sort()).toEqual(['not-a-node', 'public-ip']);
      const stale = r.cluster!.findings.find((x) => x.check === 'not-a-node')!;
      expect(stale.title).toBe("node-a (192.168.232.130) sends VXLAN to 192.168.223.131, which is no node's flannel public-ip");
      expect(stale.next[0]).toBe('bridge fdb show dev flannel.1 | grep 192.168.223.131   # on node-a');
      expect(r.cluster!.findings.find((x) => x.check === 'public-ip')!.title).toBe(
        "node-b's VXLAN comes from 192.168.223.131, but its flannel public-ip is 192.168.223.132",
      );
    }
  });

  it("VNI and port other than the backend's", async () => {
    const c = await readCluster([kube('lab-cluster.yaml')]);
    for (const n of c.nodes) n.vni = 7;
    const r = await analyze([{ path: lab('healthy-icmp.nodea-any.pcap') }], { annotate: (x) => annotate(x, c) });
    expect(r.cluster!.findings.map((x) => x.title)).toEqual(["VXLAN in VNI 1, but flannel's backend uses VNI 7"]);
    for (const n of c.nodes) [n.vni, n.port] = [1, 4789];
    const p = await analyze([{ path: lab('healthy-icmp.nodea-any.pcap') }], { annotate: (x) => annotate(x, c) });
    expect(p.cluster!.findings.map((x) => x.title)).toEqual(["VXLAN on UDP 8472, but flannel's backend uses UDP 4789"]);
  });

  it("a VtepMAC other than the lab's: node-b sends behind another MAC, node-a addresses another MAC (pcap and text with -e)", async () => {
    const c = await readCluster([kube('lab-cluster.yaml')]);
    c.nodes[1]!.vtepMAC = '5a:af:8c:67:f0:d7';
    for (const b of ['blocked-8472.nodeb-any.pcap', 'blocked-8472.nodeb-any.pcap.nn-e.txt']) {
      const r = await analyze([{ path: lab('blocked-8472.nodea-any.pcap') }, { path: lab(b) }], { annotate: (x) => annotate(x, c) });
      expect(r.cluster!.findings.map((x) => x.title)).toEqual([
        "node-a (192.168.232.130) sends VXLAN to node-b (192.168.223.131) addressed to MAC 5a:af:8c:67:f0:d6, but node-b's VtepMAC is 5a:af:8c:67:f0:d7",
        'node-b (192.168.223.131) sends behind MAC 5a:af:8c:67:f0:d6, but its VtepMAC is 5a:af:8c:67:f0:d7',
      ]);
      expect(r.cluster!.findings[0]!.next[0]).toBe('ip neigh show dev flannel.1   # on node-a');
    }
  });

  it("--node FILE=NAME takes the node's addresses from the description; an unknown name is a usage error", () => {
    const r = cli([
      '--format',
      'json',
      '--kube',
      kube('lab-cluster.yaml'),
      '--node',
      `${lab('blocked-8472.nodea-ens224.pcap.nn.txt')}=node-a`,
      lab('blocked-8472.nodea-ens224.pcap.nn.txt'),
      lab('blocked-8472.nodeb-any.pcap'),
    ]);
    const doc = JSON.parse(r.out);
    expect(doc.inputs[0].node).toBe('node-a');
    expect(doc.inputs[0].nodeAddresses).toEqual(['192.168.232.130']);
    expect(doc.inputs[0].nodeEvidence[0].clue).toBe('given: --node node-a');
    expect(doc.flows.filter((f: { verdict: string }) => f.verdict !== 'healthy').map((f: { locus: string }) => f.locus)).toEqual([
      'underlay',
      'underlay',
      'underlay',
    ]);
    const schema = JSON.parse(readFileSync(`${root}schema/report.schema.json`, 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addSchema(schema);
    expect(ajv.validate(schema.$id, doc), JSON.stringify(ajv.errors)).toBe(true);
    const nd = cli(['--format', 'ndjson', '--kube', kube('lab-cluster-stale-ip.yaml'), lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap')]);
    const records = nd.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const record = ajv.compile({ $ref: `${schema.$id}#/$defs/ndjsonRecord` });
    for (const x of records) expect(record(x), JSON.stringify(record.errors)).toBe(true);
    const cluster = records.find((x) => x.type === 'cluster');
    expect(cluster.findings.map((f: { check: string }) => f.check).sort()).toEqual(['not-a-node', 'public-ip']);
    expect(cluster.nodes).toEqual(['node-a', 'node-b']);
    const form = cli(['--node', 'node-a', lab('healthy-icmp.nodea-any.pcap')]);
    expect([form.code, form.err]).toEqual([2, 'analyze: --node node-a: give FILE=NAME_OR_ADDRESS (the node FILE was captured on)\n']);
    const notInput = cli(['--node', 'x.pcap=node-a', lab('healthy-icmp.nodea-any.pcap')]);
    expect([notInput.code, notInput.err]).toEqual([2, 'analyze: --node x.pcap=node-a: x.pcap is not one of the inputs\n']);
    const bad = cli(['--kube', kube('lab-cluster.yaml'), '--node', `${lab('healthy-icmp.nodea-any.pcap')}=node-z`, lab('healthy-icmp.nodea-any.pcap')]);
    expect([bad.code, bad.err]).toEqual([2, `analyze: --node ${lab('healthy-icmp.nodea-any.pcap')}=node-z: no node node-z in the --kube description\n`]);
  });
});

describe('Endpoints and EndpointSlices, Calico and Cilium nodes, a podCIDR no node holds', () => {
  it('kubectl get endpoints,endpointslices -o yaml and -o json: each service gets its pod addresses, from slices or from Endpoints alike', async () => {
    const y = await readCluster([kube('lab-cluster.yaml'), kube('lab-endpoints.yaml')]);
    expect(await readCluster([kube('lab-cluster.json'), kube('lab-endpoints.json')])).toEqual(y);
    const web = y.services.find((s) => s.name === 'web')!;
    expect(web.endpoints).toEqual([{ ip: '10.244.2.2', port: 8080, protocol: 'TCP', portName: null, node: 'node-a', pod: 'default/web-a', ready: true }]);
    expect(y.services.find((s) => s.name === 'kubernetes')!.endpoints.map((e) => `${e.ip}:${e.port} ${e.portName}`)).toEqual(['192.168.232.130:6443 https']);
    // Without the slices, the Endpoints objects say the same.
    const endpointsOnly = parseKube(readFileSync(kube('lab-endpoints.yaml'), 'utf8'), 'e.yaml').filter((o) => o.kind === 'Endpoints');
    const viaEndpoints = clusterOf([...parseKube(readFileSync(kube('lab-cluster.yaml'), 'utf8'), 'c.yaml'), ...endpointsOnly]);
    expect(viaEndpoints.services).toEqual(y.services);
    expect(() => clusterOf(parseKube('kind: EndpointSlice\nmetadata: {name: s}\n', 's.yaml'))).toThrow(
      's.yaml: line 1: EndpointSlice without the kubernetes.io/service-name label',
    );
  });

  it("names a pod address and port as its service's endpoint (pcap and text)", async () => {
    for (const b of ['blocked-8472.nodeb-any.pcap', 'blocked-8472.nodeb-any.pcap.nn-e.txt']) {
      const r = await withKube([lab(b)], [kube('lab-cluster.yaml'), kube('lab-endpoints.yaml')]);
      expect(r.cluster!.names['10.244.2.2:8080']).toEqual({ name: 'pod default/web-a', node: 'node-a', endpointOf: ['svc default/web (10.96.0.20:80)'] });
      // An address and port that serves no service has no such name.
      expect(Object.keys(r.cluster!.names).filter((k) => k.includes(':'))).toEqual(['10.244.2.2:8080']);
    }
    const t = cli(['--kube', kube('lab-cluster.yaml'), '--kube', kube('lab-endpoints.json'), lab('blocked-8472.nodeb-any.pcap')]);
    expect(t.out.replace(/\s+/g, ' ')).toContain('-> pod default/web-a (10.244.2.2:8080) on node-a, endpoint of svc default/web (10.96.0.20:80)');
  });

  it("Calico's and Cilium's node annotations: the underlay address and subnet, tunnel and host devices, Cilium's pod CIDR", async () => {
    const calico = await readCluster([kube('calico-cluster.yaml')]);
    expect(calico.nodes.map((n) => [n.name, n.cni, n.publicIP, n.underlayCIDR, n.devices, n.podCIDRs])).toEqual([
      ['node-a', 'calico', '192.168.232.130', '192.168.232.130/24', [{ address: '10.244.2.0', device: 'vxlan.calico' }], ['10.244.2.0/24']],
      [
        'node-b',
        'calico',
        '192.168.223.131',
        '192.168.223.131/24',
        [
          { address: '10.244.3.0', device: 'vxlan.calico' },
          { address: '10.244.3.64', device: 'tunl0' },
        ],
        ['10.244.3.0/24'],
      ],
    ]);
    const cilium = await readCluster([kube('cilium-cluster.yaml')]);
    expect(cilium.nodes.map((n) => [n.name, n.cni, n.publicIP, n.podCIDRs, n.devices.map((d) => `${d.device} ${d.address}`)])).toEqual([
      ['node-a', 'cilium', null, ['10.244.2.0/24'], ['cilium_host 10.244.2.1', 'cilium health endpoint 10.244.2.77']],
      ['node-b', 'cilium', null, ['10.244.3.0/24'], ['cilium_host 10.244.3.1', 'cilium health endpoint 10.244.3.214']],
    ]);
    // The seed's own flow, node B's overlay device to node A's, named by each description.
    const c = await withKube([lab('vtep-healthy.nodea-any.pcap')], [kube('calico-cluster.yaml')]);
    expect([c.cluster!.names['10.244.3.0']?.name, c.cluster!.names['10.244.2.0']?.name, c.cluster!.nodes]).toEqual([
      "node-b's vxlan.calico",
      "node-a's vxlan.calico",
      ['node-a'],
    ]);
    const k = await withKube([lab('blocked-8472.nodeb-any.pcap')], [kube('cilium-cluster.yaml')]);
    expect([k.cluster!.names['10.244.3.1']?.name, k.cluster!.names['10.244.2.2']?.name]).toEqual(["node-b's cilium_host", 'pod default/web-a']);
    // Cilium's pod CIDR annotation alone (no spec.podCIDR) is what the podCIDR check reads: no finding.
    expect(k.cluster!.findings).toEqual([]);
  });

  it('overlay traffic for a podCIDR no node holds (node-a joined again with 10.244.4.0/24): a finding, with the route to remove on node-b', async () => {
    for (const b of ['blocked-8472.nodeb-any.pcap', 'blocked-8472.nodeb-any.pcap.nn-e.txt']) {
      const r = await withKube([lab(b)], [kube('lab-cluster-rejoined.yaml')]);
      const f = r.cluster!.findings.filter((x) => x.check === 'pod-cidr-no-node');
      expect(f.map((x) => x.title)).toEqual([
        "overlay traffic for 10.244.2.2 in 10.244.2.0/24, which is no node's podCIDR (the nodes have 10.244.4.0/24, 10.244.3.0/24)",
      ]);
      expect(f[0]!.next[0]).toBe('ip route show 10.244.2.0/24; bridge fdb show dev flannel.1   # on node-b: the route and forwarding entry of the old node');
      expect(f[0]!.next.at(-1)).toMatch(/^ip route del 10\.244\.2\.0\/24 {3}# on node-b/);
    }
    // The lab's own description: every pod address is in a node's podCIDR.
    const ok = await withKube([lab('blocked-8472.nodeb-any.pcap')], [kube('lab-cluster.yaml')]);
    expect(ok.cluster!.findings).toEqual([]);
    // The new check and the endpoint names fit the report's schema.
    const both = await withKube([lab('blocked-8472.nodeb-any.pcap')], [kube('lab-cluster-rejoined.yaml'), kube('lab-endpoints.yaml')]);
    const schema = JSON.parse(readFileSync(`${root}schema/report.schema.json`, 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addSchema(schema);
    expect(ajv.validate(schema.$id, JSON.parse(JSON.stringify(both))), JSON.stringify(ajv.errors)).toBe(true);
  });

  it("a capture that shows only its flannel.1's IPv6: its node by the VtepMAC the link-local address is made from", async () => {
    const r = await withKube([lab('silent-receiver.nodea-overlay.pcap')], [kube('lab-cluster.yaml')]);
    expect(r.cluster!.nodes).toEqual(['node-a']);
  });
});

it('the flow table and the classifier do not import the Kubernetes folder', () => {
  for (const dir of ['flows', 'classifier', 'decoders', 'readers', 'lexer']) {
    for (const f of readdirSync(`${root}src/${dir}`)) {
      expect(readFileSync(`${root}src/${dir}/${f}`, 'utf8'), `${dir}/${f}`).not.toMatch(/from '\.\.\/kube\//);
    }
  }
});
