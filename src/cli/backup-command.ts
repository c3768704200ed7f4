// `hbft backup --listen ADDR`: receive one primary's checkpoint stream, keep the last
// committed image, ack each epoch; when the primary dies, resume the guest from that
// image and run it to completion (DESIGN 8).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { resumeGuest, resumedFrom, type FailoverOutcome, type GuestNet } from '../backup/failover.js';
import { KvFrontend } from '../net/kv-frontend.js';
import { allocateNetDevice } from '../run/net-device.js';
import { BackupReceiver } from '../backup/receiver.js';
import { HEARTBEAT_FLOOR_MS, runSession, type SessionOutcome } from '../backup/backup-session.js';
import { formatAddress, parseAddress } from '../net/address.js';
import { listenOn } from '../net/listen.js';
import { ConfigError } from '../errors.js';
import type { CommandSpec } from './command.js';
import { JSON_FLAG, QUIET_FLAG, jsonTarget, writeJson } from './common-flags.js';
import type { FlagTable, FlagValues } from './flags.js';
import { resolveMaxClients } from './backup-options.js';
import { parseCount } from './units.js';

export const BACKUP_FLAGS = {
  listen: { type: 'string', value: 'HOST:PORT|unix:PATH', default: 'required', help: "where the primary's checkpoint stream connects" },
  'heartbeat-ms': { type: 'string', value: 'N', default: `3 epochs, at least ${HEARTBEAT_FLOOR_MS} ms`, help: 'fail over when nothing (data or heartbeat) arrives from the primary for N ms, 1 to 3600000' },
  serve: { type: 'string', value: 'HOST:PORT', default: 'none', help: "kvserver: after failover, serve the guest's clients here" },
  'state-dir': { type: 'string', value: 'DIR', default: 'none', help: 'also write backup-report.json into DIR' },
  'max-clients': { type: 'string', value: 'N', default: '256', help: 'kvserver after failover: most client connections served at once, 1 to 65536 (more are refused with a Redis error)' },
  'no-failover': { type: 'boolean', default: 'off', help: 'keep the last committed image when the primary dies instead of resuming the guest' },
  json: { ...JSON_FLAG, help: 'the backup report (outcome, committed epoch, failover) as JSON to PATH, or to stdout with -' },
  quiet: { ...QUIET_FLAG, help: 'no progress lines on stderr (refusals and failures still go there)' },
} as const satisfies FlagTable;

export const backupSpec: CommandSpec = {
  name: 'backup',
  summary: "receive a primary's checkpoint stream; on its death resume the guest",
  flags: [{ title: 'Backup', table: BACKUP_FLAGS }],
  details: 'Example: hbft backup --listen 127.0.0.1:7000 --serve 127.0.0.1:7100, then hbft run --backup tcp://127.0.0.1:7000 ...',
  run: (values, positionals) => backupCommand(values as FlagValues<typeof BACKUP_FLAGS>, positionals),
};

export interface BackupReport {
  readonly role: 'backup';
  /** clean: END received; failover: guest resumed and finished; failed: nothing to resume. */
  readonly outcome: 'clean' | 'failover' | 'failed' | 'kept';
  readonly session: SessionOutcome;
  readonly committedEpoch: number;
  readonly epochsApplied: number;
  readonly finalCommitted: boolean;
  readonly imageCrc: number;
  readonly streamError: { code: string; message: string } | null;
  readonly failover: (FailoverOutcome & { workload: string; opsLimit: number | null; servingAt: number | null }) | null;
}

export async function backupCommand(values: FlagValues<typeof BACKUP_FLAGS>, positionals: readonly string[]): Promise<number> {
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  if (values.listen === undefined) throw new ConfigError('--listen', 'required: HOST:PORT or unix:PATH');
  const addr = parseAddress('--listen', values.listen, true);
  const heartbeatMs = values['heartbeat-ms'] === undefined ? null : parseCount('--heartbeat-ms', values['heartbeat-ms'], 1, 3_600_000);
  const json = jsonTarget(values.json);
  const stateDir = values['state-dir'] ?? null;
  const serve = values.serve === undefined ? null : parseAddress('--serve', values.serve, true);
  const maxClients = resolveMaxClients(values, serve);
  let servingAt: number | null = null;
  const quiet = values.quiet === true;
  const warn = (line: string) => process.stderr.write(`hbft backup: ${line}\n`);
  const log = (line: string): void => {
    if (!quiet) warn(line);
  };

  let first: ((s: Socket) => void) | null = null;
  const connected = new Promise<Socket>((resolve) => (first = resolve));
  const { server, bound } = await listenOn('--listen', addr, (s) => {
    if (first === null) {
      warn(`refusing a second connection from ${s.remoteAddress ?? 'a unix peer'}`);
      s.destroy();
      return;
    }
    const take = first;
    first = null;
    take(s);
  });
  // Always printed: spawners (trials, tests, scripts) wait for this line to learn the port.
  process.stdout.write(`hbft backup: listening on ${formatAddress(bound)}\n`);
  const socket = await connected;
  server.close();
  const receiver = new BackupReceiver();
  const session = await runSession(socket, receiver, { heartbeatMs, log });
  const image = receiver.image;
  log(`primary session ended (${session.end}: ${session.detail}); committed epoch ${receiver.committedEpoch}`);

  let outcome: BackupReport['outcome'] = 'failed';
  let failover: BackupReport['failover'] = null;
  if (session.end === 'end') outcome = 'clean';
  else if (image === null || receiver.device === null) warn('no committed epoch: nothing to resume');
  // A refused stream comes from a live primary: resuming would run the guest twice.
  else if (values['no-failover'] || session.end === 'stream-error') outcome = 'kept';
  else {
    const run = receiver.device.run;
    const from = resumedFrom(image, receiver.finalCommitted);
    log(`failover: resuming ${run.workload} from epoch ${from.epoch} (ops done per vCPU: ${from.opsDone.join(', ')})`);
    let frontend: KvFrontend | null = null;
    let net: GuestNet | null = null;
    if (serve !== null) {
      const ring = allocateNetDevice();
      const fe = (frontend = new KvFrontend(new Int32Array(ring), false, { maxClients }));
      const bound = await fe.listen('--serve', serve);
      servingAt = Date.now();
      warn(`failover: kvserver serving on ${formatAddress(bound)}`);
      net = { netDevice: ring, onOutput: (c, t) => fe.output(-1, c, t) };
    }
    const done = await resumeGuest(image, run, receiver.finalCommitted, net);
    frontend?.close();
    failover = { ...done, workload: run.workload, opsLimit: run.opsPerVcpu, servingAt };
    outcome = 'failover';
    log(`failover: ${run.workload} finished with result ${done.result} (${done.opsPerVcpu.join(', ')} ops per vCPU)`);
  }
  const err = receiver.failure as (Error & { code?: string }) | null;
  const report: BackupReport = {
    role: 'backup', outcome, session,
    committedEpoch: receiver.committedEpoch,
    epochsApplied: receiver.epochsApplied,
    finalCommitted: receiver.finalCommitted,
    imageCrc: receiver.imageCrc(),
    streamError: err === null ? null : { code: err.code ?? 'ERROR', message: err.message },
    failover,
  };
  const text = JSON.stringify(report, null, 2);
  if (stateDir !== null) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'backup-report.json'), text + '\n');
  }
  writeJson(json, text);
  return outcome === 'failed' || session.end === 'stream-error' ? 1 : 0;
}
