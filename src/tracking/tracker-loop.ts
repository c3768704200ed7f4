import {
  CTRL_DOORBELL, CTRL_TRACKER_SLEEPING, CTRL_TRACKER_STOP, VCPU_MBOX_KIND, VCPU_MBOX_PFN, VCPU_MBOX_REQ,
  VCPU_MBOX_RESP, VCPU_MBOX_WAITING, vcpuWord, type FaultKind,
} from '../memory/layout.js';
import type { TrackingPolicy } from './policy.js';

/**
 * The tracker thread's loop: drain every vCPU mailbox, answer each fault by storing its
 * sequence number, then spin on the doorbell and block on it. Exits when
 * CTRL_TRACKER_STOP is set (and the doorbell rung).
 */
export function runTracker(ctrl: Int32Array, vcpus: number, policy: TrackingPolicy, spin: number): number {
  const answered = new Int32Array(vcpus);
  for (let v = 0; v < vcpus; v++) answered[v] = Atomics.load(ctrl, vcpuWord(v, VCPU_MBOX_RESP));
  let serviced = 0;
  for (;;) {
    const bell = Atomics.load(ctrl, CTRL_DOORBELL);
    let found = false;
    for (let v = 0; v < vcpus; v++) {
      const req = Atomics.load(ctrl, vcpuWord(v, VCPU_MBOX_REQ));
      if (req === answered[v]) continue;
      // Loading REQ above made the vCPU's plain pfn/kind writes visible.
      const pfn = ctrl[vcpuWord(v, VCPU_MBOX_PFN)];
      const kind = ctrl[vcpuWord(v, VCPU_MBOX_KIND)] as FaultKind;
      policy.serviceFault(kind, pfn, v);
      answered[v] = req;
      // The entry change above happens-before this store, which the vCPU loads. The vCPU
      // sets WAITING before its last RESP check, so a vCPU that blocks is seen here.
      Atomics.store(ctrl, vcpuWord(v, VCPU_MBOX_RESP), req);
      if (Atomics.load(ctrl, vcpuWord(v, VCPU_MBOX_WAITING)) !== 0) Atomics.notify(ctrl, vcpuWord(v, VCPU_MBOX_RESP));
      serviced++;
      found = true;
    }
    if (found) continue;
    if (Atomics.load(ctrl, CTRL_TRACKER_STOP) !== 0) return serviced;
    let rung = false;
    for (let i = 0; i < spin; i++) {
      if (Atomics.load(ctrl, CTRL_DOORBELL) !== bell) { rung = true; break; }
    }
    if (!rung) {
      // SLEEPING before the wait's own doorbell check: a vCPU that bumps the doorbell
      // after our check loads SLEEPING = 1 and notifies.
      Atomics.store(ctrl, CTRL_TRACKER_SLEEPING, 1);
      Atomics.wait(ctrl, CTRL_DOORBELL, bell);
      Atomics.store(ctrl, CTRL_TRACKER_SLEEPING, 0);
    }
  }
}

export function stopTracker(ctrl: Int32Array): void {
  Atomics.store(ctrl, CTRL_TRACKER_STOP, 1);
  Atomics.add(ctrl, CTRL_DOORBELL, 1);
  Atomics.notify(ctrl, CTRL_DOORBELL);
}
