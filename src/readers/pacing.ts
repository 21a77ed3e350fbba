/**
 * An input's chunks as the pipeline takes them: counted (for progress), paced (a slow reader of
 * the output holds the input back instead of the output piling up in memory), and cut short when
 * the caller's signal fires (Ctrl-C on a live capture): the input then ends where it was, as if
 * that were all of it, and its source is closed.
 */
import { Readable } from 'node:stream';
import type { OpenedInput } from './open.js';

export interface Pacing {
  /** Aborted: stop reading (the readers see the end of the input). */
  signal?: AbortSignal | undefined;
  /** Called with each chunk's length. */
  onBytes?: ((n: number) => void) | undefined;
  /** Awaited (when it returns a promise) before each chunk is asked for. */
  beforeChunk?: (() => Promise<void> | undefined) | undefined;
  /** Chunks handed on in pieces of at most this many bytes, beforeChunk awaited before each (default: as read). */
  piece?: number | undefined;
}

const ABORTED = Symbol('aborted');

function abortedPromise(signal: AbortSignal): { promise: Promise<typeof ABORTED>; dispose: () => void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** The chunks of `source` until it ends or `pacing.signal` fires; `close` then runs (it may destroy the source). */
export async function* paced<T extends Uint8Array>(source: AsyncIterable<T>, pacing: Pacing, close?: () => void): AsyncGenerator<T> {
  const { signal, onBytes, beforeChunk, piece = Infinity } = pacing;
  const it = source[Symbol.asyncIterator]();
  const abort = signal ? abortedPromise(signal) : null;
  let finished = false;
  try {
    while (!signal?.aborted) {
      const wait = beforeChunk?.();
      if (wait) await wait;
      const next = it.next();
      const r = abort ? await Promise.race([next, abort.promise]) : await next;
      if (r === ABORTED) {
        // The pending read settles when the source is closed: nobody waits for it.
        next.catch(() => undefined);
        break;
      }
      if (r.done) {
        finished = true;
        return;
      }
      onBytes?.(r.value.length);
      for (let at = 0; at < r.value.length; at += piece) {
        if (at > 0) {
          const wait = beforeChunk?.();
          if (wait) await wait;
          if (signal?.aborted) break;
        }
        yield (at === 0 && r.value.length <= piece ? r.value : r.value.subarray(at, at + piece)) as T;
      }
    }
  } finally {
    abort?.dispose();
    if (!finished) {
      close?.();
      // A source with no close of its own is released by its iterator.
      if (!close) void Promise.resolve(it.return?.()).catch(() => undefined);
    }
  }
}

/** A stream that ends where `paced` stops; the source stream is destroyed then. */
export function pacedStream(source: Readable, pacing: Pacing): Readable {
  // Bytes, not objects: read ahead by at most one chunk.
  return Readable.from(
    paced<Buffer>(source, pacing, () => source.destroy()),
    { objectMode: false },
  );
}

/** An opened input whose stream or chunks go through `paced`. */
export function pacedInput(input: OpenedInput, pacing: Pacing): OpenedInput {
  const chunks = input.chunks;
  let stream: Readable | null = null;
  return {
    name: input.name,
    format: input.format,
    gzip: input.gzip,
    get stream() {
      return (stream ??= pacedStream(input.stream, pacing));
    },
    ...(chunks ? { chunks: () => paced(chunks(), pacing) } : {}),
  };
}
