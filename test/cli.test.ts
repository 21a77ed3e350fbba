/**
 * The command line where issue 6 touched it: the flow-table bound (--max-flows) says when it stops
 * following new conversations, in the report and on stderr; and no file with a terminal for stdin
 * is a usage error instead of a wait for typing that never ends.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import { main, NO_INPUT, waitsOnTerminal } from '../src/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const capture = fileURLToPath(new URL('../samples/lab/blocked-8472.nodeb-any.pcap', import.meta.url));
const bin = root + 'bin/analyze.js';
const NOTE = /^\d+ flows? (was|were) closed before going idle, to keep at most \d+ open at once \(--max-flows\)/;

/** The CLI runs the compiled dist/: build it from the sources under test first. */
beforeAll(() => {
  execFileSync(process.execPath, [root + 'node_modules/typescript/bin/tsc', '-p', root], { stdio: 'pipe' });
}, 60_000);

/** main() in-process with stderr and stdout captured. */
async function run(argv: string[], stdin: { isTTY?: boolean }): Promise<{ code: number; err: string; out: string }> {
  let err = '';
  let out = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const code = await main(argv, stdin);
  vi.restoreAllMocks();
  return { code, err, out };
}
afterEach(() => vi.restoreAllMocks());

describe('--max-flows', () => {
  // blocked-8472.nodeb-any.pcap: 58 packets, 4 conversations (B's ping and SYN to A, A's ping to B, a ping to the gateway).
  it('unbounded: 4 flows, no note', async () => {
    const r = await analyzeFiles([capture]);
    expect(r.summary.flows).toBe(4);
    expect(r.warnings.filter((w) => NOTE.test(w))).toEqual([]);
  });

  // Its conversations follow one another, so closing the least recently active one early changes no verdict.
  const all = [
    ['icmp 10.244.3.2', 'request-only'],
    ['tcp 10.244.3.2', 'request-only'],
    ['icmp 10.244.2.2', 'healthy'],
    ['icmp 192.168.223.131', 'healthy'],
  ];
  for (const max of [1, 2, 3]) {
    it(`maxFlows ${max}: at most ${max} open, the least recently active closed early, one note with the count`, async () => {
      const r = await analyzeFiles([capture], { maxFlows: max });
      expect(r.flows.map((f) => [`${f.proto} ${f.client}`, f.verdict])).toEqual(all);
      // Every packet is still counted and followed.
      expect(r.summary.packets).toBe(58);
      expect(r.inputs[0]!.packets).toBe(58);
      const evicted = 4 - max;
      expect(r.warnings.filter((w) => NOTE.test(w))).toEqual([
        `${evicted} ${evicted === 1 ? 'flow was' : 'flows were'} closed before going idle, to keep at most ${max} open at once (--max-flows): each is judged on what it had seen by then`,
      ]);
    });
  }

  it('the CLI says it on stderr, counts it in the text report, lists it in JSON, and exits 3', async () => {
    const line = '3 flows were closed before going idle, to keep at most 1 open at once (--max-flows): each is judged on what it had seen by then';
    const text = spawnSync(process.execPath, [bin, '--max-flows', '1', capture], { encoding: 'utf8', timeout: 20_000 });
    // Flows closed early: the report is partial (exit 3), and the warning is said once, on stderr.
    expect(text.status).toBe(3);
    expect(text.stderr).toBe(`analyze: warning: ${line}\n`);
    // Warnings are printed once, on stderr; the report only counts them.
    expect(text.stdout).toContain('\n1 warning (above, on stderr)\n');
    expect(text.stdout).not.toContain(line);
    expect(text.stdout).toContain('58 packets, 4 flows');
    expect(text.stdout).toContain('Verdicts: 2 healthy, 2 request-only;');
    const json = spawnSync(process.execPath, [bin, '--format', 'json', '--max-flows', '2', capture], { encoding: 'utf8', timeout: 20_000 });
    const report = JSON.parse(json.stdout);
    expect(report.warnings).toEqual([line.replace(/^3 flows were/, '2 flows were').replace('most 1 open', 'most 2 open')]);
    expect(report.flows).toHaveLength(4);
  });

  it('a bound that is not a positive whole number is a usage error', async () => {
    for (const bad of ['0', '-1', '1.5', 'x']) {
      const r = await run(['--max-flows', bad, capture], { isTTY: false });
      expect([r.code, r.out]).toEqual([2, '']);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('no file and stdin a terminal', () => {
  it('the decision: only no file with a terminal', () => {
    expect(waitsOnTerminal([], { isTTY: true })).toBe(true);
    expect(waitsOnTerminal([], { isTTY: false })).toBe(false);
    expect(waitsOnTerminal([], {})).toBe(false); // a pipe or file: isTTY is undefined
    expect(waitsOnTerminal(['-'], { isTTY: true })).toBe(false); // asked for: paste, then Ctrl-D
    expect(waitsOnTerminal(['x.pcap'], { isTTY: true })).toBe(false);
  });

  it('main: one usage line on stderr, exit 2, nothing read', async () => {
    const r = await run([], { isTTY: true });
    expect(r).toEqual({ code: 2, err: `analyze: ${NO_INPUT}\n`, out: '' });
  });

  // A real pseudo-terminal (util-linux script), its input left open like a person who types
  // nothing: before the fix this waited for ever (here: until the 10 s limit).
  it.skipIf(!existsSync('/usr/bin/script'))(
    'bin/analyze.js under a pseudo-terminal exits 2 at once',
    async () => {
      const child = spawn('/usr/bin/script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)}`, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      const status = await new Promise<number | string>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve('still waiting after 10 s');
        }, 10_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve(code ?? -1);
        });
      });
      child.stdin.end();
      expect(status).toBe(2);
      expect(out.replace(/\r/g, '')).toContain(`analyze: ${NO_INPUT}\n`);
    },
    20_000,
  );
});
