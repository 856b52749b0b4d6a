import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.ts';

/** A request of an earlier run, as its report lists it. */
interface ReportedRequest {
  index: number;
  firstAccessor: number;
  accessorCount: number;
  idempotencyKey: string;
}

function isReportedRequest(value: unknown): value is ReportedRequest {
  const request = value as Partial<ReportedRequest> | null;
  return (
    typeof request === 'object' &&
    request !== null &&
    Number.isSafeInteger(request.index) &&
    Number.isSafeInteger(request.firstAccessor) &&
    Number.isSafeInteger(request.accessorCount) &&
    typeof request.idempotencyKey === 'string'
  );
}

/**
 * The `Idempotency-Key` of each request (by index) of the run whose `--report` is at `path`, for
 * a run that sends the same requests again: one the API accepted is answered from its first
 * answer, one partly queued is finished, one it never saw is queued; none is queued twice.
 * Throws `UsageError` unless that run split as many accessors the same way for the same space
 * (the same `--file`, `--space` and `--ids-per-request`). A file whose IDs changed within that
 * shape gets the API's 422 for each request: a key's payload is fingerprinted.
 */
export async function readResumeKeys(
  path: string,
  run: { spaceId: string; batches: readonly (readonly string[])[] },
): Promise<Map<number, string>> {
  let report: { spaceId?: unknown; unfinished?: unknown; requests?: unknown };
  try {
    report = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--resume ${path}: cannot read the report (${reason})`, { cause: error });
  }
  const refuse = (why: string) => new UsageError(`--resume ${path}: ${why}; nothing was sent`);
  if (report?.unfinished === true) {
    throw refuse('that run did not finish its report (it was killed), so its keys are unknown');
  }
  const requests = Array.isArray(report?.requests) ? report.requests : undefined;
  if (requests === undefined || !requests.every(isReportedRequest)) {
    throw refuse('not the report of a run that sent requests (a dry run keeps no keys)');
  }
  if (report.spaceId !== run.spaceId) {
    throw refuse(`that run invited to ${String(report.spaceId)}, not ${run.spaceId}`);
  }
  let first = 1;
  const same =
    requests.length === run.batches.length &&
    run.batches.every((batch, offset) => {
      const request = requests[offset] as ReportedRequest;
      const matches =
        request.index === offset + 1 &&
        request.firstAccessor === first &&
        request.accessorCount === batch.length;
      first += batch.length;
      return matches;
    });
  if (!same) {
    throw refuse(
      'that run split its accessors otherwise: use the same --file and --ids-per-request',
    );
  }
  return new Map(requests.map((request) => [request.index, request.idempotencyKey]));
}
