import * as vega from 'vega';
import { compile } from 'vega-lite';
import { ReportError } from './errors.js';
import type { ChartDef } from './specs.js';

/**
 * Renders a chart to an SVG string headlessly (no canvas, no DOM). Data is inline in the
 * spec, so no loader runs and nothing is fetched.
 */
export async function chartToSvg(chart: ChartDef): Promise<string> {
  let view: vega.View | undefined;
  try {
    const { spec } = compile(chart.spec);
    view = new vega.View(vega.parse(spec), { renderer: 'none', logLevel: vega.Warn });
    return await view.toSVG();
  } catch (err) {
    throw new ReportError('REPORT_CHART_FAILED', `render chart ${chart.id}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    view?.finalize();
  }
}
