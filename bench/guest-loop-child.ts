// Child of the access-path benchmark and of its inlining test: one guest loop
// (bench/lib/guest-loop.ts) with the options given as JSON in argv[2], its result as one
// JSON line on stdout. A process of its own, so V8 compiles the access path afresh.
import { runGuestLoop, type GuestLoopOptions } from './lib/guest-loop.js';

const options = JSON.parse(process.argv[2]) as GuestLoopOptions;
process.stdout.write(JSON.stringify(runGuestLoop(options)) + '\n');
