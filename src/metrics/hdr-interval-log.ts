import { decodeHistogram } from './histograms.js';
import { writeHdrLog, type HdrInterval } from './hdr-log.js';
import type { ClosedInterval } from './interval-histograms.js';

/**
 * Main's side of `--hdr-log`: decodes the intervals threads ship and merges those of the
 * same metric and start (the same second from several vCPUs) into one log line.
 */
export class HdrIntervalLog {
  private readonly byKey = new Map<string, HdrInterval>();

  add(iv: ClosedInterval): void {
    const part = decodeHistogram(iv.hist);
    const key = `${iv.metric}@${iv.startMs}`;
    const have = this.byKey.get(key);
    if (have === undefined) {
      this.byKey.set(key, { metric: iv.metric, startMs: iv.startMs, endMs: iv.endMs, histogram: part });
      return;
    }
    have.histogram.add(part);
    part.destroy();
    // vCPUs finish at different times: the merged last interval ends with the last of them.
    have.endMs = Math.max(have.endMs, iv.endMs);
  }

  get size(): number {
    return this.byKey.size;
  }

  render(runStartWallMs: number, comment: string): string {
    return writeHdrLog([...this.byKey.values()], { runStartMs: runStartWallMs, comment });
  }

  destroy(): void {
    for (const iv of this.byKey.values()) iv.histogram.destroy();
    this.byKey.clear();
  }
}
