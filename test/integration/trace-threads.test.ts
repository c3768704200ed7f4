import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';
import { logdirtyCounts, refOpsFromLackey } from '../helpers/reference-counts.js';

const FIXTURES = 'test/fixtures/traces';
const EPOCH_OPS = 1000;
// Far more than any fixture holds: the replay ends when the trace does (a step that runs
// fewer operations than its budget finishes the vCPU).
const OPS_LIMIT = '1000000000';

describe('real threads: trace replay under logdirty equals the reference counts', () => {
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.lackey.gz')).sort()) {
    it(`${file}: per-epoch faults and dirty pages, backup consistent, verified`, async () => {
      const path = join(FIXTURES, file);
      const ref = logdirtyCounts(refOpsFromLackey(gunzipSync(readFileSync(path)).toString('utf8'), false), EPOCH_OPS);
      const cfg = resolveRunConfig({
        workload: 'trace', trace: path, mode: 'logdirty', vcpus: '1', mem: '1MiB', ops: OPS_LIMIT,
        'epoch-ops': String(EPOCH_OPS), verify: true,
      });
      const { results, pause } = await runVm(cfg);
      pause.destroy();
      expect(results.backup.consistent).toBe(true);
      expect(results.workload.verified).toBe(true);
      expect(results.workload.ops).toBe(ref.reduce((n, e) => n + e.ops, 0));
      expect(results.epochLog.map((e) => [e.faultsRead, e.faultsWrite, e.dirtyPages]))
        .toEqual(ref.map((e) => [e.readFaults, e.writeFaults, e.dirtyPages.length]));
    });
  }
});
