/**
 * A progress line on stderr while an input takes more than a second, only when stderr is a
 * terminal: bytes read (of the size, when known), packets, flows open, and the read rate.
 */
import type { Progress } from '../analyze.js';

const DELAY_MS = 1000;
const EVERY_MS = 250;

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export function progressLine(p: Progress, seconds: number): string {
  const of = p.size !== null ? ` / ${mb(p.size)}${p.size > 0 ? ` (${Math.floor((100 * p.bytes) / p.size)}%)` : ''}` : '';
  const rate = seconds > 0 ? `, ${mb(p.bytes / seconds)}/s` : '';
  return `${p.name}: ${mb(p.bytes)}${of}, ${p.packets} packets, ${p.open} flows open${rate}`;
}

export interface ProgressDisplay {
  /** Erases the line (before other output on stderr, and at the end). */
  clear(): void;
  stop(): void;
}

/** Starts showing `p` on `err` after a second; nothing at all when `err` is not a terminal. */
export function showProgress(p: Progress, err: NodeJS.WriteStream): ProgressDisplay {
  if (!err.isTTY) return { clear: () => undefined, stop: () => undefined };
  const start = Date.now();
  let shown = false;
  const clear = () => {
    if (shown) err.write('\r\u001b[K');
    shown = false;
  };
  const draw = () => {
    if (Date.now() - start < DELAY_MS) return;
    const line = progressLine(p, (Date.now() - start) / 1000);
    err.write(`\r\u001b[K${line.slice(0, Math.max(20, (err.columns || 80) - 1))}`);
    shown = true;
  };
  const timer = setInterval(draw, EVERY_MS);
  timer.unref();
  return {
    clear,
    stop: () => {
      clearInterval(timer);
      clear();
    },
  };
}
