#!/usr/bin/env node
// The `analyze` command: runs the compiled CLI (npm install builds it).
import { main } from '../dist/cli.js';
import { limitHeapGrowth } from '../dist/heap.js';

limitHeapGrowth();

// Write everything before exiting: a pipe may still hold the report.
main().then((code) => {
  process.exitCode = code;
});
