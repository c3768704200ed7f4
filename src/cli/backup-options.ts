// The backup-related flags of `hbft run`, validated and filled apart from the run
// config (docs/design.md, Backup, stream and link): where checkpoints go, the stream file, compression, failure injection.
import { parseAddress, parseBackupTarget, type BackupTarget, type NetAddress } from '../net/address.js';
import { Witness } from '../replica/witness.js';
import { readAuthKey } from './auth-key.js';
import type { BackupLossPolicy } from '../run/backup-loss.js';
import type { ResolvedConfig } from './config.js';
import { ConfigError } from '../base/errors.js';
import type { FlagTable } from './flags.js';
import { parseCount } from './units.js';

export const BACKUP_RUN_FLAGS = {
  backup: { type: 'string', value: 'TARGET', default: 'inproc', help: 'where checkpoints go: inproc (a backup image in this process, which each pause copies into), process (a child hbft backup over a Unix socket), tcp://HOST:PORT or unix:PATH (a running hbft backup)' },
  'stream-out': { type: 'string', value: 'FILE', default: 'none', help: 'also write the checkpoint stream (Xen format, docs/stream-format.md) to FILE' },
  compress: { type: 'boolean', default: 'off', help: 'send pages XOR+RLE against the last sent copy (the HBFZ variant of the stream)' },
  'kill-primary-at': { type: 'string', value: 'epoch:N|random', default: 'none', help: 'SIGKILL this primary after sending epoch N, or the first epoch sent after the backup committed epoch 0 (random: N seeded by --seed), to show the backup taking over' },
  serve: { type: 'string', value: 'HOST:PORT', default: 'none', help: "kvserver: where the guest's key-value service listens (required with --workload kvserver)" },
  'max-clients': { type: 'string', value: 'N', default: '256', help: 'kvserver: most client connections served at once, 1 to 65536 (more are refused with a Redis error)' },
  'no-output-commit': { type: 'boolean', default: 'off', help: "kvserver: release replies at once instead of on the epoch's ack (shows the writes a failover then loses)" },
  witness: { type: 'string', value: 'PATH', default: 'none', help: 'split-brain arbiter: a file on storage both sides reach; to go on without its backup this primary must create it first (docs/failover.md)' },
  'on-backup-loss': { type: 'string', value: 'halt|continue', default: 'halt (continue with --witness, if won)', help: 'when the backup is lost: halt (hold unacked output, disconnect clients, exit 1) or continue unprotected as Remus does (risks two masters without a witness)' },
  'backup-timeout-ms': { type: 'string', value: 'N', default: '2000', help: 'silence from the backup after which it counts as lost, 1 to 3600000' },
  'auth-key': { type: 'string', value: 'FILE', default: 'none', help: 'shared key: answer the backup\'s HMAC-SHA256 challenge (and check its answer) before sending the stream' },
} as const satisfies FlagTable;

export interface BackupRunOptions {
  readonly target: BackupTarget;
  readonly streamOut: string | null;
  readonly compress: boolean;
  /** The epoch after whose sending the primary SIGKILLs itself, or null. */
  readonly killAfterEpoch: number | null;
  /** Primary heartbeat period; well under the backup's default timeout (1 s floor). */
  readonly heartbeatMs: number;
  /** kvserver: where the guest's service listens. */
  readonly serve: NetAddress | null;
  /** Release guest replies at once instead of on the epoch's ack (to show the loss). */
  readonly outputCommit: boolean;
  /** kvserver: connections served at once (Redis's maxclients). */
  readonly maxClients: number;
  /** --witness: the split-brain arbiter file, or null. */
  readonly witness: string | null;
  /** What a lost backup means (default: continue if the witness is won, else halt). */
  readonly onBackupLoss: BackupLossPolicy;
  /** Silence from the backup after which it counts as lost. */
  readonly backupTimeoutMs: number;
  /** --auth-key: the shared key, or null. */
  readonly authKey: Buffer | null;
}

export const DEFAULT_MAX_CLIENTS = 256;

/** --max-clients, for `hbft run` and `hbft backup`; only with --serve. */
export function resolveMaxClients(v: Record<string, unknown>, serve: NetAddress | null): number {
  if (v['max-clients'] === undefined) return DEFAULT_MAX_CLIENTS;
  if (serve === null) throw new ConfigError('--max-clients', 'only with --serve (the kvserver front end)');
  return parseCount('--max-clients', v['max-clients'] as string, 1, 65_536);
}

export const PRIMARY_HEARTBEAT_MS = 10;
/** Well above the backup's heartbeat period (a third of its 1 s default timeout). */
export const DEFAULT_BACKUP_TIMEOUT_MS = 2000;
/** Epochs a random kill picks among when the run's epoch count is unknown (timer epochs). */
const RANDOM_KILL_TIMER_EPOCHS = 20;

export function resolveBackupOptions(v: Record<string, unknown>, cfg: ResolvedConfig): BackupRunOptions {
  const target = parseBackupTarget(v.backup as string | undefined);
  const kill = v['kill-primary-at'] as string | undefined;
  if (cfg.mode === 'native' && (target.kind !== 'inproc' || v['stream-out'] !== undefined || kill !== undefined)) {
    throw new ConfigError('--mode', 'native mode takes no checkpoints: --backup, --stream-out and --kill-primary-at need a tracked mode');
  }
  if (cfg.copyAt === 'background' && (target.kind !== 'inproc' || v['stream-out'] !== undefined)) {
    throw new ConfigError('--copy-at', 'background copies into the in-process backup only: a stream or backup process takes each epoch whole in the pause');
  }
  let killAfterEpoch: number | null = null;
  if (kill !== undefined) {
    if (target.kind === 'inproc') throw new ConfigError('--kill-primary-at', 'needs a backup in another process (--backup tcp://, unix: or process)');
    if (kill === 'random') killAfterEpoch = randomKillEpoch(cfg);
    else if (kill.startsWith('epoch:')) killAfterEpoch = parseCount('--kill-primary-at', kill.slice('epoch:'.length), 0);
    else throw new ConfigError('--kill-primary-at', `"${kill}" is not epoch:N or random`);
  }
  const serve = v.serve === undefined ? null : parseAddress('--serve', v.serve as string, true);
  if ((serve !== null) !== (cfg.workload === 'kvserver')) throw new ConfigError('--serve', 'the kvserver workload needs --serve HOST:PORT, and only it takes one');
  const witness = (v.witness as string | undefined) ?? null;
  const socket = target.kind !== 'inproc';
  if (witness !== null && !socket) throw new ConfigError('--witness', 'arbitrates between two processes: needs --backup tcp://, unix: or process');
  const unusable = witness === null ? null : new Witness(witness).unusable();
  if (unusable !== null) throw new ConfigError('--witness', unusable);
  const loss = v['on-backup-loss'] as string | undefined;
  if (loss !== undefined && loss !== 'halt' && loss !== 'continue') throw new ConfigError('--on-backup-loss', `"${loss}" is not halt or continue`);
  const authFile = v['auth-key'] as string | undefined;
  if (authFile !== undefined && target.kind !== 'remote') throw new ConfigError('--auth-key', 'authenticates to a backup at tcp:// or unix: (--backup process is local)');
  return {
    witness,
    onBackupLoss: (loss as BackupLossPolicy | undefined) ?? (witness !== null ? 'continue' : 'halt'),
    backupTimeoutMs: v['backup-timeout-ms'] === undefined ? DEFAULT_BACKUP_TIMEOUT_MS : parseCount('--backup-timeout-ms', v['backup-timeout-ms'] as string, 1, 3_600_000),
    authKey: authFile === undefined ? null : readAuthKey('--auth-key', authFile),
    serve,
    maxClients: resolveMaxClients(v, serve),
    outputCommit: !(v['no-output-commit'] as boolean | undefined),
    target,
    streamOut: (v['stream-out'] as string | undefined) ?? null,
    compress: (v.compress as boolean | undefined) ?? false,
    killAfterEpoch,
    heartbeatMs: PRIMARY_HEARTBEAT_MS,
  };
}

/** Epochs a run is expected to have (after the full copy, epoch 0). */
export function expectedEpochs(cfg: ResolvedConfig): number {
  if (cfg.epochOps !== null && cfg.opsPerVcpu !== null) return Math.max(1, Math.ceil(cfg.opsPerVcpu / cfg.epochOps));
  if (cfg.epochMs !== null && cfg.durationMs !== null) return Math.max(1, Math.floor(cfg.durationMs / cfg.epochMs));
  return RANDOM_KILL_TIMER_EPOCHS;
}

/** Seeded: the same --seed kills at the same epoch, one of 1..expected. */
export function randomKillEpoch(cfg: ResolvedConfig): number {
  let x = (cfg.seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < 3; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
  }
  return 1 + (x % expectedEpochs(cfg));
}
