// The one error base of hbft-emu: every error the project throws on purpose carries a
// `code` callers branch on, and `input`: true when the caller's input is at fault (the
// CLI exits 2 for those, 1 for the rest). Low-level on purpose: every folder imports it.

export interface HbftErrorOptions {
  readonly cause?: unknown;
  /** The caller's input is at fault (a flag, a file given on the command line). */
  readonly input?: boolean;
}

export class HbftError extends Error {
  readonly code: string;
  readonly input: boolean;

  constructor(code: string, message: string, options: HbftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.input = options.input ?? false;
  }
}

/** A bad flag or option, named in the message: printed as one line, exit code 2. */
export class ConfigError extends HbftError {
  constructor(readonly flag: string, detail: string, options: { cause?: unknown } = {}) {
    super('CONFIG', `${flag}: ${detail}`, { ...options, input: true });
  }
}

/** True when e is an HbftError the caller's input caused (exit code 2). */
export function isInputError(e: unknown): e is HbftError {
  return e instanceof HbftError && e.input;
}
