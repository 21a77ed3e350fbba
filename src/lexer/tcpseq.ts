/**
 * tcpdump's relative TCP sequence numbers, turned back into absolute ones.
 *
 * Without -S, tcpdump (print-tcp.c) keeps one entry per connection, made from
 * the first packet with ACK set (and made anew by every SYN-ACK): it prints
 * that packet's numbers as they are, and every later packet's sequence number
 * less its sender's initial one and its acknowledgement less the peer's. The
 * same bookkeeping, adding instead of subtracting, restores the numbers, so a
 * segment's range and the ACK that covers it can be compared as the binary
 * path compares them. A packet without a printed sequence number (a pure ACK)
 * that makes the entry leaves its side's base unknown; that side's numbers
 * then stay relative, still consistent with the peer's acknowledgements of
 * them. With -S the numbers were absolute already: they come out shifted by
 * the same amount in each direction's space, so comparisons still hold.
 */
import type { Frame, Ip, Tcp } from '../model.js';
import { TCP_ACK, TCP_SYN } from '../protocols.js';

interface Bases {
  /** The initial numbers of the canonical first end (tcpdump's th->seq) and of the other (th->ack). */
  seq: number;
  ack: number;
}

const MOD = 2 ** 32;

/** tcpdump's order of a connection's two ends: the lower port first, on a tie the lower address. */
function reversed(ip: Ip, tcp: Tcp): boolean {
  if (tcp.srcPort !== tcp.dstPort) return tcp.srcPort > tcp.dstPort;
  return compareAddresses(ip.src, ip.dst) > 0;
}

/** Addresses compared as their bytes are (dotted IPv4 by octet; anything else as text). */
function compareAddresses(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  if (x.length === 4 && y.length === 4) {
    for (let i = 0; i < 4; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export class TcpSequences {
  private readonly conns = new Map<string, Bases>();

  /** Restores the TCP numbers of a frame and of every frame it encapsulates, in place. */
  restore(frame: Frame): void {
    for (let f: Frame | null = frame; f; f = f.tunnel ? f.tunnel.inner : null) {
      if (f.ip && f.l4 && f.l4.kind === 'tcp') this.restoreTcp(f.ip, f.l4);
    }
  }

  private restoreTcp(ip: Ip, tcp: Tcp): void {
    if (!(tcp.flags & TCP_ACK)) return;
    const rev = reversed(ip, tcp);
    const key = rev ? `${ip.dst} ${tcp.dstPort} ${ip.src} ${tcp.srcPort}` : `${ip.src} ${tcp.srcPort} ${ip.dst} ${tcp.dstPort}`;
    const bases = this.conns.get(key);
    if (!bases || tcp.flags & TCP_SYN) {
      // The entry tcpdump makes: this packet was printed with its own numbers.
      const seq = tcp.seq ?? 0;
      const ack = tcp.ack !== null ? (tcp.ack - 1 + MOD) % MOD : 0;
      this.conns.set(key, rev ? { ack: seq, seq: ack } : { seq, ack });
      if (this.conns.size > 1_000_000) this.conns.delete(this.conns.keys().next().value!);
      return;
    }
    const own = rev ? bases.ack : bases.seq;
    const peer = rev ? bases.seq : bases.ack;
    if (tcp.seq !== null) tcp.seq = (tcp.seq + own) % MOD;
    if (tcp.ack !== null) tcp.ack = (tcp.ack + peer) % MOD;
    // SACK blocks are the peer's numbers, printed as its acknowledgements are.
    if (tcp.sack) tcp.sack = tcp.sack.map((e) => (e + peer) % MOD);
  }
}
