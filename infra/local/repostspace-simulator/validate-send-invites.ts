import {
  SEND_INVITES_LIMITS,
  SPACE_ID_PATTERN,
  VALIDATION_REASONS,
} from '../../../shared/domain/constants.ts';
import { isJsonObject } from '../../../shared/domain/json-object.ts';
import type { SendInvitesInput } from '../../../shared/domain/ports.ts';
import { codePointLength } from '../../../shared/domain/text.ts';
import type { ErrorAnswer } from './error-answer.ts';

/** One member the service refuses, worded as the service words it. */
interface ServiceFieldProblem {
  name: string;
  message: string;
  /** Of the wrong type, which the service reports as `cannotParse`. */
  unparsable?: boolean;
}

export type ValidatedSendInvites = { input: SendInvitesInput } | { error: ErrorAnswer };

/** What the service says of a `title` or `body` of 1..max code points, as Smithy counts them. */
function serviceTextProblem(
  name: string,
  value: unknown,
  max: number,
): ServiceFieldProblem | undefined {
  if (value === undefined || value === null) return { name, message: 'Member must not be null' };
  if (typeof value !== 'string') return { name, message: 'Expected a string', unparsable: true };
  const length = codePointLength(value);
  if (length < 1) return { name, message: 'Member must have length greater than or equal to 1' };
  if (length > max)
    return { name, message: `Member must have length less than or equal to ${max}` };
  return undefined;
}

/** What the service says of `accessorIds`: a list of at most 1000 strings, with no other rule. */
function serviceAccessorIdsProblem(value: unknown): ServiceFieldProblem | undefined {
  const name = 'accessorIds';
  if (value === undefined || value === null) return { name, message: 'Member must not be null' };
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    return { name, message: 'Expected a list of strings', unparsable: true };
  }
  if (value.length > SEND_INVITES_LIMITS.maxAccessorsPerCall) {
    return {
      name,
      message: `Member must have length less than or equal to ${SEND_INVITES_LIMITS.maxAccessorsPerCall}`,
    };
  }
  return undefined;
}

function serviceSpaceId(spaceLabel: string): string | undefined {
  try {
    const spaceId = decodeURIComponent(spaceLabel);
    return SPACE_ID_PATTERN.test(spaceId) ? spaceId : undefined;
  } catch {
    return undefined;
  }
}

function cannotParse(message: string): ErrorAnswer {
  return {
    status: 400,
    type: 'ValidationException',
    message,
    fields: { reason: VALIDATION_REASONS.cannotParse, fieldList: [] },
  };
}

function validationError(problems: ServiceFieldProblem[]): ErrorAnswer {
  const reason = problems.some((problem) => problem.unparsable)
    ? VALIDATION_REASONS.cannotParse
    : VALIDATION_REASONS.fieldValidationFailed;
  const details = problems
    .map((problem) => `Value at '${problem.name}' failed to satisfy constraint: ${problem.message}`)
    .join('; ');
  return {
    status: 400,
    type: 'ValidationException',
    message: `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${details}`,
    fields: {
      reason,
      fieldList: problems.map(({ name, message }) => ({ name, message })),
    },
  };
}

/**
 * Validates a SendInvites call as the service does: the input, or the `ValidationException` to
 * answer. Never echoes title or body, which are sensitive.
 */
export function validateSendInvites(spaceLabel: string, raw: Buffer): ValidatedSendInvites {
  const problems: ServiceFieldProblem[] = [];
  const spaceId = serviceSpaceId(spaceLabel);
  if (spaceId === undefined) {
    problems.push({
      name: 'spaceId',
      message: `Member must satisfy regular expression pattern: ${SPACE_ID_PATTERN.source}`,
    });
  }
  let document: unknown;
  try {
    const text = raw.toString('utf8');
    document = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return { error: cannotParse('Could not parse the request body as JSON') };
  }
  if (!isJsonObject(document)) {
    return { error: cannotParse('The request body must be a JSON object') };
  }
  const { accessorIds, title, body } = document;
  for (const problem of [
    serviceAccessorIdsProblem(accessorIds),
    serviceTextProblem('title', title, SEND_INVITES_LIMITS.titleMaxCodePoints),
    serviceTextProblem('body', body, SEND_INVITES_LIMITS.bodyMaxCodePoints),
  ]) {
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0 || spaceId === undefined) return { error: validationError(problems) };
  return {
    input: {
      spaceId,
      accessorIds: accessorIds as string[],
      title: title as string,
      body: body as string,
    },
  };
}
