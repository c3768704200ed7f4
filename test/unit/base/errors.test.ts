import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../../src/replica/backup-image.js';
import { AckTimeoutError } from '../../../src/epoch/ack-window.js';
import { PauseTimeoutError } from '../../../src/epoch/pause.js';
import { ProfileError } from '../../../src/cli/profile-command.js';
import { CompareError } from '../../../src/compare/errors.js';
import { ConfigError, HbftError, isInputError } from '../../../src/base/errors.js';
import { GuestAccessError } from '../../../src/vm/access.js';
import { CpuProfileError } from '../../../src/metrics/cpu-profile.js';
import { HdrLogError } from '../../../src/metrics/hdr-log.js';
import { BackupProcessError } from '../../../src/link/backup-process.js';
import { KvClientError } from '../../../src/service/kv-client.js';
import { RespError } from '../../../src/service/resp.js';
import { AuthError } from '../../../src/link/auth.js';
import { WitnessError } from '../../../src/replica/witness.js';
import { LinkError } from '../../../src/link/link-frames.js';
import { LinkLostError } from '../../../src/link/socket-link.js';
import { ReportError } from '../../../src/report/errors.js';
import { ThreadError } from '../../../src/run/threads.js';
import { StreamError } from '../../../src/stream/errors.js';
import { TrackingError } from '../../../src/tracking/logdirty.js';
import { PredictorError } from '../../../src/tracking/predictors.js';
import { WorkloadError } from '../../../src/guest/workloads/registry.js';
import { TraceFormatError } from '../../../src/guest/workloads/trace/lackey.js';

// Each error with the code it carries and whether it is the caller's input (exit code 2).
const CASES: [Error, string, boolean][] = [
  [new ConfigError('--mem', 'bad'), 'CONFIG', true],
  [new ReportError('REPORT_BAD_INPUT', 'x'), 'REPORT_BAD_INPUT', true],
  [new ReportError('REPORT_CHART_FAILED', 'x'), 'REPORT_CHART_FAILED', false],
  [new CompareError('COMPARE_BAD_INPUT', 'x'), 'COMPARE_BAD_INPUT', true],
  [new CompareError('COMPARE_SWEEP_MISMATCH', 'x'), 'COMPARE_SWEEP_MISMATCH', false],
  [new WorkloadError('x'), 'WORKLOAD', true],
  [new TraceFormatError('x'), 'ERR_TRACE_FORMAT', true],
  [new StreamError('TRUNCATED', 'PAGE_DATA', 8, 'x'), 'TRUNCATED', false],
  [new BackupError('GEOMETRY', 'x'), 'GEOMETRY', false],
  [new AckTimeoutError('x'), 'ACK_TIMEOUT', false],
  [new PauseTimeoutError('x'), 'PAUSE_TIMEOUT', false],
  [new ProfileError('x'), 'PROFILE', false],
  [new GuestAccessError('x'), 'GUEST_ACCESS', false],
  [new CpuProfileError('x'), 'CPU_PROFILE', false],
  [new HdrLogError('HDR_LOG_BAD_TAG', 'x'), 'HDR_LOG_BAD_TAG', false],
  [new BackupProcessError('x'), 'BACKUP_PROCESS', false],
  [new KvClientError('x'), 'KV_CLIENT', false],
  [new RespError('x'), 'RESP_PROTOCOL', false],
  [new AuthError('x'), 'AUTH', false],
  [new WitnessError('x'), 'WITNESS', false],
  [new LinkError(4, 'x'), 'BAD_LINK_FRAME', false],
  [new LinkLostError('x'), 'LINK_LOST', false],
  [new ThreadError('x'), 'THREAD', false],
  [new TrackingError('x'), 'TRACKING', false],
  [new PredictorError('x'), 'PREDICTOR', false],
];

describe('one error base', () => {
  it.each(CASES)('%s: an HbftError with its code and input flag', (e, code, input) => {
    expect(e).toBeInstanceOf(HbftError);
    expect((e as HbftError).code).toBe(code);
    expect(isInputError(e)).toBe(input);
    expect(e.name).toBe(e.constructor.name);
  });

  it('keeps the cause', () => {
    const cause = new Error('inner');
    expect(new ThreadError('outer', { cause }).cause).toBe(cause);
    expect(new ConfigError('--trace', 'x', { cause }).cause).toBe(cause);
  });

  it('no other error class in src/ extends Error directly', () => {
    const root = join(import.meta.dirname, '../../../src');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const direct = files.filter((f) => f !== 'base/errors.ts' && /class \w+ extends Error\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(direct).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });
});
