import {
  DEAD_LETTER_ATTRIBUTE_RESERVE_BYTES,
  SEND_INVITES_LIMITS,
  SQS_LIMITS,
} from '../domain/constants.ts';
import type { Environment } from './environment.ts';
import { type LedgerConfig, SettingsReader, type TelemetryConfig } from './settings-reader.ts';

export const INTAKE_CONFIG_DEFAULTS = {
  hrEventSource: 'hr.events',
  defaultInviteTitle: 'You are invited to our re:Post Private space',
  defaultInviteBody:
    'Welcome aboard! Join our private re:Post to ask questions and find answers with your colleagues.',
  queueMaxMessageBytes: SQS_LIMITS.maxMessageBytes,
} as const;

export interface IntakeConfig {
  invitesQueueUrl: string;
  deadLetterQueueUrl: string;
  /** Every space is allowed when undefined. */
  allowedSpaceIds?: ReadonlySet<string>;
  defaultSpaceId?: string;
  hrEventSource: string;
  /** `HR_EVENT_ACCOUNT`: the account HR events must come from; any when undefined. */
  hrEventAccount?: string;
  defaultInvite: { title: string; body: string };
  /** Largest chunk the intake writes: the queue's maximum less the room kept for DLQ attributes. */
  maxChunkBytes: number;
  /** `AWS_ENDPOINT_URL_SQS` (or `AWS_ENDPOINT_URL`); AWS's own endpoint when undefined. */
  sqsEndpoint?: string;
  ledger: LedgerConfig;
  telemetry: TelemetryConfig;
}

/**
 * Reads the intake's settings from the environment once.
 * Throws `ConfigurationError` naming every missing or invalid variable.
 */
export function readIntakeConfig(env: Environment): IntakeConfig {
  const read = new SettingsReader(env);
  const allowed = read.spaceIds('ALLOWED_SPACE_IDS');
  const config: IntakeConfig = {
    invitesQueueUrl: read.required('INVITES_QUEUE_URL'),
    deadLetterQueueUrl: read.required('DEAD_LETTER_QUEUE_URL'),
    hrEventSource: read.optional('HR_EVENT_SOURCE') ?? INTAKE_CONFIG_DEFAULTS.hrEventSource,
    defaultInvite: {
      title: read.text(
        'DEFAULT_INVITE_TITLE',
        INTAKE_CONFIG_DEFAULTS.defaultInviteTitle,
        SEND_INVITES_LIMITS.titleMaxCodePoints,
      ),
      body: read.text(
        'DEFAULT_INVITE_BODY',
        INTAKE_CONFIG_DEFAULTS.defaultInviteBody,
        SEND_INVITES_LIMITS.bodyMaxCodePoints,
      ),
    },
    maxChunkBytes:
      read.integer(
        'QUEUE_MAX_MESSAGE_BYTES',
        INTAKE_CONFIG_DEFAULTS.queueMaxMessageBytes,
        64 * 1024,
        SQS_LIMITS.maxMessageBytes,
      ) - DEAD_LETTER_ATTRIBUTE_RESERVE_BYTES,
    ledger: read.ledger(),
    telemetry: read.telemetry(),
  };
  const defaultSpaceId = read.space('DEFAULT_SPACE_ID', read.optional('DEFAULT_SPACE_ID'));
  const sqsEndpoint = read.endpoint('SQS');
  const hrEventAccount = read.optional('HR_EVENT_ACCOUNT');
  if (hrEventAccount !== undefined && !/^\d{12}$/.test(hrEventAccount)) {
    read.problems.push(`HR_EVENT_ACCOUNT must be a 12-digit account ID, got "${hrEventAccount}"`);
  }
  if (hrEventAccount !== undefined) config.hrEventAccount = hrEventAccount;
  if (allowed !== undefined) config.allowedSpaceIds = new Set(allowed);
  if (defaultSpaceId !== undefined) config.defaultSpaceId = defaultSpaceId;
  if (sqsEndpoint !== undefined) config.sqsEndpoint = sqsEndpoint;
  read.done();
  return config;
}
