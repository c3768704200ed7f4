import { describe, expect, it } from 'vitest';
import { PauseTimeoutError, allFinished, requestPause, resumeAll, sleepUntilParked, waitAllParked } from '../../../src/epoch/pause.js';
import {
  CTRL_FINISHED, CTRL_PARKED, CTRL_REQ, CTRL_RESUME_SEQ, REQ_PAUSE, VCPU_STATE, VcpuState, ctrlWords, vcpuWord,
} from '../../../src/vm/layout.js';
import { runPartner } from '../../helpers/scripted-partner.js';

// The pause handshake against a scripted partner thread playing the vCPUs: it parks as a
// vCPU does (state Paused, bump PARKED, notify) and waits for the resume as a vCPU does.
const VCPUS = 3;
const words = {
  req: CTRL_REQ, pause: REQ_PAUSE, parked: CTRL_PARKED, finished: CTRL_FINISHED, resumeSeq: CTRL_RESUME_SEQ,
  state: Array.from({ length: VCPUS }, (_, v) => vcpuWord(v, VCPU_STATE)), paused: VcpuState.Paused, finishedState: VcpuState.Finished,
};
const newCtrl = () => new Int32Array(new SharedArrayBuffer(ctrlWords(VCPUS) * 4));

/** Source of the partner: wait for the pause request, park `park` vCPUs, finish `finish` more, then wait for one resume. */
const VCPUS_SCRIPT = `(ctrl, d) => {
  while ((Atomics.load(ctrl, d.w.req) & d.w.pause) === 0) Atomics.wait(ctrl, d.w.req, Atomics.load(ctrl, d.w.req), 50);
  const seq = Atomics.load(ctrl, d.w.resumeSeq);
  for (let v = 0; v < d.park; v++) {
    Atomics.store(ctrl, d.w.state[v], d.w.paused);
    Atomics.add(ctrl, d.w.parked, 1);
    Atomics.notify(ctrl, d.w.parked);
  }
  for (let v = d.park; v < d.park + d.finish; v++) {
    Atomics.store(ctrl, d.w.state[v], d.w.finishedState);
    Atomics.add(ctrl, d.w.finished, 1);
    Atomics.add(ctrl, d.w.parked, 1);
    Atomics.notify(ctrl, d.w.parked);
  }
  if (!d.awaitResume) return;
  while (Atomics.load(ctrl, d.w.resumeSeq) === seq) Atomics.wait(ctrl, d.w.resumeSeq, seq, 50);
  if ((Atomics.load(ctrl, d.w.req) & d.w.pause) !== 0) throw new Error('resumed with the pause request still set');
}`;

describe('pause handshake with a scripted vCPU thread', () => {
  it('waitAllParked returns once every vCPU parked or finished, spinning first or blocking', async () => {
    for (const spinMs of [0, 1]) {
      const ctrl = newCtrl();
      const partner = runPartner(ctrl, VCPUS_SCRIPT, { w: words, park: 2, finish: 1, awaitResume: false });
      requestPause(ctrl);
      waitAllParked(ctrl, VCPUS, 5000, () => performance.now(), spinMs);
      expect(Atomics.load(ctrl, CTRL_PARKED)).toBe(VCPUS);
      await partner;
    }
  });

  it('a vCPU that does not park within the timeout is named', async () => {
    const ctrl = newCtrl();
    const partner = runPartner(ctrl, VCPUS_SCRIPT, { w: words, park: 1, finish: 1, awaitResume: false });
    requestPause(ctrl);
    let error: unknown = null;
    // Wait for the partner to do what it will, then time out on the one it never parks.
    await partner;
    try {
      waitAllParked(ctrl, VCPUS, 50, () => performance.now());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PauseTimeoutError);
    expect((error as Error).message).toBe('pause: vCPU 2 did not park within 50 ms');
  });

  it('resumeAll clears the request, keeps finished vCPUs counted, and wakes a parked vCPU', async () => {
    const ctrl = newCtrl();
    const partner = runPartner(ctrl, VCPUS_SCRIPT, { w: words, park: 2, finish: 1, awaitResume: true });
    requestPause(ctrl);
    waitAllParked(ctrl, VCPUS, 5000, () => performance.now());
    resumeAll(ctrl);
    expect(Atomics.load(ctrl, CTRL_REQ) & REQ_PAUSE).toBe(0);
    expect(Atomics.load(ctrl, CTRL_PARKED)).toBe(1); // the finished vCPU
    await partner; // returns only after it saw the sequence move with the request cleared
    expect(allFinished(ctrl, VCPUS)).toBe(false);
  });

  it('sleepUntilParked returns early when the last vCPU finishes', async () => {
    const ctrl = newCtrl();
    Atomics.store(ctrl, CTRL_FINISHED, VCPUS - 1);
    Atomics.store(ctrl, CTRL_PARKED, VCPUS - 1);
    const partner = runPartner(ctrl, `(ctrl, d) => { Atomics.add(ctrl, d.finished, 1); Atomics.notify(ctrl, d.finished); Atomics.add(ctrl, d.parked, 1); Atomics.notify(ctrl, d.parked); }`, { finished: CTRL_FINISHED, parked: CTRL_PARKED });
    const t0 = performance.now();
    sleepUntilParked(ctrl, VCPUS, 10_000, () => performance.now());
    expect(performance.now() - t0).toBeLessThan(9_000);
    expect(allFinished(ctrl, VCPUS)).toBe(true);
    await partner;
  });

  it('sleepUntilParked returns when the last vCPU parks, long before its deadline', async () => {
    const ctrl = newCtrl();
    // Timer epochs: the vCPUs park at the deadline without being asked.
    const partner = runPartner(ctrl, `(ctrl, d) => {
      for (let v = 0; v < d.vcpus; v++) { Atomics.add(ctrl, d.parked, 1); Atomics.notify(ctrl, d.parked); }
    }`, { vcpus: VCPUS, parked: CTRL_PARKED });
    const t0 = performance.now();
    sleepUntilParked(ctrl, VCPUS, 10_000, () => performance.now());
    expect(performance.now() - t0).toBeLessThan(9_000);
    expect(Atomics.load(ctrl, CTRL_PARKED)).toBe(VCPUS);
    expect(allFinished(ctrl, VCPUS)).toBe(false);
    await partner;
  });

  it('sleepUntilParked sleeps its time while a vCPU runs on', () => {
    const ctrl = newCtrl();
    Atomics.store(ctrl, CTRL_PARKED, VCPUS - 1);
    const t0 = performance.now();
    sleepUntilParked(ctrl, VCPUS, 30, () => performance.now());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
  });
});
