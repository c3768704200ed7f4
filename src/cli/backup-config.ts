// `hbft backup` flags, validated and filled in one place (exit 2 with one line naming
// the flag on bad input): where to listen, the witness, the key, the limits.
import { Witness } from '../replica/witness.js';
import { WorkloadAllowlist } from '../backup/workload-allowlist.js';
import { formatAddress, parseAddress, type NetAddress } from '../net/address.js';
import { isLocalOnly } from '../link/auth.js';
import { PAGE_SIZE } from '../vm/layout.js';
import { loadWorkload } from '../guest/workloads/registry.js';
import { readAuthKey } from './auth-key.js';
import { HEARTBEAT_FLOOR_MS } from '../backup/backup-session.js';
import { ConfigError } from '../base/errors.js';
import { resolveMaxClients } from './backup-options.js';
import { JSON_FLAG, QUIET_FLAG, jsonTarget } from './common-flags.js';
import type { FlagTable, FlagValues } from './flags.js';
import { parseCount, parseSize } from './units.js';

export const BACKUP_FLAGS = {
  listen: { type: 'string', value: 'HOST:PORT|unix:PATH', default: 'required', help: "where the primary's checkpoint stream connects (without --auth-key: loopback or unix: only)" },
  'heartbeat-ms': { type: 'string', value: 'N', default: `3 epochs, at least ${HEARTBEAT_FLOOR_MS} ms`, help: 'fail over when nothing (data or heartbeat) arrives from the primary for N ms, 1 to 3600000' },
  serve: { type: 'string', value: 'HOST:PORT', default: 'none', help: "kvserver: after failover, serve the guest's clients here (bound at start-up)" },
  'max-clients': { type: 'string', value: 'N', default: '256', help: 'kvserver after failover: most client connections served at once, 1 to 65536 (more are refused with a Redis error)' },
  'state-dir': { type: 'string', value: 'DIR', default: 'none', help: 'also write backup-report.json into DIR' },
  'no-failover': { type: 'boolean', default: 'off', help: 'keep the last committed image when the primary dies instead of resuming the guest' },
  witness: { type: 'string', value: 'PATH', default: 'none', help: 'split-brain arbiter: a file on storage both sides reach; the backup takes over only if it creates it first (docs/failover.md)' },
  'auth-key': { type: 'string', value: 'FILE', default: 'none', help: 'shared key: the primary must answer an HMAC-SHA256 challenge before any stream record is read' },
  'max-mem': { type: 'string', value: 'SIZE', default: '4GiB', help: 'largest guest accepted; bounds what an uncommitted epoch may stage' },
  'workload-module': { type: 'string', value: 'PATH', multiple: true, default: 'none', help: 'a custom workload module the stream may name (besides the built-ins); nothing else is ever loaded' },
  json: { ...JSON_FLAG, help: 'the backup report (outcome, committed epoch, failover) as JSON to PATH, or to stdout with -' },
  quiet: { ...QUIET_FLAG, help: 'no progress lines on stderr (refusals and failures still go there)' },
} as const satisfies FlagTable;

/** Like the primary's --mem limit. */
const DEFAULT_MAX_MEM = 4 * 2 ** 30;

export interface BackupConfig {
  readonly addr: NetAddress;
  readonly heartbeatMs: number | null;
  readonly json: string | null;
  readonly stateDir: string | null;
  readonly serve: NetAddress | null;
  readonly maxClients: number;
  readonly quiet: boolean;
  readonly noFailover: boolean;
  readonly witness: Witness | null;
  readonly authKey: Buffer | null;
  readonly maxPages: number;
  readonly workloads: WorkloadAllowlist;
}

export async function resolveBackupConfig(values: FlagValues<typeof BACKUP_FLAGS>, positionals: readonly string[]): Promise<BackupConfig> {
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  if (values.listen === undefined) throw new ConfigError('--listen', 'required: HOST:PORT or unix:PATH');
  const addr = parseAddress('--listen', values.listen, true);
  const authKey = values['auth-key'] === undefined ? null : readAuthKey('--auth-key', values['auth-key']);
  if (authKey === null && !isLocalOnly(addr)) {
    throw new ConfigError('--listen', `${formatAddress(addr)} is reachable from other hosts: give --auth-key FILE, or listen on loopback or unix:PATH`);
  }
  const maxMem = values['max-mem'] === undefined ? DEFAULT_MAX_MEM : parseSize('--max-mem', values['max-mem']);
  if (maxMem < PAGE_SIZE || maxMem % PAGE_SIZE !== 0) throw new ConfigError('--max-mem', `${String(values['max-mem'])} is not a whole number of ${PAGE_SIZE}-byte pages`);
  const modules = values['workload-module'] ?? [];
  for (const m of modules) {
    try {
      await loadWorkload(m.startsWith('/') || m.startsWith('.') ? m : `./${m}`);
    } catch (e) {
      throw new ConfigError('--workload-module', `${m}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const serve = values.serve === undefined ? null : parseAddress('--serve', values.serve, true);
  const witness = values.witness === undefined ? null : new Witness(values.witness);
  const unusable = witness?.unusable() ?? null;
  if (unusable !== null) throw new ConfigError('--witness', unusable);
  return {
    addr, authKey, witness,
    heartbeatMs: values['heartbeat-ms'] === undefined ? null : parseCount('--heartbeat-ms', values['heartbeat-ms'], 1, 3_600_000),
    json: jsonTarget(values.json),
    stateDir: values['state-dir'] ?? null,
    serve,
    maxClients: resolveMaxClients(values, serve),
    quiet: values.quiet === true,
    noFailover: (values['no-failover'] as boolean | undefined) ?? false,
    maxPages: maxMem / PAGE_SIZE,
    workloads: new WorkloadAllowlist(modules),
  };
}


