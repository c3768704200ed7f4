// Flag tables and their one parser. Each command lists its flags as a table (one entry:
// name, type, default, help); commander turns the table into an option parser and the
// --help text, and hands back plain strings and booleans. The command's validator then
// checks and fills them (ResolvedConfig): commander never applies a default itself, so a
// validator can still tell "not given" from "given the default".
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../base/errors.js';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** What the flag means, as --help and the README show it. */
  readonly help: string;
  /** What an absent flag means (shown in --help); the validator is what fills it. */
  readonly default?: string;
  /** The value's placeholder in help: `--mem SIZE`. */
  readonly value?: string;
  /** `--report` alone means "the default path" (the value is then ''). */
  readonly optionalValue?: boolean;
  /** Repeatable: every occurrence is kept, in order. */
  readonly multiple?: boolean;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** What a table's flags parse to: a string (list), a boolean, or undefined when absent. */
export type FlagValues<T extends FlagTable> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K] extends { multiple: true } ? string[] : string;
};

/** A titled table: the title heads its group of flags in --help. */
export interface FlagGroup {
  readonly title: string;
  readonly table: FlagTable;
}

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

/** The option spelling help shows: `--mem <SIZE>`, `--report [PATH]`, `--verify`. */
export function optionSyntax(name: string, spec: FlagSpec): string {
  if (spec.type === 'boolean') return `--${name}`;
  const value = spec.value ?? 'VALUE';
  return spec.optionalValue ? `--${name} [${value}]` : `--${name} <${value}>`;
}

/** The help line of one flag: its meaning, then its default. */
export function flagHelp(spec: FlagSpec): string {
  const more = [spec.multiple ? 'repeatable' : '', spec.default === undefined ? '' : `default: ${spec.default}`].filter(Boolean);
  return more.length === 0 ? spec.help : `${spec.help} (${more.join('; ')})`;
}

/** Adds every flag of the groups to cmd, each group under its title in --help. */
export function addFlags(cmd: Command, groups: readonly FlagGroup[]): Command {
  for (const { title, table } of groups) {
    for (const [name, spec] of Object.entries(table)) {
      const opt = new Option(optionSyntax(name, spec), flagHelp(spec)).helpGroup(`${title}:`);
      if (spec.multiple) opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
      cmd.addOption(opt);
    }
  }
  return cmd;
}

/** The flags given on the command line, keyed by table name (`epoch-ms`, `no-failover`). */
export function readFlags(cmd: Command, groups: readonly FlagGroup[]): ParsedFlags {
  const out: ParsedFlags = {};
  for (const { table } of groups) {
    for (const [name, spec] of Object.entries(table)) {
      const opt = cmd.options.find((o) => o.long === `--${name}`);
      if (opt === undefined) throw new Error(`flags: --${name} was not added to ${cmd.name()}`);
      const key = opt.attributeName();
      if (cmd.getOptionValueSource(key) !== 'cli') continue;
      const v = cmd.getOptionValue(key) as string | boolean | string[];
      // commander reads `--no-x` as x = false; the table names the flag itself.
      if (opt.negate) out[name] = true;
      else if (v === true && spec.type === 'string') out[name] = '';
      else out[name] = v;
    }
  }
  return out;
}

/** commander's own output goes where ours goes; its error lines are ours to write (one line). */
export function quietErrors(cmd: Command): Command {
  return cmd
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(true);
}

/** A commander failure as one ConfigError line naming the flag or command. */
export function toConfigError(e: CommanderError): ConfigError {
  const [first, ...rest] = e.message.replace(/^error: /, '').split('\n');
  const suggestion = /\(Did you mean (.+)\?\)/.exec(rest.join(' '))?.[1];
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  const named = /'([^']+)'/.exec(first)?.[1] ?? 'arguments';
  switch (e.code) {
    case 'commander.unknownOption':
      return new ConfigError(named, `unknown flag${hint}`);
    case 'commander.unknownCommand':
      return new ConfigError(named, `unknown command${hint}`);
    case 'commander.optionMissingArgument':
      return new ConfigError(named.split(/[ <[]/)[0]!, `needs a value (${(named.split(' ')[1] ?? 'VALUE').replace(/[<>[\]]/g, '')})`);
    default:
      return new ConfigError(named, first + hint);
  }
}

/**
 * Parses argv (the words after the command) against the groups, the way `hbft` does.
 * Unknown flags and missing values become ConfigErrors; positionals are returned as given.
 */
export function parseFlagGroups(argv: readonly string[], groups: readonly FlagGroup[], name = 'hbft'): { values: ParsedFlags; positionals: string[] } {
  const cmd = addFlags(quietErrors(new Command(name)).helpOption(false), groups);
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw toConfigError(e);
    throw e;
  }
  return { values: readFlags(cmd, groups), positionals: [...cmd.args] };
}
