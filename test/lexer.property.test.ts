/**
 * The tcpdump text reader on hostile text: arbitrary strings and unicode, token soup made of real
 * tcpdump words, mutations and truncations of real tcpdump lines (the lab's text and tcpdump's own
 * test outputs), very long lines, and lines of one token repeated (regular expressions that
 * backtrack, and string building that copies, turn those quadratic).
 *
 * What must hold for any text: no exception, a time bound, every warning and packet names a line
 * that exists and is not blank, and the result does not depend on how the text was cut into chunks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastRecord } from '../src/lexer/fast.js';
import { endsWithTunnelHeader, grammarRecord, maybeNoise, NOISE, parseText, TextReader, TUNNEL_HEADER_END } from '../src/lexer/index.js';
import { splitPort } from '../src/lexer/packet.js';
import type { ParsedNet } from '../src/lexer/parser.js';
import { fastTransport, joinTokens, parseTcp, tailText } from '../src/lexer/tail.js';
import { plainLexer } from '../src/lexer/tokens.js';
import { emptyFrame, type Ip, type Packet } from '../src/model.js';
import type { InputWarning } from '../src/readers/types.js';
import { labDir } from './helpers/lab.js';

/** Generated cases per property (reported in the closing note of issue 6). */
export const RUNS = {
  arbitrary: 300,
  unicode: 300,
  tokenSoup: 500,
  mutations: 1000,
  chunking: 300,
  tails: 20000,
  tunnelEnds: 20000,
  times: 5000,
  fastRecords: 20000,
  tcpLines: 20000,
};
/** A few kB of text is a millisecond or two; this catches only blow-ups. */
const TIME_LIMIT_MS = 200;
/** A 100 kB line of one token repeated: linear work is tens of ms; quadratic was 0.5 to 20 s. */
const LONG_LINE_LIMIT_MS = 250;

const testsDir = new URL('../../shared/tcpdump-tests/', import.meta.url);

/** Non-blank lines of the lab's tcpdump text and of tcpdump's test outputs (the INDEX.tsv ones). */
function realLines(): string[] {
  const lines = new Set<string>();
  for (const f of readdirSync(labDir)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    for (const l of readFileSync(labDir + f, 'utf8').split('\n')) if (l.trim()) lines.add(l);
  }
  const index = new URL('INDEX.tsv', testsDir);
  if (existsSync(index)) {
    for (const row of readFileSync(index, 'utf8').trim().split('\n').slice(1)) {
      const out = row.split('\t')[2];
      if (!out || !existsSync(new URL(out, testsDir))) continue;
      for (const l of readFileSync(new URL(out, testsDir), 'utf8').split('\n')) if (l.trim()) lines.add(l);
    }
  }
  return [...lines];
}
const LINES = realLines();
/** The words of those lines: what token soup is made of. */
const WORDS = [
  ...new Set(
    LINES.slice(0, 5000)
      .flatMap((l) => l.split(/\s+/))
      .filter(Boolean),
  ),
];

interface Read {
  packets: Packet[];
  warnings: InputWarning[];
  lines: number;
  stats: TextReader['stats'];
}

function readChunks(chunks: string[]): Read {
  const packets: Packet[] = [];
  const warnings: InputWarning[] = [];
  const r = new TextReader(
    'text',
    0,
    (p) => packets.push(p),
    (w) => warnings.push(w),
  );
  for (const c of chunks) r.push(c);
  r.end();
  return { packets, warnings, lines: r.stats.lines, stats: r.stats };
}

/** What is wrong with the reading of `text` (empty when nothing). */
function problems(text: string, r: Read, ms: number, limit = TIME_LIMIT_MS): string[] {
  const bad: string[] = [];
  const lines = text.split('\n');
  const real = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= r.lines && lines[(n as number) - 1]!.trim() !== '';
  for (const w of r.warnings) {
    if (!real(w.line)) bad.push(`warning on line ${w.line} of ${r.lines}: ${w.message}`);
    if (w.offset !== undefined) bad.push(`text warning with a byte offset: ${w.message}`);
  }
  for (const p of r.packets) {
    if (!real(p.line)) bad.push(`packet ${p.no} on line ${p.line} of ${r.lines}`);
    if (!Number.isFinite(p.no) || p.no < 0) bad.push(`packet number ${p.no}`);
    if (p.ts !== null && !Number.isFinite(p.ts)) bad.push(`packet time ${p.ts}`);
  }
  if (r.lines !== lines.length - (text.endsWith('\n') ? 1 : 0) && text !== '') bad.push(`${r.lines} lines counted, ${lines.length} in the text`);
  if (ms >= limit) bad.push(`took ${ms.toFixed(0)} ms`);
  return bad;
}

function check(text: string, what: string, limit?: number): Read {
  const t0 = performance.now();
  const r = readChunks([text]);
  const bad = problems(text, r, performance.now() - t0, limit);
  if (bad.length > 0) throw new Error(`${what}: ${JSON.stringify(text.slice(0, 300))}: ${bad.slice(0, 5).join('; ')}`);
  return r;
}

/** Packets and warnings as comparable data. */
const shape = (r: Read) => JSON.stringify([r.packets, r.warnings, r.lines, r.stats]);

describe('text reader: arbitrary text', () => {
  it('has real tcpdump lines to work from', () => {
    expect(LINES.length).toBeGreaterThan(3000);
    expect(WORDS.length).toBeGreaterThan(1000);
  });

  it('any printable string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (s) => void check(s, 'string')),
      { numRuns: RUNS.arbitrary },
    );
  });

  it('any unicode, lone surrogates and control characters included', () => {
    const text = fc
      .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }), fc.constantFrom('\n', '\r\n', '\r', '\t', '\0', '\u2028', '\ufeff')), { maxLength: 30 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(text, (s) => void check(s, 'unicode')),
      { numRuns: RUNS.unicode },
    );
  });

  it('token soup: real tcpdump words in random order, lines and indentation', () => {
    const sep = fc.constantFrom(' ', ' ', ' ', '\n', '\n    ', ', ', ': ', '\r\n', '\t', '');
    const text = fc.array(fc.tuple(fc.constantFrom(...WORDS), sep), { maxLength: 200 }).map((a) => a.map(([w, s]) => w + s).join(''));
    fc.assert(
      fc.property(text, (s) => void check(s, 'token soup')),
      { numRuns: RUNS.tokenSoup },
    );
  });

  it('the reading does not depend on where the chunks were cut', () => {
    const lines = fc.array(fc.oneof(fc.constantFrom(...LINES), fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 12 });
    const text = fc.tuple(lines, fc.constantFrom('\n', '\r\n'), fc.array(fc.nat(), { maxLength: 8 })).map(([ls, nl, cuts]) => [ls.join(nl), cuts] as const);
    fc.assert(
      fc.property(text, ([s, cuts]) => {
        const at = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const c of at) {
          chunks.push(s.slice(prev, c));
          prev = c;
        }
        chunks.push(s.slice(prev));
        expect(shape(readChunks(chunks))).toBe(shape(readChunks([s])));
      }),
      { numRuns: RUNS.chunking },
    );
  });
});

describe('text reader: real tcpdump lines cut and mutated', () => {
  it('a VXLAN record cut inside its inner frame: the outer packet, a warning on its line (it used to throw)', () => {
    const text =
      '05:23:24.683108 00:0c:29:7a:10:31 > 00:50:56:c0:00:04, ethertype IPv4 (0x0800), length 148: 192.168.223.131.44625 > 192.168.232.130.8472: OTV, flags [I] (0x08), overlay 0, instance 1\n5a:af:8c:67:f0:d6 > 0';
    const r = check(text, 'cut VXLAN record');
    expect(r.packets.map((p) => [p.line, p.frame.ip?.src, p.frame.l4?.kind])).toEqual([[1, '192.168.223.131', 'udp']]);
    expect(r.warnings.map((w) => [w.line, w.message.slice(0, 13)])).toEqual([[1, 'read in part ']]);
  });

  it('every truncation of the first records of each lab text file', () => {
    let cases = 0;
    for (const f of readdirSync(labDir)
      .filter((f) => f.endsWith('.txt'))
      .sort()) {
      // The first two lines: a -v record spans two, a VXLAN record's inner frame is on the next.
      const text = readFileSync(labDir + f, 'utf8')
        .split('\n')
        .slice(0, 2)
        .join('\n');
      for (let k = 0; k <= text.length; k++) {
        check(text.slice(0, k), `${f} cut at ${k}`);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(15_000);
  });

  it('random edits of 1 to 4 consecutive real lines', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.oneof(
          fc.string({ maxLength: 10 }),
          fc.constantFrom(...WORDS),
          fc.constantFrom('[', ']', '(', ')', ':', '>', ',', '.', '\n', '\n  ', '0x', '::'),
        ),
      }),
      fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }), times: fc.integer({ min: 2, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 4 }), fc.array(edit, { minLength: 1, maxLength: 5 }), (start, n, edits) => {
        const i = start % LINES.length;
        let s = LINES.slice(i, i + n).join('\n');
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          if (e.kind === 'cut') s = s.slice(0, at);
          else if (e.kind === 'delete') s = s.slice(0, at) + s.slice(at + e.len);
          else if (e.kind === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
          else s = s.slice(0, at) + s.slice(at, at + e.len).repeat(e.times) + s.slice(at + e.len);
        }
        check(s, `lines ${i + 1}..${i + n} edited ${JSON.stringify(edits)}`);
      }),
      { numRuns: RUNS.mutations },
    );
  });
});

describe('the tail after "src > dst:" read from its raw text', () => {
  // The readers in tail.ts were written against the tail's tokens joined back (joinTokens); the
  // Tail token hands them the raw text through tailText instead, which must give the same string.
  const joined = (raw: string) => joinTokens(plainLexer.tokenize(raw).tokens.map((t) => t.image));
  const TAILS = LINES.map((l) => l.slice(l.indexOf(': ') + 2).trim()).filter((t) => t !== '');
  /** What the fast path treats specially (ranges, brackets, addresses, hex) and what it must refuse. */
  const TRICKY = [
    ' ',
    '  ',
    '\t',
    ',',
    ' ,',
    ':',
    ' :',
    '(',
    '( ',
    ')',
    ' )',
    '[',
    ']',
    '.',
    '0',
    '1:2',
    '1:2::',
    '12:',
    '12:34:56',
    '::',
    'a::',
    '0x1f',
    '0x',
    '1.2.3.4',
    '1.2.3.4.5',
    '1.2.3.4.123456',
    '1.2.3',
    '1.5',
    '+',
    '/',
    '?',
    '\u00a0',
    '\u2028',
    'x',
    '9',
    '00:11:22:33:44:55',
    '2020-01-01 12:00:00',
  ];

  it('is the joined tokens for every tail of the real lines', () => {
    expect(TAILS.length).toBeGreaterThan(3000);
    const differ = TAILS.filter((t) => tailText(t) !== joined(t));
    expect(differ.slice(0, 5)).toEqual([]);
    // Most real tails take the fast path, and the ranges there are re-spaced ("seq 1:101" as "1: 101").
    expect(TAILS.filter((t) => t.includes('seq 1:') && tailText(t).includes('seq 1: ')).length).toBeGreaterThan(10);
  });

  it('fastTransport reads a TCP line as parseTcp reads its joined text, or leaves it to it', () => {
    const tcpTails = TAILS.filter((t) => t.startsWith('Flags ['));
    expect(tcpTails.length).toBeGreaterThan(500);
    // Long digit runs (Number() rounds past 2^53), ranges, the fields' words, and payload text that repeats them.
    const PIECES = [
      ...TRICKY,
      '12345678901234567890',
      '9007199254740993',
      '4294967295',
      ', seq ',
      ', ack ',
      ', win ',
      ', length ',
      ', options [',
      'nop,',
      ': ',
      ':',
      'HTTP',
      ']',
      'S',
      '.',
    ];
    let taken = 0;
    const same = (s: string) => {
      // The TCP branch; the others (a tail not starting with a letter, ICMP echo) read other texts.
      if (!s.startsWith('F')) return;
      const f = emptyFrame('ether');
      const ip = { proto: 255 } as Ip;
      if (!fastTransport(f, ip, s, 1, 2)) return;
      taken++;
      expect(ip.proto).toBe(6);
      expect(f.l4, JSON.stringify(s)).toStrictEqual(parseTcp(tailText(s), 1, 2));
    };
    // And each with a payload's text that repeats the fields: parseTcp takes their first ones.
    for (const t of tcpTails) for (const s of [t, `${t}: x, seq 9, ack 7, win 5, length 3`]) same(s);
    const edit = fc.record({ at: fc.nat(), del: fc.integer({ min: 0, max: 3 }), text: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })) });
    const before = taken;
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { maxLength: 4 }), (i, edits) => {
        let s = tcpTails[i % tcpTails.length]!;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          s = s.slice(0, at) + e.text + s.slice(at + e.del);
        }
        same(s.trim());
      }),
      { numRuns: RUNS.tcpLines },
    );
    expect(taken - before).toBeGreaterThan(RUNS.tcpLines / 10);
  });

  it('is the joined tokens for real tails with characters inserted and deleted', () => {
    const edit = fc.record({ at: fc.nat(), del: fc.integer({ min: 0, max: 3 }), text: fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 3 })) });
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { maxLength: 5 }), (i, edits) => {
        let s = TAILS[i % TAILS.length]!;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          s = s.slice(0, at) + e.text + s.slice(at + e.del);
        }
        // The Tail token starts at a character that is not a space and runs to the trimmed record's end.
        s = s.trim();
        expect(tailText(s)).toBe(joined(s));
      }),
      { numRuns: RUNS.tails },
    );
  });
});

describe("the reader's shortcuts agree with what they replace", () => {
  it('endsWithTunnelHeader(line) is TUNNEL_HEADER_END.test(line), on real lines and edited ones', () => {
    const PIECES = [
      'overlay 0, instance 1',
      'overlay 12, instance ',
      'VXLAN, flags [I] (0x08), vni 5',
      'VXLAN, flags [',
      '), vni 7',
      'Geneve, ',
      'instance 3',
      'vni 9',
      '\n',
      '\r',
      '\u2028',
      '7',
      ' ',
      ']',
      '[',
    ];
    const edit = fc.record({ at: fc.nat(), del: fc.integer({ min: 0, max: 4 }), text: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })) });
    let matched = 0;
    for (const l of LINES) if (endsWithTunnelHeader(l) !== TUNNEL_HEADER_END.test(l)) expect.fail(`differ on ${JSON.stringify(l)}`);
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { maxLength: 4 }), fc.boolean(), (i, edits, cut) => {
        let s = LINES[i % LINES.length]!;
        for (const e of edits) {
          const at = cut ? s.length - (e.at % (s.length + 1)) : e.at % (s.length + 1);
          s = s.slice(0, at) + e.text + s.slice(at + e.del);
        }
        const want = TUNNEL_HEADER_END.test(s);
        if (want) matched++;
        expect(endsWithTunnelHeader(s)).toBe(want);
      }),
      { numRuns: RUNS.tunnelEnds },
    );
    expect(matched).toBeGreaterThan(100);
  });

  it('maybeNoise(line) holds wherever NOISE matches, on real lines, noise and edited ones', () => {
    const NOISY = [
      'tcpdump: verbose output suppressed',
      'listening on any, link-type',
      'reading from file x.pcap',
      'dropped privs to tcpdump',
      'Warning: interface',
      '12 packets captured',
      '3 packets received by filter',
      'root@node:~# tcpdump -i any',
      'user@host:/tmp$ ls',
      '$ tcpdump',
      '# x',
      '\t0x0000:  4500 0054',
      '  0x0010: 0a00',
    ];
    const PIECES = [...NOISY, ' ', '$', '#', '$ ', '# ', '\t', '0', '12 ', 'x'];
    for (const l of [...LINES, ...NOISY]) if (NOISE.test(l) && !maybeNoise(l)) expect.fail(`missed ${JSON.stringify(l)}`);
    let noise = 0;
    const edit = fc.record({ at: fc.nat(), del: fc.integer({ min: 0, max: 4 }), text: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })) });
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { maxLength: 4 }), (i, edits) => {
        let s = i % 3 === 0 ? NOISY[i % NOISY.length]! : LINES[i % LINES.length]!;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          s = s.slice(0, at) + e.text + s.slice(at + e.del);
        }
        if (NOISE.test(s)) {
          noise++;
          expect(maybeNoise(s)).toBe(true);
        }
      }),
      { numRuns: RUNS.tunnelEnds },
    );
    expect(noise).toBeGreaterThan(1000);
  });

  it('fastRecord reads a record as the lexer and parser do, or leaves it to them, on real records and edited ones', () => {
    // Records as the reader joins them: a line ending with a tunnel header and the inner frame's line.
    const records: string[] = [];
    const files = readdirSync(labDir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => labDir + f);
    const bench = new URL('../bench/out/vxlan-10k.txt', import.meta.url);
    for (const f of [...files, ...(existsSync(bench) ? [bench] : [])]) {
      const lines = readFileSync(f, 'utf8')
        .split('\n')
        .slice(0, 4000)
        .map((l) => l.trim())
        .filter(Boolean);
      for (let i = 0; i < lines.length; i++) records.push(endsWithTunnelHeader(lines[i]!) && i + 1 < lines.length ? `${lines[i]} ${lines[++i]}` : lines[i]!);
    }
    let fast = 0;
    let tunnels = 0;
    const same = (text: string) => {
      const got = fastRecord(text);
      if (got === null) return;
      fast++;
      if (got.frame.net.tunnel) tunnels++;
      const want = grammarRecord(text);
      if (want.errors.length > 0) expect.fail(`fast read of a record with errors: ${JSON.stringify(text)}`);
      expect(got, JSON.stringify(text)).toStrictEqual(want.rec);
      // The ends read on the way are splitPort's, or '' for an address with a leading zero.
      const ends = (net: ParsedNet) => {
        for (const [addr, read, port] of [
          [net.src!, net.headSrc, net.headSport],
          [net.dst!, net.headDst, net.headDport],
        ] as const) {
          if (/^(?:\d+\.){0,3}0\d/.test(addr)) expect(read, addr).toBe('');
          else expect([read, port], addr).toStrictEqual(splitPort(addr, false));
        }
      };
      ends(got.frame.net);
      if (got.frame.net.tunnel) ends(got.frame.net.tunnel.inner.net);
    };
    // Each also with its time's fraction left out, and with only its dot left.
    for (const r of records) for (const t of [r, r.replace(/^(\d\d:\d\d:\d\d)\.\d+/, '$1'), r.replace(/^(\d\d:\d\d:\d\d)\.\d+/, '$1.')]) same(t);
    expect(tunnels).toBeGreaterThan(100);
    // Half of the edits start from a record the shortcut takes, so that edits test its edges.
    const taken = records.filter((r) => fastRecord(r) !== null);
    // Edits where the shortcut decides: spaces of every kind, the words that keep the lexer going, cuts.
    const PIECES = [
      ' ',
      '  ',
      '\t',
      '\u00a0',
      '\ufeff',
      '\u2028',
      ':',
      ': ',
      '.',
      '0',
      '00',
      '12',
      '123456',
      '.7',
      'IP ',
      'IP6 ',
      'OTV',
      'VXLAN',
      'Geneve',
      'VXLAN-GPE',
      'I',
      'O',
      'V',
      'G',
      'OTV, flags [I] (0x08), overlay 0, instance 1 ',
      'VXLAN, flags [I] (0x08), vni 7 ',
      'IP 1.2.3.4.5 > 6.7.8.9.10: ',
      '1.2.3.4',
      ' > ',
      '[',
      ']',
      '(',
      ')',
      'x',
      'Flags [S]',
    ];
    const edit = fc.record({ at: fc.nat(), del: fc.integer({ min: 0, max: 3 }), text: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })) });
    const before = fast;
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { maxLength: 3 }), fc.boolean(), (i, edits, cut) => {
        let s = i % 2 === 0 ? taken[(i >> 1) % taken.length]! : records[i % records.length]!;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          s = cut ? s.slice(0, at) + e.text : s.slice(0, at) + e.text + s.slice(at + e.del);
        }
        same(s);
      }),
      { numRuns: RUNS.fastRecords },
    );
    // Both shapes taken, and many edited records still taken (where the edit left the shape whole).
    expect(fast - tunnels).toBeGreaterThan(100);
    expect(fast - before).toBeGreaterThan(RUNS.fastRecords / 10);
  });

  it("a Time token's seconds are what Number() makes of them, to the last bit", () => {
    const time = fc.tuple(
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 22 }).chain((n) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n })),
    );
    fc.assert(
      fc.property(time, ([h, m, sec, frac]) => {
        const two = (n: number) => String(n).padStart(2, '0');
        const t = `${two(h)}:${two(m)}:${two(sec)}${frac ? '.' + frac : ''}`;
        const ts = parseText(`${t} IP 1.2.3.4 > 5.6.7.8: ICMP echo request, id 1, seq 2, length 64\n`).packets[0]!.ts;
        expect(Object.is(ts, h * 3600 + m * 60 + Number(t.slice(6)))).toBe(true);
      }),
      { numRuns: RUNS.times },
    );
  });
});

describe('text reader: long lines', () => {
  // One token repeated over 100 kB, alone and after a packet's "src > dst:".
  const TOKENS = [
    '[',
    '(',
    'VXLAN, flags [',
    'Flags [',
    'Geneve, ',
    '1.',
    '1.2.3.4.',
    '1:',
    'fe80::',
    '00:11:22:33:44:55 ',
    'overlay 1, instance ',
    ', seq 1',
    'Request who-has 1.2.3.4 ',
    'tell ',
    '0x',
    'a',
    ' ',
    '12:00:00.000001 ',
    '   12  ',
    'IP ',
    '> ',
    'ICMP echo request, id 1, seq ',
    'options [',
    '\t',
  ];
  for (const t of TOKENS) {
    it(`100 kB of ${JSON.stringify(t)} in well under a second`, () => {
      const body = t.repeat(Math.ceil(100_000 / t.length));
      check(body, 'long line', LONG_LINE_LIMIT_MS);
      check('12:00:00.000001 IP 10.0.0.1 > 10.0.0.2: ' + body, 'long packet line', LONG_LINE_LIMIT_MS);
    });
  }

  it('a 1 MB line of real tcpdump text (no line breaks) is read in seconds, with one warning or packet', () => {
    let s = '';
    for (let i = 0; s.length < 1_000_000; i++) s += LINES[i % LINES.length] + ' ';
    const r = check(s, '1 MB line', 3000);
    expect(r.lines).toBe(1);
    expect(r.packets.length + r.warnings.length).toBe(1);
  });

  it('a 1 MB line then a packet line: the packet is still read, on line 2', () => {
    const ping = '05:22:56.346587 IP 10.244.3.0 > 10.244.2.0: ICMP echo request, id 46, seq 1, length 64';
    expect(parseText(ping).packets).toHaveLength(1);
    const r = check('x'.repeat(1_000_000) + '\n' + ping, '1 MB then a packet', 3000);
    expect(r.packets.map((p) => p.line)).toEqual([2]);
    // Not a packet line (no time, no addresses): passed over, not warned.
    expect(r.warnings).toEqual([]);
    expect(r.stats.passedOver).toBe(1);
  });
});
