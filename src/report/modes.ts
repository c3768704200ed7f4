import { COMPARE_CONFIGS } from '../compare/configs.js';

/**
 * Configurations in the order docs/design.md introduces them (`all`, wfp with the superpage
 * copier, right after wfp); unknown names sort after, by name. Every chart and table of a
 * page lists modes in this order.
 */
const MODE_ORDER = ['native', 'logdirty', 'rfr', 'wfp', 'all', 'dbit', 'pml'];

/** One colour per configuration, the same in every chart of every report. */
const MODE_COLOURS: Readonly<Record<string, string>> = {
  native: '#8c8c8c',
  logdirty: '#e45756',
  rfr: '#f58518',
  wfp: '#54a24b',
  all: '#1b7f79',
  dbit: '#b279a2',
  pml: '#4c78a8',
};
/** for names outside MODE_COLOURS, in order of appearance */
const SPARE_COLOURS = ['#9d755d', '#eeca3b', '#ff9da6', '#bab0ac', '#72b7b2', '#d67195', '#439894', '#fcbf5f'];

export function compareModes(a: string, b: string): number {
  const rank = (m: string): number => {
    const i = MODE_ORDER.indexOf(m);
    return i < 0 ? MODE_ORDER.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

export function sortModes(modes: Iterable<string>): string[] {
  return [...new Set(modes)].sort(compareModes);
}

/** A colour scale over `names` (already in page order): fixed colours for known modes. */
export function modeColourScale(names: readonly string[]): { domain: string[]; range: string[] } {
  let spare = 0;
  const range = names.map((n) => MODE_COLOURS[n] ?? SPARE_COLOURS[spare++ % SPARE_COLOURS.length] ?? '#888');
  return { domain: [...names], range };
}

/**
 * The compare configuration a run was: its tracking mode, or the named combination
 * (`all` = wfp + superpage) its mode, copy engine and `--copy-at` make up.
 */
export function configNameOfRun(mode: string, copy: unknown, copyAt: unknown): string {
  const named = Object.entries(COMPARE_CONFIGS).find(([, c]) => c.mode === mode && c.copy === copy && (c.copyAt ?? 'pause') === (copyAt ?? 'pause'));
  return named?.[0] ?? mode;
}
