/**
 * Exit statuses, so a script can tell the outcomes apart. When several apply, the first of
 * 2, 3, 1 wins: an unreadable input or a cut report says less than its verdicts seem to.
 */
import type { Report } from '../report/types.js';

export const EXIT = { healthy: 0, problem: 1, usage: 2, partial: 3 } as const;

export const EXIT_TEXT = `Exit status:
  0  every flow is healthy
  1  a problem was found (a flow that is not healthy)
  2  usage error, or an input could not be read (the others are still reported)
  3  the report is partial: input cut (Ctrl-C, SIGTERM) or flows closed early (--max-flows)
When several apply, the first of 2, 3, 1 is the status.`;

export function exitCode(r: Report): number {
  if (r.inputs.some((i) => i.error !== undefined)) return EXIT.usage;
  if (r.summary.partial) return EXIT.partial;
  return r.summary.problems > 0 ? EXIT.problem : EXIT.healthy;
}
