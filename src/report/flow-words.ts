/** A flow named the same way by every report format: its endpoints, its tunnel, its verdict's colour. */
import type { Verdict } from '../classifier/rules.js';
import type { FlowReport } from './build.js';

/** ANSI colour per verdict for terminals. */
export const COLORS: Record<Verdict, string> = {
  healthy: '32', lossy: '33', 'request-only': '31', 'host-unreachable': '31', refused: '35', filtered: '31', 'frag-needed': '33', incomplete: '90',
};

export type Paint = (code: string, s: string) => string;

/** "10.244.3.2.53300 -> 10.244.2.2.8080", ports as tcpdump writes them. */
export function endpointText(f: FlowReport): string {
  const cp = f.clientPort !== null ? `.${f.clientPort}` : '';
  const sp = f.serverPort !== null ? `.${f.serverPort}` : '';
  return `${f.client}${cp} -> ${f.server}${sp}`;
}

export function tunnelText(f: FlowReport): string {
  if (!f.tunnel) return 'not encapsulated';
  return `${f.tunnel.type}${f.tunnel.vni !== null ? ' vni ' + f.tunnel.vni : ''}`;
}
