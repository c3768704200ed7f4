/** Codes compare can fail with; callers branch on `code`, never on the message. */
export type CompareErrorCode =
  | 'COMPARE_BAD_INPUT'
  | 'COMPARE_SWEEP_MISMATCH'
  | 'COMPARE_SHARD_DUPLICATE'
  | 'COMPARE_SHARD_MISSING'
  | 'COMPARE_ROWS_MISMATCH';

export class CompareError extends Error {
  readonly code: CompareErrorCode;

  constructor(code: CompareErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CompareError';
    this.code = code;
  }
}
