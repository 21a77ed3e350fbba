/**
 * The verdicts on traffic nobody arranged: every flow of ../shared/real-captures (35 captures from
 * zeek, arkime, deepflow, CESNET, gopacket, dpkt and an AWS demo, each flow's acceptable verdicts
 * fixed from the packets with tshark in TRUTH.jsonl) gets one of its acceptable verdicts, and no
 * flow the truth does not list is called a problem. Matching as ../shared/real-captures/check.mjs
 * does: protocol, addresses, ports or echo id, tunnel scope, either orientation; a flow split in
 * several parts must have every part acceptable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFile, type Report } from '../src/index.js';

const dir = fileURLToPath(new URL('../../shared/real-captures/', import.meta.url));
const PROBLEMS = new Set(['lossy', 'request-only', 'refused', 'host-unreachable', 'filtered', 'frag-needed']);

interface View {
  proto: string;
  client: string;
  server: string;
  port?: number;
  clientPort?: number;
  echoId?: number;
  tunnel?: string | null;
}
interface TruthFlow extends View {
  acceptable: string[];
  optional?: boolean;
  alt?: Partial<View>[];
}
type Listed = Report['flows'][number];

function tunnelOk(spec: string | null | undefined, t: Listed['tunnel']): boolean {
  if (spec === undefined) return true;
  if (spec === null) return t === null;
  if (t === null) return false;
  const [kind, vni] = spec.split(':');
  if (kind === 'vxlan' || kind === 'geneve') return t.type === kind && (vni === undefined || t.vni === Number(vni));
  return t.type !== 'vxlan' && t.type !== 'geneve';
}

function matches(v: View, g: Listed): boolean {
  if (g.proto !== v.proto || !tunnelOk(v.tunnel, g.tunnel)) return false;
  if (v.echoId !== undefined && g.echoId !== null && g.echoId !== v.echoId) return false;
  const fwd =
    g.client === v.client &&
    g.server === v.server &&
    (v.port === undefined || g.serverPort === v.port) &&
    (v.clientPort === undefined || g.clientPort === v.clientPort);
  const rev =
    g.client === v.server &&
    g.server === v.client &&
    (v.port === undefined || g.clientPort === v.port) &&
    (v.clientPort === undefined || g.serverPort === v.clientPort);
  return fwd || rev;
}

const truth: { capture: string; flows: TruthFlow[] }[] = existsSync(dir + 'TRUTH.jsonl')
  ? readFileSync(dir + 'TRUTH.jsonl', 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l))
  : [];

describe('real captures: every flow an acceptable verdict (../shared/real-captures/TRUTH.jsonl)', () => {
  it('the truth is there to check against', () => expect(truth.length).toBeGreaterThanOrEqual(35));
  for (const cap of truth) {
    it(cap.capture, async () => {
      const r = await analyzeFile(dir + cap.capture, { maxListed: 100_000 });
      const wrong: string[] = [];
      const claimed = new Set<Listed>();
      for (const f of cap.flows) {
        const views = [f, ...(f.alt ?? []).map((a) => ({ ...f, ...a }))];
        const hits = r.flows.filter((g) => views.some((v) => matches(v, g)));
        hits.forEach((g) => claimed.add(g));
        const name = `${f.proto} ${f.client} -> ${f.server}:${f.port ?? f.echoId ?? ''}`;
        if (hits.length === 0 && !f.optional) wrong.push(`${name}: not found`);
        for (const g of hits) if (!f.acceptable.includes(g.verdict)) wrong.push(`${name}: ${g.verdict}, want ${f.acceptable.join('|')}`);
      }
      for (const g of r.flows)
        if (!claimed.has(g) && PROBLEMS.has(g.verdict))
          wrong.push(`${g.proto} ${g.client} -> ${g.server}:${g.serverPort ?? g.echoId}: ${g.verdict}, a problem the truth does not list`);
      expect(wrong).toEqual([]);
    });
  }
});
