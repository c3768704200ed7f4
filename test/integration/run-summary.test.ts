import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/cli/config.js';
import { formatSummary } from '../../src/cli/summary.js';
import { runVm } from '../../src/run/run-vm.js';

describe('the run summary', () => {
  it('has a background-copy line only when the copy ran after the resume', async () => {
    const lines: Record<string, string> = {};
    for (const copyAt of ['pause', 'background']) {
      const { results, pause } = await runVm(resolveRunConfig({ workload: 'hotcold', mode: 'rfr', mem: '1MiB', ops: '30000', 'epoch-ops': '3000', 'copy-at': copyAt }));
      pause.destroy();
      lines[copyAt] = formatSummary(results);
    }
    expect(lines.pause).not.toMatch(/background copy/);
    expect(lines.background).toMatch(/^background copy after the resume p50 \d+ us, max \d+ us; [\d,]+ writes copied their page first$/m);
    expect(lines.background).toMatch(/^backup: \d+ epochs committed/m);
  });
});
