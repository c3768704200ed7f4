// redis-cli and redis-benchmark (Debian's redis-tools) for the kvserver tests. Absent,
// the tests skip with a line saying so; with HBFT_REQUIRE_REDIS=1 (set by .ci/run) they
// fail instead, so CI cannot pass without running them.
import { spawnSync } from 'node:child_process';

export const REDIS_REQUIRED = process.env.HBFT_REQUIRE_REDIS === '1';

/** The tool's path, or null when it is not on PATH. */
export function redisTool(name: 'redis-cli' | 'redis-benchmark'): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

/** True when the tests should run; prints the skip line when they should not. */
export function haveRedisTools(...names: ('redis-cli' | 'redis-benchmark')[]): boolean {
  const missing = names.filter((n) => redisTool(n) === null);
  if (missing.length === 0 || REDIS_REQUIRED) return true; // required and missing: the tests fail on their own
  console.log(`skipping: ${missing.join(' and ')} not installed (apt-get install redis-tools)`);
  return false;
}

/** Fails the test when a required tool is missing (HBFT_REQUIRE_REDIS=1). */
export function toolPath(name: 'redis-cli' | 'redis-benchmark'): string {
  const p = redisTool(name);
  if (p === null) throw new Error(`${name} is not installed and HBFT_REQUIRE_REDIS=1: install redis-tools`);
  return p;
}
