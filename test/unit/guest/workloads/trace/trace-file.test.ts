import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../../../../src/cli/config.js';
import { ConfigError } from '../../../../../src/base/errors.js';
import { TraceFormatError } from '../../../../../src/guest/workloads/trace/lackey.js';
import { sniffLackeyFile } from '../../../../../src/guest/workloads/trace/trace-file.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/traces');
const dir = mkdtempSync(join(tmpdir(), 'hbft-sniff-'));
function file(name: string, body: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}
const BANNER = '==123== Lackey, an example Valgrind tool\n==123== Command: ./a.out\n';

describe('sniffLackeyFile: tells a lackey trace from another file before a run starts', () => {
  it.each(['gzip.lackey.gz', 'qsort-hash.lackey.gz', 'coreutils-sort.lackey.gz'])('accepts the fixture %s', (name) => {
    expect(() => sniffLackeyFile(join(FIXTURES, name), false)).not.toThrow();
  });

  it('accepts a plain trace and a gzipped one', () => {
    const text = `${BANNER}I  0401ab70,3\n L 1ffefff8a8,8\n S 1ffefff8a0,8\n`;
    expect(() => sniffLackeyFile(file('t.lackey', text), false)).not.toThrow();
    expect(() => sniffLackeyFile(file('t.lackey.gz', gzipSync(text)), false)).not.toThrow();
  });

  it.each([
    ['empty', '', /no I, L, S or M access line in the file/],
    ['banner only', BANNER, /no I, L, S or M access line in the file/],
    ['markdown', '# a README\n\nsome | table |\n', /not valgrind lackey output/],
  ])('refuses %s', (name, body, msg) => {
    const path = file(`${name}.txt`, body);
    expect(() => sniffLackeyFile(path, false)).toThrow(TraceFormatError);
    expect(() => sniffLackeyFile(path, false)).toThrow(msg);
  });

  it('refuses a .gz that is not gzip', () => {
    expect(() => sniffLackeyFile(file('x.lackey.gz', 'plain text'), false)).toThrow(/not gzip data/);
  });

  it('only I lines: refused without --ifetch, accepted with it', () => {
    const path = file('i.lackey', `${BANNER}I  0401ab70,3\nI  0401ab73,2\n`);
    expect(() => sniffLackeyFile(path, false)).toThrow(/only instruction fetches .*--ifetch/);
    expect(() => sniffLackeyFile(path, true)).not.toThrow();
  });

  it('a large file with no access in its head is refused from the head alone', () => {
    const path = file('big.txt', 'x'.repeat(99) + '\n'.repeat(1) + 'y\n'.repeat(600_000) + ' L 1000,4\n');
    expect(() => sniffLackeyFile(path, false)).toThrow(/in its first 1 MiB/);
  });

  it('hbft run --trace: the refusal is a ConfigError naming --trace', () => {
    const path = file('notes.txt', 'not a trace\n');
    expect(() => resolveRunConfig({ workload: 'trace', trace: path })).toThrow(ConfigError);
    expect(() => resolveRunConfig({ workload: 'trace', trace: path })).toThrow(/^--trace: trace .*notes\.txt: not valgrind lackey output/);
  });
});
