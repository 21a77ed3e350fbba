/**
 * What a line of tcpdump's text is before it is parsed: noise (tcpdump's banner and summary, shell
 * prompts, -x/-X hex dumps), and whether it ends with a tunnel header (then the next line is the
 * encapsulated frame).
 */

/**
 * tcpdump's own banner and summary, shell prompts (a command after "$ " or "# ") and -x/-X hex
 * dumps: not packets, not worth a warning. One anchored alternation: a packet line fails each
 * branch at its first characters, where a list of regexes cost a test each.
 */
export const NOISE =
  /^(?:tcpdump: |listening on |reading from file |dropped privs|Warning: |\d+ packets? (?:captured|received by filter|dropped by kernel|dropped by interface)|[\w.@:~/-]*[$#] |\s+0x[0-9a-f]{4}:\s)/;
/** A record whose text ends with a tunnel header continues with the encapsulated frame on the next line. */
export const TUNNEL_HEADER_END =
  /(?:overlay \d+, instance \d+|VXLAN, flags \[[^\][]*\] \(0x[0-9a-f]+\), vni \d+|Geneve, Flags \[[^\][]*\], vni 0x[0-9a-f]+(?:, proto \S+ \(0x[0-9a-f]+\))?(?:, options \[[^\][]*\])?)$/;

/** TUNNEL_HEADER_END's three forms, each tried where alone it can match (see endsWithTunnelHeader). */
const OTV_END = /overlay \d+, instance \d+$/y;
const VXLAN_END = /VXLAN, flags \[[^\][]*\] \(0x[0-9a-f]+\), vni \d+$/y;
/** GENEVE's header at the end of the line (with -v; without it the inner frame follows on the same line, after ": "). */
const GENEVE_END = /Geneve, Flags \[[^\][]*\], vni 0x[0-9a-f]+(?:, proto \S+ \(0x[0-9a-f]+\))?(?:, options \[[^\][]*\])?$/y;

/**
 * TUNNEL_HEADER_END.test(line) without trying it at every offset of every line. Its first two forms
 * end in digits after "instance " or "vni " (checked at the end of the line) and contain no other
 * "overlay " or "VXLAN, flags [" than the one they start with, so only the last of these can start a
 * match; the third is tried from each "Geneve, ", last first (one could sit inside another's options).
 */
export function endsWithTunnelHeader(line: string): boolean {
  let k = line.length;
  while (k > 0 && line.charCodeAt(k - 1) >= 0x30 && line.charCodeAt(k - 1) <= 0x39) k--;
  if (k < line.length) {
    if (line.startsWith('instance ', k - 9)) {
      OTV_END.lastIndex = line.lastIndexOf('overlay ');
      if (OTV_END.lastIndex >= 0 && OTV_END.test(line)) return true;
    } else if (line.startsWith('vni ', k - 4)) {
      VXLAN_END.lastIndex = line.lastIndexOf('VXLAN, flags [');
      if (VXLAN_END.lastIndex >= 0 && VXLAN_END.test(line)) return true;
    }
  }
  // includes() first: V8 searches forward with a fast string search, backward char by char.
  if (!line.includes('Geneve, ')) return false;
  for (let g = line.lastIndexOf('Geneve, '); g >= 0; g = g > 0 ? line.lastIndexOf('Geneve, ', g - 1) : -1) {
    GENEVE_END.lastIndex = g;
    if (GENEVE_END.test(line)) return true;
  }
  return false;
}

/**
 * Whether NOISE can match: its literal branches start with t, l, r, d or W, the packet count with
 * digits then a space, the hex dump with a space; a prompt's "$ " or "# " is the line's first space
 * (nothing before it may be a space). A time-stamped packet line fails all of these at once.
 */
export function maybeNoise(line: string): boolean {
  const c = line.charCodeAt(0);
  if (c === 0x74 || c === 0x6c || c === 0x72 || c === 0x64 || c === 0x57 || !printable(c)) return true;
  let k = 0;
  while (k < line.length && line.charCodeAt(k) >= 0x30 && line.charCodeAt(k) <= 0x39) k++;
  if (k > 0 && line.charCodeAt(k) === 0x20) return true;
  const sp = line.indexOf(' ');
  if (sp < 1) return false;
  const p = line.charCodeAt(sp - 1);
  return p === 0x24 || p === 0x23;
}

/** A first code unit that is printable ASCII and not a space: the line is not blank and not indented. */
export function printable(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}
