/**
 * Facts about the outer (carrier) packet of a tunnelled frame that the flow view leaves out.
 */
import type { Frame } from '../model.js';

/** The frame carrying the innermost tunnel: the one whose outer endpoints a TunnelHop names. */
function carrier(frame: Frame): Frame | null {
  let c: Frame | null = null;
  for (let f = frame; f.tunnel; f = f.tunnel.inner) c = f;
  return c;
}

/** The carrier's UDP checksum was checked and is wrong: the receiving kernel drops the packet before the tunnel sees it. */
export function badOuterChecksum(frame: Frame): boolean {
  const l4 = carrier(frame)?.l4;
  return l4 !== undefined && l4 !== null && l4.kind === 'udp' && l4.checksumOk === false;
}
