import {
  DEAD_LETTER_ATTRIBUTE_RESERVE_BYTES,
  SEND_INVITES_LIMITS,
  SQS_LIMITS,
} from './domain/constants.ts';
import { checkSpaceId, checkText, FieldProblems } from './domain/invite-request.ts';

type Environment = Readonly<Record<string, string | undefined>>;

/** The environment is missing or has invalid settings; names every one. */
export class ConfigurationError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

export const CONFIG_DEFAULTS = {
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
  defaultInvite: { title: string; body: string };
  /** Largest chunk the intake writes: the queue's maximum less the room kept for DLQ attributes. */
  maxChunkBytes: number;
}

class Reader {
  readonly problems: string[] = [];
  readonly #env: Environment;

  constructor(env: Environment) {
    this.#env = env;
  }

  optional(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) this.problems.push(`${name} is required`);
    return value ?? '';
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  spaceIds(name: string): string[] | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    const ids = raw
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    for (const id of ids) this.space(name, id);
    return ids;
  }

  space(name: string, value: string | undefined): string | undefined {
    if (value !== undefined && checkSpaceId(value, new FieldProblems()) === undefined) {
      this.problems.push(`${name} holds an invalid space ID "${value}"`);
    }
    return value;
  }

  text(name: string, fallback: string, maxCodePoints: number): string {
    const value = this.optional(name) ?? fallback;
    if (checkText(name, value, maxCodePoints, new FieldProblems()) === undefined) {
      this.problems.push(`${name} must be 1 to ${maxCodePoints} characters of well-formed text`);
    }
    return value;
  }

  done(): void {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems);
  }
}

/**
 * Reads the intake's settings from the environment once.
 * Throws `ConfigurationError` naming every missing or invalid variable.
 */
export function readIntakeConfig(env: Environment = process.env): IntakeConfig {
  const read = new Reader(env);
  const allowed = read.spaceIds('ALLOWED_SPACE_IDS');
  const config: IntakeConfig = {
    invitesQueueUrl: read.required('INVITES_QUEUE_URL'),
    deadLetterQueueUrl: read.required('DEAD_LETTER_QUEUE_URL'),
    hrEventSource: read.optional('HR_EVENT_SOURCE') ?? CONFIG_DEFAULTS.hrEventSource,
    defaultInvite: {
      title: read.text(
        'DEFAULT_INVITE_TITLE',
        CONFIG_DEFAULTS.defaultInviteTitle,
        SEND_INVITES_LIMITS.titleMaxCodePoints,
      ),
      body: read.text(
        'DEFAULT_INVITE_BODY',
        CONFIG_DEFAULTS.defaultInviteBody,
        SEND_INVITES_LIMITS.bodyMaxCodePoints,
      ),
    },
    maxChunkBytes:
      read.integer(
        'QUEUE_MAX_MESSAGE_BYTES',
        CONFIG_DEFAULTS.queueMaxMessageBytes,
        64 * 1024,
        SQS_LIMITS.maxMessageBytes,
      ) - DEAD_LETTER_ATTRIBUTE_RESERVE_BYTES,
  };
  const defaultSpaceId = read.space('DEFAULT_SPACE_ID', read.optional('DEFAULT_SPACE_ID'));
  if (allowed !== undefined) config.allowedSpaceIds = new Set(allowed);
  if (defaultSpaceId !== undefined) config.defaultSpaceId = defaultSpaceId;
  read.done();
  return config;
}

export interface WorkerConfig {
  invitesQueueUrl: string;
  deadLetterQueueUrl: string;
  /** Longest a SendInvites call may take before it counts as a timeout. */
  sendInvitesTimeoutMs: number;
  /** No call starts with less invocation time left than this. */
  callBudgetMs: number;
}

/** Time kept for handing messages back or parking them after the last call. */
const BOOKKEEPING_MS = 2_000;

/**
 * Reads the worker's settings from the environment once.
 * Throws `ConfigurationError` naming every missing or invalid variable.
 */
export function readWorkerConfig(env: Environment = process.env): WorkerConfig {
  const read = new Reader(env);
  const timeout = read.integer('SEND_INVITES_TIMEOUT_MS', 10_000, 100, 60_000);
  const config: WorkerConfig = {
    invitesQueueUrl: read.required('INVITES_QUEUE_URL'),
    deadLetterQueueUrl: read.required('DEAD_LETTER_QUEUE_URL'),
    sendInvitesTimeoutMs: timeout,
    callBudgetMs: timeout + BOOKKEEPING_MS,
  };
  read.done();
  return config;
}
