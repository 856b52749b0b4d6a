import { FieldProblems } from '../domain/field-problems.ts';
import { checkSpaceId, checkText } from '../domain/invite-request.ts';
import { configuredEndpoint, type EndpointService, isHttpUrl } from './aws-config.ts';
import { ConfigurationError, type Environment, nonEmpty } from './environment.ts';

/** Powertools' names for the service and the metrics namespace, unless the environment says otherwise. */
export const TELEMETRY_DEFAULTS = {
  serviceName: 'repost-invite-pipeline',
  metricsNamespace: 'RepostInvitePipeline',
} as const;

/** What the logger and the metrics are named, and how much is logged. */
export interface TelemetryConfig {
  serviceName: string;
  metricsNamespace: string;
  /** `POWERTOOLS_LOG_LEVEL`; Powertools' default (INFO) when undefined. */
  logLevel?: string;
}

/** The request ledger: its table, endpoint and how long it keeps things. */
export interface LedgerConfig {
  tableName: string;
  /** `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`); AWS's own endpoint when undefined. */
  endpoint?: string;
  /** `REQUEST_RETENTION_DAYS` (default 30): how long requests and their outcomes are kept. */
  requestRetentionMs: number;
  /** `IDEMPOTENCY_TTL_SECONDS` (default 24 h): how long an idempotency key is remembered. */
  idempotencyTtlMs: number;
  /**
   * `REINVITE_AFTER_DAYS` (default 7): an accessor invited to a space within this is not
   * invited again unless the request says `resend`; 0 turns that off.
   */
  reinviteAfterMs: number;
}

export const LEDGER_DEFAULTS = {
  requestRetentionDays: 30,
  idempotencyTtlSeconds: 86_400,
  reinviteAfterDays: 7,
} as const;

const DAY_MS = 86_400_000;

const LOG_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']);

/**
 * Reads settings from an environment, collecting every problem so that one
 * `ConfigurationError` names them all (`done()` throws it).
 */
export class SettingsReader {
  readonly problems: string[] = [];
  readonly #env: Environment;

  constructor(env: Environment) {
    this.#env = env;
  }

  optional(name: string): string | undefined {
    return nonEmpty(this.#env[name]);
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

  /** The service's configured endpoint, checked to be an http(s) URL. */
  endpoint(service: EndpointService): string | undefined {
    const endpoint = configuredEndpoint(this.#env, service);
    if (endpoint !== undefined && !isHttpUrl(endpoint)) {
      this.problems.push(`The ${service} endpoint must be an http(s) URL, got "${endpoint}"`);
    }
    return endpoint;
  }

  /** The ledger table (`LEDGER_TABLE_NAME`, required), its endpoint and retention. */
  ledger(): LedgerConfig {
    const tableName = this.required('LEDGER_TABLE_NAME');
    if (tableName !== '' && !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
      this.problems.push(`LEDGER_TABLE_NAME must be a DynamoDB table name, got "${tableName}"`);
    }
    const endpoint = this.endpoint('DYNAMODB');
    return {
      tableName,
      ...(endpoint === undefined ? {} : { endpoint }),
      requestRetentionMs:
        this.integer('REQUEST_RETENTION_DAYS', LEDGER_DEFAULTS.requestRetentionDays, 1, 3_650) *
        DAY_MS,
      idempotencyTtlMs:
        this.integer(
          'IDEMPOTENCY_TTL_SECONDS',
          LEDGER_DEFAULTS.idempotencyTtlSeconds,
          60,
          2_592_000,
        ) * 1000,
      reinviteAfterMs:
        this.integer('REINVITE_AFTER_DAYS', LEDGER_DEFAULTS.reinviteAfterDays, 0, 365) * DAY_MS,
    };
  }

  telemetry(): TelemetryConfig {
    const logLevel = this.optional('POWERTOOLS_LOG_LEVEL')?.toUpperCase();
    if (logLevel !== undefined && !LOG_LEVELS.has(logLevel)) {
      this.problems.push(`POWERTOOLS_LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);
    }
    return {
      serviceName: this.optional('POWERTOOLS_SERVICE_NAME') ?? TELEMETRY_DEFAULTS.serviceName,
      metricsNamespace:
        this.optional('POWERTOOLS_METRICS_NAMESPACE') ?? TELEMETRY_DEFAULTS.metricsNamespace,
      ...(logLevel !== undefined && LOG_LEVELS.has(logLevel) ? { logLevel } : {}),
    };
  }

  /** Throws `ConfigurationError` naming every problem found so far. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems);
  }
}
