import { COPY_ENGINES } from '../../src/epoch/copy-engine.js';
import { RUN_FLAGS } from '../../src/cli/config.js';
import { MODES } from '../../src/tracking/policy.js';

// Modes, copy engines and --opt are being added on another branch: benchmarks that need
// them ask here and report "skipped" until they exist.

export function hasMode(mode: string): boolean {
  return (MODES as readonly string[]).includes(mode);
}

export function hasCopyEngine(name: string): boolean {
  return (COPY_ENGINES as readonly string[]).includes(name);
}

export function hasOptFlag(): boolean {
  return 'opt' in RUN_FLAGS;
}

/** null when everything is there, else the reason to skip. */
export function missing(need: { modes?: string[]; copy?: string[]; opt?: boolean }): string | null {
  for (const m of need.modes ?? []) if (!hasMode(m)) return `mode ${m} not available`;
  for (const c of need.copy ?? []) if (!hasCopyEngine(c)) return `copy engine ${c} not available`;
  if (need.opt === true && !hasOptFlag()) return 'flag --opt (mode all) not available';
  return null;
}
