/**
 * What pasting does to tcpdump's lines, undone before they are gathered into records: markdown
 * quote markers ("> ") and list bullets ("- ", "* "), a record line indented (a code block, -ttt's
 * leading space), tabs and runs of spaces where tcpdump printed one ("overlay 0,     instance 257").
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
const PACKET_LIKE = /^(?:\d+ {1,2})?(?:\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d{9,}\.\d{6,9} |[\w.-]+ +(?:In|Out|B|M|P) |[0-9a-f]{2}(?::[0-9a-f]{2}){5} > |(?:IP6?|ARP|RARP)[ ,]|\S+ > \S+: )/;

/** Markdown quote markers, then a list bullet. */
const MARKERS = /^(?:> ?)+|^[-*+•] +/;

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

/** An indented line that starts a packet record (a time or a -# number after the indent), not a -v continuation. */
export function startsRecord(trimmed: string): boolean {
  return TIME.test(trimmed) || (NUMBERED.test(trimmed) && TIME.test(trimmed.replace(/^\d+ +/, '')));
}

/** Tabs and runs of spaces as one space (the record's tokens and fast paths expect tcpdump's single spaces). */
export function oneSpace(t: string): string {
  return t.includes('  ') || t.includes('\t') ? t.replace(/ [ \t]+|\t[ \t]*/g, ' ') : t;
}

/** Whether a record that could not be read looked like a packet line (then it is named in a warning). */
export function looksLikePacket(text: string): boolean {
  return PACKET_LIKE.test(text);
}
