import cliProgress from 'cli-progress';

/** What a run reports as it goes; every field is optional so callers send only changes. */
export interface ProgressFields {
  epoch?: number;
  mode?: string;
  workload?: string;
}

export interface ProgressOptions {
  /** epochs expected, when known (`--epoch-ops` runs); unknown totals show a count only */
  total?: number;
  /** what is running, e.g. `run` or `compare 3/12` */
  label: string;
  quiet: boolean;
  /** default process.stderr, as cli-progress does, so stdout stays clean for results */
  stream?: NodeJS.WriteStream;
}

export interface Progress {
  update(fields: ProgressFields): void;
  stop(): void;
}

/** redraws per second: enough for a person, cheap for the main thread */
const FPS = 5;
const FORMAT_WITH_TOTAL =
  '{label} {workload}/{mode} [{bar}] epoch {value}/{total} | elapsed {duration_formatted}';
const FORMAT_NO_TOTAL = '{label} {workload}/{mode} epoch {value} | elapsed {duration_formatted}';

const NO_PROGRESS: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A one-line progress bar on a terminal. Off a terminal (piped, CI logs) or when quiet it
 * is a no-op that never touches the stream, so logs carry no control characters.
 */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || stream.isTTY !== true) return NO_PROGRESS;

  const hasTotal = opts.total !== undefined && opts.total > 0;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: hasTotal ? FORMAT_WITH_TOTAL : FORMAT_NO_TOTAL,
      fps: FPS,
      hideCursor: true,
      clearOnComplete: false,
      // fixed-width numbers, so the line does not jitter as counts grow
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = { label: opts.label, workload: '-', mode: '-' };
  let epoch = 0;
  let stopped = false;
  bar.start(hasTotal ? (opts.total ?? 0) : 0, 0, payload);
  return {
    update(fields) {
      if (stopped) return;
      if (fields.workload !== undefined) payload.workload = fields.workload;
      if (fields.mode !== undefined) payload.mode = fields.mode;
      if (fields.epoch !== undefined) epoch = fields.epoch;
      bar.update(epoch, payload);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
