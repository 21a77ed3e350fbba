/**
 * chevrotain, from the single-file build its package ships (lib/chevrotain.mjs, the same release
 * built by its authors). The package's entry point loads lodash-es as some 600 modules: 0.4 s
 * before the first line is read, more than the whole analysis of a 10k-flow text takes; the
 * bundle loads in 0.08 s. Should the package be laid out otherwise, the entry point is used.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

async function load(): Promise<Chevrotain> {
  try {
    // The entry point is lib/src/api.js; the bundle sits beside lib/src.
    const entry = createRequire(import.meta.url).resolve('chevrotain');
    const bundle = (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.mjs')).href)) as Chevrotain;
    if (typeof bundle.EmbeddedActionsParser === 'function' && typeof bundle.createToken === 'function') return bundle;
  } catch {
    // fall through
  }
  return import('chevrotain');
}

const chevrotain = await load();
export const { createToken, EmbeddedActionsParser, EMPTY_ALT, EOF, Lexer } = chevrotain;
export type { IOrAlt, IRecognitionException, IToken, TokenType } from 'chevrotain';
