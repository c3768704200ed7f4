import { basename, dirname, extname, join } from 'node:path';

// Kept apart from the renderer so that the CLI can name paths without loading vega.

/** Where `hbft run --report` and `hbft report` write when no path is given. */
export const RESULTS_DIR = 'results';

/**
 * The default page for a set of inputs: one file gives `NAME.html` next to it, several give
 * `report.html` next to the first.
 */
export function defaultReportPath(inputPaths: readonly string[]): string {
  const first = inputPaths[0];
  if (first === undefined) return join(RESULTS_DIR, 'report.html');
  if (inputPaths.length > 1) return join(dirname(first), 'report.html');
  return join(dirname(first), `${basename(first, extname(first))}.html`);
}

/** The default page of one run: results/run-<workload>-<mode>.html. */
export function defaultRunReportPath(workload: string, mode: string): string {
  // A custom workload is a module path: keep only its name, so the file lands in results/.
  const name = basename(workload, extname(workload)).replace(/[^A-Za-z0-9_.-]+/g, '_');
  return join(RESULTS_DIR, `run-${name}-${mode}.html`);
}
