/**
 * chevrotain, from the single-file build its package ships (lib/chevrotain.mjs, the same release
 * built by its authors). The package's entry point loads lodash-es as some 600 modules: 0.4 s
 * before the first line is read, more than the whole analysis of a 10k-flow text takes; the
 * bundle loads in 0.04 s. Should the package be laid out otherwise, the entry point is used.
 *
 * Loaded with require (Node 20.19+ requires ES modules without top-level await), not with a
 * top-level await: a module that awaits at its top cannot itself be required, and would make
 * every importer of the package wait for the grammar.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type Chevrotain = typeof import('chevrotain');

function load(): Chevrotain {
  const require = createRequire(import.meta.url);
  try {
    // The entry point is lib/src/api.js; the bundle sits beside lib/src.
    const bundle = require(join(dirname(require.resolve('chevrotain')), '..', 'chevrotain.mjs')) as Chevrotain;
    if (typeof bundle.EmbeddedActionsParser === 'function' && typeof bundle.createToken === 'function') return bundle;
  } catch {
    // fall through
  }
  return require('chevrotain') as Chevrotain;
}

export const { createToken, EmbeddedActionsParser, EMPTY_ALT, EOF, Lexer } = load();
export type { IOrAlt, IRecognitionException, IToken, TokenType } from 'chevrotain';
