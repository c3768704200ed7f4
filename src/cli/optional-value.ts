/**
 * Flags whose value may be left out (`--report` alone takes the default path). For each
 * flag named here, a bare `--flag` (last, or followed by another `--flag`) becomes
 * `--flag=`, and the empty value means "use the default path"; `--flag PATH` and
 * `--flag=PATH` pass unchanged. Run before commander so that a value such as `-` or a
 * negative number after the flag is still taken as its value.
 */
export function expandOptionalValues(argv: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (flags.includes(arg) && (next === undefined || next.startsWith('--'))) out.push(`${arg}=`);
    else out.push(arg);
  }
  return out;
}
