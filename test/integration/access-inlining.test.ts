import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The guest loop of the access-path benchmark, from the build the test setup makes fresh.
const CHILD = fileURLToPath(new URL('../../dist/bench/guest-loop-child.js', import.meta.url));
// Epochs of gups at 32 MiB: epoch 0's 8,192 first-touch faults, then steady state.
const OPTIONS = { mode: 'dbit', workload: 'gups', memBytes: 32 << 20, epochOps: 131_072, epochs: 24 };
// TurboFan's trace line for one inlining decision, e.g.
// "Inlining 0x.. {0x.. <SharedFunctionInfo fault>} into 0x.. {0x.. <SharedFunctionInfo loadSlow>}"
const INLINED = /Inlining \S+ \{\S+ <SharedFunctionInfo (\w+)>\} into \S+ \{\S+ <SharedFunctionInfo (\w+)>\}/;
const ACCESS_PATH = new Set(['step', 'load32', 'store32', 'loadSlow', 'storeSlow']);

/** Which function TurboFan inlined into which, over one fresh process's guest loop. */
function inlinings(rawPort: boolean): [string, string][] {
  // Compiling on the main thread (no concurrent recompilation) makes one thread print the
  // trace, so no line is torn by another's, and the order of compiles repeatable. Which
  // order hit the slow case was timing; what is checked here (the exit never inlined into
  // the access path) must hold in any order.
  const flags = ['--trace-turbo-inlining', '--no-concurrent-recompilation'];
  const r = spawnSync(process.execPath, [...flags, CHILD, JSON.stringify({ ...OPTIONS, rawPort })], {
    encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').flatMap((line) => {
    const m = INLINED.exec(line);
    return m === null ? [] : [[m[1], m[2]] as [string, string]];
  });
}

describe('the fault exit stays out of the guest\'s compiled access path', () => {
  it('through outOfLinePort, the mailbox fault is never inlined into the access path, and step inlines load32', () => {
    const pairs = inlinings(false);
    expect(pairs.filter(([callee, into]) => callee === 'fault' && ACCESS_PATH.has(into))).toEqual([]);
    expect(pairs).toContainEqual(['load32', 'step']);
    expect(pairs).toContainEqual(['store32', 'step']);
  });

  it('called directly (as before), the first-touch faults get the mailbox fault inlined into it', () => {
    const pairs = inlinings(true);
    expect(pairs.filter(([callee, into]) => callee === 'fault' && ACCESS_PATH.has(into)).length).toBeGreaterThan(0);
  });
});
