// `hbft stream inspect FILE [--json PATH|-] [--records]`: decode a stream file, list
// its epochs and validate it (src/stream/inspect.ts does the work).
import { readFileSync } from 'node:fs';
import { formatInspection, inspectStream } from '../stream/inspect.js';
import { ConfigError } from '../base/errors.js';
import type { CommandGroup, CommandSpec } from './command.js';
import { JSON_FLAG, jsonTarget, writeJson } from './common-flags.js';
import type { FlagTable, FlagValues } from './flags.js';

export const STREAM_INSPECT_FLAGS = {
  records: { type: 'boolean', default: 'off', help: 'list every record (offset, type, length) instead of a count per type' },
  json: { ...JSON_FLAG, help: 'the inspection (valid, version, epochs, first error) as JSON to PATH, or to stdout with -' },
} as const satisfies FlagTable;

const inspectSpec: CommandSpec = {
  name: 'inspect',
  summary: 'list and validate a checkpoint stream file (hbft run --stream-out): exit 1 when it is invalid',
  args: '<FILE>',
  flags: [{ title: 'Inspect', table: STREAM_INSPECT_FLAGS }],
  run: (values, positionals) => streamInspectCommand(values as FlagValues<typeof STREAM_INSPECT_FLAGS>, positionals),
};

export const streamGroup: CommandGroup = { name: 'stream', summary: 'tools for checkpoint stream files', subcommands: [inspectSpec] };

export async function streamInspectCommand(values: FlagValues<typeof STREAM_INSPECT_FLAGS>, positionals: readonly string[]): Promise<number> {
  if (positionals.length !== 1) throw new ConfigError('FILE', 'give exactly one stream file');
  const file = positionals[0]!;
  const json = jsonTarget(values.json);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ConfigError(file, `cannot read: ${(e as Error & { code?: string }).code ?? (e as Error).message}`);
  }
  const i = inspectStream(bytes);
  // No image header: the file is not a stream at all (empty, another format), so it is
  // the caller's input, not a stream that went bad part-way.
  if (i.version === null) throw new ConfigError(file, `not a checkpoint stream: ${i.error?.message ?? 'no image header'}`);
  writeJson(json, JSON.stringify({
    valid: i.valid, version: i.version, domainType: i.domainType, compressed: i.compressed, bytes: i.bytes,
    epochs: i.epochs.map((e) => ({ index: e.index, epoch: e.epoch, pages: e.pages, vcpus: e.vcpus, final: e.final })),
    error: i.error,
  }, null, 2));
  if (json !== '-') process.stdout.write(formatInspection(i, { records: values.records ?? false }) + '\n');
  return i.valid ? 0 : 1;
}
