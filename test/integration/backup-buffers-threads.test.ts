// Real threads: the in-process backup fed staging buffers hands every one back to the
// checkpointer's pool once applied, the pool reuses them, and --verify still finds the
// image equal to the primary's paused state at every commit.
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/cli/config.js';
import { runVm } from '../../src/run/run-vm.js';
import { InprocLink } from '../../src/link/backup-link.js';
import type { EpochImage } from '../../src/epoch/epoch-image.js';

/** An in-process link fed staging buffers (no mirror), counting the buffers it hands back (run-vm installs onPagesDone). */
function countingLink(pages: number, mirror = false) {
  const link = new InprocLink(pages, 1, null, null, mirror);
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

  it('the default mirror: nothing is staged, and every commit still verifies', async () => {
    const cfg = resolveRunConfig({ workload: 'hotcold', mode: 'wfp', mem: '4MiB', ops: '200000', 'epoch-ops': '2000', verify: true, 'copy-threads': '1' });
    const { link, stats } = countingLink(cfg.pages, true);
    const { results, pause } = await runVm(cfg, { link });
    pause.destroy();
    expect(results.backup.consistent).toBe(true);
    expect(results.backup.committedEpochs).toBe(101);
    expect(stats.released).toBe(101);
    expect(stats.bytes).toBe(0);
    expect(Buffer.compare(link.localImage.ram.subarray(0, 4096), new Uint8Array(4096))).not.toBe(0);
  });

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
