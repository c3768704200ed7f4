// Xen's own stream checker for the stream tests. When it is absent they are skipped
// (`it.skipIf(NO_XEN_CHECKER)`) with one visible line saying why; with
// HBFT_REQUIRE_XEN_CHECKER=1 (set by .ci/run) importing this module throws instead.
import { spawnSync } from 'node:child_process';
import { resolveXenChecker } from './xen-checker-locate.js';

const found = resolveXenChecker(process.env);

/** Absolute path of the checker, or null when the tests that need it must be skipped. */
export const XEN_CHECKER: string | null = found.path;

/** True when the checker is missing: pass to `it.skipIf` / `describe.skipIf`. */
export const NO_XEN_CHECKER = XEN_CHECKER === null;

if (NO_XEN_CHECKER) console.warn(`skipping Xen-checker tests: ${found.why}`);

/** Runs the checker on one file: exit status 0 valid, 1 invalid, 2 usage error or crash. */
export function runXenChecker(file: string): { status: number | null; out: string } {
  if (XEN_CHECKER === null) throw new Error("runXenChecker: Xen's stream checker is missing (guard the test with NO_XEN_CHECKER)");
  const r = spawnSync(XEN_CHECKER, [file], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}
