/**
 * Addresses as tcpdump prints them without -n: a host name instead of the address
 * ("pod-a.default.svc.lab.57416"), a port name instead of the number ("10.0.0.1.http-alt",
 * "node-a.otv"). A host name stays the packet's address (a string of its own kind: flows, hops and
 * tunnels work on it); a port name becomes its number. What was seen is counted, so that the
 * reader can say once that the text named addresses and suggest -nn.
 */
import { intern } from './intern.js';
import { portByName } from './port-names.js';

/** What the addresses read so far were: host names, and port names the table does not know. */
export const namesSeen = { hosts: 0, unknownPorts: 0, lastUnknownPort: '' };

/** A host name: no ':' (IPv6) and something else than digits and dots (IPv4). */
export function isHostName(image: string): boolean {
  if (image.includes(':')) return false;
  for (let i = 0; i < image.length; i++) {
    const c = image.charCodeAt(i);
    if (c !== 0x2e && (c < 0x30 || c > 0x39)) return true;
  }
  return false;
}

/** A label of digits only. */
function isNumber(s: string): boolean {
  if (s.length === 0 || s.length > 5) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** A port printed as a number or a name: its number, or undefined when it is neither. */
export function portOf(label: string): number | undefined {
  if (isNumber(label)) return Number(label);
  return portByName(label);
}

/**
 * "10.0.0.1.http-alt" -> ["10.0.0.1", 8080]; "pod-a.lab.57416" -> ["pod-a.lab", 57416];
 * "node-a.otv" -> ["node-a", 8472]; "pod-a.lab" (ICMP: no port) -> ["pod-a.lab", null]. A host
 * name's last label is its port when it is a number or a port name (a name ending in a port
 * name, "www.domain", is then read as "www" port 53: tcpdump's text cannot tell them apart, and
 * TCP and UDP always print a port).
 */
export function splitNamed(image: string): [string, number | null] {
  const i = image.lastIndexOf('.');
  const host = isHostName(i < 0 ? image : image.slice(0, i));
  if (host) namesSeen.hosts++;
  if (i < 0) return [intern(image), null];
  const label = image.slice(i + 1);
  const port = portOf(label);
  if (port !== undefined) return [intern(image.slice(0, i)), port];
  // A numeric address whose port is a name we do not know: still the address, port unknown.
  if (!host) {
    namesSeen.unknownPorts++;
    namesSeen.lastUnknownPort = label;
    return [intern(image.slice(0, i)), null];
  }
  return [intern(image), null];
}
