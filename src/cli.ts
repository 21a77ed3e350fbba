/**
 * `analyze [files..]`: the command line. Exit 0 when every flow is healthy,
 * 1 when any is not, 2 on a usage or input error.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AnalyzeError, analyzeFiles, DEFAULT_IDLE_TIMEOUT } from './analyze.js';
import { MIN_IDLE_TIMEOUT } from './flows/table.js';
import { DEFAULT_MAX_LISTED } from './report/build.js';
import { renderHtml } from './report/html/page.js';
import { renderText } from './report/text.js';

/** The one line said when there is nothing to read: no file, and stdin is a terminal. */
export const NO_INPUT = 'no input: give capture or tcpdump text files, or pipe tcpdump output in (tcpdump -i any -nn -e | analyze); analyze --help for more';

/**
 * Whether reading stdin would wait for a person to type: no file given and stdin is a terminal.
 * An explicit "-" still reads a terminal (pasting tcpdump text, then Ctrl-D, is a use).
 */
export function waitsOnTerminal(files: readonly string[], stdin: { isTTY?: boolean }): boolean {
  return files.length === 0 && stdin.isTTY === true;
}

export async function main(argv: string[] = hideBin(process.argv), stdin: { isTTY?: boolean } = process.stdin): Promise<number> {
  let usageError: string | null = null;
  const args = await yargs(argv)
    .scriptName('analyze')
    .command('$0 [files..]', 'Reads pcap, pcapng (optionally gzipped) or tcpdump text; "-" or no file reads stdin.\nGives every inner flow of a VXLAN/GENEVE overlay a verdict.', (y) =>
      y.positional('files', { type: 'string', array: true, describe: 'captures or tcpdump text files' }))
    .option('format', { alias: 'f', choices: ['text', 'json', 'html'] as const, default: 'text' as const, describe: 'report format' })
    .option('flow', { type: 'number', describe: 'show one flow in full (its id from the text report), with an ASCII ladder; repeatable' })
    .option('vxlan-port', { type: 'number', array: true, default: [] as number[], describe: 'extra UDP port(s) to decode as VXLAN (8472 and 4789 always are)' })
    .option('reply-timeout', { type: 'number', default: 1, describe: 'seconds a request may wait for its reply' })
    .option('max-flows', { type: 'number', default: 1_000_000, describe: 'most flows open at once (beyond it the least recently active is closed early)' })
    .option('idle-timeout', { type: 'number', default: DEFAULT_IDLE_TIMEOUT, describe: `seconds without a packet before a flow is closed and its memory freed (one input; at least ${MIN_IDLE_TIMEOUT})` })
    .option('max-listed', { type: 'number', default: DEFAULT_MAX_LISTED, describe: 'most flows listed in full (problems first); all are counted' })
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      usageError = msg ?? err?.message ?? 'usage error';
    })
    .exitProcess(false)
    .parseAsync();
  if (usageError) {
    process.stderr.write(`analyze: ${usageError}\n`);
    return 2;
  }
  if (args.help) return 0;
  const files = ((args.files as string[] | undefined) ?? []).map(String);
  if (waitsOnTerminal(files, stdin)) {
    process.stderr.write(`analyze: ${NO_INPUT}\n`);
    return 2;
  }
  const ports = (args['vxlan-port'] as number[]).filter((p) => p !== undefined);
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      process.stderr.write(`analyze: --vxlan-port ${p} is not a UDP port\n`);
      return 2;
    }
  }
  if (!(args['reply-timeout'] >= 0)) {
    process.stderr.write('analyze: --reply-timeout must be a number of seconds\n');
    return 2;
  }
  for (const name of ['max-flows', 'max-listed'] as const) {
    if (!(Number.isInteger(args[name]) && args[name] > 0)) {
      process.stderr.write(`analyze: --${name} must be a positive whole number\n`);
      return 2;
    }
  }
  const flowIds = ([] as (number | undefined)[]).concat(args.flow).filter((n): n is number => n !== undefined);
  if (flowIds.some((n) => !(Number.isInteger(n) && n > 0))) {
    process.stderr.write('analyze: --flow takes a flow id, a positive whole number (the #N of the text report)\n');
    return 2;
  }
  if (!(args['idle-timeout'] >= MIN_IDLE_TIMEOUT)) {
    process.stderr.write(`analyze: --idle-timeout must be at least ${MIN_IDLE_TIMEOUT} seconds\n`);
    return 2;
  }
  try {
    const report = await analyzeFiles(files.length ? files : ['-'], {
      vxlanPorts: ports,
      replyTimeout: args['reply-timeout'],
      maxFlows: args['max-flows'],
      idleTimeout: args['idle-timeout'],
      maxListed: args['max-listed'],
    });
    for (const w of report.warnings) process.stderr.write(`analyze: warning: ${w}\n`);
    if (args.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (args.format === 'html') process.stdout.write(renderHtml(report));
    else process.stdout.write(renderText(report, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, { width: process.stdout.isTTY ? process.stdout.columns : undefined, flows: flowIds }));
    return report.summary.problems > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof AnalyzeError) {
      for (const l of e.lines) process.stderr.write(`analyze: ${l}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`analyze: internal error: ${err && err.message ? err.message : String(e)}\n`);
    return 2;
  }
}
