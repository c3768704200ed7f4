import * as vega from 'vega';
import { compile } from 'vega-lite';
import { ReportError } from './errors.js';
import type { ChartDef } from './specs.js';

export interface RenderedChart {
  svg: string;
  /** what vega-lite and vega warned about: kept for the page, never printed to the terminal */
  warnings: string[];
}

/** A vega logger that keeps warnings instead of printing them; errors still throw. */
function collectingLogger(sink: string[]): vega.LoggerInterface {
  let current = vega.Warn;
  const text = (args: readonly unknown[]): string => args.map(String).join(' ');
  const logger = {
    level(level?: number) {
      if (level === undefined) return current;
      current = level;
      return logger;
    },
    error(...args: readonly unknown[]) {
      sink.push(`error: ${text(args)}`);
      return logger;
    },
    warn(...args: readonly unknown[]) {
      if (current >= vega.Warn) sink.push(text(args));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger as unknown as vega.LoggerInterface;
}

/**
 * Renders a chart to an SVG string headlessly (no canvas, no DOM). Data is inline in the
 * spec, so no loader runs and nothing is fetched.
 */
export async function chartToSvg(chart: ChartDef): Promise<RenderedChart> {
  let view: vega.View | undefined;
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  try {
    const { spec } = compile(chart.spec, { logger });
    view = new vega.View(vega.parse(spec), { renderer: 'none', logger, logLevel: vega.Warn });
    return { svg: await view.toSVG(), warnings: warnings.map((w) => `${chart.id}: ${w}`) };
  } catch (err) {
    throw new ReportError('REPORT_CHART_FAILED', `render chart ${chart.id}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    view?.finalize();
  }
}
