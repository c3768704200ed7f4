// The built `hbft`, as a user runs it: help for every command, the version, suggestions,
// and bad input of every kind answered with exit code 2 and exactly one line on stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_FLAGS } from '../../src/cli/backup-config.js';
import { CLIENT_KV_FLAGS } from '../../src/cli/client-command.js';
import { COMPARE_FLAGS } from '../../src/cli/compare-command.js';
import { FAILOVER_TRIALS_FLAGS } from '../../src/cli/failover-trials-command.js';
import type { FlagTable } from '../../src/cli/flags.js';
import { REPORT_FLAGS } from '../../src/cli/report-command.js';
import { RUN_FLAG_GROUPS } from '../../src/cli/run-command.js';
import { STREAM_INSPECT_FLAGS } from '../../src/cli/stream-command.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'hbft-cli-'));

function hbft(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** commander wraps help at 80 columns: compare with runs of white space made one space. */
const flat = (s: string) => s.replace(/\s+/g, ' ');

const HELP: [string[], FlagTable][] = [
  [['run'], Object.assign({}, ...RUN_FLAG_GROUPS.map((g) => g.table))],
  [['compare'], COMPARE_FLAGS],
  [['report'], REPORT_FLAGS],
  [['profile'], { out: { type: 'string', help: '', default: 'results/prof' } }],
  [['backup'], BACKUP_FLAGS],
  [['failover-trials'], FAILOVER_TRIALS_FLAGS],
  [['client', 'kv'], CLIENT_KV_FLAGS],
  [['stream', 'inspect'], STREAM_INSPECT_FLAGS],
];

describe('hbft help', () => {
  it('--help lists every command, exit 0, nothing on stderr', () => {
    const r = hbft('--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const c of ['run', 'compare', 'report', 'profile', 'backup', 'failover-trials', 'client', 'stream']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('--version prints the version of package.json', () => {
    const r = hbft('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  for (const [cmd, table] of HELP) {
    it(`${cmd.join(' ')} --help lists every flag with its default`, () => {
      const r = hbft(...cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const text = flat(r.stdout);
      expect(text).toContain(`Usage: hbft ${cmd.join(' ')}`);
      for (const [name, spec] of Object.entries(table)) {
        expect(text).toMatch(new RegExp(` --${name}( [<[]| )`));
        expect(text, `--${name}`).toContain(`default: ${spec.default}`);
      }
    });
  }

  it('-h works like --help, and `hbft help run` too', () => {
    expect(hbft('compare', '-h').stdout).toContain('--quiet');
    const r = hbft('help', 'run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--workload');
  });
});

describe('hbft bad input: exit 2, one line on stderr', () => {
  const notTrace = join(dir, 'notes.txt');
  writeFileSync(notTrace, 'this is not a lackey trace\n');
  const empty = join(dir, 'empty.bin');
  writeFileSync(empty, '');
  const random = join(dir, 'random.bin');
  writeFileSync(random, Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));
  const noExport = join(dir, 'no-export.mjs');
  writeFileSync(noExport, 'export const x = 1;\n');
  const notJson = join(dir, 'shard.json');
  writeFileSync(notJson, '{ not json');

  const cases: [string, string[], RegExp][] = [
    ['no command', [], /give a command/],
    ['a mistyped command', ['rnu'], /^hbft: rnu: unknown command \(did you mean run\?\)$/],
    ['a mistyped flag', ['run', '--mdoe', 'wfp'], /^hbft: --mdoe: unknown flag \(did you mean --mode\?\)$/],
    ['a mistyped compare flag', ['compare', '--modse', 'wfp'], /^hbft: --modse: unknown flag \(did you mean --modes\?\)$/],
    ['a mistyped subcommand', ['stream', 'inpsect', 'x'], /did you mean inspect\?/],
    ['a group without its subcommand', ['client'], /^hbft: client: give a subcommand \(one of kv\)$/],
    ['a flag without its value', ['run', '--mem'], /^hbft: --mem: needs a value \(SIZE\)$/],
    ['a negative seed', ['run', '--seed', '-1'], /^hbft: --seed: must be between 0 and 4294967295, got -1$/],
    ['negative vCPUs', ['run', '--vcpus', '-2'], /^hbft: --vcpus: must be between 1 and 64, got -2$/],
    ['a negative size', ['run', '--mem', '-4MiB'], /^hbft: --mem: a size cannot be negative, got -4MiB$/],
    ['a negative repeat', ['compare', '--repeat', '-1'], /^hbft: --repeat: must be between 1 and 1000, got -1$/],
    ['negative trials', ['failover-trials', '--trials', '-3'], /^hbft: --trials: must be between 1 and 10000, got -3$/],
    ['a file that is not a lackey trace', ['run', '--workload', 'trace', '--trace', notTrace], /^hbft: --trace: .*not valgrind lackey output/],
    ['an empty trace', ['run', '--workload', 'trace', '--trace', empty], /^hbft: --trace: .*no I, L, S or M access line/],
    ['a missing workload module', ['run', '--workload', './no-such-workload.js'], /^hbft: --workload: no such file \.\/no-such-workload\.js$/],
    ['a module that exports no workload', ['run', '--workload', noExport, '--mode', 'native', '--ops', '10'], /^hbft: workload module .*no-export\.mjs: export default defineWorkload/],
    ['a missing module in compare', ['compare', '--workloads', './no-such-workload.js'], /^hbft: --workload: no such file/],
    ['a compare --merge file that is not JSON', ['compare', '--merge', notJson, '--out', join(dir, 'm')], /^hbft: merge .*shard\.json: not JSON/],
    ['a missing compare --merge file', ['compare', '--merge', join(dir, 'nope.json'), '--out', join(dir, 'm')], /^hbft: merge .*nope\.json: .*ENOENT/],
    ['a compare --merge file that is not a compare result', ['compare', '--merge', join(ROOT, 'package.json'), '--out', join(dir, 'm')], /^hbft: merge .*package\.json: not a version 1 compare result/],
    ['an empty --json path', ['failover-trials', '--json='], /^hbft: --json: needs a file path, or - for stdout$/],
  ];
  for (const [what, args, line] of cases) {
    it(`${what}: ${args.join(' ')}`, () => {
      const r = hbft(...args);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(r.stderr).not.toMatch(/ambiguous|\n\s+at /);
    });
  }

  for (const [what, file] of [['an empty file', empty], ['random bytes', random]] as const) {
    it(`stream inspect on ${what}: the error on stderr, no format claimed on stdout`, () => {
      for (const extra of [[], ['--json', '-']]) {
        const r = hbft('stream', 'inspect', file, ...extra);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^hbft: .*: not a checkpoint stream: IMAGE_HEADER at offset 0: /);
        expect(r.stderr).not.toContain('XENF');
      }
    });
  }
});

describe('the same output flags on every command', () => {
  it('compare --quiet --json -: stdout is the results JSON alone, no progress lines', () => {
    const out = join(dir, 'q');
    const r = hbft('compare', '--workloads', 'seqwrite', '--modes', 'native', '--duration', '200ms', '--mem', '4MiB', '--quiet', '--json', '-', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows).toHaveLength(1);
    expect(j.rows[0]).toMatchObject({ workload: 'seqwrite', mode: 'native' });
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8'))).toEqual(j);
    expect(r.stderr).not.toMatch(/^\s+[\d,]+ ops\/s, |\d+ runs in /m);
    expect(r.stderr).toContain(`wrote ${out}.json`);
  });

  it('--quiet, --json and --report are listed, with the same meaning, wherever they exist', () => {
    const has = (args: string[], flag: string) => flat(hbft(...args, '--help').stdout).includes(` ${flag} `);
    for (const args of [['run'], ['compare'], ['backup'], ['failover-trials'], ['client', 'kv']]) {
      expect(has(args, '--quiet'), args.join(' ')).toBe(true);
      expect(has(args, '--json'), args.join(' ')).toBe(true);
    }
    expect(has(['stream', 'inspect'], '--json')).toBe(true);
    for (const args of [['run'], ['compare']]) expect(has(args, '--report'), args.join(' ')).toBe(true);
  });
});
