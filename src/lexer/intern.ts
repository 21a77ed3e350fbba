/**
 * One string per address, as the binary decoders give: the flow table's maps then hash each
 * address once, and the text it was cut from is not kept alive by it (a slice of a line is a
 * view of the whole chunk read from the file; a flow or an error held for seconds would keep
 * megabytes of text). Dropped whole when full.
 */
let addresses = new Map<string, string>();

export function intern(addr: string): string {
  let s = addresses.get(addr);
  if (s === undefined) {
    if (addresses.size >= 1 << 16) addresses = new Map();
    // A copy, not a slice of the record's text.
    s = (' ' + addr).slice(1);
    addresses.set(s, s);
  }
  return s;
}
