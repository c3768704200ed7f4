#!/usr/bin/env node
import { markThreadForProf } from '../metrics/cpu-profile.js';
import { ConfigError } from './config-error.js';

const USAGE = `usage: hbft <command> [flags]
  run       run one workload under one tracking mode
            --workload W --mode M [--vcpus N] [--mem 256MiB] [--epoch-ms 25 | --epoch-ops N]
            [--duration 5s | --ops N] [--seed S] [--verify] [--json PATH|-]
            [--trace FILE[.gz] [--ifetch]]   (with --workload trace)
            [--report [PATH]] [--hdr-log PATH] [--cpu-prof [DIR]] [--quiet]
  compare   run workloads under several modes (interleaved) and write NAME.json/.csv/.md
            [--workloads a,b|all] [--modes native,logdirty,rfr,wfp,all] [--epoch-ms 25]
            [--duration 1s] [--mem 32MiB] [--vcpus N] [--repeat R] [--seed S]
            [--shard i/n | --shard auto [--shards N]] [--out results/NAME] [--report [PATH]]
            (--modes defaults to every mode this build has; \`all\` is wfp + superpage)
  compare --merge A.json B.json ... --out results/NAME
            join the shards of one sweep (docs/sweeps.md)
  report    render results JSON files into one HTML page
            RESULTS.json [more.json ...] [--out PATH] [--title TEXT]
  profile   re-run a command under node --prof and summarise each thread's ticks
            [--out DIR] -- run ...
  backup    receive a primary's checkpoint stream; on its death resume the guest
            --listen HOST:PORT|unix:PATH [--heartbeat-ms N] [--serve HOST:PORT] [--state-dir DIR] [--json PATH|-]
            [--witness PATH] [--auth-key FILE] [--max-mem 4GiB] [--workload-module PATH ...] [--no-failover]
  run flags for the backup: [--backup inproc|process|tcp://HOST:PORT|unix:PATH]
            [--stream-out FILE] [--compress] [--kill-primary-at epoch:N|random]
            [--witness PATH] [--on-backup-loss halt|continue] [--backup-timeout-ms 2000] [--auth-key FILE]
            kvserver: --workload kvserver --serve HOST:PORT [--no-output-commit]; backup --serve HOST:PORT
  failover-trials  N trials of a primary killed at a random epoch and its backup taking over
            --trials N [--seed S] [--json -]   [--fault stop,partition,kill-backup,kill-primary [--load-ms 6000]]
  client kv --connect HOST:PORT[,HOST:PORT] [--duration 10s] [--json -]   kvserver load + lost-write check
  stream inspect FILE [--json PATH|-] [--records]   list and validate a checkpoint stream file`;

/** Errors that are the caller's input, not the emulator's: one line, exit code 2. */
const USAGE_ERROR_CODES = new Set(['CONFIG', 'REPORT_BAD_INPUT']);

type Command = (argv: readonly string[]) => Promise<number>;

/** Loaded on use: the report renderer (vega) alone takes about a second to import. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run-command.js')).runCommand,
  compare: async () => (await import('./compare-command.js')).compareCommand,
  report: async () => (await import('./report-command.js')).reportCommand,
  profile: async () => (await import('./profile-command.js')).profileCommand,
  backup: async () => (await import('./backup-command.js')).backupCommand,
  'failover-trials': async () => (await import('./failover-trials-command.js')).failoverTrialsCommand,
  stream: async () => (await import('./stream-command.js')).streamCommand,
  client: async () => (await import('./client-command.js')).clientCommand,
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  const handler = COMMANDS[command];
  if (handler === undefined) throw new ConfigError(command, `unknown command (one of ${Object.keys(COMMANDS).join(', ')})`);
  return (await handler())(rest);
}

markThreadForProf('main');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError || USAGE_ERROR_CODES.has((e as { code?: unknown }).code as string)) {
      process.stderr.write(`hbft: ${(e as Error).message}\n`);
      process.exitCode = 2;
    } else {
      const err = e as Error & { code?: string };
      process.stderr.write(`hbft: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
      if (process.env.HBFT_DEBUG) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    }
  },
);
