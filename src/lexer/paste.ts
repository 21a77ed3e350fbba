/**
 * What pasting does to tcpdump's lines, undone before they are gathered into records: markdown
 * quote markers ("> ") and list bullets ("- ", "* "), a record line indented (a code block, -ttt's
 * leading space), tabs and runs of spaces where tcpdump printed one ("overlay 0,     instance 257"),
 * lines wrapped at a width.
 * And which lines look like packet lines at all: those must be read or named in a warning; other
 * text (prose, -A payload) is not tcpdump's packet output and is passed over.
 */

/** A time as tcpdump prints one before a packet: HH:MM:SS[.f] (also -ttt/-ttttt), a -tttt date, or -tt epoch seconds. */
const TIME = /^(?:\d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{9,}\.\d{6,9}) /;

/** A -# packet number, then a time or a printer. */
const NUMBERED = /^\d+ {1,2}\S/;

/**
 * A packet line: a time; or, without one (-t), an interface and a direction (-i any), a printer's
 * name and "src > dst:", or link addresses (-e). Decides only what a line that could not be read
 * is: warned (it looks like a packet) or passed over.
 */
const PACKET_LIKE =
  /^(?:\d+ {1,2})?(?:\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d{9,}\.\d{6,9} |[\w.-]+ +(?:In|Out|B|M|P) |[0-9a-f]{2}(?::[0-9a-f]{2}){5} > |(?:IP6?|ARP|RARP)[ ,]|\S+ > \S+: )/;

/** How a packet line without a time starts: an interface and a direction (-i any), link addresses (-e), a printer's keyword. */
const PACKET_START = /^(?:[\w.-]+ +(?:In|Out|B|M|P) |[0-9a-f]{2}(?::[0-9a-f]{2}){5} > |(?:IP6?|ARP|RARP)[ ,])/;

/** Markdown quote markers, then a list bullet, each after any indentation (a quote in a list, a list in a quote). */
const MARKERS = /^[ \t]*(?:> ?)+|^[ \t]*[-*+•] +/;

/** A line's first code unit is one that paste damage puts there (a marker, a bullet, a space or tab). */
export function maybePasted(c: number): boolean {
  return c === 0x3e || c === 0x2d || c === 0x2a || c === 0x2b || c === 0x2022 || c === 0x20 || c === 0x09;
}

/** The line without quote markers and bullets (repeated: "> - 12:00..."). */
export function stripMarkers(line: string): string {
  for (let prev = ''; prev !== line; ) {
    prev = line;
    line = line.replace(MARKERS, '');
  }
  return line;
}

/** -t -e on a Linux cooked v1 capture: " In 00:50:56:c0:00:03 ethertype ..." (the direction padded to three). */
const SLL_NO_TIME = /^(?:In|Out|B|M|P) +[0-9a-f]{2}(?::[0-9a-f]{2}){5} /;

/** After a -# number: tcpdump's own notes on a record ("[Invalid header: ...]") and 5.0's "caplen N len N". */
const AFTER_NUMBER = /^(?:\[|caplen \d+ len \d+ )/;

/**
 * An indented line that starts a packet record, not a -v continuation: a time, or a -# number and
 * then a time, (-t) a packet line's start, or tcpdump's notes ("  1  group record(s)" is none).
 */
export function startsRecord(trimmed: string): boolean {
  if (TIME.test(trimmed) || SLL_NO_TIME.test(trimmed)) return true;
  if (!NUMBERED.test(trimmed)) return false;
  const rest = trimmed.replace(/^\d+ +/, '');
  return TIME.test(rest) || PACKET_START.test(rest) || AFTER_NUMBER.test(rest);
}

/**
 * Tabs and runs of spaces as one space (the fast paths and the tail's phrases expect tcpdump's
 * single spaces). tcpdump's own runs (-i any's padded interface and direction) come before the
 * first ": ", where the grammar skips spaces anyway: a line with no others is left as it is.
 */
export function oneSpace(t: string): string {
  const k = t.indexOf('  ');
  if (t.includes('\t')) return t.replace(/ [ \t]+|\t[ \t]*/g, ' ');
  if (k < 0) return t;
  const colon = t.indexOf(': ');
  if (colon > k && t.indexOf('  ', colon) < 0) return t;
  return t.replace(/ {2,}/g, ' ');
}

/** Whether a record that could not be read looked like a packet line (then it is named in a warning). */
export function looksLikePacket(text: string): boolean {
  return PACKET_LIKE.test(text);
}

/** Whether a line starts as a packet line does when tcpdump prints no time (-t). */
export function startsPacket(t: string): boolean {
  return PACKET_START.test(t);
}

/** "> dst: ...": the rest of a line wrapped just before tcpdump's arrow. */
export function isArrowRest(line: string): boolean {
  return /^> [^\s>]+: /.test(line);
}

/** tcpdump 5.0's "caplen N len N " (--lengths) between the -# number and the time. */
const LENGTHS = /^(\d+ )?caplen \d+ len \d+ /;

/** The record without 5.0's "caplen N len N" (the grammar reads the number and the time around it). */
export function dropLengths(text: string): string {
  const sp = text.indexOf(' ');
  return text.startsWith('caplen ') || text.startsWith('caplen ', sp + 1) ? text.replace(LENGTHS, '$1') : text;
}

/**
 * How a pasted line may have been wrapped: 'words' (it ends with the space a wrap between words
 * leaves), 'width' (exactly a terminal's width), 'long' (72 characters or more: maybe, if the record
 * shows it), 'none'.
 */
export type Wrap = 'words' | 'width' | 'long' | 'none';

/** Terminal widths: a line of exactly one of these was most likely wrapped there. */
const WIDTHS = new Set([80, 100, 120, 132, 160, 200]);

export function wrapOf(pasted: string): Wrap {
  if (pasted.length < 72) return 'none';
  if (pasted.endsWith(' ')) return 'words';
  return WIDTHS.has(pasted.length) ? 'width' : 'long';
}

/** The text shows a wrap: the rest starts with a digit (a number cut in two), or the record leaves a bracket or parenthesis open. */
export function wrapShows(record: string, rest: string): boolean {
  const c = rest.charCodeAt(0);
  return (c >= 0x30 && c <= 0x39) || unclosed(record, '[', ']') || unclosed(record, '(', ')');
}

/** More `a` than `b` in s. */
function unclosed(s: string, a: string, b: string): boolean {
  let n = 0;
  for (let i = s.indexOf(a); i !== -1; i = s.indexOf(a, i + 1)) n++;
  for (let i = s.indexOf(b); i !== -1; i = s.indexOf(b, i + 1)) n--;
  return n > 0;
}
