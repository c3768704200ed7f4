// `hbft`'s command line: commander parses, every command's flag table feeds it, and the
// exit code comes from the error's kind: 0 done, 1 runtime failure, 2 the caller's input
// (an HbftError with input set, or a flag commander refused). One line on stderr per error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, HbftError, isInputError } from '../base/errors.js';
import { packageRoot } from '../base/worker-path.js';
import type { CommandGroup, CommandSpec } from './command.js';
import { addFlags, quietErrors, readFlags, toConfigError } from './flags.js';
import { expandOptionalValues } from './optional-value.js';

interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** Loaded on use: the report renderer (vega) alone takes about a second to import. */
  load(): Promise<CommandSpec | CommandGroup>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', summary: 'run one workload under one tracking mode', load: async () => (await import('./run-command.js')).runSpec },
  { name: 'compare', summary: 'run workloads under several modes (interleaved) and write NAME.json/.csv/.md, or --merge shards', load: async () => (await import('./compare-command.js')).compareSpec },
  { name: 'report', summary: 'render results JSON files into one HTML page', load: async () => (await import('./report-command.js')).reportSpec },
  { name: 'profile', summary: "re-run a command under node --prof and summarise each thread's ticks", load: async () => (await import('./profile-command.js')).profileSpec },
  { name: 'backup', summary: "receive a primary's checkpoint stream; on its death resume the guest", load: async () => (await import('./backup-command.js')).backupSpec },
  { name: 'failover-trials', summary: 'N trials of a primary killed at a random epoch and its backup taking over', load: async () => (await import('./failover-trials-command.js')).failoverTrialsSpec },
  { name: 'client', summary: 'clients of a guest service (kv: kvserver load and lost-write check)', load: async () => (await import('./client-command.js')).clientGroup },
  { name: 'stream', summary: 'tools for checkpoint stream files (inspect: list and validate one)', load: async () => (await import('./stream-command.js')).streamGroup },
];

const EPILOG = `
Exit codes: 0 done, 1 runtime failure, 2 bad input (one line on stderr names it).
hbft COMMAND --help lists a command's flags with their defaults.`;

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The commander program; the command named `chosen` (if any) gets its flags and action. */
export async function buildProgram(chosen: string | undefined, onExit: (code: number) => void, afterDash: readonly string[] = []): Promise<Command> {
  const program = quietErrors(new Command('hbft'))
    .description('hbft-emu: hypervisor-based fault tolerance (Remus-style VM checkpointing) emulated on Node worker threads')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', EPILOG);
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.name).description(entry.summary);
    if (entry.name !== chosen) continue;
    const loaded = await entry.load();
    if ('subcommands' in loaded) {
      for (const sub of loaded.subcommands) configure(cmd.command(sub.name), sub, onExit, afterDash);
    } else {
      configure(cmd, loaded, onExit, afterDash);
    }
  }
  return program;
}

function configure(cmd: Command, spec: CommandSpec, onExit: (code: number) => void, afterDash: readonly string[]): void {
  cmd.description(spec.summary).usage(`[flags]${spec.args === undefined ? '' : ` ${spec.args}`}${spec.passThrough ? ' -- COMMAND ...' : ''}`);
  addFlags(cmd, spec.flags);
  if (spec.details !== undefined) cmd.addHelpText('after', `\n${spec.details}`);
  cmd.action(async () => onExit(await spec.run(readFlags(cmd, spec.flags), [...cmd.args], afterDash)));
}

async function findSpec(argv: readonly string[]): Promise<CommandSpec | null> {
  const entry = COMMANDS.find((c) => c.name === argv[0]);
  if (entry === undefined) return null;
  const loaded = await entry.load();
  if (!('subcommands' in loaded)) return loaded;
  const word = argv[1];
  // commander would print the group's whole help on stderr; one line says the same.
  if (word === undefined || (word.startsWith('-') && word !== '-h' && word !== '--help')) {
    throw new ConfigError(entry.name, `give a subcommand (one of ${loaded.subcommands.map((s) => s.name).join(', ')})`);
  }
  return loaded.subcommands.find((s) => s.name === word) ?? null;
}

/** Runs `hbft ARGV...` in this process; resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    if (argv.length === 0) {
      (await buildProgram(undefined, () => {})).outputHelp();
      throw new HbftError('USAGE', 'give a command (hbft --help lists them)', { input: true });
    }
    const spec = await findSpec(argv);
    let args = [...argv];
    let afterDash: string[] = [];
    const dash = args.indexOf('--');
    if (spec?.passThrough && dash >= 0) {
      afterDash = args.slice(dash + 1);
      args = args.slice(0, dash);
    }
    const optional = spec?.flags.flatMap((g) => Object.entries(g.table).filter(([, f]) => f.optionalValue).map(([n]) => `--${n}`)) ?? [];
    let code = 0;
    const chosen = argv[0] === 'help' ? argv[1] : argv[0];
    const program = await buildProgram(chosen, (c) => (code = c), afterDash);
    await program.parseAsync(expandOptionalValues(args, optional), { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e);
  }
}

/** One line on stderr; the exit code from the error's kind. */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // --help, --version, `hbft help run`: commander's output is done and was asked for.
    if (e.exitCode === 0) return 0;
    e = toConfigError(e);
  }
  const err: Error & { code?: unknown } = e instanceof Error ? e : new Error(String(e));
  const line = err.message.replace(/\s*\n\s*/g, '; ');
  if (isInputError(err)) {
    process.stderr.write(`hbft: ${line}\n`);
    return 2;
  }
  process.stderr.write(`hbft: ${line}${typeof err.code === 'string' ? ` [${err.code}]` : ''}\n`);
  if (process.env.HBFT_DEBUG) process.stderr.write(`${err.stack}\n`);
  return 1;
}
