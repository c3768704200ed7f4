/** A bad flag or option: printed as one line, exit code 2. */
export class ConfigError extends Error {
  readonly code = 'CONFIG';
  constructor(readonly flag: string, detail: string) {
    super(`${flag}: ${detail}`);
  }
}
