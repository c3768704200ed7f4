import { HbftError } from '../base/errors.js';
/** Codes compare can fail with; callers branch on `code`, never on the message. */
export type CompareErrorCode =
  | 'COMPARE_BAD_INPUT'
  | 'COMPARE_SWEEP_MISMATCH'
  | 'COMPARE_SHARD_DUPLICATE'
  | 'COMPARE_SHARD_MISSING'
  | 'COMPARE_ROWS_MISMATCH';

/**
 * COMPARE_BAD_INPUT (a merge file that cannot be read or is not a compare result) is the
 * caller's input, exit code 2; shards that do not fit together are a failed merge, exit 1.
 */
export class CompareError extends HbftError {
  declare readonly code: CompareErrorCode;

  constructor(code: CompareErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause, input: code === 'COMPARE_BAD_INPUT' });
  }
}
