/**
 * The command's arguments: options, help (with examples and exit codes), version, and a
 * "did you mean" for a mistyped flag. Parsing only: the values are checked here, used in main.ts.
 */
import { readFileSync } from 'node:fs';
import { parseArgs as utilParseArgs } from 'node:util';
import { DEFAULT_IDLE_TIMEOUT } from '../analyze.js';
import { MIN_IDLE_TIMEOUT } from '../flows/table.js';
import { DEFAULT_MAX_LISTED } from '../report/build.js';
import { isTimeZone } from '../zone.js';
import type { ColorMode } from './color.js';
import { EXIT_TEXT } from './exit.js';

export type Format = 'text' | 'json' | 'ndjson' | 'html';

export interface CliOptions {
  /** Inputs in order; "-" (stdin) at most once. */
  files: string[];
  format: Format;
  color: ColorMode;
  follow: boolean;
  vxlanPorts: number[];
  replyTimeout: number;
  maxFlows: number;
  idleTimeout: number;
  maxListed: number;
  /** Flow ids to show in full (text report). */
  flows: number[];
  /** The zone tcpdump text's local times are in (default UTC). */
  tz: string | null;
  /** The cluster's description: kubectl get ... -o yaml|json files or directories. */
  kube: string[];
  /** Each input's node as the caller names it (--node FILE=NAME_OR_ADDRESS), by file. */
  nodes: Map<string, string>;
  /** false (--no-fast-path): every record takes the reference decoder. */
  fastPath: boolean;
}

/** What the arguments ask: a run, a text to print and exit 0 (help, version), or a usage error. */
export type Parsed = { run: CliOptions } | { print: string } | { error: string };

/** Stands for "-" while yargs parses: it drops a lone "-" from the positionals. */
const STDIN = '\u0000stdin';

const EXAMPLES: [string, string][] = [
  ['analyze node-a.pcap node-b.pcapng.gz', 'captures of one or more nodes (pcap, pcapng, gzipped or not)'],
  ['tcpdump -i any -s0 -nn -e -l | analyze --follow', 'live: a line per broken flow as it closes; Ctrl-C for the report'],
  ['analyze - < pasted.txt', 'tcpdump text someone pasted ("-" is stdin)'],
  ['analyze --format ndjson node.pcap > flows.ndjson', 'one JSON record per line, every flow'],
];

export function version(): string {
  // Two levels up from src/cli/ and dist/cli/ alike.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

type Kind = 'string' | 'number' | 'boolean';

/** One option: how both parsers (the quick one and yargs) take it, and how --help describes it. */
interface OptionSpec {
  kind: Kind;
  short?: string;
  /** Given more than once, every value is kept (else the last one). */
  repeat?: boolean;
  choices?: readonly string[];
  default?: string | number | boolean | number[];
  describe: string;
}

const OPTIONS: Record<string, OptionSpec> = {
  format: {
    kind: 'string',
    short: 'f',
    choices: ['text', 'json', 'ndjson', 'html'],
    default: 'text',
    describe: 'report format (ndjson: one record per line, as flows close; html: one self-contained page with ladder diagrams)',
  },
  tz: {
    kind: 'string',
    describe: "the time zone tcpdump text was printed in (its host's local time; e.g. Asia/Shanghai); default UTC. Captures carry UTC times",
  },
  flow: { kind: 'number', repeat: true, describe: 'show one flow in full (its #id from the text report), with an ASCII ladder; repeatable' },
  follow: { kind: 'boolean', default: false, describe: 'print each broken flow as it closes (stderr; stdout with ndjson), then the report' },
  color: {
    kind: 'string',
    choices: ['auto', 'always', 'never'],
    default: 'auto',
    describe: 'colors (auto: on a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces)',
  },
  'vxlan-port': { kind: 'number', repeat: true, default: [], describe: 'an extra UDP port to decode as VXLAN (8472, 4789 and 6784 always are); repeatable' },
  'reply-timeout': { kind: 'number', default: 1, describe: 'seconds a request may wait for its reply' },
  'max-flows': { kind: 'number', default: 1_000_000, describe: 'most flows open at once (beyond it the least recently active is closed early; exit 3)' },
  'idle-timeout': {
    kind: 'number',
    default: DEFAULT_IDLE_TIMEOUT,
    describe: `seconds without a packet before a flow is closed and its memory freed (at least ${MIN_IDLE_TIMEOUT})`,
  },
  kube: {
    kind: 'string',
    repeat: true,
    describe:
      "the cluster's description: a file (or directory) of kubectl get nodes,pods,svc -o yaml or -o json; names addresses and checks the capture against it; repeatable",
  },
  node: {
    kind: 'string',
    repeat: true,
    describe: 'FILE=NAME_OR_ADDRESS: the node FILE was captured on (a node name needs --kube), over what its packets say; repeatable',
  },
  'fast-path': {
    kind: 'boolean',
    default: true,
    describe: 'read the common packet shapes straight from the bytes (--no-fast-path: every packet through the full decoder; the report is the same)',
  },
  'max-listed': { kind: 'number', default: DEFAULT_MAX_LISTED, describe: 'most flows listed in full in text and json (problems first); all are counted' },
};

/** The arguments as both parsers give them: option values by name, then the files. */
type Values = Record<string, unknown> & { files: string[] };

/** yargs, loaded only for --help, --version and usage errors (it is most of the command's start-up). */
async function yargsParse(argv: string[]): Promise<{ values: Values } | { print: string } | { error: string }> {
  const { default: yargs } = await import('yargs');
  let y = yargs(argv)
    .scriptName('analyze')
    .usage(
      '$0 [options] [files..]\n\nReads pcap, pcapng (optionally gzipped) or tcpdump text ("-" or no file: stdin) and gives every inner flow of a VXLAN/GENEVE/IP-in-IP overlay a verdict.',
    )
    .command('$0 [files..]', false, (c) => c.positional('files', { type: 'string', array: true, describe: 'captures or tcpdump text files' }));
  for (const [name, o] of Object.entries(OPTIONS)) {
    y = y.option(name, {
      type: o.kind,
      describe: o.describe,
      ...(o.short ? { alias: o.short } : {}),
      ...(o.choices ? { choices: o.choices } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
    });
  }
  let failed: string | null = null;
  let printed = '';
  const args = await y
    .help('help')
    .alias('help', 'h')
    .version('version', 'print the version', version())
    .alias('version', 'V')
    .example(EXAMPLES)
    .epilogue(EXIT_TEXT)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      failed = msg ?? err?.message ?? 'usage error';
    })
    .parseAsync(argv, {}, (_err, _argv, output) => {
      printed = output;
    });
  if (failed !== null) return { error: failed };
  if (args.help || args.version) return { print: printed.endsWith('\n') ? printed : `${printed}\n` };
  // An option given twice is an array: the last value, as the quick parser takes it.
  const last = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, OPTIONS[k] && !OPTIONS[k].repeat && Array.isArray(v) ? v.at(-1) : v]));
  return { values: { ...last, files: [...((args.files as string[] | undefined) ?? []), ...args._.map(String)] } };
}

/**
 * The usual arguments (files and options each given a value once), read without yargs; null for
 * anything else (help, version, a mistake, forms only yargs takes), which yargs then reads.
 */
function quickParse(argv: string[]): Values | null {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple: true }> = {};
  for (const [name, o] of Object.entries(OPTIONS))
    options[name] = { type: o.kind === 'boolean' ? 'boolean' : 'string', multiple: true, ...(o.short ? { short: o.short } : {}) };
  let parsed: ReturnType<typeof utilParseArgs>;
  try {
    parsed = utilParseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch {
    return null;
  }
  const values: Values = { files: parsed.positionals };
  for (const [name, o] of Object.entries(OPTIONS)) {
    const given = parsed.values[name] as (string | boolean)[] | undefined;
    if (given === undefined) {
      values[name] = o.default;
      continue;
    }
    if (o.choices && given.some((v) => !o.choices!.includes(v as string))) return null;
    const vs = o.kind === 'number' ? given.map(Number) : given;
    values[name] = o.repeat ? vs : vs.at(-1);
  }
  return values;
}

/** Every flag the command takes, long and short, for "did you mean". */
const FLAGS = [
  '--format',
  '-f',
  '--flow',
  '--follow',
  '--kube',
  '--node',
  '--color',
  '--vxlan-port',
  '--reply-timeout',
  '--max-flows',
  '--idle-timeout',
  '--max-listed',
  '--fast-path',
  '--no-fast-path',
  '--help',
  '-h',
  '--version',
  '-V',
];

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The known flag nearest to a mistyped one, when it is near enough to be meant. */
export function didYouMean(flag: string): string | null {
  const name = flag.split('=')[0]!;
  if (name === '-v') return '-V (--version)';
  if (/^-[^-]$/.test(name)) return null; // one letter: any other is as near
  let best: string | null = null;
  let bestD = Infinity;
  for (const f of FLAGS) {
    const d = distance(name, f);
    if (d < bestD) [best, bestD] = [f, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(name.length / 4)) ? best : null;
}

/** yargs' message, or for unknown flags each one named with the flag it may stand for. */
function usageError(msg: string, argv: string[]): string {
  const end = argv.indexOf('--');
  const unknown = argv
    .slice(0, end < 0 ? argv.length : end)
    .map((a) => a.split('=')[0]!)
    .filter((a) => /^--?[^-\d]/.test(a) && !FLAGS.includes(a) && !a.startsWith('--no-'));
  const said = unknown.map((a) => {
    const m = didYouMean(a);
    return `unknown option ${a}${m ? `: did you mean ${m}?` : ''}`;
  });
  return `${said.length ? said.join('; ') : msg} (analyze --help lists the options)`;
}

export async function parseArgs(argv: string[]): Promise<Parsed> {
  const dash = argv.indexOf('--');
  const marked = argv.map((a, i) => (a === '-' && (dash < 0 || i < dash) ? STDIN : a));
  let args = quickParse(argv);
  if (args === null) {
    const y = await yargsParse(marked);
    if ('error' in y) return { error: usageError(y.error, argv) };
    if ('print' in y) return y;
    args = y.values;
  }
  const files: string[] = [];
  for (const f of args.files.map((f) => (f === STDIN ? '-' : f))) if (f !== '-' || !files.includes('-')) files.push(f);
  // A repeatable option: every value given (yargs gives one value bare, several as an array).
  const all = (v: unknown) => ([] as unknown[]).concat(v ?? []);
  const num = (name: string) => args[name] as number;
  const ports = all(args['vxlan-port']) as number[];
  for (const p of ports) if (!Number.isInteger(p) || p < 1 || p > 65535) return { error: `--vxlan-port ${p} is not a UDP port` };
  if (!(num('reply-timeout') >= 0)) return { error: '--reply-timeout must be a number of seconds' };
  for (const name of ['max-flows', 'max-listed']) {
    if (!(Number.isInteger(num(name)) && num(name) > 0)) return { error: `--${name} must be a positive whole number` };
  }
  if (!(num('idle-timeout') >= MIN_IDLE_TIMEOUT)) return { error: `--idle-timeout must be at least ${MIN_IDLE_TIMEOUT} seconds` };
  const tz = (args.tz as string | undefined) ?? null;
  if (tz !== null && !isTimeZone(tz)) return { error: `--tz ${tz}: not a time zone this Node knows (an IANA name such as Europe/Berlin, or UTC)` };
  const flows = all(args.flow) as number[];
  if (flows.some((n) => !(Number.isInteger(n) && n > 0))) return { error: '--flow takes a flow id, a positive whole number (the #N of the text report)' };
  const nodes = new Map<string, string>();
  const list = (v: unknown) => all(v).map(String);
  for (const n of list(args.node)) {
    const at = n.lastIndexOf('=');
    if (at <= 0 || at === n.length - 1) return { error: `--node ${n}: give FILE=NAME_OR_ADDRESS (the node FILE was captured on)` };
    const file = n.slice(0, at);
    if (!files.includes(file)) return { error: `--node ${n}: ${file} is not one of the inputs` };
    nodes.set(file, n.slice(at + 1));
  }
  return {
    run: {
      kube: list(args.kube),
      nodes,
      files,
      format: args.format as Format,
      color: args.color as ColorMode,
      follow: args.follow as boolean,
      vxlanPorts: ports,
      replyTimeout: num('reply-timeout'),
      maxFlows: num('max-flows'),
      idleTimeout: num('idle-timeout'),
      maxListed: num('max-listed'),
      flows,
      tz,
      fastPath: args['fast-path'] !== false,
    },
  };
}
