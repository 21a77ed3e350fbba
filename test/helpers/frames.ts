import type { Frame } from '../../src/model.js';

/** Every frame of a decode: the frame, tunnel inners, and ICMP-quoted frames, recursively. */
export function allFrames(f: Frame, out: Frame[] = []): Frame[] {
  out.push(f);
  if (f.tunnel) allFrames(f.tunnel.inner, out);
  if ((f.l4?.kind === 'icmp' || f.l4?.kind === 'icmp6') && f.l4.quoted?.frame) allFrames(f.l4.quoted.frame, out);
  return out;
}
