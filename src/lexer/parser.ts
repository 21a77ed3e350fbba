/**
 * The grammar of one tcpdump packet record (its first line and continuation
 * lines, joined): prefix (packet number, time), link layer (cooked v1/v2,
 * Ethernet with -e), network layer (IPv4/IPv6 with -v fields, ARP), and the
 * transport tail. A tunnel header (VXLAN, OTV, GENEVE, IP-in-IP) is followed
 * by the encapsulated frame, parsed by the same rules.
 *
 * The transport tail after "src > dst:" is printed by dozens of tcpdump
 * printers; the grammar keeps it as a token list and tail.ts reads the
 * phrases we model (ICMP, TCP flags, UDP) from it.
 */
import { EMPTY_ALT, EmbeddedActionsParser, EOF, type IOrAlt, type IToken, type TokenType } from './chevrotain.js';
import { addrRead, portRead, scanAddr } from './heads.js';
import {
  AnyToken,
  allTokens,
  Bracketed,
  Colon,
  Comma,
  DateTime,
  Decimal,
  Gt,
  Hex,
  IpHead,
  Ipv4,
  Ipv6,
  LParen,
  Mac,
  Num,
  RecordHead,
  RParen,
  Tail,
  Time,
  TunnelHeader,
  Word,
} from './tokens.js';

export const DIRECTIONS = new Set(['In', 'Out', 'B', 'M', 'P']);
const NETWORK_WORDS = new Set(['IP', 'IP6', 'ARP,', 'ARP', 'RARP']);
// The gates' word sets, built once: a gate runs for every record.
const IP_WORDS = new Set(['IP', 'IP6']);
const ARP_WORDS = new Set(['ARP', 'ARP,']);
const ARP_OPS = new Set(['Request', 'Reply']);
const TUNNEL_WORDS = new Set(['VXLAN', 'OTV', 'Geneve', 'VXLAN-GPE', 'GREv0']);
const IP_TYPES: ReadonlySet<number> = new Set([0x0800, 0x86dd]);
const ARP_TYPES: ReadonlySet<number> = new Set([0x0806]);
/** What follows a -# packet number (IpHead starts with the word "IP", RecordHead with a time). */
const AFTER_NUMBER: ReadonlySet<TokenType> = new Set([Time, DateTime, Decimal, Word, IpHead, RecordHead]);

/** The link part of a record. */
export interface ParsedLink {
  ifname: string | null;
  direction: string | null;
  ifindex: number | null;
  src: string | null;
  dst: string | null;
  ethertype: number | null;
  vlans: number[];
  /** Which printer: 'sll2' (interface name then direction), 'sll' (direction only), 'ether' (-e), null (none shown). */
  kind: 'sll' | 'sll2' | 'ether' | null;
}

export interface ParsedNet {
  /** 'ip' (v4), 'ip6', 'arp', or 'other' (a protocol we do not model). */
  kind: 'ip' | 'ip6' | 'arp' | 'other';
  /** -v fields inside the parentheses, as tokens. */
  vfields: string[];
  src: string | null;
  dst: string | null;
  /** The tail after "src > dst:" (or after "ARP,"), as token images, when it was lexed. */
  tail: string[];
  /** The tail after "src > dst:" as printed, when it was one Tail token (then `tail` is empty). */
  tailText: string | null;
  /** Tunnel header words and the encapsulated frame, when the tail starts with one. */
  tunnel: { words: string[]; inner: ParsedFrame } | null;
  /**
   * The ends as the packet gets them (interned addresses, ports as numbers), when the addresses were
   * read from an IpHead or RecordHead (heads.ts); an address with a leading zero is '' (splitPort
   * reads those). Null when they were read from their tokens.
   */
  headSrc: string | null;
  headSport: number | null;
  headDst: string | null;
  headDport: number | null;
  /** tcpdump printed "[|ip]": the snap length cut the header. */
  truncated: boolean;
}

export interface ParsedFrame {
  link: ParsedLink;
  net: ParsedNet;
}

export interface ParsedRecord {
  no: number | null;
  time: { kind: 'datetime' | 'time' | 'decimal'; image: string } | null;
  frame: ParsedFrame;
}

/**
 * What the network rule's IP alternative reads from "src > dst:" at `at` (after "IP "), which the
 * IP_HEAD pattern matched: returns where its colon is, -1 where that pattern would not match there.
 */
export function readHead(net: ParsedNet, text: string, at: number): number {
  const gt = scanAddr(text, at, 0x20);
  if (gt < 0 || !text.startsWith(' > ', gt)) return -1;
  net.headSrc = addrRead;
  net.headSport = portRead;
  const colon = scanAddr(text, gt + 3, 0x3a);
  if (colon < 0) return -1;
  net.headDst = addrRead;
  net.headDport = portRead;
  net.kind = 'ip';
  net.src = text.slice(at, gt);
  net.dst = text.slice(gt + 3, colon);
  return colon;
}

export function emptyLink(): ParsedLink {
  return { ifname: null, direction: null, ifindex: null, src: null, dst: null, ethertype: null, vlans: [], kind: null };
}

export function emptyNet(): ParsedNet {
  return {
    kind: 'other',
    vfields: [],
    src: null,
    dst: null,
    tail: [],
    tailText: null,
    tunnel: null,
    headSrc: null,
    headSport: null,
    headDst: null,
    headDport: null,
    truncated: false,
  };
}

class TcpdumpParser extends EmbeddedActionsParser {
  /**
   * How many of the record's raw tokens (Tail, TunnelHeader, IpHead, RecordHead) were read where they
   * belong: a Tail as the transport tail after "src > dst:", a TunnelHeader as a tunnel rule's first
   * words, an IpHead as a network part's "IP src > dst:", a RecordHead as a record's start. The reader
   * clears it before each record; a raw token read anywhere else (in a list of tokens that stops at
   * some word inside it) or an error makes the reader parse the record again from every token, as
   * before these tokens existed.
   */
  rawRead = 0;

  constructor() {
    // One token of lookahead: the gates below decide where tcpdump's phrasing needs more.
    super([...allTokens, AnyToken], { recoveryEnabled: true, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  /**
   * Recovery never invents the ">" of "src > dst:": a word read as a host name ("IP6 version error:
   * 0 != 6") would otherwise become a packet between two words. (The address alternatives carry
   * no gate for this: a gated OR costs every -e record a gate array per address.)
   */
  override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    return tokType !== Gt;
  }

  private isWord(k: number, set: Set<string>): boolean {
    const t = this.LA(k);
    return t.tokenType === Word && set.has(t.image);
  }

  /**
   * Whether the link rule would read anything here: one of its options' gates holds (they are
   * repeated from there). A frame without a link part (every "IP ..." line) then skips the rule and
   * its four lookaheads; an empty link is what it would have returned.
   */
  private linkStarts(top: boolean): boolean {
    const t = this.LA(1);
    if (t.tokenType === Word) {
      if (
        top &&
        (this.isWord(2, DIRECTIONS) ||
          (DIRECTIONS.has(t.image) && (this.LA(2).tokenType === Mac || this.isWord(2, NETWORK_WORDS) || this.LA(2).tokenType === IpHead)))
      )
        return true;
      return t.image === 'vlan' && this.LA(2).tokenType === Num;
    }
    return t.tokenType === Mac && this.LA(2).tokenType === Gt;
  }

  /**
   * Whether the frame's link header (printed with -e) named one of these EtherTypes: with -e -v the
   * network part starts with IP's "(tos ...)" fields, ARP's with "Ethernet (len 6), IPv4 (len 4),".
   */
  private linkCarries(types: ReadonlySet<number>): boolean {
    const et = this.curLink?.ethertype;
    return et !== undefined && et !== null && types.has(et);
  }

  /**
   * An address token of "src > dst:": a number, or (without -n) a host name, which the lexer reads
   * as a Word ("node-a.local.4789"; IPv6 and IPv4 spellings are lexed before words).
   */
  private isAddress(t: IToken): boolean {
    return t.tokenType === Ipv4 || t.tokenType === Ipv6 || (t.tokenType === Word && !IP_WORDS.has(t.image));
  }

  /** "src > dst" comes next (an address, then ">"). */
  private addressesNext(): boolean {
    return this.isAddress(this.LA(1)) && this.LA(2).tokenType === Gt;
  }

  /** With -e -q tcpdump prints no "ethertype ..., length N:" after the MAC: the network part follows it. */
  private networkNext(): boolean {
    return this.addressesNext() || this.isWord(1, ARP_OPS);
  }

  /** What the network rule's IP alternative reads from "IP src > dst:" (at `from` in `image`), read from an IpHead's text. */
  private readHead(net: ParsedNet, image: string, from: number): void {
    readHead(net, image, from + 3);
    this.rawRead++;
  }

  /** Any single token: for the parts kept as token lists (one category match, not an alternative per type). */
  private anyToken = this.RULE('anyToken', (): IToken => this.CONSUME(AnyToken));

  /**
   * Takes tokens while `more()` holds and the record has tokens left: what a MANY(anyToken) with that
   * gate consumes, without a rule invocation and a lookahead per token (most of a record is such
   * lists). Called from ACTION, so the MANY that follows it stays in the grammar for chevrotain's
   * analysis and then finds nothing left to take.
   */
  private takeWhile(more: (t: IToken) => boolean, each: (t: IToken) => void): void {
    for (let t = this.LA(1); t.tokenType !== EOF && more(t); t = this.LA(1)) {
      each(t);
      this.SKIP_TOKEN();
    }
  }

  // Alternatives that capture nothing per record, built once rather than as new arrays and closures
  // at every record (chevrotain keys its lookahead by occurrence, not by the array).
  private readonly timeAlts: IOrAlt<{ kind: 'datetime' | 'time' | 'decimal'; tok: IToken }>[] = [
    { ALT: () => ({ kind: 'datetime' as const, tok: this.CONSUME(DateTime) }) },
    { ALT: () => ({ kind: 'time' as const, tok: this.CONSUME(Time) }) },
    { ALT: () => ({ kind: 'decimal' as const, tok: this.CONSUME(Decimal) }) },
  ];
  private readonly srcAlts: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(Ipv4) }, { ALT: () => this.CONSUME(Ipv6) }, { ALT: () => this.CONSUME3(Word) }];
  private readonly dstAlts: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME2(Ipv4) }, { ALT: () => this.CONSUME2(Ipv6) }, { ALT: () => this.CONSUME4(Word) }];

  // What the hoisted alternatives below read and write for the rule invocation that runs them:
  // set on entry, and read into locals before anything that can recurse into the same rule.
  private recNo: number | null = null;
  private curTop = false;
  private curLink: ParsedLink | undefined;
  private curNet!: ParsedNet;
  private tailNet!: ParsedNet;

  /**
   * The hot rules' OPTION, OR and MANY arguments, built once: as literals in the rule bodies they
   * were a dozen objects and closures allocated per record (chevrotain keys its lookahead by the
   * occurrence, not by the argument, and runs the same grammar either way).
   */
  private readonly numberOption = {
    GATE: () => AFTER_NUMBER.has(this.LA(2).tokenType),
    DEF: () => {
      const n = this.CONSUME(Num);
      this.ACTION(() => (this.recNo = Number(n.image)));
    },
  };
  private readonly linkOption = {
    GATE: () => this.linkStarts(this.curTop),
    DEF: () => {
      this.curLink = this.SUBRULE(this.link, { ARGS: [this.curTop] });
    },
  };

  private recTime: ParsedRecord['time'] = null;
  private recFrame: ParsedFrame | undefined;

  /**
   * A RecordHead, read as the time, a frame without a link part (no link rule gate holds before
   * "IP") and the network rule's IpHead alternative would read it; or the packet number, time and
   * frame from their tokens. Chosen by the token, as afterHeadAlts are. (A RecordHead after a -#
   * number lands in the frame's token list: that record is read again from its plain tokens.)
   */
  private readonly recordAlts: IOrAlt<void>[] = [
    {
      ALT: () => {
        const h = this.CONSUME(RecordHead);
        const net = emptyNet();
        this.ACTION(() => {
          const i = h.image;
          const sp = i.indexOf(' ');
          this.recTime = { kind: 'time', image: i.slice(0, sp) };
          this.readHead(net, i, sp + 1);
          this.curNet = net;
        });
        this.OR6({ DEF: this.afterHeadAlts, IGNORE_AMBIGUITIES: true });
        this.ACTION(() => (this.recFrame = { link: emptyLink(), net }));
      },
    },
    {
      ALT: () => {
        this.OPTION(this.numberOption);
        this.OPTION2(() => {
          const t = this.OR(this.timeAlts);
          this.ACTION(() => (this.recTime = { kind: t.kind, image: t.tok.image }));
        });
        this.recFrame = this.SUBRULE(this.frame, { ARGS: [true] });
      },
    },
  ];

  public record = this.RULE('record', (): ParsedRecord => {
    this.recNo = null;
    this.recTime = null;
    this.recFrame = undefined;
    this.OR2({ DEF: this.recordAlts, IGNORE_AMBIGUITIES: true });
    return { no: this.recNo, time: this.recTime, frame: this.recFrame ?? { link: emptyLink(), net: emptyNet() } };
  });

  /** A link part (when printed) and what it carries. `top` allows the cooked-capture prefixes. */
  // Recovery (a record cut or garbled mid-way) ends a rule early: its value is then an empty one,
  // never undefined, so a cut VXLAN record's inner frame cannot crash the reader.
  private frame = this.RULE(
    'frame',
    (top: boolean): ParsedFrame => {
      this.curTop = top;
      this.curLink = undefined;
      this.OPTION(this.linkOption);
      const link = this.curLink;
      const net = this.SUBRULE(this.net);
      return { link: link ?? emptyLink(), net: net ?? emptyNet() };
    },
    { recoveryValueFunc: () => ({ link: emptyLink(), net: emptyNet() }) },
  );

  private link = this.RULE(
    'link',
    (top: boolean): ParsedLink => {
      const link = emptyLink();
      this.OPTION({
        GATE: () => top && this.LA(1).tokenType === Word && this.isWord(2, DIRECTIONS),
        DEF: () => {
          // Linux cooked v2 (tcpdump 4.99 -i any): "ens224 Out [ifindex N MAC ethertype ...,]"
          const ifn = this.CONSUME(Word);
          const dir = this.CONSUME2(Word);
          this.ACTION(() => {
            link.kind = 'sll2';
            link.ifname = ifn.image;
            link.direction = dir.image;
          });
          this.OPTION2({
            GATE: () => this.LA(1).image === 'ifindex',
            DEF: () => {
              this.CONSUME3(Word);
              const n = this.CONSUME(Num);
              this.ACTION(() => (link.ifindex = Number(n.image)));
            },
          });
          this.OPTION3(() => {
            const m = this.CONSUME(Mac);
            this.ACTION(() => (link.src = m.image));
            this.OPTION8({ GATE: () => !this.networkNext(), DEF: () => this.SUBRULE(this.ethertype, { ARGS: [link] }) });
          });
        },
      });
      this.OPTION4({
        GATE: () =>
          top &&
          link.kind === null &&
          this.isWord(1, DIRECTIONS) &&
          (this.LA(2).tokenType === Mac || this.isWord(2, NETWORK_WORDS) || this.LA(2).tokenType === IpHead),
        DEF: () => {
          // Linux cooked v1: "In [MAC ethertype IPv4 (0x0800), length N:]"
          const dir = this.CONSUME4(Word);
          this.ACTION(() => {
            link.kind = 'sll';
            link.direction = dir.image;
          });
          this.OPTION5(() => {
            const m = this.CONSUME2(Mac);
            this.ACTION(() => (link.src = m.image));
            this.OPTION9({ GATE: () => !this.networkNext(), DEF: () => this.SUBRULE2(this.ethertype, { ARGS: [link] }) });
          });
        },
      });
      this.OPTION6({
        GATE: () => link.kind === null && this.LA(1).tokenType === Mac && this.LA(2).tokenType === Gt,
        DEF: () => {
          // Ethernet with -e: "src > dst, ethertype IPv4 (0x0800), length N:"
          const s = this.CONSUME3(Mac);
          this.CONSUME(Gt);
          const d = this.CONSUME4(Mac);
          this.CONSUME(Comma);
          this.ACTION(() => {
            link.kind = 'ether';
            link.src = s.image;
            link.dst = d.image;
          });
          this.SUBRULE3(this.ethertype, { ARGS: [link] });
        },
      });
      // 802.1Q tags printed after the link header: "vlan 10, p 0, ethertype IPv4 (0x0800),"
      this.MANY({
        GATE: () => this.LA(1).image === 'vlan' && this.LA(2).tokenType === Num,
        DEF: () => {
          this.CONSUME5(Word);
          const id = this.CONSUME2(Num);
          this.ACTION(() => link.vlans.push(Number(id.image)));
          this.MANY2({
            GATE: () => this.LA(1).tokenType !== Hex,
            DEF: () => this.SUBRULE(this.anyToken),
          });
          const h = this.CONSUME(Hex);
          this.ACTION(() => (link.ethertype = parseInt(h.image, 16)));
          this.CONSUME(RParen);
          this.OPTION7(() => this.CONSUME2(Comma));
        },
      });
      return link;
    },
    { recoveryValueFunc: emptyLink },
  );

  /** "ethertype IPv4 (0x0800), length N:" (or "802.1Q (0x8100), length N:"): the first hex is the EtherType. */
  private ethertype = this.RULE('ethertype', (link: ParsedLink) => {
    let seen = false;
    this.MANY({
      GATE: () => this.LA(1).tokenType !== Colon,
      DEF: () => {
        const t = this.SUBRULE(this.anyToken);
        this.ACTION(() => {
          if (!seen && t.tokenType === Hex) {
            seen = true;
            link.ethertype = parseInt(t.image, 16);
          }
        });
      },
    });
    this.CONSUME(Colon);
  });

  /**
   * After an IpHead: its Tail straight away, as the tail rule's last alternative would read it (the
   * tail rule's other alternatives want a tunnel header or "IP", which a Tail never starts with),
   * without the rule and its three gates; anything else goes to the tail rule. No gates: the
   * token decides (a gated OR evaluates every gate into a new array each time), and as the tail
   * rule can start with any token, the overlap is declared (IGNORE_AMBIGUITIES) and chevrotain
   * takes the first alternative that matches.
   */
  private readonly afterHeadAlts: IOrAlt<void>[] = [
    {
      ALT: () => {
        const t = this.CONSUME(Tail);
        this.ACTION(() => {
          this.curNet.tailText = t.image;
          this.rawRead++;
        });
      },
    },
    { ALT: () => this.SUBRULE2(this.tail, { ARGS: [this.curNet] }) },
  ];

  private readonly netAlts: IOrAlt<void>[] = [
    {
      // "IP a.b.c.d.p > e.f.g.h.q:" in one token: what the next alternative reads from its tokens.
      GATE: () => this.LA(1).tokenType === IpHead,
      ALT: () => {
        const net = this.curNet;
        const h = this.CONSUME(IpHead);
        this.ACTION(() => this.readHead(net, h.image, 0));
        this.OR5({ DEF: this.afterHeadAlts, IGNORE_AMBIGUITIES: true });
      },
    },
    {
      // "IP [(-v fields)] src > dst: ..." ; with -e the keyword is not printed.
      GATE: () => this.isWord(1, IP_WORDS) || this.addressesNext() || (this.LA(1).tokenType === LParen && this.linkCarries(IP_TYPES)),
      ALT: () => {
        const net = this.curNet;
        this.OPTION({
          GATE: () => this.isWord(1, IP_WORDS),
          DEF: () => {
            const w = this.CONSUME(Word);
            this.ACTION(() => (net.kind = w.image === 'IP6' ? 'ip6' : 'ip'));
          },
        });
        this.OPTION2({
          GATE: () => this.LA(1).tokenType === LParen,
          DEF: () => {
            this.CONSUME(LParen);
            let depth = 1;
            const vfield = (t: IToken) => {
              if (t.tokenType === LParen) depth++;
              else if (t.tokenType === RParen) depth--;
              if (depth > 0) net.vfields.push(t.image);
            };
            this.ACTION(() => this.takeWhile(() => depth > 0, vfield));
            this.MANY({
              GATE: () => depth > 0,
              DEF: () => {
                const t = this.SUBRULE(this.anyToken);
                this.ACTION(() => vfield(t));
              },
            });
          },
        });
        // "[real length 80040, presumed BIG TCP]" after the -v fields: a note, not the addresses.
        this.OPTION5({
          GATE: () => this.LA(1).tokenType === Bracketed && this.LA(1).image.startsWith('[real length'),
          DEF: () => this.CONSUME2(Bracketed),
        });
        this.OR4([
          {
            // "IP [|ip]": the snap length cut the header before the addresses.
            GATE: () => this.LA(1).tokenType === Bracketed && this.LA(1).image.startsWith('[|'),
            ALT: () => {
              const net = this.curNet;
              this.CONSUME(Bracketed);
              this.ACTION(() => (net.truncated = true));
            },
          },
          {
            ALT: () => {
              const net = this.curNet;
              const s = this.OR2(this.srcAlts);
              this.CONSUME(Gt);
              const d = this.OR3(this.dstAlts);
              this.CONSUME(Colon);
              this.ACTION(() => {
                net.src = s.image;
                net.dst = d.image;
                if (net.kind === 'other') net.kind = s.tokenType === Ipv6 ? 'ip6' : 'ip';
              });
              this.SUBRULE(this.tail, { ARGS: [net] });
            },
          },
        ]);
      },
    },
    {
      // "ARP, Request who-has ..." ; with -e: "Request who-has ..."
      GATE: () => this.isWord(1, ARP_WORDS) || this.isWord(1, ARP_OPS) || this.linkCarries(ARP_TYPES),
      ALT: () => {
        const net = this.curNet;
        this.ACTION(() => (net.kind = 'arp'));
        this.OPTION3({
          GATE: () => this.LA(1).image === 'ARP',
          DEF: () => {
            this.CONSUME2(Word);
            this.OPTION4(() => this.CONSUME(Comma));
          },
        });
        this.ACTION(() =>
          this.takeWhile(
            () => true,
            (t) => net.tail.push(t.image),
          ),
        );
        this.MANY2(() => {
          const t = this.SUBRULE2(this.anyToken);
          this.ACTION(() => net.tail.push(t.image));
        });
      },
    },
    {
      // A protocol we do not model: kept opaque.
      ALT: () => {
        const net = this.curNet;
        this.ACTION(() =>
          this.takeWhile(
            () => true,
            (t) => net.tail.push(t.image),
          ),
        );
        this.MANY3(() => {
          const t = this.SUBRULE3(this.anyToken);
          this.ACTION(() => net.tail.push(t.image));
        });
      },
    },
  ];

  private net = this.RULE(
    'net',
    (): ParsedNet => {
      const net = emptyNet();
      this.curNet = net;
      this.OR(this.netAlts);
      return net;
    },
    { recoveryValueFunc: emptyNet },
  );

  private readonly tailAlts: IOrAlt<void>[] = [
    {
      // VXLAN / OTV (tcpdump's name for UDP 8472) / Geneve: header words, then the encapsulated frame.
      GATE: () => this.LA(1).tokenType === TunnelHeader || this.isWord(1, TUNNEL_WORDS),
      ALT: () => {
        const net = this.tailNet;
        const words: string[] = [];
        this.ACTION(() => {
          const t = this.LA(1);
          if (t.tokenType === TunnelHeader) {
            const h = t.image;
            words.push(h.endsWith(' ') ? h.slice(0, -1) : h);
            this.rawRead++;
            this.SKIP_TOKEN();
          }
          this.takeWhile(
            () => !this.innerStarts(),
            (t) => words.push(t.image),
          );
        });
        this.MANY({
          GATE: () => !this.innerStarts(),
          DEF: () => {
            const t = this.SUBRULE(this.anyToken);
            this.ACTION(() => words.push(t.image));
          },
        });
        this.OR2({
          IGNORE_AMBIGUITIES: true,
          DEF: [
            {
              // The inner frame's "IP src > dst: " in one token: read here as the frame rule would
              // read it (no link rule gate holds before it), without the frame and network rules.
              // Chosen by the token, as afterHeadAlts are.
              ALT: () => {
                const h = this.CONSUME(IpHead);
                const inner = emptyNet();
                this.ACTION(() => {
                  this.readHead(inner, h.image, 0);
                  this.curNet = inner;
                });
                this.OR3({ DEF: this.afterHeadAlts, IGNORE_AMBIGUITIES: true });
                this.ACTION(() => (net.tunnel = { words, inner: { link: emptyLink(), net: inner } }));
              },
            },
            {
              ALT: () =>
                this.OR4([
                  {
                    GATE: () => this.innerStarts(),
                    ALT: () => {
                      const inner = this.SUBRULE(this.frame, { ARGS: [false] });
                      this.ACTION(() => (net.tunnel = { words, inner }));
                    },
                  },
                  { ALT: EMPTY_ALT() },
                ]),
            },
          ],
        });
        this.ACTION(() => {
          if (!net.tunnel) net.tail = words;
        });
      },
    },
    {
      // IP-in-IP: "IP a > b: IP c > d: ..."
      GATE: () =>
        this.LA(1).tokenType === IpHead ||
        (this.isWord(1, IP_WORDS) && (this.LA(2).tokenType === Ipv4 || this.LA(2).tokenType === Ipv6 || this.LA(2).tokenType === LParen)),
      ALT: () => {
        const net = this.tailNet;
        const inner = this.SUBRULE2(this.frame, { ARGS: [false] });
        this.ACTION(() => (net.tunnel = { words: ['IPIP'], inner }));
      },
    },
    {
      ALT: () => {
        const net = this.tailNet;
        this.ACTION(() => {
          const t = this.LA(1);
          if (t.tokenType === Tail) {
            net.tailText = t.image;
            this.rawRead++;
            this.SKIP_TOKEN();
          } else
            this.takeWhile(
              () => true,
              (t) => net.tail.push(t.image),
            );
        });
        this.MANY2(() => {
          const t = this.SUBRULE2(this.anyToken);
          this.ACTION(() => net.tail.push(t.image));
        });
      },
    },
  ];

  /** After "src > dst:": a tunnel header and its inner frame, or the transport phrases. */
  private tail = this.RULE('tail', (net: ParsedNet) => {
    this.tailNet = net;
    this.OR(this.tailAlts);
  });

  /** The encapsulated frame starts: MACs of -e, the network keyword, or (GRE with -e) bare addresses. */
  private innerStarts(): boolean {
    const t = this.LA(1);
    if ((t.tokenType === Mac || t.tokenType === Ipv4 || t.tokenType === Ipv6) && this.LA(2).tokenType === Gt) return true;
    return t.tokenType === IpHead || (t.tokenType === Word && (t.image === 'IP' || t.image === 'IP6' || t.image === 'ARP'));
  }
}

/** The one parser instance, reused for every record. */
export const parser = new TcpdumpParser();
