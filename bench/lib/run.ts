import { resolveRunConfig, type RunFlagValues } from '../../src/cli/config.js';
import type { RunResults } from '../../src/metrics/results.js';
import { runVm } from '../../src/run/run-vm.js';

/**
 * One run through the public API. Flags not in this build's RunFlagValues (e.g. --opt
 * from another branch) pass through as they are, so benchmarks light up after a merge.
 */
export async function runWith(flags: Record<string, string | boolean>): Promise<RunResults> {
  const { results, pause } = await runVm(resolveRunConfig(flags as RunFlagValues));
  pause.destroy();
  if (results.backup.consistent === false) throw new Error(`bench run ${JSON.stringify(flags)}: backup inconsistent`);
  return results;
}
