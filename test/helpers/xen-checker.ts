// Xen's own stream checker (GPL-2.0: run from where it lives as a separate process, never
// copied into this repository). Found through HBFT_XEN_CHECKER, else at
// ../shared/tools/xen-stream-check/check beside the repository. When it is absent, the
// tests that need it are skipped with one visible line; with HBFT_REQUIRE_XEN_CHECKER=1
// (set by .ci/run) a missing checker is an error instead, so CI cannot skip them silently.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const BESIDE_REPO = '../shared/tools/xen-stream-check/check';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // absent or not executable: both mean "no checker here"
  }
}

/** Where the checker should be, and whether it is there. */
export function locateXenChecker(env: NodeJS.ProcessEnv = process.env): { path: string; from: string; found: boolean } {
  const fromEnv = env.HBFT_XEN_CHECKER;
  if (fromEnv !== undefined && fromEnv !== '') {
    const path = isAbsolute(fromEnv) ? fromEnv : resolve(ROOT, fromEnv);
    return { path, from: 'HBFT_XEN_CHECKER', found: executable(path) };
  }
  const path = resolve(ROOT, BESIDE_REPO);
  return { path, from: `${BESIDE_REPO} from the repository root`, found: executable(path) };
}

const located = locateXenChecker();

/** Absolute path of the checker, or null when the tests that need it must be skipped. */
export const XEN_CHECKER: string | null = located.found ? located.path : null;

/** True when the checker is missing: pass to `it.skipIf` / `describe.skipIf`. */
export const NO_XEN_CHECKER = XEN_CHECKER === null;

if (NO_XEN_CHECKER) {
  const why = `Xen's stream checker not found at ${located.path} (${located.from}); set HBFT_XEN_CHECKER to its "check" script`;
  if (process.env.HBFT_REQUIRE_XEN_CHECKER === '1') throw new Error(`${why}; HBFT_REQUIRE_XEN_CHECKER=1 forbids skipping`);
  console.warn(`skipping Xen-checker tests: ${why}`);
}

/** Runs the checker on one file: exit status 0 valid, 1 invalid, 2 usage error or crash. */
export function runXenChecker(file: string): { status: number | null; out: string } {
  if (XEN_CHECKER === null) throw new Error("runXenChecker: Xen's stream checker is missing (guard the test with NO_XEN_CHECKER)");
  const r = spawnSync(XEN_CHECKER, [file], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}
