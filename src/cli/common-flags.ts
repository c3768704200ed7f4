// The output flags every command that has such output shares, spelled and meant the same
// everywhere: --json PATH|- (the command's result as JSON; `-` makes stdout the JSON
// alone), --quiet (no progress lines or bar on stderr), --report [PATH] (an HTML report).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../base/errors.js';
import type { FlagSpec } from './flags.js';

export const JSON_FLAG = {
  type: 'string', value: 'PATH|-', default: 'none',
  help: "write the command's result as JSON to PATH, or to stdout with - (stdout then holds the JSON alone)",
} as const satisfies FlagSpec;

export const QUIET_FLAG = {
  type: 'boolean', default: 'off', help: 'no progress on stderr (errors still go there)',
} as const satisfies FlagSpec;

export const REPORT_FLAG = {
  type: 'string', value: 'PATH', optionalValue: true, default: 'none',
  help: 'an HTML report of the results (docs/reports.md); alone, next to the results',
} as const satisfies FlagSpec;

/** --json's value checked: null when absent, '-' for stdout, else a file path. */
export function jsonTarget(value: string | undefined, flag = '--json'): string | null {
  if (value === undefined) return null;
  if (value === '') throw new ConfigError(flag, 'needs a file path, or - for stdout');
  return value;
}

/** Writes text (one JSON document, newline-terminated) where --json said. */
export function writeJson(target: string | null, text: string): void {
  if (target === null) return;
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (target === '-') {
    process.stdout.write(body);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, body);
}
