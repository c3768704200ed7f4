import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ReportError } from './errors.js';
import { renderReport, type ReportInput, type ReportOptions } from './index.js';
import { splitInputs } from './input.js';

export { defaultReportPath, defaultRunReportPath, RESULTS_DIR } from './paths.js';

/**
 * Reads one results file (`hbft run --json` or `hbft compare --out`) and checks its schema,
 * so a bad file fails here with its own name rather than deep inside a chart.
 */
export function loadResultsFile(path: string): ReportInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ReportError('REPORT_BAD_INPUT', `report: cannot read ${path} (${code})`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ReportError('REPORT_BAD_INPUT', `report: ${path} is not JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ReportError('REPORT_BAD_INPUT', `report: ${path} is not a results object`);
  }
  const input = parsed as ReportInput;
  try {
    splitInputs([input]);
  } catch (e) {
    // splitInputs names the input by index; the file name is what a user can act on.
    const detail = (e as Error).message.replace(/^report input 0:?\s*/, '');
    throw new ReportError('REPORT_BAD_INPUT', `report: ${path}: ${detail}`, { cause: e });
  }
  return input;
}

/**
 * Renders results (already loaded, or file paths to load) into one HTML page at `outPath`,
 * creating its directory; returns the path written. `hbft report`, `hbft run --report`
 * and `hbft compare --report` all go through here.
 */
export async function writeReport(
  results: readonly (ReportInput | string)[], outPath: string, opts: ReportOptions = {},
): Promise<string> {
  const inputs = results.map((r) => (typeof r === 'string' ? loadResultsFile(r) : r));
  const html = await renderReport(inputs, opts);
  mkdirSync(dirname(outPath) || '.', { recursive: true });
  writeFileSync(outPath, html);
  return outPath;
}
