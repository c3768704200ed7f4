// The README's flag table of a command, rendered from the same tables --help shows, and
// read back, so a test can hold the README to the definitions (npm run readme-flags
// rewrites it after a flag is added).
import type { FlagGroup, FlagSpec } from './flags.js';

export interface FlagRow {
  readonly flag: string;
  readonly default: string;
  readonly meaning: string;
}

/** `--mem SIZE`, `--report [PATH]`, `--verify`: the flag as a user types it. */
export function flagUsage(name: string, spec: FlagSpec): string {
  if (spec.type === 'boolean') return `--${name}`;
  const value = spec.value ?? 'VALUE';
  return spec.optionalValue ? `--${name} [${value}]` : `--${name} ${value}`;
}

export function flagRows(groups: readonly FlagGroup[]): FlagRow[] {
  return groups.flatMap((g) => Object.entries(g.table).map(([name, spec]) => ({
    flag: flagUsage(name, spec),
    default: spec.default ?? 'none',
    meaning: spec.multiple ? `${spec.help} (repeatable)` : spec.help,
  })));
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

export function renderFlagTable(groups: readonly FlagGroup[]): string {
  const rows = flagRows(groups).map((r) => `| \`${escapeCell(r.flag)}\` | ${escapeCell(r.default)} | ${escapeCell(r.meaning)} |`);
  return ['| flag | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The rows of a markdown table as rendered above (cells split on unescaped |). */
export function parseFlagTable(markdown: string): FlagRow[] {
  const lines = markdown.split('\n').filter((l) => l.startsWith('|')).slice(2);
  return lines.map((line) => {
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
    return { flag: (cells[0] ?? '').replace(/^`|`$/g, ''), default: cells[1] ?? '', meaning: cells[2] ?? '' };
  });
}

/** The text between `<!-- NAME:start -->` and `<!-- NAME:end -->`, or null. */
export function markedBlock(text: string, name: string): { start: number; end: number; body: string } | null {
  const open = `<!-- ${name}:start -->\n`;
  const close = `<!-- ${name}:end -->`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < a) return null;
  return { start: a + open.length, end: b, body: text.slice(a + open.length, b) };
}
