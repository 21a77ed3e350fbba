#!/usr/bin/env node
// The `analyze` command: runs the compiled CLI (npm install builds it).
import { limitHeapGrowth } from '../dist/heap.js';

limitHeapGrowth();
const { main } = await import('../dist/cli.js');

// Write everything before exiting: a pipe may still hold the report.
main().then((code) => { process.exitCode = code; });
