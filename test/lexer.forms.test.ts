/**
 * tcpdump text in the forms people paste: each lab capture printed by real tcpdump with the flags
 * of samples/text/make-forms.sh (no -n with host and port names, -e -v, -vvv, -q, -e -q, -t -e,
 * -ttt, -tttt, --nano, -A, -X), and the lab's -nn texts damaged as pasting damages them. Each must give the
 * capture's packets (summary per packet, and times where the form prints them) and the capture's
 * verdicts; -q gives the outer packets and says once that it hides the inner ones.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import { parseText } from '../src/lexer/index.js';
import type { Report } from '../src/report/build.js';
import { decoded, summary, textView } from './helpers/summary.js';

const labDir = fileURLToPath(new URL('../samples/lab/', import.meta.url));
const textDir = fileURLToPath(new URL('../samples/text/', import.meta.url));
const FORMS = existsSync(textDir)
  ? readdirSync(textDir)
      .filter((d) => statSync(textDir + d).isDirectory())
      .sort()
  : [];

/** hosts.lab: the names tcpdump printed for the lab's addresses. */
const HOSTS = new Map(
  readFileSync(textDir + 'hosts.lab', 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/).reverse() as [string, string]),
);
const unname = (s: string) => s.replace(/[A-Za-z][\w.-]*/g, (n) => HOSTS.get(n) ?? n);

/** What -q shows of a packet: the layers down to the first tunnel header (its VNI not printed), no TCP flags. */
function quiet(s: string): string {
  const parts = s.split(' | ');
  const t = parts.findIndex((p) => /^(vxlan|geneve) /.test(p));
  const shown = t < 0 ? parts : [...parts.slice(0, t), parts[t]!.replace(/ \S+$/, ' ')];
  return shown.join(' | ').replace(/ flags \d+/g, '');
}

/** The verdict of each flow, as comparable lines. */
function verdicts(r: Report, map: (s: string) => string = (s) => s): string[] {
  return r.flows
    .map((f) => map(`${f.proto} ${f.client}:${f.clientPort} ${f.server}:${f.serverPort} ${f.verdict} ${f.tunnel ? f.tunnel.type + f.tunnel.vni : ''}`))
    .sort();
}

describe("real tcpdump text in every flag combination gives the capture's packets and verdicts", () => {
  it('has the forms', () => expect(FORMS).toEqual(['A', 'X', 'eq', 'ev', 'names', 'nano', 'q', 'te', 'ttt', 'tttt', 'vvv']));
  for (const form of FORMS) {
    it(form, async () => {
      const files = readdirSync(textDir + form).filter((f) => f.endsWith('.txt'));
      expect(files.length).toBeGreaterThanOrEqual(3);
      for (const file of files) {
        const capture = labDir + file.replace(/\.txt$/, '');
        const bin = await decoded(capture);
        const { packets, warnings } = parseText(readFileSync(`${textDir}${form}/${file}`, 'utf8'), file);
        const got = packets.map((p) => textView(summary(p.frame)));
        const want = bin.map((b) => textView(b.line));
        const byCapture = await analyzeFiles([capture]);
        const byText = await analyzeFiles([`${textDir}${form}/${file}`]);
        const where = `${form}/${file}`;
        if (form === 'q' || form === 'eq') {
          expect(got.map(quiet), where).toEqual(want.map(quiet));
          // The tunnel is a hop, not an application flow; the reader says once what -q hid.
          expect(
            byText.flows.filter((f) => f.serverPort === 8472 || f.clientPort === 8472),
            where,
          ).toEqual([]);
          if (want.some((w) => w.includes('| vxlan')))
            expect(
              warnings.map((w) => w.message),
              where,
            ).toEqual([expect.stringMatching(/re-run tcpdump without -q/)]);
          continue;
        }
        if (form === 'names') {
          expect(got.map(unname), where).toEqual(want);
          expect(
            warnings.map((w) => w.message),
            where,
          ).toEqual([expect.stringMatching(/host names .* -nn/)]);
          expect(verdicts(byText, unname).sort(), where).toEqual(verdicts(byCapture));
          continue;
        }
        // -ttt whose deltas never decrease cannot be told from -ttttt: read as -ttttt, and said.
        const guessed = form === 'ttt' && warnings.length === 1 && /never decrease/.test(warnings[0]!.message);
        expect(guessed ? [] : warnings, where).toEqual([]);
        expect(got, where).toEqual(want);
        if (form === 'te') {
          // No times (-t): what needs them (a request unanswered past the reply timeout, an ICMP
          // error tied to its request) is not judged the same, but a healthy flow is never called
          // a problem and a broken one never healthy.
          const ok = (v: string) => / (healthy|incomplete) /.test(v);
          const cap = verdicts(byCapture);
          expect(
            verdicts(byText).map((v, i) => / incomplete /.test(v) || ok(v) === ok(cap[i]!)),
            where,
          ).not.toContain(false);
          continue;
        }
        expect(verdicts(byText), where).toEqual(verdicts(byCapture));
        const ts = packets.map((p) => p.ts!);
        if (form === 'ttt' && !guessed) ts.forEach((t, i) => expect(t - ts[0]!, `${where} #${i + 1}`).toBeCloseTo(bin[i]!.ts - bin[0]!.ts, 5));
        if (form === 'tttt') ts.forEach((t, i) => expect(t, `${where} #${i + 1}`).toBeCloseTo(bin[i]!.ts, 5));
        if (form === 'nano') ts.forEach((t, i) => expect(t, `${where} #${i + 1}`).toBeCloseTo(bin[i]!.ts % 86400, 6));
        if (form === 'vvv')
          expect(
            packets.map((p) => (p.frame.tunnel && p.frame.l4?.kind === 'udp' ? p.frame.l4.checksumOk : undefined)),
            where,
          ).toEqual(bin.map((b) => b.sum));
      }
    });
  }
});

/** Each line of a text through f (split at "\n" only: a regex's ^ would also match after a CRLF's "\r"), its "\r" kept at its end. */
const eachLine = (f: (l: string) => string) => (t: string) =>
  t
    .split('\n')
    .map((l) => {
      const body = l.endsWith('\r') ? l.slice(0, -1) : l;
      return body === '' ? l : f(body) + l.slice(body.length);
    })
    .join('\n');

/** What pasting does to a text, each as a function of the text. */
const DAMAGE: Record<string, (text: string) => string> = {
  'indented (a code block)': eachLine((l) => '    ' + l),
  'tab-indented': eachLine((l) => '\t' + l),
  'markdown quote': eachLine((l) => '> ' + l),
  'list bullets on each packet line': eachLine((l) => (/^\d/.test(l) ? '- ' + l : l)),
  'doubled spaces': (t) => t.replace(/ /g, '  '),
  'wrapped at 80 columns': eachLine((l) => l.match(/.{1,80}/g)!.join('\n')),
  'wrapped at 100 columns between words': eachLine((l) => (l.length > 100 ? l.match(/.{1,99}(?: |$)|\S+/g)!.join('\n') : l)),
  CRLF: (t) => t.replace(/\n/g, '\r\n'),
  'prompt, banner and fences around it, pasted twice': (t) =>
    [
      '$ sudo tcpdump -i any -nn -r x.pcap',
      '```',
      'reading from file x.pcap, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144',
      t,
      '```',
      'root@node-a:~# tcpdump -nn -r x.pcap',
      t,
    ].join('\n'),
};

describe('pasted -nn and -nn -v texts read as tcpdump printed them', () => {
  const texts = existsSync(labDir)
    ? readdirSync(labDir)
        .filter((f) => /\.nn(-v)?\.txt$/.test(f))
        .sort()
    : [];
  it('has texts', () => expect(texts.length).toBeGreaterThan(40));
  for (const [what, damage] of Object.entries(DAMAGE)) {
    it(what, () => {
      for (const f of texts) {
        const text = readFileSync(labDir + f, 'utf8');
        const clean = parseText(text, f).packets.map((p) => summary(p.frame));
        const r = parseText(damage(text), f);
        const got = r.packets.map((p) => summary(p.frame));
        expect(r.warnings, `${what}: ${f}`).toEqual([]);
        expect(got, `${what}: ${f}`).toEqual(what.includes('twice') ? [...clean, ...clean] : clean);
      }
    });
  }
});

describe('pasted texts, damaged several ways at once (property)', () => {
  const texts = existsSync(labDir)
    ? readdirSync(labDir)
        .filter((f) => /\.nn(-v|-e)?\.txt$/.test(f))
        .sort()
    : [];
  // What a person does to the text (in any order), then what the medium does (wrap it, or not).
  const edits = Object.keys(DAMAGE).filter((k) => !k.includes('twice') && !k.startsWith('wrapped'));
  const wraps = [...Object.keys(DAMAGE).filter((k) => k.startsWith('wrapped')), 'not wrapped'];
  it("any order of any of the edits, then a wrap, gives the clean text's packets and no warning", () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.shuffledSubarray(edits, { minLength: 1 }), fc.constantFrom(...wraps), (f, done, wrap) => {
        const text = readFileSync(labDir + f, 'utf8');
        const clean = parseText(text, f).packets.map((p) => summary(p.frame));
        const ways = [...done, wrap];
        const damaged = ways.reduce((t, w) => DAMAGE[w]?.(t) ?? t, text);
        const r = parseText(damaged, f);
        expect(r.warnings, `${ways.join(' + ')}: ${f}`).toEqual([]);
        expect(
          r.packets.map((p) => summary(p.frame)),
          `${ways.join(' + ')}: ${f}`,
        ).toEqual(clean);
      }),
      { numRuns: 60, seed: 13 },
    );
  });
});

describe('each form read from stdin', () => {
  it('gives the report the file gives', async () => {
    for (const form of FORMS) {
      const file = `${textDir}${form}/healthy-tcp.nodea-any.pcap.txt`;
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      // In pieces that cut lines (and a CRLF) anywhere, as a pipe delivers them.
      const pieces = Array.from({ length: Math.ceil(text.length / 997) }, (_, i) => Buffer.from(text.slice(i * 997, (i + 1) * 997)));
      const fromStdin = await analyzeFiles(['-'], { stdin: Readable.from(pieces) });
      const fromFile = await analyzeFiles([file]);
      expect(JSON.parse(JSON.stringify(fromStdin)), form).toEqual(JSON.parse(JSON.stringify(fromFile).replaceAll(file, 'stdin')));
    }
  });
});
