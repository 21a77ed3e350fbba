/**
 * decodeFrame on hostile bytes: arbitrary byte arrays, every truncation of every real lab
 * frame, and random mutations of them, for every link type we decode and one we do not.
 *
 * decodeFrame catches exceptions itself and turns them into a "decoder error" note, so "never
 * throws" is checked as "never needs that catch". Reads past the end are caught by handing the
 * decoder a Proxy that records every out-of-range index (a Uint8Array gives undefined there,
 * which would silently become 0 or NaN in a field).
 */
import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, decodeOptions } from '../src/decoders/index.js';
import type { Frame } from '../src/model.js';
import { allFrames } from './helpers/frames.js';
import { type LabFrame, LINK_TYPES, labFrames, UNKNOWN_LINK_TYPE } from './helpers/lab.js';

/** Generated cases per property (see the counts in the closing note of issue 6). */
export const RUNS = { arbitrary: 300, prefixedGarbage: 1500, mutations: 3000 };
/** One decode of at most a few kB is microseconds; this only catches loops and blow-ups. */
const TIME_LIMIT_MS = 100;
/** Offsets a re-framed copy of a lab frame is cut at (see below). */
const REFRAMED_CUTS = 68;

const opts = decodeOptions([4790]);

/** The bytes as a Proxy that records reads outside [0, length). */
function guarded(bytes: Uint8Array): { view: Uint8Array; outside: number[] } {
  const outside: number[] = [];
  const view = new Proxy(bytes, {
    get(t, p) {
      if (typeof p === 'string') {
        const i = Number(p);
        if (Number.isInteger(i) && (i < 0 || i >= t.length)) outside.push(i);
      }
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  return { view, outside };
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const u = (v: number | null, max: number) => v === null || (Number.isInteger(v) && v >= 0 && v <= max);

/** What is wrong with one frame's fields (empty when nothing): ranges, address shapes, no NaN/undefined text. */
function frameProblems(f: Frame): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string) => ok || bad.push(what);
  check(f.src === null || MAC.test(f.src), `src mac ${f.src}`);
  check(f.dst === null || MAC.test(f.dst), `dst mac ${f.dst}`);
  check(
    f.vlans.every((v) => u(v, 4095)),
    `vlans ${f.vlans}`,
  );
  check(u(f.ethertype, 0xffff), `ethertype ${f.ethertype}`);
  check(f.note === null || !/decoder error|undefined|NaN/.test(f.note), `note ${f.note}`);
  if (f.ip) {
    const addr = f.ip.version === 4 ? (s: string) => V4.test(s) : isIPv6;
    check(addr(f.ip.src) && addr(f.ip.dst), `ip ${f.ip.src} > ${f.ip.dst}`);
    check(u(f.ip.proto, 255) && u(f.ip.ttl, 255) && u(f.ip.id, 2 ** 32 - 1), `ip proto/ttl/id ${f.ip.proto}/${f.ip.ttl}/${f.ip.id}`);
    // IPv6 jumbograms (RFC 2675) announce up to 2^32 - 1 payload bytes.
    check(u(f.ip.length, 2 ** 32 + 39) && u(f.ip.fragOffset, 0xffff), `ip length/frag ${f.ip.length}/${f.ip.fragOffset}`);
  }
  if (f.arp) check(u(f.arp.op, 0xffff) && V4.test(f.arp.senderIp) && V4.test(f.arp.targetIp), `arp ${JSON.stringify(f.arp)}`);
  const l4 = f.l4;
  if (l4?.kind === 'tcp' || l4?.kind === 'udp') check(u(l4.srcPort, 0xffff) && u(l4.dstPort, 0xffff), `ports ${l4.srcPort} ${l4.dstPort}`);
  if (l4?.kind === 'tcp') check(u(l4.flags, 255) && u(l4.seq, 2 ** 32 - 1) && u(l4.ack, 2 ** 32 - 1) && u(l4.window, 0xffff), `tcp ${JSON.stringify(l4)}`);
  if (l4?.kind === 'udp') check(u(l4.length, 2 ** 32) && u(l4.payloadLen, 2 ** 32), `udp ${JSON.stringify(l4)}`);
  if (l4?.kind === 'icmp' || l4?.kind === 'icmp6')
    check(u(l4.type, 255) && u(l4.code, 255) && u(l4.id, 0xffff) && u(l4.seq, 0xffff) && u(l4.mtu, 2 ** 32 - 1), `icmp ${l4.type}/${l4.code}`);
  if (f.tunnel) check(u(f.tunnel.vni, 0xffffff) && u(f.tunnel.flags, 255), `tunnel ${f.tunnel.type} ${f.tunnel.vni}`);
  return bad;
}

/**
 * Decodes and checks what must hold for any input: no exception reached decodeFrame's catch, no
 * read outside the bytes, well-formed fields, a time bound, and an announced IP length beyond
 * the bytes given marked as a cut. Returns the decode for further checks.
 */
function decodeChecked(linkType: number, bytes: Uint8Array, what: string) {
  const g = guarded(bytes);
  const t0 = performance.now();
  const d = decodeFrame(linkType, g.view, opts);
  const ms = performance.now() - t0;
  const frames = allFrames(d.frame);
  // Plain checks, not expect(): this runs a few hundred thousand times.
  const bad = frames.flatMap(frameProblems);
  if (g.outside.length > 0) bad.push(`read past the end at ${g.outside.slice(0, 5)}`);
  if (ms >= TIME_LIMIT_MS) bad.push(`took ${ms.toFixed(1)} ms`);
  const anyCut = frames.some((f) => f.truncated);
  // An IP layer cannot hold more than the bytes given: if it says it does, the frame is marked cut,
  // unless it stopped early for a reason of its own (its note). A tunnel's carrier is exempt by
  // design: its payload is the inner frame's business (src/decoders/ipv4.ts).
  const top = d.frame.ip;
  if (top && top.length !== null && top.length > bytes.length && d.frame.tunnel === null && d.frame.note === null && !d.frame.truncated) {
    bad.push(`IP length ${top.length} > ${bytes.length} bytes, not marked truncated`);
  }
  if (linkType === UNKNOWN_LINK_TYPE && (d.frame.note !== `unknown link type ${UNKNOWN_LINK_TYPE}` || d.frame.ip !== null || d.frame.link !== 'none'))
    bad.push(`unknown link type decoded: ${d.frame.note}`);
  if (!u(d.ifindex, 2 ** 32 - 1)) bad.push(`ifindex ${d.ifindex}`);
  if (bad.length > 0) fail(what, linkType, bytes, bad);
  return { d, frames, anyCut };
}

function fail(what: string, linkType: number, bytes: Uint8Array, bad: string[]): never {
  throw new Error(`${what} (link type ${linkType}, ${bytes.length} bytes ${Buffer.from(bytes.subarray(0, 96)).toString('hex')}): ${bad.join('; ')}`);
}

const IPV6_EXTENSIONS = new Set([0, 43, 44, 51, 60, 135, 139, 140]);
const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);

/** A frame as plain data, the truncated flags left out. */
function strip(f: Frame): unknown {
  return JSON.parse(JSON.stringify(f, (k, v) => (k === 'truncated' ? undefined : v)));
}

/**
 * `part` (from a prefix) says nothing `whole` (the full frame) contradicts: every value it has is
 * whole's; what it lacks is null (or a shorter VLAN list).
 */
function contradictions(part: unknown, whole: unknown, path = '', out: string[] = []): string[] {
  if (part === null || part === undefined) return out;
  // A TCP header cut before its flags byte gives flags 0 (documented in src/decoders/tcp.ts).
  if (path.endsWith('.l4.flags') && part === 0) return out;
  // IPv6 cut inside its extension headers: proto is the header the walk stopped in (src/decoders/ipv6.ts).
  if (path.endsWith('.ip.proto') && IPV6_EXTENSIONS.has(part as number)) return out;
  // A VLAN tag cut short: ethertype is the tag's TPID (src/decoders/ethernet.ts).
  if (path.endsWith('.ethertype') && VLAN_TPIDS.has(part as number)) return out;
  if (typeof part !== 'object') {
    if (part !== whole) out.push(`${path}: ${String(part)} vs ${String(whole)}`);
    return out;
  }
  if (whole === null || typeof whole !== 'object') {
    out.push(`${path}: ${JSON.stringify(part).slice(0, 80)} vs ${String(whole)}`);
    return out;
  }
  for (const [k, v] of Object.entries(part as Record<string, unknown>)) contradictions(v, (whole as Record<string, unknown>)[k], `${path}.${k}`, out);
  return out;
}

let frames: LabFrame[] = [];
beforeAll(async () => {
  frames = await labFrames();
});

describe('decodeFrame: arbitrary bytes', () => {
  it('has real frames of every link type to work from', () => {
    const types = new Set(frames.map((f) => f.linkType));
    for (const lt of LINK_TYPES) expect(types.has(lt), `link type ${lt}`).toBe(true);
  });

  for (const lt of [...LINK_TYPES, UNKNOWN_LINK_TYPE]) {
    it(`link type ${lt}: any bytes decode without error, within bounds and time`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
          decodeChecked(lt, bytes, 'arbitrary');
        }),
        { numRuns: RUNS.arbitrary },
      );
    });
  }

  it("a real frame's headers followed by garbage (reaches the deeper decoders)", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 600 }), (i, cut, tail) => {
        const f = frames[i % frames.length]!;
        const keep = cut % (f.data.length + 1);
        const bytes = new Uint8Array(keep + tail.length);
        bytes.set(f.data.subarray(0, keep));
        bytes.set(tail, keep);
        decodeChecked(f.linkType, bytes, `${f.origin} cut at ${keep} + ${tail.length} random bytes`);
      }),
      { numRuns: RUNS.prefixedGarbage },
    );
  });
});

describe('decodeFrame: every truncation of every real frame', () => {
  it('a prefix decodes to a part of the whole, and says it was cut when it lost anything', () => {
    let cases = 0;
    for (const f of frames) {
      const whole = strip(decodeChecked(f.linkType, f.data, f.origin).d.frame);
      // A re-framed copy (raw IP, loopback) holds the same IP packet as its original, which is cut at
      // every offset already: its own cuts matter up to the end of the link and IP headers.
      const upTo = f.origin.includes(' as ') ? Math.min(f.data.length, REFRAMED_CUTS) : f.data.length;
      for (let k = 0; k < upTo; k++) {
        const cut = f.data.subarray(0, k);
        const { d, anyCut } = decodeChecked(f.linkType, cut, `${f.origin} cut at ${k}`);
        const part = strip(d.frame);
        const bad = contradictions(part, whole);
        // Bytes after the IP datagram (Ethernet padding) may go without a mark; information may not.
        if (!anyCut && JSON.stringify(part) !== JSON.stringify(whole)) bad.push('lost fields without a truncated mark');
        if (bad.length > 0) fail(`${f.origin} cut at ${k}`, f.linkType, cut, bad);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(50_000);
  });
});

describe('decodeFrame: random mutations of real frames', () => {
  /** Up to 8 byte changes; lengths and type fields are where decoders go wrong, so 0x00/0xff/small values are favoured. */
  const mutation = fc.record({
    frame: fc.nat(),
    edits: fc.array(fc.record({ at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xfe, 0xff), fc.integer({ min: 0, max: 255 })) }), {
      minLength: 1,
      maxLength: 8,
    }),
    cut: fc.option(fc.nat(), { freq: 3 }),
  });

  it('decode without error, within bounds and time', () => {
    fc.assert(
      fc.property(mutation, ({ frame, edits, cut }) => {
        const f = frames[frame % frames.length]!;
        const bytes = Uint8Array.from(f.data);
        for (const e of edits) bytes[e.at % bytes.length] = e.value;
        const data = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
        decodeChecked(f.linkType, data, `${f.origin} with ${JSON.stringify(edits)}${cut === null ? '' : ` cut at ${data.length}`}`);
      }),
      { numRuns: RUNS.mutations },
    );
  });
});
