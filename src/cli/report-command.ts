import { defaultReportPath } from '../report/paths.js';
import { ConfigError } from '../base/errors.js';
import type { CommandSpec } from './command.js';
import type { FlagTable, FlagValues } from './flags.js';

export const REPORT_FLAGS = {
  out: { type: 'string', value: 'PATH', default: 'RESULTS.html beside the first input (report.html for several)', help: 'where the HTML page goes' },
  title: { type: 'string', value: 'TEXT', default: 'from the inputs', help: "the page's title" },
} as const satisfies FlagTable;

export const reportSpec: CommandSpec = {
  name: 'report',
  summary: 'render results JSON files (hbft run --json, hbft compare) into one HTML page',
  args: '<RESULTS.json...>',
  flags: [{ title: 'Report', table: REPORT_FLAGS }],
  run: (values, positionals) => reportCommand(values as FlagValues<typeof REPORT_FLAGS>, positionals),
};

/** `hbft report RESULTS.json [more.json ...] [--out PATH]`: one HTML page; prints its path. */
export async function reportCommand(v: FlagValues<typeof REPORT_FLAGS>, positionals: readonly string[]): Promise<number> {
  if (positionals.length === 0) throw new ConfigError('report', 'give at least one results JSON file');
  if (v.out === '') throw new ConfigError('--out', 'empty path');
  const out = v.out ?? defaultReportPath(positionals);
  const { writeReport } = await import('../report/write-report.js');
  const written = await writeReport([...positionals], out, v.title === undefined ? {} : { title: v.title });
  process.stdout.write(`wrote ${written}\n`);
  return 0;
}
