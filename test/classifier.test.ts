import { describe, expect, it } from 'vitest';
import { type Facts, RULES, verdictOf } from '../src/classifier/rules.js';

const base: Facts = {
  requests: 0,
  answered: 0,
  unanswered: 0,
  undelivered: 0,
  pending: 0,
  replies: 0,
  resets: 0,
  unreachable: 0,
  refused: 0,
  prohibited: 0,
  fragNeeded: 0,
  timeExceeded: 0,
  oneWay: false,
  oneDirectionCapture: false,
  retransmitted: 0,
  oneSidedAlive: false,
  stalled: false,
  noReplyExpected: false,
  neverArrived: false,
};
const v = (f: Partial<Facts>) => verdictOf({ ...base, ...f }).verdict;

describe('verdict rules', () => {
  it('orders the table so errors win over silence and the last rule catches all', () => {
    expect(RULES.map((r) => r.verdict)).toEqual([
      'frag-needed',
      'filtered',
      'refused',
      'host-unreachable',
      'incomplete',
      'request-only',
      'healthy',
      'lossy',
      'lossy',
      'request-only',
      'incomplete',
      'incomplete',
      'request-only',
      'incomplete',
    ]);
  });
  it('one-way UDP: no reply is no failure, unless the captured receiving node never got it', () => {
    expect(v({ requests: 5, unanswered: 5, noReplyExpected: true })).toBe('incomplete');
    expect(v({ requests: 5, unanswered: 5, noReplyExpected: true, neverArrived: true })).toBe('request-only');
  });
  it('healthy: every request answered; pending ones at the end do not spoil it', () => {
    expect(v({ requests: 3, answered: 3, replies: 3 })).toBe('healthy');
    expect(v({ requests: 3, answered: 2, pending: 1, replies: 2 })).toBe('healthy');
  });
  it('lossy and request-only split on whether anything was answered', () => {
    expect(v({ requests: 3, answered: 2, unanswered: 1 })).toBe('lossy');
    expect(v({ requests: 3, unanswered: 3 })).toBe('request-only');
    expect(v({ requests: 1, unanswered: 1, undelivered: 1, replies: 1 })).toBe('request-only');
  });
  it('incomplete when nothing was asked or the capture ended too early', () => {
    expect(v({ replies: 4 })).toBe('incomplete');
    expect(v({ requests: 2, pending: 2 })).toBe('incomplete');
  });
  it('a quiet capture point still calls silence request-only; a busy one-direction capture cannot', () => {
    expect(v({ requests: 3, unanswered: 3, oneWay: true })).toBe('request-only');
    expect(v({ requests: 3, unanswered: 3, oneWay: true, oneDirectionCapture: true })).toBe('incomplete');
    // A reply made on the node that never left is seen, so the capture is not one-way about it.
    expect(v({ requests: 1, unanswered: 1, undelivered: 1, replies: 1, oneWay: true, oneDirectionCapture: true })).toBe('request-only');
    // An ICMP error is an answer: it still decides.
    expect(v({ requests: 1, unanswered: 1, unreachable: 1, oneWay: true, oneDirectionCapture: true })).toBe('host-unreachable');
  });
  it('TCP: retransmissions that recovered are lossy; a one-sided view that hears its peer is not a failure', () => {
    expect(v({ requests: 9, answered: 9, retransmitted: 2 })).toBe('lossy');
    expect(v({ requests: 9, answered: 1, unanswered: 8, oneSidedAlive: true })).toBe('incomplete');
    expect(v({ requests: 3, unanswered: 3, retransmitted: 2 })).toBe('request-only');
    // Answered handshake, then data resent with backoff and never acknowledged: stalled.
    expect(v({ requests: 3, answered: 2, unanswered: 1, retransmitted: 6, stalled: true })).toBe('request-only');
    expect(v({ requests: 3, answered: 2, unanswered: 1, retransmitted: 1 })).toBe('lossy');
  });
  it('UDP that expects no reply is not called unanswered', () => {
    expect(v({ requests: 4, unanswered: 4, noReplyExpected: true })).toBe('incomplete');
    expect(v({ requests: 4, unanswered: 4, noReplyExpected: true, refused: 1 })).toBe('refused');
  });
  it('ICMP errors decide when requests went unanswered', () => {
    expect(v({ requests: 1, unanswered: 1, unreachable: 3 })).toBe('host-unreachable');
    expect(v({ requests: 1, unanswered: 1, prohibited: 1 })).toBe('filtered');
    expect(v({ requests: 1, unanswered: 1, refused: 1 })).toBe('refused');
    expect(v({ requests: 1, resets: 1 })).toBe('refused');
    // A stray unreachable does not condemn a flow whose every request was answered...
    expect(v({ requests: 2, answered: 2, unreachable: 1 })).toBe('healthy');
    // ...but an MTU problem does: small packets pass, big ones do not.
    expect(v({ requests: 2, answered: 2, fragNeeded: 1 })).toBe('frag-needed');
  });
});

describe('the README documents the rule table as it is', () => {
  it('one row per rule, in order, with its words', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| verdict | when |'));
    const rows = table
      .split('\n')
      .slice(2)
      .filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('|')));
    expect(rows).toEqual(RULES.map((r) => `| \`${r.verdict}\` | ${r.when} |`));
  });
});
