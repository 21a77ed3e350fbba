/**
 * Ctrl-C (SIGINT) or SIGTERM while reading: the first stops the reading, so the report of what
 * was read is printed; the second exits at once, as a user pressing it again expects.
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Sig = (typeof SIGNALS)[number];
/** 128 + the signal's number, as a shell reports a process killed by it. */
const SIGNAL_EXIT: Record<Sig, number> = { SIGINT: 130, SIGTERM: 143 };

/** Installs the handlers; returns their uninstaller. */
export function onSignals(abort: AbortController, say: (s: string) => void, exit: (code: number) => void = process.exit): () => void {
  const handler = (sig: Sig) => {
    if (abort.signal.aborted) return exit(SIGNAL_EXIT[sig]);
    const what = sig === 'SIGINT' ? ['interrupted', 'Ctrl-C'] : ['terminated', 'the signal'];
    say(`${what[0]}: the report of what was read follows (${what[1]} again to quit at once)`);
    abort.abort();
  };
  const handlers = SIGNALS.map((s) => [s, () => handler(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return () => {
    for (const [s, h] of handlers) process.off(s, h);
  };
}
