/**
 * Flow -> verdict, explanation and next steps.
 *
 * facts() reads the counts the flow table kept; the verdict comes from the
 * rule table in rules.ts; the explanation turns the same facts and the
 * flow's evidence into words for an operator.
 */
import type { Flow, FlowError, InputNode, Side } from '../flows/flow.js';
import { locate, primarySide, type LocusResult } from './locus.js';
import { verdictOf, type Facts, type Rule, type Verdict } from './rules.js';
import { udpProtocol } from '../flows/udp.js';

export { locate, primarySide, sideRole, type Locus, type LocusResult, type SideRole } from './locus.js';

export { RULES, VERDICTS, verdictOf, type Facts, type Rule, type Verdict } from './rules.js';

export interface Classified {
  verdict: Verdict;
  rule: Rule;
  facts: Facts;
  /** Where it broke (null when healthy or when the capture cannot tell). */
  locus: LocusResult | null;
  /** The capture point whose view gave the verdict. */
  side: Side;
}

/** A capture point with this many client packets and not one in an answering direction is a one-direction capture, not a dead network. */
const BUSY_POINT = 50;

/** The counts of the deciding side, and every ICMP error tied to the flow at any capture point. */
export function facts(flow: Flow, side: Side = primarySide(flow), nodes: InputNode[] = []): Facts {
  const count = (cls: FlowError['cls']) => flow.errors.filter((e) => e.cls === cls).length;
  const node = nodes.find((n) => n.input === side.input);
  const tcp = side.tcp;
  const retransmitted = tcp ? tcp.retransmissions + tcp.synRetries : 0;
  // An error about a reply (it died on the way back, or came after the client gave up) un-answers its request.
  const lostReplies = Math.min(side.answered, flow.errors.filter((e) => e.aboutReply && e.input === side.input && e.cls !== 'time-exceeded').length);
  const udp = flow.proto === 'udp' ? udpProtocol(flow.serverPort, flow.clientPort) : null;
  return {
    requests: side.requests,
    answered: side.answered - lostReplies,
    unanswered: side.unanswered + lostReplies,
    undelivered: side.undelivered,
    pending: side.pendingAtEnd,
    replies: side.replies,
    resets: side.resets,
    unreachable: count('unreachable'),
    refused: count('refused'),
    prohibited: count('prohibited'),
    fragNeeded: count('frag-needed'),
    timeExceeded: count('time-exceeded'),
    oneWay: node?.oneWay ?? false,
    oneDirectionCapture: (node?.oneWay ?? false) && (node?.forth ?? 0) >= BUSY_POINT,
    retransmitted,
    oneSidedAlive: tcp !== null && tcp.oneSided !== null && tcp.peerAlive && !tcp.backoff,
    noReplyExpected: udp !== null && udp.expects !== 'reply' && side.replies === 0,
  };
}

export interface ClassifyOptions {
  replyTimeout: number;
}

export function classify(flow: Flow, nodes: InputNode[], opts: ClassifyOptions): Classified {
  const side = primarySide(flow);
  const f = facts(flow, side, nodes);
  const { verdict, rule } = verdictOf(f);
  const locus = locate(flow, nodes, verdict !== 'healthy' && verdict !== 'incomplete');
  return { verdict, rule, facts: f, locus, side };
}

/**
 * The verdict in words for an operator, and the commands that confirm or rule out the likely
 * cause. Apart from classify(): most flows of a big capture are counted, never shown.
 */
export function describe(flow: Flow, c: Classified, opts: ClassifyOptions): { explanation: string; next: string[] } {
  return explain(flow, c.side, c.facts, c.verdict, opts);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function requestWord(flow: Flow, side: Side): string {
  if (flow.proto === 'icmp' || flow.proto === 'icmp6') return 'echo request';
  if (flow.proto === 'tcp') return side.sawSyn ? 'connection attempt (SYN)' : 'segment';
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

function firstError(flow: Flow, cls: FlowError['cls']): FlowError | undefined {
  return flow.errors.find((e) => e.cls === cls);
}

function attributionWords(e: FlowError): string {
  switch (e.attribution) {
    case 'quoted':
      return 'the error quotes this flow\'s packet';
    case 'host':
      return `the error names ${e.about}, this flow's peer`;
    case 'endpoint':
      return `${e.about} is the tunnel endpoint this flow travels to`;
    case 'inferred':
      return `inferred: the node reported ${e.about} unreachable to itself while this flow's packets failed to leave encapsulated`;
  }
}

function explain(flow: Flow, side: Side, f: Facts, verdict: Verdict, opts: ClassifyOptions): { explanation: string; next: string[] } {
  const req = requestWord(flow, side);
  const tunnel = flow.tunnel;
  const port = tunnel?.port ?? 8472;
  const peers = peerEndpoints(flow);
  const vtep = peers.sentTo.find((d) => !peers.arrivedFrom.includes(d)) ?? peers.sentTo[0] ?? null;
  const counts = `${plural(f.requests, req)}, ${f.answered} answered`;
  switch (verdict) {
    case 'healthy': {
      const back = tunnel && side.requestEncapsulated ? `; the replies went back encapsulated (${tunnel.type}${tunnel.vni !== null ? ' vni ' + tunnel.vni : ''})` : '';
      const pend = f.pending ? ` (${f.pending} too recent to tell)` : '';
      return { explanation: `${counts}${pend}${back}.`, next: [] };
    }
    case 'lossy':
      return {
        explanation: `${counts}, ${f.unanswered} not: the path works but drops some packets.`,
        next: vtep ? [`ping -c 100 ${flow.server}`, `nc -vzu ${vtep} ${port}`] : [`ping -c 100 ${flow.server}`],
      };
    case 'request-only': {
      if (f.undelivered > 0) {
        return {
          explanation: `${counts}: the ${f.undelivered === 1 ? 'reply was' : 'replies were'} made on this node (seen bare on the overlay device) but never left encapsulated. The reply is lost on this node, between the overlay device and the underlay: no forwarding entry or no route/ARP towards the peer tunnel endpoint.`,
          next: [`bridge fdb show dev flannel.1`, `ip neigh show dev flannel.1`, ...(vtep ? [`ip route get ${vtep}`] : [`ip route get ${flow.client}`])],
        };
      }
      if (tunnel && side.requestEncapsulated) {
        const out = peers.sentTo.length ? ` to ${peers.sentTo.join(', ')}:${port}` : '';
        return {
          explanation: `${counts}: the requests travelled encapsulated (${tunnel.type}${out}) and no reply came back within ${opts.replyTimeout} s. The packets are dropped beyond this capture point: the underlay (a firewall or security group not allowing UDP ${port} between the nodes) or the peer node.`,
          next: vtep ? [`nc -vzu ${vtep} ${port}`, `traceroute -U -p ${port} ${vtep}`, `ip route get ${vtep}`] : [`traceroute -U -p ${port} ${flow.server}`],
        };
      }
      return {
        explanation: `${counts}: no reply, no ICMP error within ${opts.replyTimeout} s of the last request. Blocked or misrouted on the way to ${flow.server} or back.`,
        next: [`ip route get ${flow.server}`, `traceroute -n ${flow.server}`],
      };
    }
    case 'host-unreachable': {
      const e = firstError(flow, 'unreachable')!;
      return {
        explanation: `${counts}; ${e.from} reported host ${e.about} unreachable (${attributionWords(e)}). ${e.from === e.about || e.attribution === 'inferred' ? 'The node cannot reach it: no route, or no ARP answer for the next hop.' : 'No route to it, or its link-layer address cannot be resolved.'}`,
        next: [`ip route get ${e.about}`, `ip neigh show ${e.about}`, `ping -c 3 ${e.about}`],
      };
    }
    case 'refused': {
      const e = firstError(flow, 'refused');
      const by = f.resets > 0 ? `${flow.server} answered the SYN with RST` : `${e!.from} answered with ICMP port/protocol unreachable`;
      return {
        explanation: `${counts}; ${by}: the host is reachable but nothing listens on ${flow.proto} port ${flow.serverPort ?? '?'} (or a filter rejects it).`,
        next: [`ss -lntup | grep ':${flow.serverPort ?? ''}'`, `kubectl get endpoints -A | grep ${flow.server}`],
      };
    }
    case 'filtered': {
      const e = firstError(flow, 'prohibited')!;
      return {
        explanation: `${counts}; ${e.from} rejected it: ICMP administratively prohibited (${attributionWords(e)}). A firewall rule on ${e.from} blocks this traffic${tunnel ? ` (the tunnel's UDP ${port})` : ''}.`,
        next: [`traceroute -n ${e.from}`, tunnel && vtep ? `nc -vzu ${vtep} ${port}` : `nft list ruleset   # on ${e.from}`],
      };
    }
    case 'frag-needed': {
      const e = firstError(flow, 'frag-needed')!;
      return {
        explanation: `${e.from} reported fragmentation needed${e.mtu !== null ? ` (mtu ${e.mtu})` : ''}: packets of this flow are larger than a link on the way allows${tunnel ? `; the ${tunnel.type} header costs 50 bytes of the underlay MTU` : ''}.${f.requests ? ` ${counts}.` : ''}`,
        next: [`ip link show flannel.1`, `ping -M do -s ${e.mtu !== null ? e.mtu - 28 : 1422} ${flow.server}`],
      };
    }
    case 'incomplete': {
      if (f.oneWay && f.requests > 0) {
        return {
          explanation: `${counts}: this capture shows no packet at all in an answering direction (no reply or server packet of any flow, no ICMP error, no ARP reply). A capture filter that keeps one direction (e.g. \`src host\`) cannot tell a lost reply from a filtered one.`,
          next: [`tcpdump -i any -nn host ${flow.server}${vtep ? ` or host ${vtep}` : ''}`],
        };
      }
      if (f.requests === 0) {
        return { explanation: `no ${req} from ${flow.client} seen (${plural(f.replies, 'reply')}): the capture started mid-conversation or saw only one direction.`, next: [] };
      }
      return {
        explanation: `${counts}, ${f.pending} still waiting when the capture ended${flow.lastSeen === null ? ' (no timestamps in the input)' : ` (less than the ${opts.replyTimeout} s reply timeout after the last request)`}: capture longer to tell.`,
        next: [],
      };
    }
  }
}
