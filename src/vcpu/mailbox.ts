import type { FaultPort } from '../vm/access.js';
import {
  CTRL_DOORBELL, CTRL_TRACKER_AWAKE, CTRL_TRACKER_SLEEPING, VCPU_MBOX_CLAIM, VCPU_MBOX_KIND, VCPU_MBOX_PFN, VCPU_MBOX_REQ,
  VCPU_MBOX_RESP, VCPU_MBOX_WAITING, vcpuWord, type FaultKind,
} from '../vm/layout.js';
import { lockFaults, unlockFaults } from '../tracking/fault-lock.js';
import type { FaultHandler } from '../tracking/policy.js';

/** Spin for the answer to a claimed fault before blocking: about 50 us here. */
const CLAIMED_SPIN = 5_000;

/**
 * The vCPU side of a fault: post {pfn, kind} in this vCPU's mailbox, ring the tracker's
 * doorbell, then spin `spin` times for the answer. A fault the tracker has not claimed by
 * then (it is asleep, or has no core this instant) is taken back and serviced here with
 * the tracker's own handler (`takeover`), under the fault lock: a fault then costs the
 * spin plus the handler, never a futex wake-up. Without `takeover`, or once the tracker
 * has claimed the fault, the vCPU blocks until the tracker answers the sequence number.
 */
export class MailboxFaultPort implements FaultPort {
  private readonly req: number;
  private readonly resp: number;
  private readonly claim: number;
  private readonly pfnWord: number;
  private readonly kindWord: number;
  private readonly waitingWord: number;
  private seq = 0;

  constructor(
    private readonly ctrl: Int32Array,
    private readonly vcpu: number,
    private readonly spin: number,
    private readonly onServiced: (us: number) => void,
    private readonly now: () => number,
    private readonly takeover: FaultHandler | null = null,
  ) {
    this.req = vcpuWord(vcpu, VCPU_MBOX_REQ);
    this.resp = vcpuWord(vcpu, VCPU_MBOX_RESP);
    this.claim = vcpuWord(vcpu, VCPU_MBOX_CLAIM);
    this.pfnWord = vcpuWord(vcpu, VCPU_MBOX_PFN);
    this.kindWord = vcpuWord(vcpu, VCPU_MBOX_KIND);
    this.waitingWord = vcpuWord(vcpu, VCPU_MBOX_WAITING);
    this.seq = Atomics.load(ctrl, this.req);
  }

  fault(kind: FaultKind, pfn: number): void {
    const ctrl = this.ctrl;
    const t0 = this.now();
    ctrl[this.pfnWord] = pfn;
    ctrl[this.kindWord] = kind;
    // The Atomics.store publishes pfn and kind: the tracker reads them after loading REQ.
    const prev = this.seq;
    const seq = (this.seq = (prev + 1) | 0);
    Atomics.store(ctrl, this.req, seq);
    Atomics.add(ctrl, CTRL_DOORBELL, 1);
    // A pause is under way (AWAKE 0, the tracker asleep or going to sleep): with a
    // take-back, handle the fault here at once rather than wake the tracker for it.
    const paused = this.takeover !== null && Atomics.load(ctrl, CTRL_TRACKER_AWAKE) === 0;
    // Otherwise notify only a sleeping tracker (a notify costs ~100 ns even with no
    // waiter). Safe: the tracker sets SLEEPING before its final doorbell check, and all
    // of these are sequentially consistent, so either we see SLEEPING or its wait sees
    // our bump.
    if (!paused && Atomics.load(ctrl, CTRL_TRACKER_SLEEPING) !== 0) Atomics.notify(ctrl, CTRL_DOORBELL, 1);
    let answered = false;
    for (let i = paused ? this.spin : 0; i < this.spin; i++) {
      if (Atomics.load(ctrl, this.resp) === seq) { answered = true; break; }
    }
    if (!answered) {
      // The same compare-exchange the tracker claims with: exactly one of us handles it.
      if (this.takeover !== null && Atomics.compareExchange(ctrl, this.claim, prev, seq) === prev) this.serviceHere(kind, pfn, seq);
      else this.awaitClaimed(seq);
    }
    this.onServiced((this.now() - t0) * 1000);
  }

  private serviceHere(kind: FaultKind, pfn: number, seq: number): void {
    const ctrl = this.ctrl;
    lockFaults(ctrl);
    try {
      this.takeover!.serviceFault(kind, pfn, this.vcpu);
    } finally {
      unlockFaults(ctrl);
    }
    Atomics.store(ctrl, this.resp, seq);
  }

  /**
   * The tracker has the fault: it is running and answers within a handler's time, so
   * keep spinning (a blocked vCPU gives up its core, and gets it back only when the
   * scheduler says); block only if the tracker was preempted mid-fault.
   */
  private awaitClaimed(seq: number): void {
    const ctrl = this.ctrl;
    for (let i = 0; i < CLAIMED_SPIN; i++) if (Atomics.load(ctrl, this.resp) === seq) return;
    this.block(seq);
  }

  private block(seq: number): void {
    const ctrl = this.ctrl;
    // WAITING is set before the last RESP check: the tracker stores RESP, then loads
    // WAITING, so either it notifies us or our wait sees RESP moved.
    Atomics.store(ctrl, this.waitingWord, 1);
    let r: number;
    while ((r = Atomics.load(ctrl, this.resp)) !== seq) Atomics.wait(ctrl, this.resp, r);
    Atomics.store(ctrl, this.waitingWord, 0);
  }
}
