import type { FaultPort } from '../vm/access.js';
import type { FaultKind } from '../vm/layout.js';
import { lockFaults, unlockFaults } from './fault-lock.js';
import type { FaultHandler } from './policy.js';

/**
 * `--fault-path inline`: the faulting vCPU runs the tracker's fault handler itself,
 * under the fault lock, as a hypervisor handles a shadow fault on the faulting CPU. The
 * handler's state is all in shared memory (shadow entries, dirty bitmap, PML rings,
 * counters), so the same `TrackingPolicy.serviceFault` serves both paths. No second
 * thread is involved, so the price of a fault is the handler's, whatever the scheduler.
 */
export class InlineFaultPort implements FaultPort {
  constructor(
    private readonly ctrl: Int32Array,
    private readonly vcpu: number,
    private readonly policy: FaultHandler,
    private readonly onServiced: (us: number) => void,
    private readonly now: () => number,
  ) {}

  fault(kind: FaultKind, pfn: number): void {
    const t0 = this.now();
    lockFaults(this.ctrl);
    try {
      this.policy.serviceFault(kind, pfn, this.vcpu);
    } finally {
      unlockFaults(this.ctrl);
    }
    this.onServiced((this.now() - t0) * 1000);
  }
}
