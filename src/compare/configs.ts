import { COPY_ENGINES } from '../epoch/copy-engine.js';
import type { CompareConfigSpec } from '../metrics/compare-results.js';
import { MODES } from '../tracking/policy.js';

export const NATIVE = 'native';
export const BASELINE = 'logdirty';
/** the copy engine every plain mode runs with (the Remus baseline) */
export const PLAIN_COPY = 'per-page';

/**
 * Named combinations beyond the plain modes. A line here is all it takes to compare
 * another one; it is offered only when this build has its mode and copy engine.
 */
export const COMPARE_CONFIGS: Readonly<Record<string, NamedConfig>> = {
  all: { mode: 'wfp', copy: 'superpage' }, // `--opt all`
  // `--opt all --copy-at background`: only when asked for, so the default sweep stays the paper's.
  'all-bg': { mode: 'wfp', copy: 'superpage', copyAt: 'background', onRequest: true },
};

interface NamedConfig {
  readonly mode: string;
  readonly copy: string;
  /** `--copy-at` (default pause) */
  readonly copyAt?: string;
  /** Left out of the default sweep; run when `--modes` names it. */
  readonly onRequest?: boolean;
}

/** Each optimization alone: `config` over `over`, shown only when both ran. */
export const GAINS: readonly { readonly name: string; readonly config: string; readonly over: string }[] = [
  { name: 'rfr', config: 'rfr', over: 'logdirty' },
  { name: 'wfp', config: 'wfp', over: 'rfr' },
  { name: 'superpage', config: 'all', over: 'wfp' },
];

/** Every configuration this build can run: the plain modes, then the named combinations. */
export function availableConfigs(
  modes: readonly string[] = MODES,
  copies: readonly string[] = COPY_ENGINES,
): CompareConfigSpec[] {
  const plain = modes.map((m) => ({ name: m, mode: m, copy: PLAIN_COPY }));
  const named = Object.entries(COMPARE_CONFIGS)
    .filter(([name, c]) => !modes.includes(name) && modes.includes(c.mode) && copies.includes(c.copy))
    .map(([name, c]) => ({ name, mode: c.mode, copy: c.copy, ...(c.copyAt === undefined ? {} : { copyAt: c.copyAt }) }));
  return [...plain, ...named];
}

/** The sweep without --modes: every available configuration but those run on request. */
export function defaultConfigs(): CompareConfigSpec[] {
  return availableConfigs().filter((c) => COMPARE_CONFIGS[c.name]?.onRequest !== true);
}

/** Why a configuration name cannot run here, for the --modes error message. */
export function whyUnavailable(name: string, modes: readonly string[] = MODES, copies: readonly string[] = COPY_ENGINES): string {
  const c = COMPARE_CONFIGS[name];
  if (c === undefined) return `unknown "${name}"`;
  const lacking = [
    ...(modes.includes(c.mode) ? [] : [`tracking mode ${c.mode}`]),
    ...(copies.includes(c.copy) ? [] : [`copy engine ${c.copy}`]),
  ];
  return `"${name}" (${c.mode} + ${c.copy}) needs ${lacking.join(' and ')}, which this build lacks`;
}
