import { defaultReportPath } from '../report/paths.js';
import { ConfigError } from './config-error.js';
import { parseFlags } from './config.js';

const REPORT_FLAGS = {
  out: { type: 'string' },
  title: { type: 'string' },
} as const;

/** `hbft report RESULTS.json [more.json ...] [--out PATH]`: one HTML page; prints its path. */
export async function reportCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, REPORT_FLAGS);
  if (positionals.length === 0) throw new ConfigError('report', 'give at least one results JSON file');
  const v = values as Partial<Record<keyof typeof REPORT_FLAGS, string>>;
  if (v.out === '') throw new ConfigError('--out', 'empty path');
  const out = v.out ?? defaultReportPath(positionals);
  const { writeReport } = await import('../report/write-report.js');
  const written = await writeReport(positionals, out, v.title === undefined ? {} : { title: v.title });
  process.stdout.write(`wrote ${written}\n`);
  return 0;
}
