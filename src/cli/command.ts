// What a command module gives `hbft`: its flag tables (for parsing and --help) and the
// function that runs it on the parsed flags. main.ts wires these to commander.
import type { FlagGroup, ParsedFlags } from './flags.js';

export interface CommandSpec {
  /** The word typed after `hbft` (or after the group: `kv` in `hbft client kv`). */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments as help shows them, e.g. `<FILE>`; none when absent. */
  readonly args?: string;
  readonly flags: readonly FlagGroup[];
  /** Extra help after the flag list (examples, notes). */
  readonly details?: string;
  /** Everything after the first `--` is handed to run() untouched (profile's command). */
  readonly passThrough?: boolean;
  run(values: ParsedFlags, positionals: string[], afterDash: readonly string[]): Promise<number>;
}

/** `hbft client kv`, `hbft stream inspect`: a word that only chooses a subcommand. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly subcommands: readonly CommandSpec[];
}
