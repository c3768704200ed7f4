// The DEVICE_STATE entry of each epoch's HVM_CONTEXT (docs/stream-format.md): UTF-8
// JSON with the run's identity, so a backup knows what guest to resume, plus the state
// of emulated devices. Sent with every epoch (a few hundred bytes, covered by the epoch
// checksum), so any committed epoch alone says what to run.
import { BackupError } from './backup-image.js';

/** What a backup needs to resume the guest: the workload and its parameters. */
export interface GuestRunConfig {
  readonly workload: string;
  readonly seed: number;
  readonly pages: number;
  readonly vcpus: number;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /** Operations per vCPU that complete the run (null: a --duration run). */
  readonly opsPerVcpu: number | null;
  readonly durationMs: number | null;
  readonly stepOps: number;
  readonly epochMs: number | null;
  readonly epochOps: number | null;
}

export interface DeviceState {
  readonly version: 1;
  readonly run: GuestRunConfig;
}

export function encodeDeviceState(state: DeviceState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state));
}

/** Bounds the backup holds a device state to; the same as `hbft run` accepts. */
export const MAX_VCPUS = 64;
export const MAX_STEP_OPS = 1 << 24;
export const MAX_EPOCH_MS = 60_000;
export const MAX_WORKLOAD_NAME = 4096;
export const MAX_OPTIONS = 64;

const isInt = (x: unknown, min: number, max = Number.MAX_SAFE_INTEGER): x is number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max;

/**
 * Parses and validates every field: the resumed guest runs with these values, so a
 * value that would hang (stepOps 0), crash (vcpus 0) or never end (no limit) is refused
 * here with a message naming the field.
 */
export function decodeDeviceState(bytes: Uint8Array, epoch: number): DeviceState {
  const fail = (detail: string): never => {
    throw new BackupError('BAD_DEVICE_STATE', `epoch ${epoch} DEVICE_STATE: ${detail}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return fail(`not UTF-8 JSON (${(e as Error).message})`);
  }
  const s = parsed as Partial<DeviceState> | null;
  if (s === null || typeof s !== 'object' || s.version !== 1) return fail('missing or unknown version');
  const r = s.run as Partial<GuestRunConfig> | undefined;
  if (r === undefined || typeof r !== 'object' || r === null) return fail('no run config');
  if (typeof r.workload !== 'string' || r.workload.length === 0 || r.workload.length > MAX_WORKLOAD_NAME) fail(`workload must be a name of 1..${MAX_WORKLOAD_NAME} characters`);
  if (!isInt(r.seed, 0, 0xffff_ffff)) fail(`seed ${String(r.seed)} not in 0..2^32-1`);
  if (!isInt(r.vcpus, 1, MAX_VCPUS)) fail(`vcpus ${String(r.vcpus)} not in 1..${MAX_VCPUS}`);
  if (!isInt(r.pages, r.vcpus!)) fail(`pages ${String(r.pages)} fewer than the ${r.vcpus!} vCPUs`);
  if (!isInt(r.stepOps, 1, MAX_STEP_OPS)) fail(`stepOps ${String(r.stepOps)} not in 1..${MAX_STEP_OPS}`);
  if (r.opsPerVcpu !== null && !isInt(r.opsPerVcpu, 1)) fail(`opsPerVcpu ${String(r.opsPerVcpu)} is neither null nor a count >= 1`);
  if (r.durationMs !== null && !(typeof r.durationMs === 'number' && Number.isFinite(r.durationMs) && r.durationMs > 0)) fail(`durationMs ${String(r.durationMs)} is neither null nor > 0`);
  if (r.opsPerVcpu === null && r.durationMs === null) fail('neither opsPerVcpu nor durationMs: the resumed guest would never end');
  if (r.epochMs !== null && !isInt(r.epochMs, 1, MAX_EPOCH_MS)) fail(`epochMs ${String(r.epochMs)} is neither null nor in 1..${MAX_EPOCH_MS}`);
  if (r.epochOps !== null && !isInt(r.epochOps, 1)) fail(`epochOps ${String(r.epochOps)} is neither null nor a count >= 1`);
  const o = r.options;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return fail('options is not an object');
  const entries = Object.entries(o);
  if (entries.length > MAX_OPTIONS) fail(`${entries.length} options, at most ${MAX_OPTIONS}`);
  for (const [k, v] of entries) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) fail(`option ${k} is a ${typeof v}, not a string, number or boolean`);
  }
  return s as DeviceState;
}
