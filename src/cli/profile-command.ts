import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nameLogs, threadRoleOfLog } from '../metrics/prof-logs.js';
import { ConfigError, HbftError, type HbftErrorOptions } from '../base/errors.js';
import type { CommandSpec } from './command.js';
import type { FlagTable, FlagValues } from './flags.js';

export const DEFAULT_PROF_DIR = join('results', 'prof');
const PROFILE_FLAGS = {
  out: { type: 'string', value: 'DIR', default: DEFAULT_PROF_DIR, help: "where the isolate logs and each thread's <role>.txt summary go" },
} as const satisfies FlagTable;

export const profileSpec: CommandSpec = {
  name: 'profile',
  summary: "re-run a command under node --prof and summarise each thread's ticks",
  flags: [{ title: 'Profile', table: PROFILE_FLAGS }],
  passThrough: true,
  details: 'Example: hbft profile --out results/prof -- run --workload gups --mode wfp --duration 2s',
  run: (values, positionals, afterDash) => profileCommand(values as FlagValues<typeof PROFILE_FLAGS>, positionals, afterDash),
};
const ISOLATE_LOG = /^isolate-.*\.log$/;
/** --prof-process output of a few seconds' run is a few MB at most. */
const MAX_SUMMARY_BYTES = 256 * 2 ** 20;

export class ProfileError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('PROFILE', message, options);
  }
}

/**
 * `hbft profile [--out DIR] -- run ...`: re-runs the CLI under `node --prof` with DIR as
 * its working directory (V8 writes one isolate log per thread there), then turns each log
 * into `<role>.txt` with `node --prof-process`.
 */
export async function profileCommand(values: FlagValues<typeof PROFILE_FLAGS>, positionals: readonly string[], command: readonly string[]): Promise<number> {
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument before --');
  if (command.length === 0) throw new ConfigError('profile', 'give the command to profile after --, e.g. hbft profile -- run --workload gups');
  const outDir = resolve(values.out ?? DEFAULT_PROF_DIR);
  if (command[0] === 'profile') throw new ConfigError('profile', 'cannot profile the profile command');
  // Relative paths in the profiled command keep meaning what they meant here.
  const cwd = process.cwd();
  const absolutised = command.map((a) => (a.startsWith('./') || a.startsWith('../') ? resolve(cwd, a) : a));

  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (ISOLATE_LOG.test(f) || f.endsWith('.v8.log')) rmSync(join(outDir, f));
  const cli = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawnSync(process.execPath, ['--prof', cli, ...absolutised], { cwd: outDir, stdio: 'inherit' });
  if (child.error !== undefined) throw new ProfileError(`profile: start node --prof: ${child.error.message}`, { cause: child.error });

  const logs = readdirSync(outDir).filter((f) => ISOLATE_LOG.test(f)).sort();
  if (logs.length === 0) throw new ProfileError(`profile: node --prof wrote no isolate logs in ${outDir}`);
  const names = nameLogs(logs.map((f) => threadRoleOfLog(readFileSync(join(outDir, f), 'latin1'))));
  const written: string[] = [];
  logs.forEach((log, i) => {
    const logPath = join(outDir, `${names[i]}.v8.log`);
    renameSync(join(outDir, log), logPath);
    const p = spawnSync(process.execPath, ['--prof-process', logPath], { cwd: outDir, encoding: 'utf8', maxBuffer: MAX_SUMMARY_BYTES });
    if (p.error !== undefined || p.status !== 0) {
      throw new ProfileError(`profile: node --prof-process ${logPath}: ${p.error?.message ?? p.stderr.split('\n')[0]}`);
    }
    const txt = join(outDir, `${names[i]}.txt`);
    writeFileSync(txt, p.stdout);
    written.push(txt);
  });
  for (const w of written) process.stdout.write(`wrote ${w}\n`);
  return child.status ?? 1;
}
