/**
 * Session lookup's keys: a conversation's tuple as a number the same both ways
 * round, the test that tells tuples sharing one apart, and the key of an
 * address pair (for errors that name only a host).
 */
import { type FlowColumns, NIL, protoCode } from './columns.js';
import type { Tuple } from './view.js';

/**
 * A flow's key, the same both ways round: a 53-bit hash of protocol, addresses and ports, made
 * without building a string per packet (that and hashing it was an eighth of the table's time).
 * Flows of different tuples may share a key: sameTuple() tells them apart.
 */
export function tupleKey(t: Tuple): number {
  const a = (strHash(t.src) ^ Math.imul(t.srcPort + 1, 0x9e3779b1)) >>> 0;
  const b = (strHash(t.dst) ^ Math.imul(t.dstPort + 1, 0x9e3779b1)) >>> 0;
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const p = protoCode(t.proto);
  const h1 = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b) ^ p, 0xc2b2ae35) >>> 0;
  const h2 = (Math.imul(hi ^ Math.imul(lo, 0x27d4eb2f), 0x165667b1) ^ p) & 0x1fffff;
  return h1 * 0x200000 + h2;
}

/** FNV-1a over the string's code units. */
export function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** Whether the flow in slot s is the conversation of this tuple (either way round). */
export function sameTuple(c: FlowColumns, s: number, t: Tuple): boolean {
  if (c.proto[s] !== protoCode(t.proto)) return false;
  const cl = c.client[s];
  const sv = c.server[s];
  if (c.echoId[s] !== NIL) return c.echoId[s] === t.srcPort && ((cl === t.src && sv === t.dst) || (cl === t.dst && sv === t.src));
  return (
    (cl === t.src && c.clientPort[s] === t.srcPort && sv === t.dst && c.serverPort[s] === t.dstPort) ||
    (cl === t.dst && c.clientPort[s] === t.dstPort && sv === t.src && c.serverPort[s] === t.srcPort)
  );
}

/** A pair of addresses as a small number, the same both ways round (pairs that share one are told apart by the lookup's test). */
export function pairKey(a: string, b: string): number {
  const x = strHash(a);
  const y = strHash(b);
  return (Math.imul(x < y ? x : y, 0x9e3779b1) ^ (x < y ? y : x)) & 0x3fffffff;
}
