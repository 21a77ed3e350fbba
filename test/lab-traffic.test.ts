/**
 * samples/traffic/: real kernel TCP, UDP and ICMP traffic through the lab's VXLAN overlay (issue
 * 12's cases: a transfer caught mid-stream, loss on the underlay, SYN retries, keep-alives, one-way
 * syslog, DNS, traceroute, ping to self), each flow's verdict fixed from the packets with tshark in
 * samples/traffic/expected.tsv. Checked from the pcap and from its three tcpdump texts; a row
 * without a server port holds for every flow it matches (traceroute's probes each have their own).
 *
 * KNOWN_WRONG lists the checks the verdict logic still gets wrong, each with why (none today); they run as
 * it.fails, so each one that starts passing fails the suite until it is taken off the list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFile, analyzeFiles, type Report } from '../src/index.js';
import { expectations } from './helpers/expected.js';

const dir = fileURLToPath(new URL('../samples/traffic/', import.meta.url));

const VARIANTS = ['', '.nn.txt', '.nn-e.txt', '.nn-v.txt'];
const rowName = (e: Expected) => `${e.proto} ${e.client} -> ${e.server}${e.serverPort === null ? '' : ':' + e.serverPort}`;

/**
 * "capture rowName" for every text variant and the pcap, unless a variant is named
 * ("capture.nn.txt rowName"). Today's verdict in the comment.
 */
const KNOWN_WRONG = new Set<string>([]);

const reports = new Map<string, Promise<Report>>();
function report(path: string): Promise<Report> {
  if (!reports.has(path)) reports.set(path, analyzeFile(path));
  return reports.get(path)!;
}

describe('samples/traffic: real kernel traffic, each flow its verdict from the packets', () => {
  const rows = expectations(dir + 'expected.tsv');
  it('has expectations for every capture, and a capture for every expectation', () => {
    const captures = new Set(rows.map((e) => e.file));
    expect([...captures].filter((f) => !existsSync(dir + f))).toEqual([]);
    for (const f of captures) for (const v of VARIANTS) expect(existsSync(dir + f + v), f + v).toBe(true);
    expect(captures.size).toBeGreaterThanOrEqual(25);
  });
  it('every known-wrong entry names a check that exists', () => {
    const checks = new Set(rows.flatMap((e) => VARIANTS.map((v) => `${e.file}${v} ${rowName(e)}`)));
    expect([...KNOWN_WRONG].filter((k) => !checks.has(k))).toEqual([]);
  });
  for (const e of rows) {
    for (const variant of VARIANTS) {
      const name = `${e.file}${variant} ${rowName(e)}`;
      const check = KNOWN_WRONG.has(name) ? it.fails : it;
      check(`${name}: ${e.verdict}`, async () => {
        const r = await report(dir + e.file + variant);
        const flows = r.flows.filter(
          (x) => x.proto === e.proto && x.client === e.client && x.server === e.server && (e.serverPort === null || x.serverPort === e.serverPort),
        );
        expect(
          flows.length,
          `${rowName(e)} in ${e.file}${variant}: ${r.flows.map((x) => `${x.proto} ${x.client}->${x.server}:${x.serverPort ?? ''}`).join(', ')}`,
        ).toBeGreaterThan(0);
        for (const f of flows) expect(`${rowName(e)}:${f.serverPort ?? ''} ${f.verdict}`).toBe(`${rowName(e)}:${f.serverPort ?? ''} ${e.verdict}`);
      });
    }
  }
});

/**
 * Both nodes' -i any captures of one scenario read together: the verdict of pod B's flow to pod A,
 * which both saw. Known wrong today, with today's verdict: tcp-midstream lossy, tcp-underlay-loss,
 * syn-retry and syn-retry-backoff healthy, udp-syslog-oneway request-only at "remote-node" (the
 * datagrams reached node A and nothing answered: a false problem).
 */
const BOTH_NODES: [scenario: string, proto: string, port: number, verdict: string, knownWrong: boolean][] = [
  ['tcp-midstream', 'tcp', 8080, 'healthy', false],
  ['tcp-underlay-loss', 'tcp', 8080, 'lossy', false],
  ['syn-retry', 'tcp', 8080, 'lossy', false],
  ['syn-retry-backoff', 'tcp', 8080, 'lossy', false],
  ['tcp-fin-rst', 'tcp', 8080, 'healthy', false],
  ['tcp-keepalive', 'tcp', 8080, 'healthy', false],
  ['udp-syslog-oneway', 'udp', 514, 'incomplete', false],
  ['udp-syslog-blocked', 'udp', 514, 'request-only', false],
  ['udp-dns', 'udp', 53, 'healthy', false],
];

describe("samples/traffic: both nodes' captures of one scenario together", () => {
  for (const [scenario, proto, port, verdict, knownWrong] of BOTH_NODES) {
    (knownWrong ? it.fails : it)(`${scenario}: ${proto} 10.244.3.2 -> 10.244.2.2:${port} ${verdict}`, async () => {
      const r = await analyzeFiles([`${dir}${scenario}.nodea-any.pcap`, `${dir}${scenario}.nodeb-any.pcap`]);
      const flows = r.flows.filter((x) => x.proto === proto && x.client === '10.244.3.2' && x.server === '10.244.2.2' && x.serverPort === port);
      expect(flows.map((f) => f.verdict)).toEqual([verdict]);
    });
  }

  // One-way traffic the receiving node's capture shows never arrived, from the captures and their -e texts.
  for (const variant of ['', '.nn-e.txt']) {
    it(`udp-syslog-blocked${variant}: the datagrams that never reached node A are lost on the underlay`, async () => {
      const r = await analyzeFiles([`${dir}udp-syslog-blocked.nodeb-any.pcap${variant}`, `${dir}udp-syslog-blocked.nodea-any.pcap${variant}`]);
      const f = r.flows.find((x) => x.proto === 'udp' && x.serverPort === 514)!;
      expect([f.verdict, f.locus]).toEqual(['request-only', 'underlay']);
      expect(f.explanation).toMatch(/none arrived at 192\.168\.232\.130/);
    });
  }
});
