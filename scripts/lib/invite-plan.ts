import { SEND_INVITES_LIMITS } from '../../shared/domain/constants.ts';
import { FieldProblems } from '../../shared/domain/field-problems.ts';
import { checkSpaceId, checkText } from '../../shared/domain/invite-request.ts';
import { parseApiBaseUrl } from './api-call.ts';
import { UsageError } from './errors.ts';
import { INVITE_DEFAULTS, type InviteOptions } from './invite-options.ts';
import { readAccessorFile } from './read-accessor-file.ts';
import { splitIntoRequests } from './split-requests.ts';

/** What a run will send, known before the first request. */
export interface InvitePlan {
  baseUrl: URL;
  /** The file's accessor IDs, each once, in file order. */
  accessorIds: string[];
  /** Repeats of an ID the file held and the plan skips. */
  duplicates: number;
  /** The accessor IDs of each request, in order. */
  batches: string[][];
}

/**
 * Checks the options as the intake will, reads the accessor file and splits it into requests.
 * Throws `UsageError` (or `AccessorFileError`) naming what is wrong.
 */
export async function planInvite(options: InviteOptions): Promise<InvitePlan> {
  checkInvite(options);
  const baseUrl = parseApiBaseUrl(options.url);
  const { accessorIds, duplicates } = await readAccessorFile(options.file, {
    ...(options.column !== undefined ? { column: options.column } : {}),
    ...(options.header !== undefined ? { header: options.header } : {}),
  });
  let batches: string[][];
  try {
    batches = splitIntoRequests(accessorIds, {
      title: options.title,
      body: options.body,
      flags: { resend: options.resend === true, dryRun: options.dryRun === true },
      maxIds: options.idsPerRequest ?? INVITE_DEFAULTS.idsPerRequest,
      maxBytes: options.maxRequestBytes ?? INVITE_DEFAULTS.maxRequestBytes,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  return { baseUrl, accessorIds, duplicates, batches };
}

/** Checks the space, title and body as the intake will; throws `UsageError` listing problems. */
function checkInvite(options: InviteOptions): void {
  const problems = new FieldProblems();
  checkSpaceId(options.spaceId, problems);
  checkText('title', options.title, SEND_INVITES_LIMITS.titleMaxCodePoints, problems);
  checkText('body', options.body, SEND_INVITES_LIMITS.bodyMaxCodePoints, problems);
  if (!problems.empty) {
    throw new UsageError(problems.list.map((problem) => problem.message).join('; '));
  }
}
