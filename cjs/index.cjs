'use strict';
// require('overlay-analyzer'): the package is an ES module. Node 20.19+ and 22.12+ require it as
// it is; where that is switched off or missing, say how to load it instead of Node's own error.
try {
  module.exports = require('../dist/index.js');
} catch (e) {
  if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
    const err = new Error(
      'overlay-analyzer is an ES module: load it with `const oa = await import("overlay-analyzer")` ' +
        '(or run Node 20.19+ / 22.12+ without --no-experimental-require-module, where require() loads it)',
    );
    err.code = 'ERR_REQUIRE_ESM';
    throw err;
  }
  throw e;
}
