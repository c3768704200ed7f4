import { UntrackedMemory } from '../vm/access.js';
import { CTX_SLOTS, CTX_WORKLOAD, PAGE_SIZE } from '../vm/layout.js';
import type { Workload } from '../guest/workloads/define.js';
import { combineResults, workloadParams } from '../guest/workloads/params.js';

export interface ReferenceSpec {
  readonly workload: Workload;
  readonly pages: number;
  readonly vcpus: number;
  readonly seed: number;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /** Operations each vCPU ran in the run being checked. */
  readonly opsPerVcpu: readonly number[];
}

/**
 * The unchecked reference: the same workload on plain memory, one vCPU after another
 * (their regions are disjoint), no tracking, no checkpoints.
 */
export function referenceResult(spec: ReferenceSpec): string {
  const ram = new ArrayBuffer(spec.pages * PAGE_SIZE);
  const mem = new UntrackedMemory({ ram8: new Uint8Array(ram), ram32: new Uint32Array(ram), ramF64: new Float64Array(ram) });
  const results: number[] = [];
  for (let v = 0; v < spec.vcpus; v++) {
    const params = workloadParams(v, spec.vcpus, spec.pages, spec.seed, spec.options);
    const regs = new Float64Array(CTX_SLOTS - CTX_WORKLOAD);
    spec.workload.init(mem, regs, params);
    let left = spec.opsPerVcpu[v];
    while (left > 0) {
      const budget = Math.min(left, 1 << 20);
      const ran = spec.workload.step(mem, regs, budget, params);
      left -= ran;
      if (ran < budget) break;
    }
    results.push(spec.workload.result(mem, regs, params));
  }
  return combineResults(results);
}
