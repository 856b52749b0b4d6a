import { VALIDATION_REASONS } from './constants.ts';
import { InviteValidationError } from './errors.ts';
import { FieldProblems } from './field-problems.ts';
import {
  accessorIdProblem,
  checkFieldSpelling,
  checkSpaceId,
  type InviteRequest,
  parseInviteRequest,
} from './invite-request.ts';
import { isJsonObject } from './json-object.ts';

export const HR_DETAIL_TYPES = {
  employeeOnboarded: 'Employee Onboarded',
  inviteRequested: 'Invite Requested',
} as const;

/** The parts of an EventBridge event the intake reads. */
export interface HrEvent {
  source: string;
  account: string;
  'detail-type': string;
  detail: unknown;
}

export interface HrEventRules {
  source: string;
  /** The account HR events must come from; any account when undefined. */
  account?: string;
  defaultSpaceId?: string;
  defaultInvite: { title: string; body: string };
}

function detailObject(event: HrEvent): Record<string, unknown> {
  const { detail } = event;
  if (!isJsonObject(detail)) {
    throw new InviteValidationError(
      'Event detail must be a JSON object',
      VALIDATION_REASONS.cannotParse,
    );
  }
  return detail;
}

/**
 * Turns an HR event into an invite request: `Employee Onboarded` invites one accessor with the
 * default title and body, `Invite Requested` carries a whole request.
 * Throws `InviteValidationError` for any other source, account or detail-type, or invalid detail.
 */
export function parseHrEvent(event: HrEvent, rules: HrEventRules): InviteRequest {
  if (event.source !== rules.source) {
    throw new InviteValidationError(
      `Event source "${event.source}" is not the HR source "${rules.source}"`,
      VALIDATION_REASONS.other,
    );
  }
  if (rules.account !== undefined && event.account !== rules.account) {
    throw new InviteValidationError(
      `Event account "${event.account}" is not the HR account "${rules.account}"`,
      VALIDATION_REASONS.other,
    );
  }
  switch (event['detail-type']) {
    case HR_DETAIL_TYPES.inviteRequested: {
      const detail = detailObject(event);
      refuseDryRun(detail, new FieldProblems());
      return parseInviteRequest(detail.spaceId, detail);
    }
    case HR_DETAIL_TYPES.employeeOnboarded: {
      const detail = detailObject(event);
      const problems = new FieldProblems();
      refuseDryRun(detail, problems);
      // `dryRun` too: a misspelt flag ignored would invite the person it meant only to ask about.
      checkFieldSpelling(detail, ['accessorId', 'spaceId', 'dryRun'], problems);
      const idProblem = accessorIdProblem(detail.accessorId);
      if (idProblem !== undefined) problems.add('accessorId', idProblem);
      const requested = detail.spaceId ?? rules.defaultSpaceId;
      const spaceId =
        requested === undefined
          ? problems.add('spaceId', 'spaceId is required when no DEFAULT_SPACE_ID is configured')
          : checkSpaceId(requested, problems);
      if (!problems.empty || spaceId === undefined) throw problems.toError();
      return {
        spaceId,
        accessorIds: [detail.accessorId as string],
        ...rules.defaultInvite,
        resend: false,
      };
    }
    default:
      throw new InviteValidationError(
        `Unsupported detail-type "${event['detail-type']}"`,
        VALIDATION_REASONS.unknownOperation,
      );
  }
}

/**
 * Throws for a detail that asks for a dry run, of either event type: nobody would read the
 * answer, and going ahead would invite people meant only to be asked about.
 */
function refuseDryRun(detail: Record<string, unknown>, problems: FieldProblems): void {
  if (detail.dryRun === undefined) return;
  problems.add('dryRun', 'A dry run is for the HTTP API only; an HR event always invites');
  throw problems.toError();
}
