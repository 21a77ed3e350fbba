/**
 * Whether to color, by the rules other tools follow: --color always/never decide; else
 * FORCE_COLOR (set, and not "0" or "false") colors, NO_COLOR (set, not empty) does not,
 * TERM=dumb does not, and otherwise only a terminal gets colors. Painting is report/text.ts's
 * (util.styleText).
 */
export type ColorMode = 'auto' | 'always' | 'never';

export function useColor(mode: ColorMode, env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  if (mode !== 'auto') return mode === 'always';
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}
