import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKUP_FLAGS } from '../../../src/cli/backup-config.js';
import { BACKUP_RUN_FLAGS, resolveBackupOptions } from '../../../src/cli/backup-options.js';
import { CLIENT_KV_FLAGS } from '../../../src/cli/client-command.js';
import { COMPARE_FLAGS, resolveCompare, type CompareFlagValues } from '../../../src/cli/compare-command.js';
import { RUN_FLAGS, resolveRunConfig, type RunFlagValues } from '../../../src/cli/config.js';
import { FAILOVER_TRIALS_FLAGS } from '../../../src/cli/failover-trials-command.js';
import { flagRows, markedBlock, parseFlagTable, renderFlagTable } from '../../../src/cli/flag-table.js';
import { parseFlagGroups, type FlagTable } from '../../../src/cli/flags.js';
import { COMMANDS, runCli } from '../../../src/cli/program.js';
import { REPORT_FLAGS } from '../../../src/cli/report-command.js';
import { RUN_FLAG_GROUPS } from '../../../src/cli/run-command.js';
import { STREAM_INSPECT_FLAGS } from '../../../src/cli/stream-command.js';
import { ConfigError, HbftError, isInputError } from '../../../src/base/errors.js';

const TABLES: Record<string, FlagTable> = {
  run: Object.assign({}, ...RUN_FLAG_GROUPS.map((g) => g.table)), compare: COMPARE_FLAGS, report: REPORT_FLAGS,
  backup: BACKUP_FLAGS, 'failover-trials': FAILOVER_TRIALS_FLAGS, 'client kv': CLIENT_KV_FLAGS, 'stream inspect': STREAM_INSPECT_FLAGS,
};
/** Defaults that are words, not values a validator could be handed back. */
const NOT_A_VALUE = /^(none|off|required)$| or |\(| /;

describe('flag tables', () => {
  for (const [command, table] of Object.entries(TABLES)) {
    it(`${command}: every flag has a meaning and a default`, () => {
      for (const [name, spec] of Object.entries(table)) {
        expect(spec.help.length, `--${name}`).toBeGreaterThan(10);
        expect(spec.default, `--${name}`).toBeTruthy();
      }
    });
  }

  // The default --help shows is the one the validator fills: giving it changes nothing.
  it.each(Object.entries(RUN_FLAGS).filter(([, s]) => !NOT_A_VALUE.test(s.default)))('run --%s default is what the validator fills', (name, spec) => {
    expect(resolveRunConfig({ [name]: spec.default } as RunFlagValues)).toEqual(resolveRunConfig({}));
  });
  it.each(Object.entries(RUN_FLAGS).filter(([, s]) => s.type === 'boolean'))('run --%s is off by default', (name) => {
    expect(resolveRunConfig({ [name]: false } as RunFlagValues)).toEqual(resolveRunConfig({}));
  });
  it.each(Object.entries(COMPARE_FLAGS).filter(([, s]) => !NOT_A_VALUE.test(s.default)))('compare --%s default is what the validator fills', (name, spec) => {
    expect(resolveCompare({ [name]: spec.default } as CompareFlagValues, {})).toEqual(resolveCompare({}, {}));
  });
  it('run --backup default is what the validator fills', () => {
    const cfg = resolveRunConfig({});
    expect(resolveBackupOptions({ backup: BACKUP_RUN_FLAGS.backup.default }, cfg)).toEqual(resolveBackupOptions({}, cfg));
  });

  it('run --copy-at background with a stream or a backup process is refused', () => {
    const cfg = resolveRunConfig({ 'copy-at': 'background' });
    expect(() => resolveBackupOptions({ 'stream-out': 'x.stream' }, cfg)).toThrow(/--copy-at: background copies into the in-process backup only/);
    expect(() => resolveBackupOptions({ backup: 'process' }, cfg)).toThrow(/--copy-at/);
    expect(resolveBackupOptions({}, cfg).target.kind).toBe('inproc');
  });

  it('the README flag table of hbft run is the definitions', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
    const block = markedBlock(readme, 'run-flags');
    expect(block, 'README.md has <!-- run-flags:start/end --> markers').not.toBeNull();
    // Row by row first, so a failure names the flag; then the exact text.
    expect(parseFlagTable(block!.body)).toEqual(flagRows(RUN_FLAG_GROUPS));
    expect(block!.body.trim(), 'run `npm run readme-flags`').toBe(renderFlagTable(RUN_FLAG_GROUPS));
  });

  it('rendered rows read back unchanged, | included', () => {
    const groups = [{ title: 'T', table: { json: { type: 'string', value: 'PATH|-', default: 'a|b', help: 'x | y' } } as FlagTable }];
    expect(parseFlagTable(renderFlagTable(groups))).toEqual([{ flag: '--json PATH|-', default: 'a|b', meaning: 'x | y' }]);
  });
});

describe('parseFlagGroups', () => {
  const groups = RUN_FLAG_GROUPS;

  it('keeps values as strings for the validator, absent flags absent', () => {
    const { values, positionals } = parseFlagGroups(['--mem', '4MiB', '--verify', 'extra'], groups);
    expect(values).toEqual({ mem: '4MiB', verify: true });
    expect(positionals).toEqual(['extra']);
  });

  it('takes a negative number as the value, so the validator can say what is wrong with it', () => {
    expect(parseFlagGroups(['--seed', '-1'], groups).values).toEqual({ seed: '-1' });
    expect(parseFlagGroups(['--seed=-1'], groups).values).toEqual({ seed: '-1' });
    expect(() => resolveRunConfig({ seed: '-1' })).toThrow(/^--seed: must be between 0 and 4294967295, got -1$/);
    expect(() => resolveRunConfig({ mem: '-4MiB' })).toThrow(/^--mem: a size cannot be negative, got -4MiB$/);
    expect(() => resolveRunConfig({ duration: '-2s' })).toThrow(/^--duration: a duration cannot be negative/);
  });

  it('a flag with an optional value is "" alone and the path when given one', () => {
    expect(parseFlagGroups(['--report'], groups).values).toEqual({ report: '' });
    expect(parseFlagGroups(['--report', '--quiet'], groups).values).toEqual({ report: '', quiet: true });
    expect(parseFlagGroups(['--report', 'r.html'], groups).values).toEqual({ report: 'r.html' });
    expect(parseFlagGroups(['--cpu-prof=d'], groups).values).toEqual({ 'cpu-prof': 'd' });
  });

  it('--no-X flags keep their own name', () => {
    expect(parseFlagGroups(['--no-output-commit'], groups).values).toEqual({ 'no-output-commit': true });
  });

  it('a repeatable flag keeps every value in order', () => {
    const table = { module: { type: 'string', multiple: true, help: 'a module path', default: 'none' } } as const satisfies FlagTable;
    expect(parseFlagGroups(['--module', 'a.js', '--module', 'b.js'], [{ title: 'T', table }]).values).toEqual({ module: ['a.js', 'b.js'] });
  });

  it.each([
    [['--mdoe', 'wfp'], /^--mdoe: unknown flag \(did you mean --mode\?\)$/],
    [['--worklaod', 'gups'], /^--worklaod: unknown flag \(did you mean --workload\?\)$/],
    [['--zzzzzz'], /^--zzzzzz: unknown flag$/],
    [['--mem'], /^--mem: needs a value \(SIZE\)$/],
  ])('%j -> one ConfigError line', (argv, msg) => {
    expect(() => parseFlagGroups(argv, groups)).toThrow(ConfigError);
    expect(() => parseFlagGroups(argv, groups)).toThrow(msg);
  });
});

describe('errors', () => {
  it('ConfigError is an input HbftError; a plain HbftError is not', () => {
    const c = new ConfigError('--mem', 'bad');
    expect(c).toBeInstanceOf(HbftError);
    expect([c.code, c.input, c.message, c.name]).toEqual(['CONFIG', true, '--mem: bad', 'ConfigError']);
    expect(isInputError(c)).toBe(true);
    expect(isInputError(new HbftError('X', 'y'))).toBe(false);
    expect(isInputError(Object.assign(new Error('z'), { input: true }))).toBe(false);
  });
});

describe('hbft in-process', () => {
  let err = '';
  let out = '';
  afterEach(() => vi.restoreAllMocks());
  function capture(): void {
    err = '';
    out = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  }

  it('a mistyped command: exit 2, one line with the suggestion', async () => {
    capture();
    expect(await runCli(['comapre'])).toBe(2);
    expect(err).toBe('hbft: comapre: unknown command (did you mean compare?)\n');
    expect(out).toBe('');
  });

  it('--help lists every command', async () => {
    capture();
    expect(await runCli(['--help'])).toBe(0);
    for (const c of COMMANDS) expect(out).toContain(`  ${c.name} `);
    expect(err).toBe('');
  });

  it('an unknown subcommand of a group gets a suggestion too', async () => {
    capture();
    expect(await runCli(['stream', 'inspcet', 'f'])).toBe(2);
    expect(err).toBe('hbft: inspcet: unknown command (did you mean inspect?)\n');
  });
});
