import { EnqueueError, InviteValidationError, type PipelineError } from './errors.ts';
import type { ParkReason } from './ports.ts';

/**
 * The reason a refused input is parked in the DLQ with: the error's type, and a message that
 * names every failing field (never a field's value).
 */
export function parkReasonFor(error: PipelineError): ParkReason {
  return { errorType: error.errorType, errorMessage: describe(error) };
}

function describe(error: PipelineError): string {
  if (error instanceof InviteValidationError && error.fieldList.length > 0) {
    // Each field names itself, so the message's own list of names would only say them twice.
    const fields = error.fieldList.map((field) => `${field.name}: ${field.message}`);
    const unlisted = / \(and \d+ more\)$/.exec(error.message)?.[0] ?? '';
    return `Invalid input: ${fields.join('; ')}${unlisted}`;
  }
  if (error instanceof EnqueueError)
    return `${error.message}: ${String(error.cause ?? 'unknown error')}`;
  return error.message;
}
