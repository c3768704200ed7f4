// Real threads: the in-process backup hands every staging buffer back to the
// checkpointer's pool once applied, the pool reuses them, and --verify still finds the
// image equal to the primary's paused state at every commit.
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';
import { InprocLink } from '../../src/link/backup-link.js';
import type { EpochImage } from '../../src/epoch/epoch-image.js';

/** An InprocLink that counts the buffers it hands back (run-vm installs onPagesDone). */
function countingLink(pages: number) {
  const link = new InprocLink(pages, 1, null, null);
  const stats = { released: 0, bytes: 0 };
  let inner: (img: EpochImage) => void = () => {};
  Object.defineProperty(link, 'onPagesDone', {
    get: () => (img: EpochImage) => {
      stats.released++;
      stats.bytes += img.pages.byteLength;
      inner(img);
    },
    set: (f: (img: EpochImage) => void) => { inner = f; },
  });
  return { link, stats };
}

describe('in-process backup with staging buffers reused, real threads', () => {
  for (const mode of ['logdirty', 'dbit', 'wfp']) {
    it(`${mode}: 100 deterministic epochs, every commit verified, buffers back and reused`, async () => {
      const cfg = resolveRunConfig({ workload: 'hotcold', mode, mem: '4MiB', ops: '200000', 'epoch-ops': '2000', verify: true });
      const { link, stats } = countingLink(cfg.pages);
      const { results, pause } = await runVm(cfg, { link });
      pause.destroy();
      expect(results.backup.consistent).toBe(true);
      expect(results.epochs).toBe(100);
      expect(results.backup.committedEpochs).toBe(101);
      // Every epoch's buffer went back, epoch 0's too, each once.
      expect(stats.released).toBe(101);
      expect(stats.bytes).toBe(results.dirtyPages.total * 4096 + cfg.pages * 4096);
    });
  }

  it('timer epochs under --opt all verify as well', async () => {
    const cfg = resolveRunConfig({ workload: 'kv', opt: 'all', mem: '8MiB', ops: '300000', 'epoch-ms': '3', verify: true });
    const { link, stats } = countingLink(cfg.pages);
    const { results, pause } = await runVm(cfg, { link });
    pause.destroy();
    expect(results.backup.consistent).toBe(true);
    expect(results.epochs).toBeGreaterThan(5);
    expect(stats.released).toBe(results.epochs + 1);
  });
});
