// `hbft stream inspect FILE [--json PATH|-] [--records]`: decode a stream file, list
// its epochs and validate it (src/stream/inspect.ts does the work).
import { readFileSync, writeFileSync } from 'node:fs';
import { formatInspection, inspectStream } from '../stream/inspect.js';
import { ConfigError } from './config-error.js';
import { parseFlags } from './config.js';

const FLAGS = { json: { type: 'string' }, records: { type: 'boolean' } } as const;

export async function streamCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'inspect') throw new ConfigError(sub ?? 'stream', 'unknown stream subcommand (one of inspect)');
  const { values, positionals } = parseFlags(rest, FLAGS);
  if (positionals.length !== 1) throw new ConfigError('FILE', 'give exactly one stream file');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(positionals[0]!);
  } catch (e) {
    throw new ConfigError(positionals[0]!, `cannot read: ${(e as Error & { code?: string }).code ?? (e as Error).message}`);
  }
  const i = inspectStream(bytes);
  const json = values.json as string | undefined;
  if (json !== undefined) {
    const text = JSON.stringify({
      valid: i.valid, version: i.version, domainType: i.domainType, compressed: i.compressed, bytes: i.bytes,
      epochs: i.epochs.map((e) => ({ index: e.index, epoch: e.epoch, pages: e.pages, vcpus: e.vcpus, final: e.final })),
      error: i.error,
    }, null, 2);
    if (json === '-') process.stdout.write(text + '\n');
    else writeFileSync(json, text + '\n');
  }
  if (json !== '-') process.stdout.write(formatInspection(i, { records: values.records as boolean | undefined ?? false }) + '\n');
  return i.valid ? 0 : 1;
}
