import { describe, expect, it } from 'vitest';
import { AckTimeoutError } from '../../../src/epoch/ack-window.js';
import { Checkpointer } from '../../../src/epoch/checkpointer.js';
import { createCopyEngine } from '../../../src/epoch/copy-engine.js';
import { ackEpoch, runEpochs, type CheckpointSink, type EpochTiming } from '../../../src/epoch/epoch-protocol.js';
import { createPolicy } from '../../../src/tracking/modes.js';
import {
  CTRL_ACKED, CTRL_EPOCH, CTRL_FINISHED, CTRL_INITIAL_HOLD, CTRL_PARKED, CTRL_REQ, CTRL_RESUME_SEQ, REQ_PAUSE,
  VCPU_PARKED_LATE_US, VCPU_STATE, VcpuState, vcpuWord,
} from '../../../src/vm/layout.js';
import { allocateVm, attachVm, type VmViews } from '../../../src/vm/vm-buffers.js';
import { runPartner } from '../../helpers/scripted-partner.js';

// The checkpointer's half of the epoch protocol (runEpochs, on this thread) against a
// scripted partner thread playing the vCPUs and the backup: it parks and finishes as
// vCPUs do, releases the initial hold and stores acks as main does, and checks from its
// side that the guest stays held, or paused, while it should. Every wait on either side
// has a deadline: runEpochs' own timeouts here, runPartner's hard timeout there.
const VCPUS = 2;
const PAGES = 8;
const now = () => performance.now();
const words = {
  epoch: CTRL_EPOCH, req: CTRL_REQ, pause: REQ_PAUSE, resumeSeq: CTRL_RESUME_SEQ, parked: CTRL_PARKED,
  finished: CTRL_FINISHED, hold: CTRL_INITIAL_HOLD, acked: CTRL_ACKED,
  state: Array.from({ length: VCPUS }, (_, v) => vcpuWord(v, VCPU_STATE)),
  late: Array.from({ length: VCPUS }, (_, v) => vcpuWord(v, VCPU_PARKED_LATE_US)),
  paused: VcpuState.Paused, finishedState: VcpuState.Finished,
};

/** Per epoch 1, 2, ...: what each vCPU does at its end ('-': it had finished already). */
type Plan = ('park' | 'finish' | '-')[][];

interface Script {
  readonly plan: Plan;
  /** How long the partner watches the guest stay held before it releases the hold. */
  readonly holdMs: number;
  /** Timer epochs: park only once the checkpointer asks (REQ_PAUSE), reporting `lateUs`. */
  readonly timer?: { readonly lateUs: number };
  /** Play the backup's acks: after parking at the end of `epoch`, watch the guest stay paused, then ack. */
  readonly acks?: readonly { readonly epoch: number; readonly stillMs: number; readonly acked: number }[];
}

const PARTNER = `(ctrl, d) => {
  const w = d.w;
  const waitFor = (i, ok) => { for (let v; !ok(v = Atomics.load(ctrl, i)); ) Atomics.wait(ctrl, i, v, 50); };
  const stillFor = (i, v, ms, what) => { if (Atomics.wait(ctrl, i, v, ms) !== 'timed-out') throw new Error(what); };
  const park = (v) => {
    Atomics.store(ctrl, w.state[v], w.paused);
    Atomics.add(ctrl, w.parked, 1);
    Atomics.notify(ctrl, w.parked);
  };
  const finish = (v) => {
    Atomics.store(ctrl, w.state[v], w.finishedState);
    Atomics.add(ctrl, w.finished, 1);
    Atomics.notify(ctrl, w.finished);
    Atomics.add(ctrl, w.parked, 1);
    Atomics.notify(ctrl, w.parked);
  };
  let seq = Atomics.load(ctrl, w.resumeSeq);
  for (let v = 0; v < w.state.length; v++) park(v); // initialised the guest
  waitFor(w.hold, (h) => h === 1);
  stillFor(w.resumeSeq, seq, d.s.holdMs, 'the vCPUs were resumed during the initial hold');
  if (Atomics.load(ctrl, w.epoch) !== 0) throw new Error('CTRL_EPOCH moved during the initial hold');
  Atomics.store(ctrl, w.hold, 0); // the backup has epoch 0 (releaseInitialHold)
  Atomics.notify(ctrl, w.hold);
  d.s.plan.forEach((acts, i) => {
    const e = i + 1;
    waitFor(w.resumeSeq, (s) => s !== seq);
    seq = Atomics.load(ctrl, w.resumeSeq);
    if (Atomics.load(ctrl, w.epoch) !== e) throw new Error('resumed into epoch ' + Atomics.load(ctrl, w.epoch) + ', not ' + e);
    if ((Atomics.load(ctrl, w.req) & w.pause) !== 0) throw new Error('resumed with the pause request set');
    if (d.s.timer && acts.includes('park')) waitFor(w.req, (r) => (r & w.pause) !== 0);
    acts.forEach((a, v) => {
      if (a === 'park') {
        if (d.s.timer) ctrl[w.late[v]] = d.s.timer.lateUs * (v + 1);
        park(v);
      } else if (a === 'finish') finish(v);
    });
    const ack = (d.s.acks || []).find((a) => a.epoch === e);
    if (ack) {
      stillFor(w.resumeSeq, seq, ack.stillMs, 'epoch ' + e + ': resumed with the ack window full');
      Atomics.store(ctrl, w.acked, ack.acked);
      Atomics.notify(ctrl, w.acked);
    }
  });
}`;

interface Seen {
  readonly epochs: { epoch: number; final: boolean; pages: number }[];
  readonly quiesceUs: number[];
}

function checkpointer(): { vm: VmViews; cp: Checkpointer } {
  const vm = attachVm(allocateVm(PAGES, VCPUS));
  const policy = createPolicy('logdirty', vm, { predictor: 'last' });
  return { vm, cp: new Checkpointer(vm, policy, createCopyEngine('per-page', vm.ram8.buffer as SharedArrayBuffer), false, now) };
}

/** A sink that records what is handed over; `ack`: commit each epoch at once, as the in-process backup does. */
function sink(ctrl: Int32Array, ack: boolean): CheckpointSink & { seen: Seen } {
  const seen: Seen = { epochs: [], quiesceUs: [] };
  return {
    seen,
    epoch: (image) => {
      seen.epochs.push({ epoch: image.epoch, final: image.final, pages: image.pfns.length });
      if (ack) ackEpoch(ctrl, image.epoch);
    },
    pause: () => {},
    quiesce: (us) => seen.quiesceUs.push(us),
    copy: () => {},
  };
}

const timing = (over: Partial<EpochTiming>): EpochTiming => ({
  epochMs: null, pauseTimeoutMs: 5000, startTimeoutMs: 5000, maxInFlight: 4, ackTimeoutMs: 5000, ...over,
});

describe('the epoch protocol against a scripted vCPU and backup thread', () => {
  it('holds the vCPUs until the backup has epoch 0, then runs epochs to the final one', async () => {
    const { vm, cp } = checkpointer();
    const s = sink(vm.ctrl, true);
    const plan: Plan = [['park', 'park'], ['finish', 'park'], ['-', 'finish']];
    const partner = runPartner(vm.ctrl, PARTNER, { w: words, s: { plan, holdMs: 100 } satisfies Script });
    const last = runEpochs(vm.ctrl, VCPUS, cp, timing({}), s, now);
    await partner;
    expect(last).toBe(3);
    expect(s.seen.epochs).toEqual([
      { epoch: 0, final: false, pages: PAGES }, // every page, under the hold
      { epoch: 1, final: false, pages: 0 },
      { epoch: 2, final: false, pages: 0 },
      { epoch: 3, final: true, pages: 0 }, // a finished vCPU counts as parked; the final epoch follows the last finish
    ]);
    // One resume after epoch 0 and after each epoch but the final one.
    expect(Atomics.load(vm.ctrl, CTRL_RESUME_SEQ)).toBe(plan.length);
    expect(Atomics.load(vm.ctrl, CTRL_EPOCH)).toBe(plan.length);
    expect(s.seen.quiesceUs).toEqual([]); // deterministic epochs record no quiesce
  });

  it('keeps the guest paused while maxInFlight epochs are unacked and resumes on the ack', async () => {
    const { vm, cp } = checkpointer();
    const s = sink(vm.ctrl, false);
    const script: Script = {
      plan: [['park', 'park'], ['park', 'park'], ['finish', 'finish']], holdMs: 20,
      // maxInFlight 1: epoch 1 waits for epoch 0's ack, epoch 2 for epoch 1's.
      acks: [{ epoch: 1, stillMs: 100, acked: 1 }, { epoch: 2, stillMs: 100, acked: 2 }],
    };
    const partner = runPartner(vm.ctrl, PARTNER, { w: words, s: script });
    expect(runEpochs(vm.ctrl, VCPUS, cp, timing({ maxInFlight: 1 }), s, now)).toBe(3);
    await partner;
    expect(s.seen.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
  });

  it('fails with a clear error when the backup does not ack within the timeout', async () => {
    const { vm, cp } = checkpointer();
    const s = sink(vm.ctrl, false);
    const partner = runPartner(vm.ctrl, PARTNER, { w: words, s: { plan: [['park', 'park']], holdMs: 20 } satisfies Script });
    let error: unknown = null;
    try {
      runEpochs(vm.ctrl, VCPUS, cp, timing({ maxInFlight: 1, ackTimeoutMs: 100 }), s, now);
    } catch (e) {
      error = e;
    }
    await partner;
    expect(error).toBeInstanceOf(AckTimeoutError);
    expect((error as Error).message).toBe('epoch 1: backup acked 0 epoch(s), the window of 1 needs 1; no ack within 100 ms');
    // The guest was never resumed past the full window, and epoch 1 was not handed over.
    expect(Atomics.load(vm.ctrl, CTRL_EPOCH)).toBe(1);
    expect(s.seen.epochs.map((e) => e.epoch)).toEqual([0]);
  });

  it('timer epochs: asks the vCPUs to pause, and records the last running vCPU\'s lateness as quiesce', async () => {
    const { vm, cp } = checkpointer();
    const s = sink(vm.ctrl, true);
    const plan: Plan = [['park', 'park'], ['park', 'finish'], ['finish', '-']];
    const partner = runPartner(vm.ctrl, PARTNER, { w: words, s: { plan, holdMs: 20, timer: { lateUs: 300 } } satisfies Script });
    expect(runEpochs(vm.ctrl, VCPUS, cp, timing({ epochMs: 5 }), s, now)).toBe(3);
    await partner;
    // vCPU v reports (v + 1) * 300 µs late; finished vCPUs do not count.
    expect(s.seen.quiesceUs).toEqual([600, 300, 0]);
    expect(s.seen.epochs.map((e) => [e.epoch, e.final])).toEqual([[0, false], [1, false], [2, false], [3, true]]);
  });
});
