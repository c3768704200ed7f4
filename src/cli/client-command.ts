// `hbft client kv --connect HOST:PORT[,HOST:PORT] --duration 10s [--json -]`
import { parseAddressList } from '../net/address.js';
import { runKvClient } from '../net/kv-client.js';
import { ConfigError } from './config-error.js';
import { parseFlags } from './config.js';
import { parseCount, parseDuration } from './units.js';

const FLAGS = { connect: { type: 'string' }, duration: { type: 'string' }, keys: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'string' } } as const;

export async function clientCommand(argv: readonly string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind !== 'kv') throw new ConfigError(kind ?? 'client', 'unknown client (one of kv)');
  const { values, positionals } = parseFlags(rest, FLAGS);
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  if (values.connect === undefined) throw new ConfigError('--connect', 'required: HOST:PORT[,HOST:PORT]');
  const report = await runKvClient({
    addrs: parseAddressList('--connect', values.connect as string),
    durationMs: parseDuration('--duration', (values.duration as string | undefined) ?? '10s'),
    keys: values.keys === undefined ? 4096 : parseCount('--keys', values.keys as string, 1, 1 << 20),
    concurrency: values.concurrency === undefined ? 32 : parseCount('--concurrency', values.concurrency as string, 1, 1024),
    requestTimeoutMs: 2000,
    giveUpMs: 15_000,
    progress: (line) => process.stderr.write(`hbft client: ${line}\n`),
  });
  if (values.json === '-') process.stdout.write(JSON.stringify(report) + '\n');
  else {
    process.stdout.write(`writes acked ${report.writesAcked}, lost ${report.writesLost}; two-master events ${report.twoMasterEvents}; reads ${report.reads}; ` +
      `reconnects ${report.reconnects}; longest wait ${report.maxWaitMs} ms; accepting writes at the end: ${report.acceptingAtEnd.join(', ') || 'none'}\n`);
  }
  return report.writesLost === 0 && report.twoMasterEvents === 0 ? 0 : 1;
}
