// Finding Xen's stream checker, without side effects (xen-checker.ts applies it to the
// real environment). GPL-2.0: it is run from where it lives, never copied here.
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '../..');
/** Where the checker sits when the repository is cloned beside the shared tools. */
export const BESIDE_REPO = '../shared/tools/xen-stream-check/check';

/** A file with an execute bit; absent or not executable both mean "no checker here". */
function executable(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.isFile() && (st.mode & 0o111) !== 0;
}

/**
 * The checker's absolute path from HBFT_XEN_CHECKER (relative paths from the repository
 * root), else BESIDE_REPO; null with the reason when it is not there. Throws instead when
 * HBFT_REQUIRE_XEN_CHECKER=1, so CI cannot skip the tests that need it.
 */
export function resolveXenChecker(env: NodeJS.ProcessEnv, root = REPO_ROOT): { path: string | null; why: string } {
  const fromEnv = env.HBFT_XEN_CHECKER;
  const set = fromEnv !== undefined && fromEnv !== '';
  const path = set ? (isAbsolute(fromEnv) ? fromEnv : resolve(root, fromEnv)) : resolve(root, BESIDE_REPO);
  if (executable(path)) return { path, why: '' };
  const from = set ? 'HBFT_XEN_CHECKER' : `${BESIDE_REPO} from the repository root`;
  const why = `Xen's stream checker not found at ${path} (${from}); set HBFT_XEN_CHECKER to its "check" script`;
  if (env.HBFT_REQUIRE_XEN_CHECKER === '1') throw new Error(`${why}; HBFT_REQUIRE_XEN_CHECKER=1 forbids skipping`);
  return { path: null, why };
}
