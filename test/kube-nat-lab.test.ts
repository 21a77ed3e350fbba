/**
 * samples/kube-nat: real kernels through kube-proxy's NAT (nft DNAT to a pod on the other node,
 * a NodePort with masquerade, the Service IP local on each node), over flannel's VXLAN, captured
 * with real tcpdump on both nodes. Every row of its expected.tsv from the capture and from the
 * three texts tcpdump printed for it; the seed's symptom as one finding, with and without --kube.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyze, analyzeFiles, annotate, type FlowReport, type Report, readCluster, resolver } from '../src/index.js';
import { renderText } from '../src/report/text.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}samples/kube-nat/`;

interface Row {
  inputs: string[];
  proto: string;
  client: string;
  server: string;
  serverPort: number | null;
  verdict: string;
  locus: string | null;
  front: string;
  frontInText: string;
}

const rows: Row[] = readFileSync(`${dir}expected.tsv`, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [inputs, proto, client, server, port, verdict, locus, front, frontInText] = line.split('\t') as string[];
    return {
      inputs: inputs!.split('+'),
      proto: proto!,
      client: client!,
      server: server!,
      serverPort: port ? Number(port) : null,
      verdict: verdict!,
      locus: locus || null,
      front: front!,
      frontInText: frontInText!,
    };
  });

const FORMS = ['', '.nn.txt', '.nn-e.txt', '.nn-v.txt'] as const;
type Form = (typeof FORMS)[number];

const reports = new Map<string, Promise<Report>>();
function report(inputs: string[], form: Form): Promise<Report> {
  const key = inputs.join('+') + form;
  let r = reports.get(key);
  if (!r) reports.set(key, (r = analyzeFiles(inputs.map((f) => dir + f + form))));
  return r;
}

function front(f: FlowReport): string {
  const n = f.nat;
  if (!n) return '';
  return `${n.client}${n.clientPort !== null ? `:${n.clientPort}` : ''} > ${n.server}${n.serverPort !== null ? `:${n.serverPort}` : ''}`;
}

/** What a form can tie: the capture always; a text form when expected.tsv names it (without interfaces, directions or IP ids, nothing tells the two copies apart). */
function frontIn(row: Row, form: Form): string {
  return form === '' || row.frontInText.split(' ').includes(form.slice(1, -4)) ? row.front : '';
}

describe('samples/kube-nat/expected.tsv: every flow, from the capture and from its text', () => {
  for (const form of FORMS) {
    describe(form || 'pcap', () => {
      for (const row of rows) {
        it(`${row.inputs.join(' + ')}: ${row.proto} ${row.client} -> ${row.server}${row.serverPort !== null ? `:${row.serverPort}` : ''} ${row.verdict}${row.front ? ` (front ${row.front})` : ''}`, async () => {
          const r = await report(row.inputs, form);
          const f = r.flows.find((x) => x.proto === row.proto && x.client === row.client && x.server === row.server && x.serverPort === row.serverPort);
          expect(f, r.flows.map((x) => `${x.proto} ${x.client} -> ${x.server}:${x.serverPort}`).join(', ')).toBeDefined();
          expect(f!.verdict).toBe(row.verdict);
          expect(f!.locus).toBe(row.locus);
          expect(front(f!)).toBe(frontIn(row, form));
        });
      }
    });
  }

  it('no flow is stitched that expected.tsv does not stitch, and each stitched pair counts as one flow', async () => {
    for (const set of new Set(rows.map((r) => r.inputs.join('+')))) {
      const inputs = set.split('+');
      const r = await report(inputs, '');
      const want = rows.filter((x) => x.inputs.join('+') === set && x.front).map((x) => x.front);
      expect(r.flows.filter((f) => f.nat).map(front), set).toEqual(expect.arrayContaining(want));
      expect(r.flows.filter((f) => f.nat)).toHaveLength(want.length);
      // Nothing else: the tuple after the rewrite is not listed a second time, nor the one before it.
      for (const w of want) expect(r.flows.filter((f) => `${f.client}:${f.clientPort} > ${f.server}:${f.serverPort}` === w)).toHaveLength(0);
    }
  });
});

describe('the lab itself', () => {
  it('node-a sends no IPv4 of its own where nothing reached it (svc-blocked, nodeport-blocked, stale-fdb): only an ARP reply leaves it', () => {
    for (const s of ['svc-blocked', 'nodeport-blocked', 'stale-fdb']) {
      const text = readFileSync(`${dir}${s}.nodea-any.pcap.nn-e.txt`, 'utf8').trim().split('\n');
      const out = text.filter((l) => / Out /.test(l));
      expect(
        out.filter((l) => l.includes('IPv4')),
        s,
      ).toEqual([]);
      expect(out.filter((l) => l.includes('ARP (0x0806)') && l.includes(': Reply ')).length, s).toBeGreaterThan(0);
    }
  });
});

const SEED =
  'ICMP to Service 10.96.0.20 is answered locally by 192.168.223.131 (the address sits on a local device, kube-ipvs0 or lo); TCP and UDP to it are DNATed to 10.244.2.5, sent in VXLAN 8472 to 192.168.232.130, and no encapsulated packet from 192.168.223.131 arrives at 192.168.232.130: UDP 8472 is dropped between 192.168.223.0/24 and 192.168.232.0/24';

describe("the seed's symptom as one finding (svc-blocked)", () => {
  for (const form of FORMS) {
    it(`both nodes' captures${form ? ` as ${form.slice(1)} text` : ''}: one finding, on the underlay, though node-a is silent`, async () => {
      const r = await report(['svc-blocked.nodeb-any.pcap', 'svc-blocked.nodea-any.pcap'], form);
      expect(r.findings).toHaveLength(1);
      const f = r.findings[0]!;
      expect(f.title).toBe(SEED);
      expect(f).toMatchObject({ verdict: 'request-only', locus: 'underlay', count: 3 });
      expect(f.service).toEqual({
        address: '10.96.0.20',
        answeredBy: ['192.168.223.131'],
        protocols: ['TCP', 'UDP'],
        backends: ['10.244.2.5'],
        from: ['192.168.223.131'],
        to: ['192.168.232.130'],
      });
      expect(r.inputs[1]!.nodeAddresses).toContain('192.168.232.130');
    });
  }

  for (const form of FORMS) {
    it(`node-a's underlay NIC alone${form ? ` as ${form.slice(1)} text` : ''} (Ethernet: no direction, no encapsulated packet, one ARP answered): still node-a, still the underlay`, async () => {
      const r = await report(['svc-blocked.nodeb-any.pcap', 'svc-blocked.nodea-ens224.pcap'], form);
      expect(r.inputs[1]!.nodeAddresses).toEqual(['192.168.232.130']);
      expect(r.inputs[1]!.nodeEvidence![0]!.clue).toContain('answers ARP for it');
      expect(r.findings.map((f) => [f.locus, f.title])).toEqual([['underlay', SEED]]);
    });
  }

  it("node-b's capture alone: the same finding, past the capture point, asking for node-a's capture", async () => {
    const r = await report(['svc-blocked.nodeb-any.pcap'], '.nn-e.txt');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.locus).toBe('beyond');
    expect(r.findings[0]!.title).toContain(
      'nothing comes back from 192.168.232.130: UDP 8472 is dropped between 192.168.223.0/24 and 192.168.232.0/24, or 192.168.232.130 does not answer (capture on 192.168.232.130 too, to tell which)',
    );
  });

  for (const file of ['cluster.yaml', 'cluster.json']) {
    it(`with --kube ${file}: the Service, the pods and the nodes are named`, async () => {
      const c = await readCluster([dir + file]);
      const r = await analyze(
        ['svc-blocked.nodeb-any.pcap.nn-e.txt', 'svc-blocked.nodea-any.pcap.nn-e.txt'].map((f) => ({ path: dir + f })),
        { resolveNode: resolver(c), annotate: (x) => annotate(x, c) },
      );
      expect(r.cluster!.nodes).toEqual(['node-b', 'node-a']);
      expect(r.cluster!.findings).toEqual([]);
      expect(r.findings).toHaveLength(1);
      const text = renderText(r, false, { width: 1000 });
      expect(text).toContain(
        'ICMP to Service svc default/web (10.96.0.20) is answered locally by node-b (192.168.223.131) (the address sits on a local device, kube-ipvs0 or lo); TCP and UDP to it are DNATed to pod default/web-0 (10.244.2.5) on node-a, sent in VXLAN 8472 to node-a (192.168.232.130), and no encapsulated packet from node-b (192.168.223.131) arrives at node-a (192.168.232.130): UDP 8472 is dropped between 192.168.223.0/24 and 192.168.232.0/24',
      );
      expect(text).toContain(
        'tcp pod default/client-0 (10.244.3.5:41234) on node-b -> svc default/web (10.96.0.20:80), DNATed to pod default/web-0 (10.244.2.5:80) on node-a via vxlan to 192.168.232.130',
      );
    });
  }

  it('the JSON report with a stitched connection and a Service finding follows the published schema', async () => {
    const schema = JSON.parse(readFileSync(`${root}schema/report.schema.json`, 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    ajv.addSchema(schema);
    const r = await report(['svc-blocked.nodeb-any.pcap', 'svc-blocked.nodea-any.pcap'], '');
    const doc = JSON.parse(JSON.stringify(r));
    expect(ajv.validate(schema.$id, doc), JSON.stringify(ajv.errors)).toBe(true);
    const tcp = r.flows.find((f) => f.proto === 'tcp')!;
    expect(tcp.nat).toMatchObject({ rewrote: 'destination', via: 'vxlan to 192.168.232.130', input: `${dir}svc-blocked.nodeb-any.pcap` });
    expect(tcp.hops[0]!.requestPath.map((s) => s.nat ?? s.ifindex)).toEqual([
      5,
      { from: '10.244.3.5:41234 > 10.96.0.20:80', to: '10.244.3.5:41234 > 10.244.2.5:80' },
      4,
      3,
      2,
    ]);
  });
});

describe('the other scenarios', () => {
  it('svc-healthy: nothing to find; ping, TCP and UDP to the Service all answered', async () => {
    const r = await report(['svc-healthy.nodeb-any.pcap', 'svc-healthy.nodea-any.pcap'], '');
    expect(r.findings).toEqual([]);
    expect(r.summary.problems).toBe(0);
    expect(r.summary.flows).toBe(4);
  });

  it('nodeport-healthy: the front is the NodePort on node-b, both ends rewritten', async () => {
    const r = await report(['nodeport-healthy.nodeb-any.pcap'], '.nn.txt');
    const f = r.flows.find((x) => x.nat)!;
    expect(f.nat).toMatchObject({ client: '192.168.223.1', clientPort: 41236, server: '192.168.223.131', serverPort: 30080, rewrote: 'both' });
    expect([f.client, f.server, f.serverPort]).toEqual(['10.244.3.0', '10.244.2.5', 80]);
  });

  it('nodeport-blocked: the NodePort on node-b, not a Service address, and no echo clause (ping to a node proves nothing of a NodePort)', async () => {
    const r = await report(['nodeport-blocked.nodeb-any.pcap', 'nodeport-blocked.nodea-any.pcap'], '.nn-e.txt');
    expect(r.findings.map((f) => f.title)).toEqual([
      'TCP to NodePort 192.168.223.131:30080 is DNATed to 10.244.2.5, sent in VXLAN 8472 to 192.168.232.130, and no encapsulated packet from 192.168.223.131 arrives at 192.168.232.130: UDP 8472 is dropped between 192.168.223.0/24 and 192.168.232.0/24',
    ]);
    expect(r.findings[0]!.service!.address).toBe('192.168.223.131:30080');
  });

  it('stale-fdb: the router reports the stale address unreachable; --kube finds it is no node', async () => {
    const c = await readCluster([`${dir}cluster.yaml`]);
    const r = await analyze(
      ['stale-fdb.nodeb-any.pcap', 'stale-fdb.nodea-any.pcap'].map((f) => ({ path: dir + f })),
      { resolveNode: resolver(c), annotate: (x) => annotate(x, c) },
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.verdict).toBe('host-unreachable');
    expect(r.findings[0]!.title).toContain('192.168.223.1 reports 192.168.232.131 unreachable');
    expect(r.cluster!.findings.map((f) => f.check)).toEqual(['not-a-node']);
    expect(r.cluster!.findings[0]!.title).toContain('192.168.232.131');
  });
});
