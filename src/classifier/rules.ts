/**
 * The verdict rules: an ordered table, first match wins.
 *
 * Like Zeek's conn_state(), a verdict is a pure function of what each side
 * did (the Facts below, counted by the flow table); the evidence stays with
 * the flow, apart from the verdict. Every verdict value is documented here.
 */

export type Verdict =
  /** Every request was answered, and the answer went back the way the request came. */
  | 'healthy'
  /** Some requests were answered, some were not. */
  | 'lossy'
  /** Requests and no answer: no reply, no ICMP error, for at least the reply timeout (or the reply was made and never left). */
  | 'request-only'
  /** ICMP net/host unreachable about the flow or about the tunnel endpoint carrying it. */
  | 'host-unreachable'
  /** TCP RST answering a SYN, or ICMP port/protocol unreachable. */
  | 'refused'
  /** ICMP administratively prohibited: a filter rejected it. */
  | 'filtered'
  /** ICMP fragmentation needed / ICMPv6 packet too big: the packet is larger than a link's MTU. */
  | 'frag-needed'
  /** The capture cannot tell: no request seen, it ended before a reply was due, or it shows one direction only. */
  | 'incomplete';

export const VERDICTS: readonly Verdict[] = ['healthy', 'lossy', 'request-only', 'host-unreachable', 'refused', 'filtered', 'frag-needed', 'incomplete'];

/** What each side did, as counted by the flow table. */
export interface Facts {
  requests: number;
  /** Requests answered by a reply that came back the way the request went. */
  answered: number;
  /** Requests without an answer at the end: timed out, or answered by a reply that never left. */
  unanswered: number;
  /** Of those, the ones whose reply was made on the node but never left encapsulated. */
  undelivered: number;
  /** Requests too recent at the end of the capture to say. */
  pending: number;
  replies: number;
  /** TCP resets answering a SYN. */
  resets: number;
  /** ICMP errors about the flow, by class. */
  unreachable: number;
  refused: number;
  prohibited: number;
  fragNeeded: number;
  timeExceeded: number;
  /** The deciding capture point saw nothing at all in an answering direction (InputNode.oneWay): a lost reply cannot be told from a filtered one. */
  oneWay: boolean;
  /** Positive evidence of a one-direction capture: a busy capture point where every flow of every kind went unanswered. */
  oneDirectionCapture: boolean;
  /** TCP segments (and SYNs) sent again at this capture point; duplicates of one datagram in the capture are not counted. */
  retransmitted: number;
  /** TCP: only one end's packets were captured, that end acknowledges the other, and it does not resend with backoff: the path works, the capture is one-sided. */
  oneSidedAlive: boolean;
  /** TCP data resent with growing intervals and never acknowledged to the end: the connection stalled. */
  stalled: boolean;
  /** UDP whose protocol sends no reply on the same ports (syslog, statsd, flow export, a tunnel carrier, TFTP, traceroute, unknown) and none came. */
  noReplyExpected: boolean;
  /** The requests left encapsulated for another captured node, which saw none of them while it was capturing (worked out only where noReplyExpected: the one rule that reads it). */
  neverArrived: boolean;
}

export interface Rule {
  verdict: Verdict;
  /** The condition, in words, as the README's table shows it. */
  when: string;
  test: (f: Facts) => boolean;
}

const notAllAnswered = (f: Facts) => f.answered < f.requests || f.requests === 0;

export const RULES: readonly Rule[] = [
  { verdict: 'frag-needed', when: 'an ICMP fragmentation-needed / packet-too-big about the flow', test: (f) => f.fragNeeded > 0 },
  {
    verdict: 'filtered',
    when: 'an ICMP administratively-prohibited about the flow, and not every request answered',
    test: (f) => f.prohibited > 0 && notAllAnswered(f),
  },
  {
    verdict: 'refused',
    when: 'a TCP RST answering the SYN, or ICMP port/protocol unreachable, and not every request answered',
    test: (f) => (f.resets > 0 || f.refused > 0) && notAllAnswered(f),
  },
  {
    verdict: 'host-unreachable',
    when: 'an ICMP net/host unreachable about the flow or its tunnel endpoint, and not every request answered',
    test: (f) => f.unreachable > 0 && notAllAnswered(f),
  },
  {
    verdict: 'incomplete',
    when: 'TCP with one end captured only, which acknowledges the other end: it hears it, so the path works; what it sent cannot be seen answered',
    test: (f) => f.oneSidedAlive && f.unanswered > 0 && f.undelivered === 0,
  },
  {
    verdict: 'request-only',
    when: 'TCP data resent with growing intervals and never acknowledged to the end: the connection stalled, whatever was answered before',
    test: (f) => f.stalled && f.unanswered > 0,
  },
  {
    verdict: 'healthy',
    when: 'requests seen, every one answered, nothing sent twice (a few too recent to tell are allowed)',
    test: (f) => f.requests > 0 && f.answered > 0 && f.unanswered === 0 && f.retransmitted === 0,
  },
  {
    verdict: 'lossy',
    when: 'every request answered in the end, but only after some were sent again (TCP retransmissions, SYN retries)',
    test: (f) => f.answered > 0 && f.unanswered === 0 && f.retransmitted > 0,
  },
  { verdict: 'lossy', when: 'some requests answered, some not', test: (f) => f.answered > 0 && f.unanswered > 0 },
  {
    verdict: 'request-only',
    when: 'UDP that expects no reply, sent encapsulated to another captured node that saw none of it while capturing: lost on the way',
    test: (f) => f.noReplyExpected && f.neverArrived,
  },
  {
    verdict: 'incomplete',
    when: 'UDP that expects no reply on the same ports (a one-way stream, TFTP, a traceroute probe, an unknown protocol) and got none',
    test: (f) => f.noReplyExpected && f.answered === 0 && f.undelivered === 0,
  },
  {
    verdict: 'incomplete',
    when: 'requests, none answered, on a busy capture point where every flow of every kind went unanswered (a one-direction capture filter)',
    test: (f) => f.oneDirectionCapture && f.answered === 0 && f.undelivered === 0,
  },
  {
    verdict: 'request-only',
    when: 'requests, none answered, reply timeout passed (or the replies never left the node)',
    test: (f) => f.requests > 0 && f.answered === 0 && f.unanswered > 0,
  },
  { verdict: 'incomplete', when: 'anything else: no request seen, or the capture ended before a reply was due', test: () => true },
];

export function verdictOf(f: Facts): { verdict: Verdict; rule: Rule } {
  for (const rule of RULES) if (rule.test(f)) return { verdict: rule.verdict, rule };
  throw new Error('unreachable: the last rule always matches');
}
