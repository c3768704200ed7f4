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

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isNumOrNull = (x: unknown): boolean => x === null || isNum(x);

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
  if (typeof r.workload !== 'string' || !isNum(r.seed) || !isNum(r.pages) || !isNum(r.vcpus) || !isNum(r.stepOps)) fail('bad run config');
  if (!isNumOrNull(r.opsPerVcpu) || !isNumOrNull(r.durationMs) || !isNumOrNull(r.epochMs) || !isNumOrNull(r.epochOps)) fail('bad run limits');
  if (typeof r.options !== 'object' || r.options === null) fail('bad options');
  return s as DeviceState;
}
