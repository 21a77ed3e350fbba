/**
 * The verdict in words for an operator: the facts and the flow's evidence
 * turned into an explanation, and the commands that confirm or rule out the
 * likely cause.
 */
import type { Flow, FlowError, Side } from '../flows/flow.js';
import { udpProtocol } from '../flows/udp.js';
import { carrierOf } from './carrier.js';
import type { Classified, ClassifyOptions } from './index.js';
import { type Naming, NEXT, type NextContext, render } from './next.js';
import type { Locus } from './where.js';

/**
 * The verdict in words for an operator, and the commands that confirm or rule out the likely
 * cause. Apart from classify(): most flows of a big capture are counted, never shown.
 */
export function describe(flow: Flow, c: Classified, opts: ClassifyOptions, naming: Naming): { explanation: string; next: string[] } {
  return explain(flow, c, opts, naming);
}

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;
const secs = (t: number) => `${t < 10 ? t.toFixed(1) : Math.round(t)} s`;

/** What the TCP analyzer saw, in words: handshake retries, retransmissions and their timing, how it ended. */
function tcpWords(flow: Flow, side: Side): string {
  const t = side.tcp;
  if (!t) return '';
  const out: string[] = [];
  if (t.handshake === 'complete' && t.synRetries > 0)
    out.push(`connected after ${plural(t.synRetries, 'SYN retry', 'SYN retries')}, ${secs(t.connectDelay ?? 0)} late`);
  if (t.handshake === 'unanswered' && t.synRetries > 0) out.push(`the SYN sent ${t.synRetries + 1} times, never answered`);
  if (t.retransmissions > 0) {
    const first = t.retransmitTimes[0];
    const at = first !== undefined && flow.firstSeen !== null ? ` (first at +${secs(first - flow.firstSeen)})` : '';
    out.push(`${plural(t.retransmissions, 'segment')} retransmitted${at}`);
  }
  if (t.spurious > 0)
    out.push(`${plural(t.spurious, 'retransmission was', 'retransmissions were')} spurious (the receiver's D-SACK shows it had the first copy)`);
  if (t.zeroWindow) out.push(`the ${t.zeroWindow}'s receive window was still zero at the end (its application stopped reading)`);
  if (t.reset) out.push(`closed by a reset from the ${t.reset}`);
  return out.join('; ');
}

/** The VXLAN checksum-offload bug (kubernetes#88986, flannel#1282): retried SYNs carried in datagrams with bad outer UDP checksums. */
function checksumWords(flow: Flow, x: NextContext): { words: string; next: string[] } | null {
  if (!flow.tunnel || flow.badChecksums === 0) return null;
  return {
    words: ` ${plural(flow.badChecksums, 'encapsulated packet')} of this flow had a bad outer UDP checksum: the VXLAN checksum-offload bug (kubernetes#88986, flannel#1282), where the receiving node drops them.`,
    next: render(NEXT.checksum(x), x),
  };
}

function requestWord(flow: Flow): string {
  if (flow.proto === 'icmp' || flow.proto === 'icmp6') return 'echo request';
  if (flow.proto === 'tcp') return 'segment';
  return 'datagram';
}

/** The far tunnel endpoint of a flow: where encapsulated packets went that did not come from it. */
function peerEndpoints(flow: Flow): { arrivedFrom: string[]; sentTo: string[] } {
  const srcs = new Set<string>();
  const dsts = new Set<string>();
  for (const ep of flow.endpoints.keys()) {
    const [s, d] = ep.split('>') as [string, string];
    srcs.add(s);
    dsts.add(d);
  }
  return { arrivedFrom: [...srcs], sentTo: [...dsts] };
}

/** The hops that answered a traceroute's probes, in the order they did. */
function traceHops(flow: Flow): string {
  const hops = [...new Set(flow.errors.filter((e) => e.cls === 'time-exceeded').map((e) => e.from))];
  return `${plural(hops.length, 'hop')} (${hops.slice(0, 8).join(', ')}${hops.length > 8 ? ', ...' : ''})`;
}

function firstError(flow: Flow, cls: FlowError['cls']): FlowError | undefined {
  return flow.errors.find((e) => e.cls === cls);
}

function attributionWords(e: FlowError): string {
  switch (e.attribution) {
    case 'quoted':
      return "the error quotes this flow's packet";
    case 'host':
      return `the error names ${e.about}, this flow's peer`;
    case 'endpoint':
      return `${e.about} is the tunnel endpoint this flow travels to`;
    case 'inferred':
      return `inferred: the node reported ${e.about} unreachable to itself while this flow's packets failed to leave encapsulated`;
  }
}

/** Where unanswered encapsulated requests were dropped, by the locus the captures give (classifier/where.ts). */
const WHERE_DROPPED: Record<Locus, (carrierWords: string) => string> = {
  beyond: (w) =>
    `The packets are dropped beyond this capture point: the underlay (a firewall or security group not allowing ${w} between the nodes) or the peer node.`,
  underlay: (w) =>
    `The peer node's capture shows none of them arriving: they are dropped on the underlay between the nodes (a firewall or security group not allowing ${w}).`,
  'remote-node': () => "They arrived at the peer node's capture and no answer left it: the peer node or its pod drops them.",
  node: () => 'They are lost on this node.',
};

function explain(flow: Flow, c: Classified, opts: ClassifyOptions, naming: Naming): { explanation: string; next: string[] } {
  const { side, facts: f, verdict } = c;
  const req = requestWord(flow);
  const tunnel = flow.tunnel;
  const carrier = carrierOf(tunnel);
  const peers = peerEndpoints(flow);
  const input = c.locus?.input ?? side.input;
  const own = naming.local(input);
  // The far endpoint: where this node's packets went (not where they came from: an underlay device may rewrite that).
  const far = peers.sentTo.filter((d) => !own.includes(d));
  const vtep = far.find((d) => !peers.arrivedFrom.includes(d)) ?? far[0] ?? null;
  const x: NextContext = { input, naming, carrier, vtep, client: flow.client, server: flow.server, serverPort: flow.serverPort };
  const next = (steps: ReturnType<(typeof NEXT)[keyof typeof NEXT]>) => render(steps, x);
  const counts = `${plural(f.requests, req)}, ${f.answered} answered`;
  const tcp = tcpWords(flow, side);
  const cksum = checksumWords(flow, x);
  switch (verdict) {
    case 'healthy': {
      const back =
        tunnel && side.requestEncapsulated ? `; the replies went back encapsulated (${tunnel.type}${tunnel.vni !== null ? ' vni ' + tunnel.vni : ''})` : '';
      const pend = f.pending ? ` (${f.pending} too recent to tell)` : '';
      const hops = f.timeExceeded > 0 ? `; a traceroute: ${traceHops(flow)} answered with time exceeded` : '';
      return { explanation: `${counts}${pend}${back}${hops}${tcp ? `; ${tcp}` : ''}.`, next: [] };
    }
    case 'lossy':
      if (f.unanswered === 0) {
        const what = side.tcp && side.tcp.retransmissions === 0 && side.tcp.synRetries > 0 ? tcp : `${tcp}, all delivered in the end`;
        return {
          explanation: `${counts}: ${what}. The path works but lost packets on the way.${cksum?.words ?? ''}`,
          next: [...(cksum?.next ?? []), ...next(NEXT.lossy(x))],
        };
      }
      return {
        explanation: `${counts}, ${f.unanswered} not${tcp ? ` (${tcp})` : ''}: the path works but drops some packets.${cksum?.words ?? ''}`,
        next: [...(cksum?.next ?? []), ...next(NEXT.lossy(x))],
      };
    case 'request-only': {
      if (f.undelivered > 0) {
        return {
          explanation: `${counts}: the ${f.undelivered === 1 ? 'reply was' : 'replies were'} made on this node (seen bare on the overlay device) but never left encapsulated. The reply is lost on this node, between the overlay device and the underlay: no forwarding entry or no route/ARP towards the peer tunnel endpoint.`,
          next: next(NEXT.replyNotSent(x)),
        };
      }
      if (f.noReplyExpected && f.neverArrived) {
        const to = vtep ? naming.at(vtep) : 'the peer node';
        return {
          explanation: `${plural(f.requests, req)} left encapsulated (${tunnel?.type ?? 'tunnel'}${vtep ? ` to ${vtep}${carrier.port !== null ? `:${carrier.port}` : ''}` : ''}) and none arrived at ${to}, whose capture went on past them: lost on the underlay (a firewall or security group not allowing ${carrier.words} between the nodes). ${udpProtocol(flow.serverPort, flow.clientPort).name} expects no reply, so the sender cannot notice.`,
          next: next(NEXT.underlay(x)),
        };
      }
      if (tunnel && side.requestEncapsulated) {
        const out = peers.sentTo.length ? ` to ${peers.sentTo.join(', ')}${carrier.port !== null ? `:${carrier.port}` : ''}` : '';
        return {
          explanation: `${counts}${tcp ? ` (${tcp})` : ''}: the requests travelled encapsulated (${tunnel.type}${out}) and no reply came back within ${opts.replyTimeout} s. ${WHERE_DROPPED[c.locus?.locus ?? 'beyond'](carrier.words)}`,
          next: next(c.locus?.locus === 'underlay' ? NEXT.underlay(x) : c.locus?.locus === 'remote-node' ? NEXT.remoteNode(x) : NEXT.beyond(x)),
        };
      }
      const quiet = f.oneWay ? ' No packet towards this node was captured at all: if the capture filter kept one direction, this cannot tell.' : '';
      const backoff = side.tcp?.backoff
        ? ` The sender resent with growing intervals and no acknowledgement came${f.answered > 0 ? ` (${f.answered} answered before: the connection stalled)` : ''}.`
        : '';
      return {
        explanation: `${counts}${tcp ? ` (${tcp})` : ''}: no reply, no ICMP error within ${opts.replyTimeout} s of the last request. Blocked or misrouted on the way to ${flow.server} or back.${backoff}${quiet}${cksum?.words ?? ''}`,
        next: next(NEXT.bare(x)),
      };
    }
    case 'host-unreachable': {
      const e = firstError(flow, 'unreachable')!;
      return {
        explanation: `${counts}; ${e.from} reported host ${e.about} unreachable (${attributionWords(e)}). ${e.from === e.about || e.attribution === 'inferred' ? 'The node cannot reach it: no route, or no ARP answer for the next hop.' : 'No route to it, or its link-layer address cannot be resolved.'}`,
        next: next(NEXT.unreachable({ ...x, input: e.input, errorAbout: e.about })),
      };
    }
    case 'refused': {
      const e = firstError(flow, 'refused');
      if (e?.aboutReply && f.resets === 0) {
        return {
          explanation: `${counts}: the reply came back too late: ${e.from} answered it with ICMP port unreachable, its socket already closed (the client had given up waiting). ${flow.server} or the path to it is too slow for the client's timeout.`,
          next: next(NEXT.late(x)),
        };
      }
      const by = f.resets > 0 ? `${flow.server} answered the SYN with RST` : `${e!.from} answered with ICMP port/protocol unreachable`;
      return {
        explanation: `${counts}; ${by}: the host is reachable but nothing listens on ${flow.proto} port ${flow.serverPort ?? '?'} (or a filter rejects it).`,
        next: next(NEXT.refused(x)),
      };
    }
    case 'filtered': {
      const e = firstError(flow, 'prohibited')!;
      return {
        explanation: `${counts}; ${e.from} rejected it: ICMP administratively prohibited (${attributionWords(e)}). A firewall rule on ${e.from} blocks this traffic${tunnel ? ` (the tunnel's ${carrier.words})` : ''}.`,
        next: next(NEXT.filtered({ ...x, errorFrom: e.from })),
      };
    }
    case 'frag-needed': {
      const e = firstError(flow, 'frag-needed')!;
      return {
        explanation: `${e.from} reported fragmentation needed${e.mtu !== null ? ` (mtu ${e.mtu})` : ''}: packets of this flow are larger than a link on the way allows${tunnel ? `; the ${tunnel.type} encapsulation costs ${carrier.overhead} bytes of the underlay MTU` : ''}.${f.requests ? ` ${counts}.` : ''}`,
        next: next(NEXT.fragNeeded({ ...x, mtu: e.mtu })),
      };
    }
    case 'incomplete': {
      if (f.oneSidedAlive && f.unanswered > 0) {
        const end = side.tcp?.oneSided === 'server' ? flow.server : flow.client;
        const other = end === flow.server ? flow.client : flow.server;
        return {
          explanation: `${counts}: only ${end}'s packets are in this capture, and it acknowledges ${other}'s, so it hears it: the connection works; whether its own segments were acknowledged cannot be seen here (one-sided capture or asymmetric path).`,
          next: next(NEXT.recapture(x, `host ${other}`)),
        };
      }
      if (f.noReplyExpected && f.requests > 0) {
        const proto = udpProtocol(flow.serverPort, flow.clientPort);
        const why =
          proto.expects === 'none'
            ? `${proto.name} is one-way: no reply is expected`
            : proto.expects === 'reply-elsewhere'
              ? `${proto.name} answers from a new port, in a flow of its own`
              : proto.expects === 'icmp'
                ? 'a traceroute probe: only an ICMP error answers it, and silent hops are normal'
                : `UDP port ${flow.serverPort ?? '?'} is no protocol known to answer, and no datagram came back on these ports: if it should answer, nothing did`;
        return {
          explanation: `${plural(f.requests, req)}, no reply: ${why}.`,
          next: proto.expects === 'unknown' ? next(NEXT.recapture(x, `udp port ${flow.serverPort ?? ''} and host ${flow.server}`)) : [],
        };
      }
      if (f.oneWay && f.requests > 0) {
        return {
          explanation: `${counts}: this capture shows no packet at all in an answering direction (no reply or server packet of any flow, no ICMP error, no ARP reply). A capture filter that keeps one direction (e.g. \`src host\`) cannot tell a lost reply from a filtered one.`,
          next: next(NEXT.recapture(x, `host ${flow.server}${vtep ? ` or host ${vtep}` : ''}`)),
        };
      }
      if (f.requests === 0) {
        return {
          explanation: `no ${req} from ${flow.client} seen (${plural(f.replies, 'reply')}): the capture started mid-conversation or saw only one direction.`,
          next: [],
        };
      }
      return {
        explanation: `${counts}, ${f.pending} still waiting when the capture ended${flow.lastSeen === null ? ' (no timestamps in the input)' : ` (less than the ${opts.replyTimeout} s reply timeout after the last request)`}: capture longer to tell.`,
        next: [],
      };
    }
  }
}
