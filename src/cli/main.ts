#!/usr/bin/env node
import { ConfigError } from './config-error.js';
import { clientCommand } from './client-command.js';
import { compareCommand } from './compare-command.js';
import { backupCommand } from './backup-command.js';
import { failoverTrialsCommand } from './failover-trials-command.js';
import { runCommand } from './run-command.js';
import { streamCommand } from './stream-command.js';

const USAGE = `usage: hbft <command> [flags]
  run       run one workload under one tracking mode
            --workload W --mode M [--vcpus N] [--mem 256MiB] [--epoch-ms 25 | --epoch-ops N]
            [--duration 5s | --ops N] [--seed S] [--verify] [--json PATH|-]
  compare   run workloads under several modes and print a comparison table
            [--workloads a,b|all] [--modes native,logdirty|all] [--duration 1s]
  backup    receive a primary's checkpoint stream; on its death resume the guest
            --listen HOST:PORT|unix:PATH [--heartbeat-ms N] [--state-dir DIR] [--json PATH|-]
  run flags for the backup: [--backup inproc|process|tcp://HOST:PORT|unix:PATH]
            [--stream-out FILE] [--compress] [--kill-primary-at epoch:N|random]
            kvserver: --workload kvserver --serve HOST:PORT [--no-output-commit]; backup --serve HOST:PORT
  failover-trials  N trials of a primary killed at a random epoch and its backup taking over
            --trials N [--seed S] [--json -]
  client kv --connect HOST:PORT[,HOST:PORT] [--duration 10s] [--json -]   kvserver load + lost-write check
  stream inspect FILE [--json PATH|-] [--records]   list and validate a checkpoint stream file`;

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<number>> = {
  run: runCommand,
  compare: compareCommand,
  backup: backupCommand,
  'failover-trials': failoverTrialsCommand,
  stream: streamCommand,
  client: clientCommand,
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  const handler = COMMANDS[command];
  if (handler === undefined) throw new ConfigError(command, `unknown command (one of ${Object.keys(COMMANDS).join(', ')})`);
  return handler(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError) {
      process.stderr.write(`hbft: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      const err = e as Error & { code?: string };
      process.stderr.write(`hbft: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
      if (process.env.HBFT_DEBUG) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    }
  },
);
