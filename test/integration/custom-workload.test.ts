import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

describe('custom workload module', () => {
  it("examples/my-workload.js (importing from 'hbft-emu') runs checkpointed with a consistent backup", () => {
    const r = spawnSync(process.execPath, [CLI, 'run', '--workload', './examples/my-workload.js', '--mode', 'logdirty',
      '--mem', '4MiB', '--ops', '30000', '--epoch-ops', '10000', '--verify', '--json', '-'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      mode: 'logdirty', epochs: 3,
      workload: { name: './examples/my-workload.js', ops: 30000, verified: true },
      backup: { committedEpochs: 4, consistent: true },
    });
    // a 256-page working set, all dirtied every epoch at this density
    expect(j.faults.write).toBeGreaterThan(0);
  });
});
