// Child of the memory benchmark: one run with the flags given as JSON in argv[2], then
// peak RSS (bytes) and guest RAM size on stdout.
import { resolveRunConfig } from '../src/cli/config.js';
import { runWith } from './lib/run.js';

const flags = JSON.parse(process.argv[2]) as Record<string, string>;
await runWith(flags);
const cfg = resolveRunConfig(flags);
process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, memBytes: cfg.memBytes }) + '\n');
