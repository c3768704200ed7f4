#!/usr/bin/env node
// The `hbft` executable: src/cli/program.ts parses and dispatches.
import { markThreadForProf } from '../metrics/cpu-profile.js';
import { runCli } from './program.js';

markThreadForProf('main');
// `hbft run --help | head`: a reader that leaves early is not an error of ours.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = await runCli(process.argv.slice(2));
