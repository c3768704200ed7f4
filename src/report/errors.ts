import { HbftError } from '../base/errors.js';
/** Codes a report can fail with; callers branch on `code`, never on the message. */
export type ReportErrorCode = 'REPORT_BAD_INPUT' | 'REPORT_CHART_FAILED';

/** REPORT_BAD_INPUT is the caller's input (exit code 2); a chart that fails to render is ours. */
export class ReportError extends HbftError {
  declare readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause, input: code === 'REPORT_BAD_INPUT' });
  }
}
