/**
 * The command line (bin/analyze.js runs main): arguments in cli/args.ts, the run in cli/main.ts,
 * exit statuses in cli/exit.ts.
 */
export { main, NO_INPUT, waitsOnTerminal } from './cli/main.js';
