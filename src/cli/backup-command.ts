// `hbft backup --listen ADDR`: receive one primary's checkpoint stream, keep the last
// committed image, ack each epoch; when the primary dies, resume the guest from that
// image and run it to completion (docs/design.md, Failover). Connections that fail before the full copy
// is committed are logged and the backup waits for the next (docs/failover.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:net';
import type { BackupReport } from '../backup/backup-report.js';
import { resumeGuest, resumedFrom, type GuestNet } from '../backup/failover.js';
import { KvFrontend } from '../service/kv-frontend.js';
import { allocateNetDevice } from '../guest/net-device.js';
import { BackupReceiver } from '../backup/receiver.js';
import { runSession, type SessionOutcome } from '../backup/backup-session.js';
import { SessionGate, peer } from '../backup/session-gate.js';
import type { Witness } from '../replica/witness.js';
import { authenticatePrimary } from '../link/auth.js';
import { formatAddress, type NetAddress } from '../net/address.js';
import { listenOn } from '../net/listen.js';
import { BACKUP_FLAGS, resolveBackupConfig } from './backup-config.js';
import type { CommandSpec } from './command.js';
import { writeJson } from './common-flags.js';
import type { FlagValues } from './flags.js';

/** A primary answers the challenge at once; a peer that does not is dropped. */
const AUTH_TIMEOUT_MS = 2000;

export const backupSpec: CommandSpec = {
  name: 'backup',
  summary: "receive a primary's checkpoint stream; on its death resume the guest",
  flags: [{ title: 'Backup', table: BACKUP_FLAGS }],
  details: 'Example: hbft backup --listen 127.0.0.1:7000 --serve 127.0.0.1:7100, then hbft run --backup tcp://127.0.0.1:7000 ...',
  run: (values, positionals) => backupCommand(values as FlagValues<typeof BACKUP_FLAGS>, positionals),
};

export async function backupCommand(values: FlagValues<typeof BACKUP_FLAGS>, positionals: readonly string[]): Promise<number> {
  const cfg = await resolveBackupConfig(values, positionals);
  const warn = (line: string) => process.stderr.write(`hbft backup: ${line}\n`);
  // --quiet drops progress lines; refusals, failures and the lines spawners wait for stay.
  const log = (line: string): void => {
    if (!cfg.quiet) warn(line);
  };
  // --serve is bound now, so a port in use or an unknown host fails here (exit 2), not at
  // failover; until then connections are reset, so clients try the primary at once.
  let placeholder: { server: Server; bound: NetAddress } | null = null;
  if (cfg.serve !== null) {
    placeholder = await listenOn('--serve', cfg.serve, (s) => s.destroy());
    log(`--serve ${formatAddress(placeholder.bound)} reserved for failover`);
  }

  const gate = new SessionGate(warn);
  const { server, bound } = await listenOn('--listen', cfg.addr, (s) => gate.offer(s));
  process.stdout.write(`hbft backup: listening on ${formatAddress(bound)}\n`);
  const shutdown = new AbortController();
  const onSignal = () => shutdown.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  let receiver = new BackupReceiver();
  let session: SessionOutcome | null = null;
  let preludeFailures = 0;
  let earlyClaim: ReturnType<Witness['claim']> | null = null;
  const aborted = new Promise<null>((r) => shutdown.signal.addEventListener('abort', () => r(null), { once: true }));
  while (!shutdown.signal.aborted) {
    const socket = await Promise.race([gate.next(), aborted]);
    if (socket === null) break;
    const from = peer(socket);
    if (cfg.authKey !== null) {
      try {
        await authenticatePrimary(socket, cfg.authKey, AUTH_TIMEOUT_MS);
      } catch (e) {
        preludeFailures++;
        warn(`connection from ${from} refused: ${(e as Error).message}; waiting for the primary`);
        socket.destroy();
        continue;
      }
    }
    receiver = new BackupReceiver({}, { maxPages: cfg.maxPages, checkRun: (run) => void cfg.workloads.resolve(run.workload) });
    // Claimed at the verdict, before the primary sees the connection close: under a one-way
    // partition the primary would otherwise race this backup for the witness.
    const onVerdict = () => {
      if (cfg.witness !== null && receiver.image !== null && !cfg.noFailover) earlyClaim = cfg.witness.claim('backup', receiver.committedEpoch);
    };
    session = await runSession(socket, receiver, { heartbeatMs: cfg.heartbeatMs, log, shutdown: shutdown.signal, onVerdict });
    if (receiver.image !== null || session.end === 'shutdown') break;
    preludeFailures++;
    warn(`connection from ${from} ended before a full copy was committed (${session.end}: ${session.detail}); waiting for the primary`);
    session = null;
  }
  server.close();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  const now = Date.now();
  const ended: SessionOutcome = session ?? { end: 'shutdown', detail: 'shut down while waiting for a primary', lastHeardAt: now, detectedAt: now };
  const image = receiver.image;
  log(`primary session ended (${ended.end}: ${ended.detail}); committed epoch ${receiver.committedEpoch}`);

  let outcome: BackupReport['outcome'] = 'failed';
  let failover: BackupReport['failover'] = null;
  if (ended.end === 'end') outcome = 'clean';
  else if (ended.end === 'shutdown') outcome = 'shutdown';
  else if (image === null || receiver.device === null) warn('no committed epoch: nothing to resume');
  // A refused stream comes from a live primary: resuming would run the guest twice.
  else if (cfg.noFailover || ended.end === 'stream-error') outcome = 'kept';
  else {
    const claim = earlyClaim ?? cfg.witness?.claim('backup', receiver.committedEpoch) ?? null;
    if (claim !== null && !claim.won) {
      outcome = 'fenced';
      warn(`failover refused: the witness ${cfg.witness!.path} is ${claim.holder}`);
    } else {
      if (claim !== null) log(`won the witness ${cfg.witness!.path}`);
      failover = await failOver(receiver, cfg.workloads.resolve(receiver.device.run.workload), placeholder, cfg.maxClients, warn);
      outcome = 'failover';
    }
  }
  placeholder?.server.close();
  const err = receiver.failure as (Error & { code?: string }) | null;
  const report: BackupReport = {
    role: 'backup', outcome, session: ended,
    refusedConnections: gate.refused + preludeFailures,
    committedEpoch: receiver.committedEpoch,
    epochsApplied: receiver.epochsApplied,
    finalCommitted: receiver.finalCommitted,
    imageCrc: receiver.imageCrc(),
    streamError: err === null ? null : { code: err.code ?? 'ERROR', message: err.message },
    failover,
  };
  const text = JSON.stringify(report, null, 2);
  if (cfg.stateDir !== null) {
    mkdirSync(cfg.stateDir, { recursive: true });
    writeFileSync(join(cfg.stateDir, 'backup-report.json'), text + '\n');
  }
  writeJson(cfg.json, text);
  return outcome === 'failed' || outcome === 'fenced' || ended.end === 'stream-error' ? 1 : 0;
}

type Failover = NonNullable<BackupReport['failover']>;

/**
 * Resume the guest from the committed image; with --serve, swap the start-up
 * placeholder for the kvserver front end. `workload` is the allow-listed name.
 */
async function failOver(receiver: BackupReceiver, workload: string, placeholder: { server: Server; bound: NetAddress } | null, maxClients: number, log: (line: string) => void): Promise<Failover> {
  const image = receiver.image!;
  const run = receiver.device!.run;
  const from = resumedFrom(image, receiver.finalCommitted);
  log(`failover: resuming ${run.workload} from epoch ${from.epoch} (ops done per vCPU: ${from.opsDone.join(', ')})`);
  let frontend: KvFrontend | null = null;
  let net: GuestNet | null = null;
  let servingAt: number | null = null;
  if (placeholder !== null) {
    const ring = allocateNetDevice();
    const fe = (frontend = new KvFrontend(new Int32Array(ring), false, { maxClients }));
    await new Promise<void>((r) => placeholder.server.close(() => r()));
    const served = await fe.listen('--serve', placeholder.bound);
    servingAt = Date.now();
    log(`failover: kvserver serving on ${formatAddress(served)}`);
    net = { netDevice: ring, onOutput: (c, t) => fe.output(-1, c, t) };
  }
  const done = await resumeGuest(image, { ...run, workload }, receiver.finalCommitted, net);
  frontend?.close();
  log(`failover: ${run.workload} finished with result ${done.result} (${done.opsPerVcpu.join(', ')} ops per vCPU)`);
  return { ...done, workload: run.workload, opsLimit: run.opsPerVcpu, servingAt };
}
