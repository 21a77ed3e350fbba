/**
 * The idle queue: open flows in the order housekeeping last looked at them,
 * so the idle ones are at the front.
 */

import { close } from './closing.js';
import { NIL } from './columns.js';
import type { InputNode } from './flow.js';
import { nodesOf } from './nodes.js';
import type { FlowTable } from './table.js';
import { TCP_END_LINGER } from './timing.js';

export function enqueue(tb: FlowTable, s: number): void {
  const fc = tb.fc;
  fc.qPrev[s] = tb.qTail;
  fc.qNext[s] = NIL;
  if (tb.qTail !== NIL) fc.qNext[tb.qTail] = s;
  else tb.qHead = s;
  tb.qTail = s;
}

export function unqueue(tb: FlowTable, s: number): void {
  const fc = tb.fc;
  const prev = fc.qPrev[s]!;
  const next = fc.qNext[s]!;
  if (prev !== NIL) fc.qNext[prev] = next;
  else tb.qHead = next;
  if (next !== NIL) fc.qPrev[next] = prev;
  else tb.qTail = prev;
  fc.qPrev[s] = fc.qNext[s] = NIL;
}

export function openFlows(tb: FlowTable): number[] {
  const out: number[] = [];
  for (let s = tb.qHead; s !== NIL; s = tb.fc.qNext[s]!) out.push(s);
  return out;
}

/**
 * Closes the TCP connections that ended (FIN both ways or a reset) TCP_END_LINGER ago, and the
 * flows idle for the idle timeout: each open flow is looked at about once per half idle timeout,
 * an active one going to the back of the queue.
 */
export function closeIdle(tb: FlowTable, now: number): void {
  const fc = tb.fc;
  let nodes: InputNode[] | null = null;
  const endedBefore = now - TCP_END_LINGER;
  while (tb.endedHead < tb.ended.length) {
    const s = tb.ended[tb.endedHead]!;
    if (fc.id[s] === tb.ended[tb.endedHead + 1]) {
      if (fc.lastSeen[s]! >= endedBefore) break;
      close(tb, s, (nodes ??= nodesOf(tb)));
    }
    tb.endedHead += 2;
  }
  if (tb.endedHead > 4096 && tb.endedHead * 2 > tb.ended.length) {
    tb.ended = tb.ended.slice(tb.endedHead);
    tb.endedHead = 0;
  }
  const idle = tb.opts.idleTimeout;
  const idleBefore = now - idle;
  // Each open flow is looked at about once per half idle timeout: an active one goes to the back.
  let s = tb.qHead;
  const last = tb.qTail;
  while (s !== NIL) {
    const next = fc.qNext[s]!;
    const seen = fc.lastSeen[s]!;
    if (seen < idleBefore) close(tb, s, (nodes ??= nodesOf(tb)));
    else if (seen !== seen || seen - idleBefore > idle / 2) break;
    else {
      unqueue(tb, s);
      enqueue(tb, s);
    }
    if (s === last) break;
    s = next;
  }
}
