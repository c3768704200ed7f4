import { HistogramLogWriter, type Histogram } from 'hdr-histogram-js';
import { HbftError } from '../base/errors.js';

/** One metric's histogram over one interval of the run. */
export interface HdrInterval {
  /** becomes the line's `Tag=`; HdrHistogram tools select metrics by it */
  metric: string;
  /** ms since the run started */
  startMs: number;
  endMs: number;
  histogram: Histogram;
}

export interface HdrLogOptions {
  /** wall-clock start of the run, ms since the Unix epoch; interval times are relative to it */
  runStartMs: number;
  /**
   * Divides each interval's max for the Interval_Max column. Our values are µs, so the
   * default 1000 writes ms, the unit HdrHistogram's tools show by default.
   */
  maxValueUnitRatio?: number;
  /** a first comment line naming what produced the log */
  comment?: string;
}

export type HdrLogErrorCode = 'HDR_LOG_BAD_TAG' | 'HDR_LOG_BAD_INTERVAL';

export class HdrLogError extends HbftError {
  declare readonly code: HdrLogErrorCode;

  constructor(code: HdrLogErrorCode, message: string) {
    super(code, message);
  }
}

const US_PER_MS = 1000;
const MS_PER_S = 1000;
/** Tags sit in a comma-separated line that readers also split on spaces. */
const TAG_PATTERN = /^[A-Za-z0-9_.:-]+$/;

function checkInterval(iv: HdrInterval, index: number): void {
  if (!TAG_PATTERN.test(iv.metric)) {
    throw new HdrLogError('HDR_LOG_BAD_TAG', `hdr log interval ${index}: metric ${JSON.stringify(iv.metric)} is not a valid tag`);
  }
  if (!(Number.isFinite(iv.startMs) && Number.isFinite(iv.endMs) && iv.startMs >= 0 && iv.endMs >= iv.startMs)) {
    throw new HdrLogError('HDR_LOG_BAD_INTERVAL', `hdr log interval ${index} (${iv.metric}): bad times ${iv.startMs}..${iv.endMs} ms`);
  }
}

/**
 * Writes an HdrHistogram interval log (format 1.3) as HdrHistogram's HistogramLogProcessor
 * and hdr-histogram-js's HistogramLogReader read it. Intervals are written in start order;
 * each histogram's tag is set for the write and then put back, so callers' histograms are
 * left as they were.
 */
export function writeHdrLog(intervals: HdrInterval[], opts: HdrLogOptions): string {
  intervals.forEach(checkInterval);
  const chunks: string[] = [];
  const writer = new HistogramLogWriter((text) => chunks.push(text));
  const startSec = (opts.runStartMs / MS_PER_S).toFixed(3);
  if (opts.comment !== undefined) writer.outputComment(`[${opts.comment.replace(/[\r\n]+/g, ' ')}]`);
  writer.outputLogFormatVersion();
  // Written by hand rather than with outputStartTime, which adds a blank line. BaseTime
  // makes readers add the run start to the relative timestamps below.
  writer.outputComment(`[StartTime: ${startSec} (seconds since epoch), ${new Date(opts.runStartMs).toString()}]`);
  writer.outputComment(`[BaseTime: ${startSec} (seconds since epoch)]`);
  writer.outputLegend();
  const ordered = [...intervals].sort((a, b) => a.startMs - b.startMs || a.metric.localeCompare(b.metric));
  for (const iv of ordered) {
    const savedTag = iv.histogram.tag;
    iv.histogram.tag = iv.metric;
    try {
      writer.outputIntervalHistogram(
        iv.histogram,
        iv.startMs / MS_PER_S,
        iv.endMs / MS_PER_S,
        opts.maxValueUnitRatio ?? US_PER_MS,
      );
    } finally {
      iv.histogram.tag = savedTag;
    }
  }
  return chunks.join('');
}
