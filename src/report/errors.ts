/** Codes a report can fail with; callers branch on `code`, never on the message. */
export type ReportErrorCode = 'REPORT_BAD_INPUT' | 'REPORT_CHART_FAILED';

export class ReportError extends Error {
  readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReportError';
    this.code = code;
  }
}
