/**
 * The command behaves as tools people know: "-" is stdin wherever it is, Ctrl-C prints the report
 * of what was read (exit 3), an unreadable input is exit 2 with the others still reported,
 * --version and --help, "did you mean", colors by NO_COLOR / FORCE_COLOR / --color / TERM=dumb,
 * warnings said once. The built command is run as a user runs it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { didYouMean, parseArgs } from '../src/cli/args.js';
import { useColor } from '../src/cli/color.js';
import { progressLine, showProgress } from '../src/cli/progress.js';
import { onSignals } from '../src/cli/signals.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}bin/analyze.js`;
const lab = (f: string) => `${root}samples/lab/${f}`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

beforeAll(() => {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', root], { stdio: 'pipe' });
}, 60_000);

/** Runs the command; env replaces the variables that decide colors. */
function cli(args: string[], opts: { input?: Buffer | string; env?: Record<string, string> } = {}) {
  const env = { ...process.env, NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm', ...opts.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR'] as const) if (env[k] === '') delete env[k];
  const r = spawnSync(process.execPath, [bin, ...args], { input: opts.input ?? '', encoding: 'utf8', env, timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('stdin as "-"', () => {
  const pcap = readFileSync(lab('healthy-icmp.nodea-any.pcap'));
  it('"-" alone reads stdin', () => {
    const r = cli(['-'], { input: pcap });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^overlay-analyzer: 1 input, 32 packets, .*\n {2}stdin: pcap, 32 packets,/);
  });
  it('"-" after a file reads stdin as a second capture point', () => {
    const r = cli([lab('blocked-8472.nodeb-any.pcap'), '-'], { input: readFileSync(lab('blocked-8472.nodea-any.pcap')) });
    expect(r.out.split('\n')[0]).toMatch(/^overlay-analyzer: 2 inputs, 80 packets,/);
    expect(r.out.replace(/\n {4}/g, ' ')).toContain(`\n  ${lab('blocked-8472.nodeb-any.pcap')}: pcap, 58 packets,`);
    expect(r.out).toContain('\n  stdin: pcap, 22 packets,');
  });
  it('"-" twice reads stdin once', () => {
    const r = cli(['-', '-'], { input: pcap });
    expect(r.out).toMatch(/^overlay-analyzer: 1 input, 32 packets, .*\n {2}stdin: pcap, 32 packets,/);
  });
});

describe('exit statuses', () => {
  it('0 healthy, 1 a problem', () => {
    expect(cli([lab('healthy-icmp.nodea-any.pcap')]).code).toBe(0);
    expect(cli([lab('blocked-8472.nodeb-any.pcap')]).code).toBe(1);
  });
  it('2 when one input of several cannot be read: the readable one is still reported', () => {
    const r = cli([lab('blocked-8472.nodeb-any.pcap'), '/nonexistent/x.pcap']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('analyze: /nonexistent/x.pcap: no such file\n');
    expect(r.err).not.toContain('warning: /nonexistent');
    expect(r.out).toContain('Verdicts: 2 healthy, 2 request-only;');
  });
  it('2 for a usage error, with "did you mean" for a near flag', () => {
    const r = cli(['--formt', 'json', lab('healthy-icmp.nodea-any.pcap')]);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toBe('analyze: unknown option --formt: did you mean --format? (analyze --help lists the options)\n');
    expect(didYouMean('--max-flow')).toBe('--max-flows');
    expect(didYouMean('--colour')).toBe('--color');
    expect(didYouMean('-v')).toBe('-V (--version)');
    expect(didYouMean('--zzzzzz')).toBeNull();
  });
});

describe('arguments', () => {
  it('read the same without yargs (the usual forms) and with it (forms only it takes)', async () => {
    const quick = await parseArgs(['-f', 'json', '--vxlan-port', '9000', '--flow=2', '--flow', '3', 'a.pcap', '-', '--max-flows', '10']);
    expect(quick).toMatchObject({
      run: { files: ['a.pcap', '-'], format: 'json', vxlanPorts: [9000], flows: [2, 3], maxFlows: 10, follow: false, color: 'auto', replyTimeout: 1 },
    });
    // --no-follow and a camel-cased flag are yargs' forms: the same options come out.
    const slow = await parseArgs(['--no-follow', '-f', 'json', '--vxlanPort', '9000', '--flow=2', '--flow', '3', 'a.pcap', '-', '--maxFlows', '10']);
    expect(slow).toEqual(quick);
    expect(await parseArgs(['--format', 'xml', 'a.pcap'])).toMatchObject({ error: expect.stringContaining('Invalid values') });
    // Given twice, the last one counts, both ways.
    expect(await parseArgs(['--format', 'json', '--format', 'text', 'a.pcap'])).toMatchObject({ run: { format: 'text' } });
    expect(await parseArgs(['--format', 'json', '--format', 'text', '--no-follow', 'a.pcap'])).toMatchObject({ run: { format: 'text' } });
  });
});

describe('--version and --help', () => {
  it('--version and -V print the package version', () => {
    for (const f of ['--version', '-V']) expect(cli([f])).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });
  it('--help has the three uses as examples and the exit statuses', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('tcpdump -i any -s0 -nn -e -l | analyze --follow');
    expect(r.out).toContain('analyze - < pasted.txt');
    expect(r.out).toContain('analyze node-a.pcap node-b.pcapng.gz');
    for (const code of ['0  every flow is healthy', '1  a problem', '2  usage error', '3  the report is partial']) expect(r.out).toContain(code);
  });
});

describe('colors', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('the rules', () => {
    expect(useColor('auto', {}, tty)).toBe(true);
    expect(useColor('auto', {}, pipe)).toBe(false);
    expect(useColor('auto', { NO_COLOR: '1' }, tty)).toBe(false);
    expect(useColor('auto', { NO_COLOR: '' }, tty)).toBe(true); // set but empty: not set
    expect(useColor('auto', { TERM: 'dumb' }, tty)).toBe(false);
    expect(useColor('auto', { FORCE_COLOR: '1' }, pipe)).toBe(true);
    expect(useColor('auto', { FORCE_COLOR: '0' }, tty)).toBe(false);
    expect(useColor('always', { NO_COLOR: '1' }, pipe)).toBe(true);
    expect(useColor('never', { FORCE_COLOR: '1' }, tty)).toBe(false);
  });
  const f = lab('blocked-8472.nodeb-any.pcap');
  const esc = '\u001b[';
  it('the command: none in a pipe, FORCE_COLOR and --color always give them, --color never and NO_COLOR win over a forced auto', () => {
    expect(cli([f]).out).not.toContain(esc);
    expect(cli([f], { env: { FORCE_COLOR: '1' } }).out).toContain(`${esc}31mrequest-only`);
    expect(cli(['--color', 'always', f], { env: { TERM: 'dumb' } }).out).toContain(esc);
    expect(cli(['--color', 'never', f], { env: { FORCE_COLOR: '1' } }).out).not.toContain(esc);
    expect(cli(['--color=always', f]).out).toContain(`${esc}1moverlay-analyzer`);
  });
});

describe('warnings once', () => {
  it('on stderr, and only counted in the text report', () => {
    const r = cli([lab('snap80.nodea-ens224.pcap')]);
    const warnings = r.err.split('\n').filter((l) => l.startsWith('analyze: warning: '));
    expect(warnings.length).toBeGreaterThan(0);
    expect(r.out).toContain(`\n${warnings.length} warning${warnings.length === 1 ? '' : 's'} (above, on stderr)\n`);
    for (const w of warnings) expect(r.out).not.toContain(w.slice('analyze: warning: '.length));
  });
});

describe('--follow', () => {
  it('a line per broken flow on stderr, the report on stdout', () => {
    const r = cli(['--follow', '-'], { input: readFileSync(lab('blocked-8472.nodeb-any.pcap.nn-e.txt')) });
    expect(r.code).toBe(1);
    const lines = r.err.split('\n').filter((l) => l.startsWith('request-only '));
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'request-only icmp 10.244.3.2 -> 10.244.2.2 over vxlan vni 1',
      'request-only tcp 10.244.3.2.53300 -> 10.244.2.2.8080 over vxlan vni 1',
    ]);
    expect(r.out).toContain('Verdicts: 2 healthy, 2 request-only;');
  });
});

describe('Ctrl-C while reading stdin', () => {
  // Half a capture written, stdin left open as a live tcpdump leaves it, then SIGINT.
  async function interrupted(file: string): Promise<{ code: number | null; out: string; err: string; signal: string | null }> {
    const child = spawn(process.execPath, [bin, '-'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const bytes = readFileSync(lab(file));
    child.stdin.write(bytes.subarray(0, bytes.length >> 1));
    // Wait until it has read and sniffed the input (the writes were taken), then interrupt.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, out, err, signal });
      });
    });
  }

  it('prints the report of what was read, says the input was cut, exits 3', async () => {
    const r = await interrupted('blocked-8472.nodea-any.pcap');
    expect(r.code).toBe(3);
    // 22 packets in the whole file: the first half's records are all read, none of the rest.
    const m = /^overlay-analyzer: 1 input, (\d+) packets,/.exec(r.out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(5);
    expect(Number(m![1])).toBeLessThan(22);
    expect(r.out).toContain('vxlan vni 1 on UDP 8472');
    expect(r.err).toContain('analyze: interrupted: the report of what was read follows');
    expect(r.err).toContain('analyze: warning: interrupted: stdin was not read to the end; the report covers what was read\n');
  }, 20_000);

  it('tcpdump text too', async () => {
    const r = await interrupted('blocked-8472.nodea-any.pcap.nn-e.txt');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^overlay-analyzer: 1 input, \d+ packets, .*\n {2}stdin: text, \d+ packets/);
  }, 20_000);

  it('a second Ctrl-C quits at once (130; 143 for SIGTERM)', () => {
    for (const [sig, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const abort = new AbortController();
      const said: string[] = [];
      const exits: number[] = [];
      const uninstall = onSignals(
        abort,
        (s) => said.push(s),
        (c) => void exits.push(c),
      );
      process.emit(sig);
      expect([abort.signal.aborted, exits]).toEqual([true, []]);
      expect(said).toHaveLength(1);
      process.emit(sig);
      expect(exits).toEqual([code]);
      uninstall();
    }
  });
});

describe('progress on stderr', () => {
  const p = { input: 0, name: 'big.pcap', bytes: 25e6, size: 100e6, packets: 120_000, open: 3400 };
  it('the line: bytes of the size, packets, flows open, rate', () => {
    expect(progressLine(p, 2)).toBe('big.pcap: 25.0 MB / 100.0 MB (25%), 120000 packets, 3400 flows open, 12.5 MB/s');
    expect(progressLine({ ...p, size: null }, 0)).toBe('big.pcap: 25.0 MB, 120000 packets, 3400 flows open');
  });

  function fakeErr(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, columns: 200, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
  }

  it('on a terminal: nothing in the first second, then the line redrawn; erased at the end', () => {
    vi.useFakeTimers();
    try {
      const err = fakeErr(true);
      const d = showProgress({ ...p }, err.stream);
      vi.advanceTimersByTime(900);
      expect(err.writes).toEqual([]);
      vi.advanceTimersByTime(600);
      const last = err.writes.at(-1)!;
      expect(last.startsWith('\r\u001b[K')).toBe(true);
      expect(last.slice(4)).toMatch(/^big\.pcap: 25\.0 MB \/ 100\.0 MB \(25%\), 120000 packets, 3400 flows open, [\d.]+ MB\/s$/);
      d.stop();
      expect(err.writes.at(-1)).toBe('\r\u001b[K');
      const n = err.writes.length;
      vi.advanceTimersByTime(5000);
      expect(err.writes.length).toBe(n);
    } finally {
      vi.useRealTimers();
    }
  });

  it('not a terminal: nothing at all', () => {
    vi.useFakeTimers();
    try {
      const err = fakeErr(false);
      const d = showProgress({ ...p }, err.stream);
      vi.advanceTimersByTime(5000);
      d.stop();
      expect(err.writes).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
