import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count, plainPlace, utcTime, wrap } from '../src/report/words.js';

describe('count', () => {
  it('picks the noun form the number takes', () => {
    expect(count(1, 'flow')).toBe('1 flow');
    expect(count(0, 'flow')).toBe('0 flows');
    expect(count(2, 'flow')).toBe('2 flows');
    expect(count(1024, 'finding')).toBe('1,024 findings');
    expect(count(2, 'connection attempt (SYN)')).toBe('2 connection attempts (SYN)');
    expect(count(3, 'reply')).toBe('3 replies');
    expect(count(2, 'address')).toBe('2 addresses');
    expect(count(1, 'address')).toBe('1 address');
    expect(count(2, 'ICMP error')).toBe('2 ICMP errors');
  });
});

describe('wrap', () => {
  it('fits every line to the width and keeps every word, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9.:>-]{1,30}$/), { maxLength: 60 }), fc.integer({ min: 20, max: 120 }), (words, width) => {
        const lines = wrap(words.join(' '), width, '  ', '    ');
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(width);
        expect(lines.join(' ').split(/\s+/).filter(Boolean).join('')).toBe(words.join(''));
      }),
    );
  });
  it('breaks a word longer than a line instead of cutting it', () => {
    const long = 'x'.repeat(50);
    const lines = wrap(`a ${long} b`, 20, '', '  ');
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(lines.join('').replace(/\s/g, '')).toBe(`a${long}b`);
  });
  it('does not count colour codes as columns', () => {
    const red = (s: string) => `\x1b[31m${s}\x1b[0m`;
    expect(wrap(`${red('request-only')} ${'y'.repeat(60)}`, 80)).toHaveLength(1);
  });
});

describe('words for places and times', () => {
  it('says "not encapsulated" for a bare sighting, and times in UTC', () => {
    expect(plainPlace('ifindex 5 other bare')).toBe('ifindex 5 other not encapsulated');
    expect(plainPlace('ifindex 2 out encapsulated vxlan vni 1 a > b:8472')).toBe('ifindex 2 out encapsulated vxlan vni 1 a > b:8472');
    expect(utcTime(1795584161.556672)).toBe('2026-11-25 05:22:41.556672');
    expect(utcTime(1795584161.556672, false)).toBe('05:22:41.556672');
    expect(utcTime(35594.217481)).toBe('09:53:14.217481');
    expect(utcTime(null)).toBe('-');
  });
});
