// `hbft client kv --connect HOST:PORT[,HOST:PORT] --duration 10s [--json -]`
import { parseAddressList } from '../net/address.js';
import { runKvClient } from '../service/kv-client.js';
import { ConfigError } from '../base/errors.js';
import type { CommandGroup, CommandSpec } from './command.js';
import { JSON_FLAG, QUIET_FLAG, jsonTarget, writeJson } from './common-flags.js';
import type { FlagTable, FlagValues } from './flags.js';
import { parseCount, parseDuration } from './units.js';

export const CLIENT_KV_FLAGS = {
  connect: { type: 'string', value: 'HOST:PORT[,HOST:PORT]', default: 'required', help: 'the kvserver addresses, tried in order (the primary, then the backup)' },
  duration: { type: 'string', value: 'T', default: '10s', help: 'how long to send requests' },
  keys: { type: 'string', value: 'N', default: '4096', help: 'distinct keys written, 1 to 1048576' },
  concurrency: { type: 'string', value: 'N', default: '32', help: 'requests in flight, 1 to 1024' },
  json: { ...JSON_FLAG, help: 'the client report (writes acked and lost, reads, reconnects) as JSON to PATH, or to stdout with -' },
  quiet: { ...QUIET_FLAG, help: 'no progress lines (reconnects) on stderr' },
} as const satisfies FlagTable;

const kvSpec: CommandSpec = {
  name: 'kv',
  summary: 'kvserver load and lost-write check: exit 1 when an acknowledged write was lost',
  flags: [{ title: 'Client', table: CLIENT_KV_FLAGS }],
  run: (values, positionals) => clientKvCommand(values as FlagValues<typeof CLIENT_KV_FLAGS>, positionals),
};

export const clientGroup: CommandGroup = { name: 'client', summary: 'clients of a guest service', subcommands: [kvSpec] };

export async function clientKvCommand(values: FlagValues<typeof CLIENT_KV_FLAGS>, positionals: readonly string[]): Promise<number> {
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  if (values.connect === undefined) throw new ConfigError('--connect', 'required: HOST:PORT[,HOST:PORT]');
  const json = jsonTarget(values.json);
  const quiet = values.quiet === true;
  const report = await runKvClient({
    addrs: parseAddressList('--connect', values.connect),
    durationMs: parseDuration('--duration', values.duration ?? '10s'),
    keys: values.keys === undefined ? 4096 : parseCount('--keys', values.keys, 1, 1 << 20),
    concurrency: values.concurrency === undefined ? 32 : parseCount('--concurrency', values.concurrency, 1, 1024),
    requestTimeoutMs: 2000,
    giveUpMs: 15_000,
    progress: (line) => {
      if (!quiet) process.stderr.write(`hbft client: ${line}\n`);
    },
  });
  writeJson(json, JSON.stringify(report));
  if (json !== '-') {
    process.stdout.write(`writes acked ${report.writesAcked}, lost ${report.writesLost}; two-master events ${report.twoMasterEvents}; reads ${report.reads}; ` +
      `reconnects ${report.reconnects}; longest wait ${report.maxWaitMs} ms; accepting writes at the end: ${report.acceptingAtEnd.join(', ') || 'none'}\n`);
  }
  return report.writesLost === 0 && report.twoMasterEvents === 0 ? 0 : 1;
}
