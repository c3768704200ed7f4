import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { percentileFile } from '../metrics/histograms.js';
import { runVm } from '../run/run-vm.js';
import { ConfigError } from './config-error.js';
import { RUN_FLAGS, parseFlags, resolveRunConfig, type RunFlagValues } from './config.js';
import { formatSummary } from './summary.js';

/** `hbft run ...`: one workload under one mode; summary on stdout, JSON where asked. */
export async function runCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, RUN_FLAGS);
  if (positionals.length > 0) throw new ConfigError(positionals[0], 'unexpected argument');
  const cfg = resolveRunConfig(values as RunFlagValues);
  const { results, pause } = await runVm(cfg);
  const text = JSON.stringify(results, null, 2);
  if (cfg.json === '-') {
    process.stdout.write(text + '\n');
  } else {
    process.stdout.write(formatSummary(results) + '\n');
    if (cfg.json !== null) {
      mkdirSync(dirname(cfg.json), { recursive: true });
      writeFileSync(cfg.json, text + '\n');
      const hgrm = cfg.json.replace(/\.json$/, '') + '.pause.hgrm';
      writeFileSync(hgrm, percentileFile(pause));
      process.stdout.write(`wrote ${cfg.json} and ${hgrm}\n`);
    }
  }
  pause.destroy();
  const bad = results.backup.consistent === false || results.workload.verified === false;
  return bad ? 1 : 0;
}
