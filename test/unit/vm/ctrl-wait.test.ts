import { describe, expect, it } from 'vitest';
import { waitAtLeast, waitAtLeastAsync } from '../../../src/vm/ctrl-wait.js';
import { runPartner } from '../../helpers/scripted-partner.js';

// The control-block wait every handshake is built on, against a real second thread.
const BUMPS = `(ctrl, d) => {
  for (let i = 0; i < d.n; i++) { Atomics.add(ctrl, d.at, 1); Atomics.notify(ctrl, d.at); }
}`;

describe('waitAtLeast / waitAtLeastAsync', () => {
  it('returns as soon as the word reaches the target, however the bumps interleave with the wait', async () => {
    for (let round = 0; round < 20; round++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(16));
      const partner = runPartner(ctrl, BUMPS, { at: 1, n: 5 });
      expect(waitAtLeast(ctrl, 1, 5, performance.now() + 5000, () => performance.now())).toBe(5);
      await partner;
    }
  });

  it('returns the last value seen at the deadline, and the caller decides what it means', () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(16));
    Atomics.store(ctrl, 2, 3);
    let t = 0;
    // An injected clock already past the deadline: no wait at all.
    expect(waitAtLeast(ctrl, 2, 4, 10, () => (t += 20))).toBe(3);
  });

  it('the async form resolves on the main thread, only once the word reaches the target', async () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(16));
    let resolved = false;
    const waiting = waitAtLeastAsync(ctrl, 0, 3).then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 5)); // the event loop turns while it waits
    expect(resolved).toBe(false);
    await runPartner(ctrl, BUMPS, { at: 0, n: 3 });
    await waiting;
    expect(resolved).toBe(true);
    expect(Atomics.load(ctrl, 0)).toBe(3);
  });
});
