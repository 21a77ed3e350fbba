/**
 * The command's own process settings (bin/analyze.js; bench/child.js mirrors them). A library
 * user's process is left as it is.
 */
import { setFlagsFromString } from 'node:v8';

/** Heap growth between full collections, in percent of the live data. */
const HEAP_GROWING_PERCENT = 30;

/**
 * V8 lets the heap grow up to about 4x its live data before the next full collection. The flow
 * table's garbage is mostly closed flows that outlived a few young collections, so the heap then
 * held ~3x what was live: 1.3x keeps the 1M-flow benchmark's peak under 200 MB (was 290 MB). It
 * costs 5-10% at 10k flows (more full collections while the heap is small), nothing measurable at 1M.
 */
export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
