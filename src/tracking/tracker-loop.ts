import {
  CTRL_DOORBELL, CTRL_TRACKER_AWAKE, CTRL_TRACKER_GEN, CTRL_TRACKER_SLEEPING, CTRL_TRACKER_STOP, VCPU_MBOX_CLAIM, VCPU_MBOX_KIND,
  VCPU_MBOX_PFN, VCPU_MBOX_REQ, VCPU_MBOX_RESP, VCPU_MBOX_WAITING, vcpuWord, type FaultKind,
} from '../vm/layout.js';
import { lockFaults, unlockFaults } from './fault-lock.js';
import type { FaultHandler } from './policy.js';

/**
 * The tracker thread's loop: drain every vCPU mailbox, claim and answer each fault, then
 * wait for the doorbell. The wait policy is what makes a fault's price follow the
 * mechanism: while the guest runs (CTRL_TRACKER_AWAKE, kept by the checkpointer) and
 * faults come, the tracker spins on the doorbell; after `idleMs` without one it stands
 * down until the next resume, and the vCPUs take their faults at once, so no fault waits
 * for a wake-up either way. While the guest is paused or finished it sleeps, leaving the
 * cores to the checkpointer. `spin` 0 never spins (a shared machine). A vCPU whose fault is not
 * claimed within its own spin takes it back (src/vcpu/mailbox.ts), so handlers run
 * under the fault lock; a tracker that loses many faults that way stands down for the
 * epoch (CoreCheck). Exits when CTRL_TRACKER_STOP is set (and the doorbell rung).
 */
export function runTracker(
  ctrl: Int32Array, vcpus: number, policy: FaultHandler, spin: number, idleMs = TRACKER_IDLE_MS, now: () => number = () => performance.now(),
): void {
  const answered = new Int32Array(vcpus);
  for (let v = 0; v < vcpus; v++) answered[v] = Atomics.load(ctrl, vcpuWord(v, VCPU_MBOX_REQ));
  const core = new CoreCheck();
  for (;;) {
    const bell = Atomics.load(ctrl, CTRL_DOORBELL);
    core.observe(Atomics.load(ctrl, CTRL_TRACKER_AWAKE));
    let found = false;
    for (let v = 0; v < vcpus; v++) {
      const req = Atomics.load(ctrl, vcpuWord(v, VCPU_MBOX_REQ));
      if (req === answered[v]) continue;
      // Faults posted since we last looked: all but the newest were taken back unseen.
      const posted = (req - answered[v]) | 0;
      answered[v] = req;
      found = true;
      const won = serviceMailbox(ctrl, v, req, policy);
      if (core.record(won ? 1 : 0, posted)) standDown(ctrl, core.token);
    }
    if (found) continue;
    if (Atomics.load(ctrl, CTRL_TRACKER_STOP) !== 0) return;
    if (spin > 0 && spinWhileAwake(ctrl, bell, idleMs, now)) continue;
    // SLEEPING before the wait's own doorbell check: a vCPU (or wakeTracker) that bumps
    // the doorbell after our check loads SLEEPING = 1 and notifies.
    Atomics.store(ctrl, CTRL_TRACKER_SLEEPING, 1);
    Atomics.wait(ctrl, CTRL_DOORBELL, bell);
    Atomics.store(ctrl, CTRL_TRACKER_SLEEPING, 0);
  }
}

/** Faults of an epoch the tracker looks at before judging whether it has a core. */
export const CORE_SAMPLE = 64;

/**
 * Does the tracker have a core of its own? It does if it answers the faults before their
 * vCPUs take them back. Counted per awake period (token): once CORE_SAMPLE faults are
 * in and more than 1 in 10 were taken back, the tracker is only taking CPU from the
 * vCPUs, and stands down until the next resume; the vCPUs then handle their faults at
 * once (inline). Each resume gives it a fresh chance.
 */
export class CoreCheck {
  token = 0;
  private won = 0;
  private lost = 0;

  observe(token: number): void {
    if (token === this.token) return;
    this.token = token;
    this.won = 0;
    this.lost = 0;
  }

  /** Record `posted` faults of which the tracker handled `won`; true when it should stand down now. */
  record(won: number, posted: number): boolean {
    if (this.token === 0) return false;
    const before = this.won + this.lost;
    this.won += won;
    this.lost += posted - won;
    const n = this.won + this.lost;
    return before < CORE_SAMPLE && n >= CORE_SAMPLE && this.lost * 10 > n;
  }
}

/** Sleep until the next resume, unless the checkpointer has moved AWAKE on meanwhile. */
export function standDown(ctrl: Int32Array, token: number): void {
  // Compare-exchange on our token: a pause (0) or a resume (a new token) since we read
  // it wins, so a late decision never puts the tracker to sleep for a later epoch.
  Atomics.compareExchange(ctrl, CTRL_TRACKER_AWAKE, token, 0);
}

/**
 * Claim fault `req` of vCPU `v` and answer it; false when the vCPU claimed it first.
 * Exported for the handshake tests.
 */
export function serviceMailbox(ctrl: Int32Array, v: number, req: number, policy: FaultHandler): boolean {
  // One compare-exchange decides who handles the fault: us, or the vCPU taking it back.
  if (Atomics.compareExchange(ctrl, vcpuWord(v, VCPU_MBOX_CLAIM), (req - 1) | 0, req) !== ((req - 1) | 0)) return false;
  // Loading REQ (in the caller) made the vCPU's plain pfn/kind writes visible.
  const pfn = ctrl[vcpuWord(v, VCPU_MBOX_PFN)];
  const kind = ctrl[vcpuWord(v, VCPU_MBOX_KIND)] as FaultKind;
  lockFaults(ctrl);
  try {
    policy.serviceFault(kind, pfn, v);
  } finally {
    unlockFaults(ctrl);
  }
  // The entry change above happens-before this store, which the vCPU loads. The vCPU
  // sets WAITING before its last RESP check, so a vCPU that blocks is seen here.
  Atomics.store(ctrl, vcpuWord(v, VCPU_MBOX_RESP), req);
  if (Atomics.load(ctrl, vcpuWord(v, VCPU_MBOX_WAITING)) !== 0) Atomics.notify(ctrl, vcpuWord(v, VCPU_MBOX_RESP));
  return true;
}

/**
 * How long the awake tracker spins without a fault before it stands down for the rest of
 * the epoch. Its spinning is not free: on this 2-core machine a busy sibling thread slows
 * the vCPU's own work per CPU-second (bench/README.md, time budget), and once faults are
 * rare a vCPU handles one itself, at once, for about what the tracker's round trip costs
 * (the vCPU sees AWAKE 0 and takes the fault without spinning: src/vcpu/mailbox.ts).
 */
export const TRACKER_IDLE_MS = 0.2;

/**
 * Spin on the doorbell while the guest runs. True when it rang, false once the guest is
 * paused or no fault came for `idleMs` (time to sleep). No yield inside: Node has no
 * sched_yield, and a timed Atomics.wait sleeps at least the kernel's 50 us timer slack.
 */
function spinWhileAwake(ctrl: Int32Array, bell: number, idleMs: number, now: () => number): boolean {
  const since = now();
  for (let i = 1; ; i++) {
    if (Atomics.load(ctrl, CTRL_DOORBELL) !== bell) return true;
    const token = Atomics.load(ctrl, CTRL_TRACKER_AWAKE);
    if (token === 0) return Atomics.load(ctrl, CTRL_DOORBELL) !== bell;
    if ((i & 255) === 0 && now() - since > idleMs) {
      // Idle: the same compare-exchange stand-down as CoreCheck's, so a resume since we
      // read the token wins; vCPUs then take their faults at once until the next resume.
      standDown(ctrl, token);
      return Atomics.load(ctrl, CTRL_DOORBELL) !== bell;
    }
  }
}

/** Checkpointer, right after resuming the guest: the tracker wakes alongside the vCPUs. */
export function wakeTracker(ctrl: Int32Array): void {
  // A fresh non-zero token per resume: the tracker's stand-down is a compare-exchange on it.
  const token = (Atomics.add(ctrl, CTRL_TRACKER_GEN, 1) + 1) | 0;
  Atomics.store(ctrl, CTRL_TRACKER_AWAKE, token === 0 ? 1 : token);
  // AWAKE is stored before the bump: a tracker woken by it (or whose wait sees the new
  // doorbell) then loads AWAKE = 1 and spins. SLEEPING is set before the tracker's wait
  // checks the doorbell, so either we see it and notify or its wait sees our bump.
  Atomics.add(ctrl, CTRL_DOORBELL, 1);
  if (Atomics.load(ctrl, CTRL_TRACKER_SLEEPING) !== 0) Atomics.notify(ctrl, CTRL_DOORBELL, 1);
}

/** Checkpointer, once every vCPU is parked or finished: no fault can come, the tracker may sleep. */
export function letTrackerSleep(ctrl: Int32Array): void {
  Atomics.store(ctrl, CTRL_TRACKER_AWAKE, 0);
}

export function stopTracker(ctrl: Int32Array): void {
  Atomics.store(ctrl, CTRL_TRACKER_STOP, 1);
  Atomics.add(ctrl, CTRL_DOORBELL, 1);
  Atomics.notify(ctrl, CTRL_DOORBELL);
}
