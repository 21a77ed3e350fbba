/**
 * The flow table's named bit layouts (src/flows/columns.ts): each field reads back what was written,
 * for every value it can hold, and the end-of-connection test holds for FINs both ways or a reset.
 */
import { describe, expect, it } from 'vitest';
import {
  connectionEnded,
  ENCAPSULATED,
  END_CLIENT_FIN,
  END_RESET,
  END_SERVER_FIN,
  FROM_CLIENT,
  REFUSAL,
  ROLE_OTHER,
  ROLE_REPLY,
  ROLE_REQUEST,
  SETTLED,
  STARTS_REQUEST,
  seenBits,
  seenFields,
} from '../src/flows/columns.js';

describe('bit layouts', () => {
  it('seen bits: role, from-client and direction read back as written', () => {
    for (const role of [ROLE_OTHER, ROLE_REQUEST, ROLE_REPLY]) {
      for (const fromClient of [false, true]) {
        for (let dir = 0; dir <= 5; dir++) expect(seenFields(seenBits(role, fromClient, dir))).toEqual({ role, fromClient, dir });
      }
    }
    expect(seenBits(ROLE_REPLY, true, 5)).toBeLessThan(256); // fits SeenColumns.bits, a Uint8Array
  });
  it('record bits are distinct single bits', () => {
    const bits = [FROM_CLIENT, SETTLED, ENCAPSULATED, REFUSAL, STARTS_REQUEST];
    for (const b of bits) expect(b & (b - 1)).toBe(0);
    expect(bits.reduce((a, b) => a | b, 0)).toBe(bits.reduce((a, b) => a + b, 0));
  });
  it('a connection ends with FINs both ways or a reset, not with one FIN', () => {
    expect(connectionEnded(0)).toBe(false);
    expect(connectionEnded(END_CLIENT_FIN)).toBe(false);
    expect(connectionEnded(END_SERVER_FIN)).toBe(false);
    expect(connectionEnded(END_CLIENT_FIN | END_SERVER_FIN)).toBe(true);
    expect(connectionEnded(END_RESET)).toBe(true);
    expect(connectionEnded(END_CLIENT_FIN | END_RESET)).toBe(true);
  });
});
