// `hbft backup` flags, validated and filled in one place (exit 2 with one line naming
// the flag on bad input): where to listen, the witness, the key, the limits.
import { Witness } from '../backup/witness.js';
import { WorkloadAllowlist } from '../backup/workload-allowlist.js';
import { formatAddress, parseAddress, type NetAddress } from '../net/address.js';
import { isLocalOnly } from '../net/auth.js';
import { PAGE_SIZE } from '../memory/layout.js';
import { loadWorkload } from '../workloads/registry.js';
import { readAuthKey } from './auth-key.js';
import { ConfigError } from './config-error.js';
import { parseFlags } from './config.js';
import { parseCount, parseSize } from './units.js';

const FLAGS = {
  listen: { type: 'string' },
  'state-dir': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  serve: { type: 'string' },
  json: { type: 'string' },
  'no-failover': { type: 'boolean' },
  witness: { type: 'string' },
  'auth-key': { type: 'string' },
  'max-mem': { type: 'string' },
  'workload-module': { type: 'string', multiple: true },
} as const;

/** Like the primary's --mem limit. */
const DEFAULT_MAX_MEM = 4 * 2 ** 30;

export interface BackupConfig {
  readonly addr: NetAddress;
  readonly heartbeatMs: number | null;
  readonly json: string | null;
  readonly stateDir: string | null;
  readonly serve: NetAddress | null;
  readonly noFailover: boolean;
  readonly witness: Witness | null;
  readonly authKey: Buffer | null;
  readonly maxPages: number;
  readonly workloads: WorkloadAllowlist;
}

export async function resolveBackupConfig(argv: readonly string[]): Promise<BackupConfig> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  if (values.listen === undefined) throw new ConfigError('--listen', 'required: HOST:PORT or unix:PATH');
  const addr = parseAddress('--listen', values.listen as string, true);
  const authKey = values['auth-key'] === undefined ? null : readAuthKey('--auth-key', values['auth-key'] as string);
  if (authKey === null && !isLocalOnly(addr)) {
    throw new ConfigError('--listen', `${formatAddress(addr)} is reachable from other hosts: give --auth-key FILE, or listen on loopback or unix:PATH`);
  }
  const maxMem = values['max-mem'] === undefined ? DEFAULT_MAX_MEM : parseSize('--max-mem', values['max-mem'] as string);
  if (maxMem < PAGE_SIZE || maxMem % PAGE_SIZE !== 0) throw new ConfigError('--max-mem', `${String(values['max-mem'])} is not a whole number of ${PAGE_SIZE}-byte pages`);
  const modules = (values['workload-module'] as string[] | undefined) ?? [];
  for (const m of modules) {
    try {
      await loadWorkload(m.startsWith('/') || m.startsWith('.') ? m : `./${m}`);
    } catch (e) {
      throw new ConfigError('--workload-module', `${m}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const witness = values.witness === undefined ? null : new Witness(values.witness as string);
  const unusable = witness?.unusable() ?? null;
  if (unusable !== null) throw new ConfigError('--witness', unusable);
  return {
    addr, authKey, witness,
    heartbeatMs: values['heartbeat-ms'] === undefined ? null : parseCount('--heartbeat-ms', values['heartbeat-ms'] as string, 1, 3_600_000),
    json: (values.json as string | undefined) ?? null,
    stateDir: (values['state-dir'] as string | undefined) ?? null,
    serve: values.serve === undefined ? null : parseAddress('--serve', values.serve as string, true),
    noFailover: (values['no-failover'] as boolean | undefined) ?? false,
    maxPages: maxMem / PAGE_SIZE,
    workloads: new WorkloadAllowlist(modules),
  };
}


