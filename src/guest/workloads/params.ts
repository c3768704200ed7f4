import { PAGE_SIZE } from '../../vm/layout.js';
import type { WorkloadParams } from './define.js';

/** vCPU v's partition: an equal, page-aligned slice of guest RAM. */
export function workloadParams(
  vcpu: number, vcpus: number, pages: number, seed: number,
  options: Readonly<Record<string, string | number | boolean>>,
): WorkloadParams {
  const regionPages = Math.floor(pages / vcpus);
  return {
    vcpu,
    vcpus,
    guestBytes: pages * PAGE_SIZE,
    regionBase: vcpu * regionPages * PAGE_SIZE,
    regionBytes: regionPages * PAGE_SIZE,
    seed,
    options,
  };
}

/** The run's result: FNV-1a over the per-vCPU results, as 8 hex digits. */
export function combineResults(perVcpu: readonly number[]): string {
  let h = 0x811c9dc5;
  for (const r of perVcpu) h = Math.imul(h ^ (r >>> 0), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
