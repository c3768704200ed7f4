import type { FaultPort } from '../vm/access.js';
import type { FaultKind } from '../vm/layout.js';

/**
 * The vCPU's fault port as its access path calls it: `fault` is reached through a Proxy,
 * which TurboFan never inlines, so a fault leaves the guest's compiled code as a VM exit
 * leaves the guest. Inlined, the fault handling (mailbox, take-back, handler, fault lock,
 * histogram: about 900 bytes of bytecode) fills the optimized code of TrackedMemory.load32
 * whenever V8 compiles it during a burst of faults (the first touches of epoch 0), and a
 * workload's step then cannot inline load32 within V8's cumulative inlining budget: gups
 * ran about a quarter slower between pauses, in some runs and not others, in every mode
 * (docs/design.md, Access path). The Proxy costs about 20 ns per fault.
 */
export function outOfLinePort(port: FaultPort): FaultPort {
  const exit = (kind: FaultKind, pfn: number): void => port.fault(kind, pfn);
  return { fault: new Proxy(exit, {}) };
}

/**
 * `--exit-cost US`: charge the faulting vCPU a modelled VM exit and entry on every exit
 * (read, write and pml-full faults), spinning for `us` after the handler returns. The
 * emulator's own fault is a function call and a handshake, 0.2-1 µs; on the hardware the
 * design models, a VM exit and entry alone take hundreds to thousands of cycles, and Xen's
 * shadow fault handling comes on top. 0 (the default) charges nothing beyond what the
 * emulator spends. The spin is the vCPU's own time, so the charge is the same whatever the
 * other threads do.
 */
export function chargedExits(port: FaultPort, us: number, now: () => number): FaultPort {
  if (us <= 0) return port;
  const ms = us / 1000;
  return {
    fault(kind: FaultKind, pfn: number): void {
      port.fault(kind, pfn);
      const until = now() + ms;
      while (now() < until);
    },
  };
}
