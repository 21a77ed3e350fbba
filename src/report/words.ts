/**
 * Words for people: counted nouns (English: one is singular), locus names in prose,
 * times with their zone, and text wrapped to a width with a hanging indent.
 */
import type { Locus } from '../classifier/index.js';

/** Plurals the English rules below do not make; the rest take "s", "es" or "ies". */
const PLURALS: Record<string, string> = {
  'connection attempt (SYN)': 'connection attempts (SYN)',
};

function regular(noun: string): string {
  if (/(s|x|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

/**
 * A whole number with thousands separators ("1,024"), as toLocaleString('en-US') writes it, without
 * loading ICU's number formats at start-up; other numbers are left to it.
 */
export function grouped(n: number): string {
  return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US');
}

/** "1 flow", "2 flows", "1,024 findings": the count and its noun in the form the number takes. */
export function count(n: number, noun: string): string {
  const form = Math.abs(n) === 1 ? noun : (PLURALS[noun] ?? regular(noun));
  return `${grouped(n)} ${form}`;
}

/** Where a flow broke, as an operator says it (the JSON keeps the short locus values). */
export const LOCUS_WORDS: Record<Locus, string> = {
  node: 'on the captured node',
  beyond: 'past the capture point (underlay or peer node)',
  underlay: 'on the underlay between the nodes',
  'remote-node': 'on the peer node',
};

/** Evidence places say "bare" for a packet seen outside its tunnel: prose says "not encapsulated". */
export function plainPlace(where: string): string {
  return where.replace(/\bbare\b/g, 'not encapsulated');
}

/** A capture time in UTC: the date for epoch times, the time of day alone for text captures without one. */
export function utcTime(ts: number | null, withDate = true): string {
  if (ts === null) return '-';
  const whole = Math.floor(ts);
  const frac = String(Math.round((ts - whole) * 1e6))
    .padStart(6, '0')
    .slice(0, 6);
  const iso = new Date(whole * 1000).toISOString();
  const hms = `${iso.slice(11, 19)}.${frac}`;
  return withDate && ts >= 2 * 86400 ? `${iso.slice(0, 10)} ${hms}` : hms;
}

/** Terminal colour sequences (ESC [ ... m), built so no control character sits in a literal. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Visible length: escape sequences (colors) take no columns. */
function visible(s: string): number {
  return s.replace(ANSI, '').length;
}

/**
 * Wraps `text` to `width` columns: the first line starts with `first`, the next ones with
 * `rest` (a hanging indent). Words longer than a line are broken, never cut off.
 */
export function wrap(text: string, width: number, first = '', rest = first): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  const room = (prefix: string) => Math.max(10, width - visible(prefix));
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (visible(word) > room(rest) && !word.includes('\x1b')) {
      const cut = room(empty ? line : rest);
      if (!empty) {
        out.push(line);
        line = rest;
      }
      out.push(line + word.slice(0, cut));
      line = rest;
      word = word.slice(cut);
      empty = true;
    }
    if (!word) continue;
    if (!empty && visible(line) + 1 + visible(word) > width) {
      out.push(line);
      line = rest;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  if (!empty || out.length === 0) out.push(line);
  return out;
}

/** A capture's file name without its directories, for a diagram's narrow labels. */
export function baseName(input: string): string {
  return input.split(/[\\/]/).pop() ?? input;
}
