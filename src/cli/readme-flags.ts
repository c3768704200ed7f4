// `npm run readme-flags`: rewrites the README's `hbft run` flag table from RUN_FLAG_GROUPS.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../base/worker-path.js';
import { markedBlock, renderFlagTable } from './flag-table.js';
import { RUN_FLAG_GROUPS } from './run-command.js';

export const README_RUN_FLAGS = 'run-flags';

const path = join(packageRoot(), 'README.md');
const text = readFileSync(path, 'utf8');
const block = markedBlock(text, README_RUN_FLAGS);
if (block === null) throw new Error(`${path}: no <!-- ${README_RUN_FLAGS}:start/end --> markers`);
writeFileSync(path, text.slice(0, block.start) + renderFlagTable(RUN_FLAG_GROUPS) + '\n' + text.slice(block.end));
process.stdout.write(`wrote the hbft run flag table in ${path}\n`);
