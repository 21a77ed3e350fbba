/**
 * Time zones (src/zone.ts) and what they do to tcpdump text: its local times read in the zone they
 * were printed in, and a text without a date lined up with a capture only modulo a day, said so.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze.js';
import { TextReader } from '../src/lexer/index.js';
import type { Packet } from '../src/model.js';
import { isTimeZone, zoneOffset } from '../src/zone.js';

const lab = (f: string) => fileURLToPath(new URL(`../samples/lab/${f}`, import.meta.url));

function times(text: string, tz: string | null): (number | null)[] {
  const out: Packet[] = [];
  const r = new TextReader(
    't',
    0,
    (p) => out.push(p),
    () => {},
    { tz },
  );
  r.push(text);
  r.end();
  return out.map((p) => p.ts);
}

describe('time zones', () => {
  it('offsets from UTC, summer time included', () => {
    expect(zoneOffset('Asia/Shanghai', Date.UTC(2026, 0, 15) / 1000)).toBe(8 * 3600);
    expect(zoneOffset('Europe/Berlin', Date.UTC(2026, 0, 15) / 1000)).toBe(3600);
    expect(zoneOffset('Europe/Berlin', Date.UTC(2026, 6, 15) / 1000)).toBe(7200);
    expect(zoneOffset('UTC', Date.UTC(2026, 6, 15) / 1000)).toBe(0);
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('Mars/Base')).toBe(false);
  });
  it('a -tttt text printed in Berlin reads as the UTC instant it was', () => {
    const line = '2026-07-15 10:00:00.250000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64\n';
    expect(times(line, 'Europe/Berlin')).toEqual([Date.UTC(2026, 6, 15, 8, 0, 0, 250) / 1000]);
    expect(times(line, null)).toEqual([Date.UTC(2026, 6, 15, 10, 0, 0, 250) / 1000]);
  });
  it('a text without a date and a capture: the clock offset is given within a day and says why', async () => {
    const r = await analyzeFiles([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap.nn.txt')]);
    expect(r.clockOffsets).toHaveLength(1);
    expect(r.clockOffsets[0]).toMatchObject({ noDate: true });
    expect(Math.abs(r.clockOffsets[0]!.offsetInDay!)).toBeLessThan(0.01);
    const shanghai = await analyzeFiles([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap.nn.txt')], { tz: 'Asia/Shanghai' });
    expect(shanghai.clockOffsets[0]!.offsetInDay!).toBeCloseTo(-8 * 3600, 1);
    const dated = await analyzeFiles([lab('blocked-8472.nodea-any.pcap'), lab('blocked-8472.nodeb-any.pcap')]);
    expect(dated.clockOffsets[0]!.noDate).toBeUndefined();
  });
});
