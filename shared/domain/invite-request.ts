import { withLazyProperty } from '../lib/lazy-property.ts';
import type { AccessorIdsText } from './accessor-ids-text.ts';
import {
  REQUEST_LIMITS,
  SEND_INVITES_LIMITS,
  SPACE_ID_PATTERN,
  VALIDATION_REASONS,
} from './constants.ts';
import { InviteValidationError } from './errors.ts';
import { FieldProblems } from './field-problems.ts';
import type { Invitation } from './invite.ts';
import { isJsonObject } from './json-object.ts';
import { fitsCodePoints, hasControlCharacter, isPlainAscii, isWellFormedText } from './text.ts';
import { uniqueStrings } from './unique-strings.ts';

/** A validated request to invite accessors to one space; `accessorIds` holds no duplicates. */
export interface InviteRequest extends Invitation {
  /** Invite everyone, even those invited to the space recently (`"resend": true`). */
  resend: boolean;
  /** Every accessor ID is plain ASCII (`isPlainAscii`): JSON writes each byte for byte. */
  plainAsciiIds?: boolean;
  /** Where the IDs lie in the body they were read from: their chunks' JSON is cut from it. */
  accessorIdsText?: AccessorIdsText;
}

/** What the caller knows of a payload before it is checked. */
export interface PayloadFacts {
  /** Every string of the payload is plain ASCII: `isPlainJsonText` said so of its JSON text. */
  plainText?: boolean;
  /**
   * The payload's accessor IDs as `readInviteBodyText` read them from its text, valid and
   * distinct: `accessorIds` in the payload itself is then not read.
   */
  accessorIds?: AccessorIdsText;
}

/** The fields an invite request's body or event detail may name. */
const REQUEST_FIELDS = ['accessorIds', 'title', 'body', 'resend', 'dryRun', 'spaceId'];

/** A field name without case, `_`, `-` or spaces: `dry_run` and `DryRun` both read `dryrun`. */
function spelling(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, '');
}

/**
 * Refuses a field spelt like one of `fields` without being it (`dryrun`, `Resend`,
 * `accessor_ids`). Other fields are ignored, and ignoring these would do the wrong thing
 * quietly: invite people for real when a dry run was asked for, skip those a resend was meant
 * to reach, or invite to the default space instead of the one named.
 */
export function checkFieldSpelling(
  payload: Record<string, unknown>,
  fields: readonly string[],
  problems: FieldProblems,
): void {
  const bySpelling = new Map(fields.map((field) => [spelling(field), field]));
  for (const name of Object.keys(payload)) {
    const meant = bySpelling.get(spelling(name));
    if (meant !== undefined && meant !== name) {
      problems.add(name, `${name} is not a field; did you mean ${meant}?`);
    }
  }
}

/** Checks an optional boolean field: absent is false. */
export function checkFlag(name: string, value: unknown, problems: FieldProblems): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  problems.add(name, `${name} must be true or false`);
  return false;
}

/** Checks a space ID: 1–64 letters, digits, `-` or `_`. */
export function checkSpaceId(value: unknown, problems: FieldProblems): string | undefined {
  if (typeof value === 'string' && SPACE_ID_PATTERN.test(value)) return value;
  problems.add(
    'spaceId',
    `spaceId must be 1 to ${REQUEST_LIMITS.spaceIdMaxLength} characters of letters, digits, '-' and '_'`,
  );
  return undefined;
}

/** Checks a required text field of 1..max Unicode code points. */
export function checkText(
  name: string,
  value: unknown,
  maxCodePoints: number,
  problems: FieldProblems,
): string | undefined {
  const problem = textProblem(name, value, maxCodePoints);
  if (problem === undefined) return value as string;
  problems.add(name, problem);
  return undefined;
}

function textProblem(name: string, value: unknown, maxCodePoints: number): string | undefined {
  if (value === undefined || value === null) return `${name} is required`;
  if (typeof value !== 'string') return `${name} must be a string`;
  if (value.length === 0 || !fitsCodePoints(value, maxCodePoints)) {
    return `${name} must be 1 to ${maxCodePoints} characters long`;
  }
  if (!isWellFormedText(value)) return `${name} must be well-formed Unicode text`;
  return undefined;
}

/** Checks one accessor ID: 1–256 code points, no control characters, well-formed text. */
export function accessorIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'accessor ID must be a string';
  if (value.length === 0) return 'accessor ID must not be empty';
  if (!fitsCodePoints(value, REQUEST_LIMITS.accessorIdMaxCodePoints)) {
    return `accessor ID must be at most ${REQUEST_LIMITS.accessorIdMaxCodePoints} characters long`;
  }
  if (hasControlCharacter(value)) return 'accessor ID must not contain control characters';
  if (!isWellFormedText(value)) return 'accessor ID must be well-formed Unicode text';
  return undefined;
}

/**
 * Checks a list of accessor IDs and returns it without duplicates (first occurrence kept),
 * or undefined when it is invalid.
 */
export function checkAccessorIds(
  value: unknown,
  problems: FieldProblems,
  maxCount = Number.POSITIVE_INFINITY,
): string[] | undefined {
  return checkAccessorList(value, problems, maxCount, {})?.ids;
}

/** `checkAccessorIds`, telling also whether every ID is plain ASCII. */
function checkAccessorList(
  value: unknown,
  problems: FieldProblems,
  maxCount: number,
  facts: PayloadFacts,
): { ids: string[]; plainAscii: boolean } | undefined {
  if (value === undefined || value === null) {
    problems.add('accessorIds', 'accessorIds is required');
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.add('accessorIds', 'accessorIds must be an array of strings');
    return undefined;
  }
  if (value.length === 0) {
    problems.add('accessorIds', 'accessorIds must hold at least one accessor ID');
    return undefined;
  }
  // The fast check passes almost every real list; the slow one names each problem, and
  // accepts IDs longer than 256 UTF-16 units that are still within 256 code points.
  const fast = value.every(isPlausibleAccessorId) ? charactersOf(value, facts) : undefined;
  if (!fast?.valid) {
    let valid = true;
    for (let index = 0; index < value.length; index++) {
      const problem = accessorIdProblem(value[index]);
      if (problem !== undefined) {
        problems.add(`accessorIds[${index}]`, problem);
        valid = false;
      }
    }
    if (!valid) return undefined;
  }
  const unique = uniqueStrings(value);
  if (unique.length > maxCount) {
    problems.add('accessorIds', `accessorIds must hold at most ${maxCount} accessor IDs`);
    return undefined;
  }
  return { ids: unique, plainAscii: fast?.plainAscii ?? false };
}

/** A non-empty string short enough in UTF-16 units to need no code point count. */
function isPlausibleAccessorId(id: unknown): id is string {
  return (
    typeof id === 'string' && id.length > 0 && id.length <= REQUEST_LIMITS.accessorIdMaxCodePoints
  );
}

/**
 * Checks the character rules on all IDs at once: one scan of the joined text is several
 * times faster than one per ID, and none is needed when the whole payload is plain text.
 * The space that joins them cannot hide or create a problem.
 */
function charactersOf(ids: string[], facts: PayloadFacts): { valid: boolean; plainAscii: boolean } {
  if (facts.plainText) return { valid: true, plainAscii: true };
  const joined = ids.join(' ');
  const plainAscii = isPlainAscii(joined);
  return {
    valid: plainAscii || (!hasControlCharacter(joined) && isWellFormedText(joined)),
    plainAscii,
  };
}

/**
 * Validates an invite request exactly as the service validates SendInvites input, for any
 * number of accessors, with the optional `resend`. Throws `InviteValidationError` listing every
 * failing field.
 */
export function parseInviteRequest(
  spaceId: unknown,
  payload: unknown,
  facts: PayloadFacts = {},
): InviteRequest {
  if (!isJsonObject(payload)) {
    throw new InviteValidationError(
      'Request body must be a JSON object',
      VALIDATION_REASONS.cannotParse,
    );
  }
  const problems = new FieldProblems();
  checkFieldSpelling(payload, REQUEST_FIELDS, problems);
  const space = checkSpaceId(spaceId, problems);
  // An HTTP body may repeat the path's space; one naming another would quietly invite elsewhere.
  if (space !== undefined && payload.spaceId !== undefined && payload.spaceId !== spaceId) {
    problems.add('spaceId', 'spaceId in the body must be the space of the path, or left out');
  }
  const title = checkText('title', payload.title, SEND_INVITES_LIMITS.titleMaxCodePoints, problems);
  const body = checkText('body', payload.body, SEND_INVITES_LIMITS.bodyMaxCodePoints, problems);
  // A list read from the text is valid and distinct already; its IDs are made only when read.
  const list =
    facts.accessorIds === undefined
      ? checkAccessorList(payload.accessorIds, problems, Number.POSITIVE_INFINITY, facts)
      : { text: facts.accessorIds };
  const resend = checkFlag('resend', payload.resend, problems);
  // Every failed check records a problem, so one undefined means the error lists it.
  if (
    space === undefined ||
    title === undefined ||
    body === undefined ||
    list === undefined ||
    !problems.empty
  ) {
    throw problems.toError();
  }
  const request = { spaceId: space, title, body, resend };
  if ('text' in list) {
    const { text } = list;
    return withLazyProperty(
      { ...request, plainAsciiIds: true, accessorIdsText: text },
      'accessorIds',
      () => text.ids(),
    );
  }
  return { ...request, accessorIds: list.ids, plainAsciiIds: list.plainAscii };
}

/** How many distinct accessors a request names, without making their IDs when it need not. */
export function accessorCountOf(
  request: Pick<InviteRequest, 'accessorIds' | 'accessorIdsText'>,
): number {
  return request.accessorIdsText?.count ?? request.accessorIds.length;
}
