import { PROF_MARKER_PREFIX } from './cpu-profile.js';

/** Entry scripts, for logs from threads that left no marker (an older build, a crash). */
const ENTRY_ROLES: [RegExp, string][] = [
  [/workers\/vcpu\.js/, 'vcpu'],
  [/workers\/tracker\.js/, 'tracker'],
  [/workers\/checkpointer\.js/, 'checkpointer'],
  [/src\/cli\/main\.js/, 'main'],
];

const MARKER = new RegExp(`sourceURL=${PROF_MARKER_PREFIX}/([a-z][a-z0-9-]*)`);

/**
 * Which thread wrote a V8 isolate log (`node --prof`): the role marker the thread compiled
 * (markThreadForProf), else the entry script only that thread loads, else null.
 */
export function threadRoleOfLog(logText: string): string | null {
  const marked = MARKER.exec(logText);
  if (marked !== null) return marked[1];
  for (const [pattern, role] of ENTRY_ROLES) if (pattern.test(logText)) return role;
  return null;
}

/** Gives each log a unique role name: duplicates and unknowns get a numeric suffix. */
export function nameLogs(roles: readonly (string | null)[]): string[] {
  const seen = new Map<string, number>();
  return roles.map((role) => {
    const base = role ?? 'isolate';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 && role !== null ? base : `${base}-${n}`;
  });
}
