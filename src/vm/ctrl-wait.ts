/**
 * Block until ctrl[index] >= target or the `deadline` (in `now()` time) passes; returns
 * the last value seen, so the caller decides what a timeout means. The value is reloaded
 * after every wake-up, so a bump between our load and our wait is not missed
 * (Atomics.wait returns at once when the value already moved).
 */
export function waitAtLeast(ctrl: Int32Array, index: number, target: number, deadline: number, now: () => number): number {
  for (;;) {
    const value = Atomics.load(ctrl, index);
    if (value >= target) return value;
    const left = deadline - now();
    if (left <= 0) return value;
    Atomics.wait(ctrl, index, value, left);
  }
}

/** The same on the main thread, without blocking its event loop (and without a deadline). */
export async function waitAtLeastAsync(ctrl: Int32Array, index: number, target: number): Promise<void> {
  for (;;) {
    const value = Atomics.load(ctrl, index);
    if (value >= target) return;
    await Atomics.waitAsync(ctrl, index, value).value;
  }
}
