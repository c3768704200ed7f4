import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GuestRunConfig } from '../backup/device-state.js';
import { percentileFile } from '../metrics/histograms.js';
import { spawnBackupChild, type BackupChild } from '../net/backup-process.js';
import { SocketLink, connectBackup } from '../net/socket-link.js';
import { InprocLink, StreamEncoding, StreamFile, type BackupLink } from '../run/backup-link.js';
import { allocateNetDevice } from '../run/net-device.js';
import { runVm, type RunHooks } from '../run/run-vm.js';
import { KvFrontend } from '../net/kv-frontend.js';
import { formatAddress } from '../net/address.js';
import { BACKUP_RUN_FLAGS, resolveBackupOptions, type BackupRunOptions } from './backup-options.js';
import { ConfigError } from './config-error.js';
import { RUN_FLAGS, parseFlags, resolveRunConfig, type ResolvedConfig, type RunFlagValues } from './config.js';
import { formatSummary } from './summary.js';

/** `hbft run ...`: one workload under one mode; summary on stdout, JSON where asked. */
export async function runCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...RUN_FLAGS, ...BACKUP_RUN_FLAGS });
  if (positionals.length > 0) throw new ConfigError(positionals[0], 'unexpected argument');
  const cfg = resolveRunConfig(values as RunFlagValues);
  const backupOpts = resolveBackupOptions(values, cfg);
  const { link, child } = await openLink(cfg, backupOpts);
  const hooks: RunHooks = link === null ? {} : { link };
  let frontend: KvFrontend | null = null;
  if (backupOpts.serve !== null) {
    const ring = allocateNetDevice();
    const fe = (frontend = new KvFrontend(new Int32Array(ring), backupOpts.outputCommit));
    const bound = await fe.listen('--serve', backupOpts.serve);
    process.stderr.write(`hbft: kvserver serving on ${formatAddress(bound)}${backupOpts.outputCommit ? '' : ' (no output commit)'}\n`);
    Object.assign(hooks, { netDevice: ring, onOutput: (e: number, c: number, t: string) => fe.output(e, c, t), onAck: (e: number) => fe.ack(e) });
  }
  const { results, pause } = await runVm(cfg, hooks);
  frontend?.close();
  if (child !== null) await child.exited;
  const text = JSON.stringify(results, null, 2);
  if (cfg.json === '-') {
    process.stdout.write(text + '\n');
  } else {
    process.stdout.write(formatSummary(results) + '\n');
    if (cfg.json !== null) {
      mkdirSync(dirname(cfg.json), { recursive: true });
      writeFileSync(cfg.json, text + '\n');
      const hgrm = cfg.json.replace(/\.json$/, '') + '.pause.hgrm';
      writeFileSync(hgrm, percentileFile(pause));
      process.stdout.write(`wrote ${cfg.json} and ${hgrm}\n`);
    }
  }
  pause.destroy();
  const bad = results.backup.consistent === false || results.workload.verified === false;
  return bad ? 1 : 0;
}

/** What the backup needs to resume this guest; rides in every epoch's DEVICE_STATE. */
export function guestRunConfig(cfg: ResolvedConfig): GuestRunConfig {
  return {
    workload: cfg.workload, seed: cfg.seed, pages: cfg.pages, vcpus: cfg.vcpus, options: cfg.options,
    opsPerVcpu: cfg.opsPerVcpu, durationMs: cfg.durationMs, stepOps: cfg.stepOps, epochMs: cfg.epochMs, epochOps: cfg.epochOps,
  };
}

async function openLink(cfg: ResolvedConfig, o: BackupRunOptions): Promise<{ link: BackupLink | null; child: BackupChild | null }> {
  if (cfg.mode === 'native') return { link: null, child: null };
  const encoding = o.streamOut !== null || o.target.kind !== 'inproc' ? new StreamEncoding(o.compress, guestRunConfig(cfg)) : null;
  const file = o.streamOut !== null ? openStreamFile(o.streamOut) : null;
  if (o.target.kind === 'inproc') return { link: new InprocLink(cfg.pages, cfg.vcpus, encoding, file), child: null };
  let child: BackupChild | null = null;
  let address = o.target.kind === 'remote' ? o.target.address : null;
  if (o.target.kind === 'process') {
    child = await spawnBackupChild();
    address = { kind: 'unix', path: child.socketPath };
  }
  const socket = await connectBackup(address!);
  const link = new SocketLink(socket, encoding!, file, {
    heartbeatMs: o.heartbeatMs, killAfterEpoch: o.killAfterEpoch, finishTimeoutMs: 60_000,
  });
  return { link, child };
}

function openStreamFile(path: string): StreamFile {
  mkdirSync(dirname(path), { recursive: true });
  return new StreamFile(path);
}
