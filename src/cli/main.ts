/**
 * `analyze [files..]`: arguments in, report out, an exit status (exit.ts) for scripts. Ctrl-C or
 * SIGTERM while reading stops the reading and prints the report of what was read; a second one
 * quits at once.
 */
import { AnalyzeError, type AnalyzeOptions, analyze, type Progress, type Source } from '../analyze.js';
import { type CliOptions, parseArgs, version } from './args.js';
import { useColor } from './color.js';
import { EXIT, exitCode } from './exit.js';
import { backpressure, followLine, ndjsonEnd, ndjsonFlow, ndjsonStart, renderReport } from './output.js';
import { showProgress } from './progress.js';
import { onSignals } from './signals.js';

/** The one line said when there is nothing to read: no file, and stdin is a terminal. */
export const NO_INPUT = 'no input: give capture or tcpdump text files, or pipe tcpdump output in (tcpdump -i any -nn -e | analyze); analyze --help for more';

/**
 * Whether reading stdin would wait for a person to type: no file given and stdin is a terminal.
 * An explicit "-" still reads a terminal (pasting tcpdump text, then Ctrl-D, is a use).
 */
export function waitsOnTerminal(files: readonly string[], stdin: { isTTY?: boolean }): boolean {
  return files.length === 0 && stdin.isTTY === true;
}

async function run(o: CliOptions, stdin: { isTTY?: boolean }): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  const progress: Progress = { input: 0, name: '', bytes: 0, size: null, packets: 0, open: 0 };
  const display = showProgress(progress, err);
  const say = (s: string) => {
    display.clear();
    err.write(`analyze: ${s}\n`);
  };
  const abort = new AbortController();
  const uninstall = onSignals(abort, say);
  const errColor = useColor(o.color, process.env, err);
  const ndjson = o.format === 'ndjson';
  if (ndjson) out.write(ndjsonStart(version()));
  const opts: AnalyzeOptions = {
    vxlanPorts: o.vxlanPorts,
    replyTimeout: o.replyTimeout,
    maxFlows: o.maxFlows,
    idleTimeout: o.idleTimeout,
    maxListed: o.maxListed,
    fastPath: o.fastPath,
    ...(o.tz ? { tz: o.tz } : {}),
    stdin: stdin as AnalyzeOptions['stdin'],
    signal: abort.signal,
    progress,
    beforeChunk: backpressure(out),
    listFlows: !ndjson,
  };
  if (ndjson) opts.onFlow = (f) => out.write(ndjsonFlow(f));
  else if (o.follow) {
    opts.onFlow = (f) => {
      if (f.verdict === 'healthy') return;
      display.clear();
      err.write(followLine(f, errColor));
    };
  }
  // Loaded only with --kube (its YAML reader is a good part of the start-up).
  let kube: typeof import('../kube/index.js') | null = null;
  try {
    if (o.kube.length) {
      kube = await import('../kube/index.js');
      const { annotate, nodeNamer, readCluster, resolver } = kube;
      const cluster = await readCluster(o.kube);
      opts.resolveNode = resolver(cluster);
      opts.nameNode = nodeNamer(cluster);
      for (const [file, name] of o.nodes) {
        if (!opts.resolveNode(name).length && !/^[\d.:a-f]+$/i.test(name)) {
          err.write(`analyze: --node ${file}=${name}: no node ${name} in the --kube description\n`);
          return EXIT.usage;
        }
      }
      opts.annotate = (r) => annotate(r, cluster);
    }
    const sources: Source[] = (o.files.length ? o.files : ['-']).map((p) => ({
      ...(p === '-' ? { name: 'stdin', stream: stdin as NonNullable<AnalyzeOptions['stdin']> } : { path: p }),
      ...(o.nodes.has(p) ? { node: o.nodes.get(p)! } : {}),
    }));
    const report = await analyze(sources, opts);
    display.stop();
    const unreadable = new Set(report.inputs.map((i) => i.error));
    for (const w of report.warnings) err.write(`analyze: ${unreadable.has(w) ? '' : 'warning: '}${w}\n`);
    if (o.format === 'ndjson') out.write(ndjsonEnd(report));
    else out.write(await renderReport(report, o.format, useColor(o.color, process.env, out), { width: out.isTTY ? out.columns : undefined, flows: o.flows }));
    return exitCode(report);
  } catch (e) {
    display.stop();
    if (kube && e instanceof kube.KubeError) {
      err.write(`analyze: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof AnalyzeError) {
      for (const l of e.lines) err.write(`analyze: ${l}\n`);
      return EXIT.usage;
    }
    const m = e instanceof Error ? e.message : String(e);
    err.write(`analyze: internal error: ${m}\n`);
    return EXIT.usage;
  } finally {
    uninstall();
  }
}

/** Runs the command; `stdin` is the stream "-" reads (a test may give a stand-in). */
export async function main(argv: string[] = process.argv.slice(2), stdin: { isTTY?: boolean } = process.stdin): Promise<number> {
  const parsed = await parseArgs(argv);
  if ('error' in parsed) {
    process.stderr.write(`analyze: ${parsed.error}\n`);
    return EXIT.usage;
  }
  if ('print' in parsed) {
    process.stdout.write(parsed.print);
    return EXIT.healthy;
  }
  if (waitsOnTerminal(parsed.run.files, stdin)) {
    process.stderr.write(`analyze: ${NO_INPUT}\n`);
    return EXIT.usage;
  }
  return run(parsed.run, stdin);
}
