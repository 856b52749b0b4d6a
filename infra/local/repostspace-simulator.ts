import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SEND_INVITES_LIMITS,
  SPACE_ID_PATTERN,
  VALIDATION_REASONS,
} from '../../shared/domain/constants.ts';

/** A token bucket in front of SendInvites; an empty bucket answers 429. */
export interface SimulatorThrottle {
  ratePerSecond: number;
  burst: number;
  retryAfterSeconds: number;
  quotaCode?: string;
}

/** Share of calls (0..1 each, at most 1 together) that fail on purpose. */
export interface SimulatorFaults {
  /** Answered 500 `InternalServerException`. */
  internalErrorRate?: number;
  /** The connection is destroyed without an answer. */
  dropConnectionRate?: number;
  /** Never answered; the caller's timeout ends it. */
  hangRate?: number;
  /** `Retry-After` on the 500s; 1 when not given. */
  retryAfterSeconds?: number;
}

export interface RepostspaceSimulatorOptions {
  /** 0, the default, picks a free port. */
  port?: number;
  host?: string;
  /** Every well-formed space exists when undefined; others answer 404 when given. */
  knownSpaceIds?: readonly string[];
  throttle?: SimulatorThrottle;
  faults?: SimulatorFaults;
  /** Drawn once per call that passes the throttle, when any fault rate is set. */
  random?: () => number;
  /** Milliseconds; drives the token bucket and `at` of deliveries. */
  now?: () => number;
  /** Deliveries kept in full (title and body included); every delivery is counted. */
  recentDeliveryLimit?: number;
}

/** One successful SendInvites call. */
export interface SimulatedDelivery {
  requestId: string;
  spaceId: string;
  accessorIds: readonly string[];
  title: string;
  body: string;
  at: number;
}

export interface SimulatorStats {
  /** Every HTTP request received. */
  calls: number;
  /** Successful SendInvites calls. */
  deliveries: number;
  /** Accessor IDs in successful calls, repeats included. */
  deliveredAccessors: number;
  /** Distinct (space, accessor) pairs delivered. */
  distinctAccessors: number;
  /** Deliveries of a (space, accessor) pair beyond its first. */
  duplicateAccessors: number;
  throttled: number;
  internalErrors: number;
  dropped: number;
  hung: number;
  /** Answered 4xx other than 429: unsigned, unknown operation, invalid input, unknown space. */
  rejected: number;
}

export interface SimulatorDeliveries {
  /** The latest deliveries in full, oldest first. */
  recent(): SimulatedDelivery[];
  /** How many times `accessorId` was invited to `spaceId`. */
  count(spaceId: string, accessorId: string): number;
  /** Every (space, accessor) pair invited more than once. */
  duplicates(): { spaceId: string; accessorId: string; count: number }[];
}

export interface RepostspaceSimulator {
  /** The endpoint to give a client, e.g. `AWS_ENDPOINT_URL_REPOSTSPACE`. */
  url: string;
  port: number;
  deliveries: SimulatorDeliveries;
  stats(): SimulatorStats;
  /** Replaces the fault rates for the calls that follow. */
  setFaults(faults: SimulatorFaults): void;
  /**
   * Resolves once at least `count` accessor IDs were delivered (repeats included).
   * Rejects when `signal` aborts or the simulator stops first.
   */
  waitForDeliveredAccessors(
    count: number,
    options?: { signal?: AbortSignal },
  ): Promise<SimulatorStats>;
  /** Closes every connection, hung ones included. */
  stop(): Promise<void>;
}

export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  recentDeliveryLimit: 100,
  faultRetryAfterSeconds: 1,
  quotaCode: 'L-SEND-INVITES-RATE',
  /** Far above any valid SendInvites body; larger ones are refused unread. */
  maxBodyBytes: 10 * 1024 * 1024,
} as const;

const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[^/\s]+\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=[0-9a-f]{64}$/;

interface ErrorAnswer {
  status: number;
  type: string;
  message: string;
  fields?: Record<string, unknown>;
  headers?: Record<string, string>;
}

interface FieldProblem {
  name: string;
  message: string;
  unparsable?: boolean;
}

class TokenBucket {
  readonly #config: SimulatorThrottle;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(config: SimulatorThrottle, now: () => number) {
    this.#config = config;
    this.#now = now;
    this.#tokens = config.burst;
    this.#updatedAt = now();
  }

  take(): boolean {
    const now = this.#now();
    const refill = (Math.max(0, now - this.#updatedAt) * this.#config.ratePerSecond) / 1000;
    this.#tokens = Math.min(this.#config.burst, this.#tokens + refill);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Per-space counts of every accessor invited, and the latest deliveries in full. */
class DeliveryLog implements SimulatorDeliveries {
  readonly #recent: SimulatedDelivery[] = [];
  readonly #recentLimit: number;
  readonly #counts = new Map<string, Map<string, number>>();
  accessors = 0;
  distinct = 0;

  constructor(recentLimit: number) {
    this.#recentLimit = recentLimit;
  }

  record(delivery: SimulatedDelivery): void {
    let counts = this.#counts.get(delivery.spaceId);
    if (counts === undefined) {
      counts = new Map();
      this.#counts.set(delivery.spaceId, counts);
    }
    for (const accessorId of delivery.accessorIds) {
      const count = counts.get(accessorId) ?? 0;
      if (count === 0) this.distinct++;
      counts.set(accessorId, count + 1);
    }
    this.accessors += delivery.accessorIds.length;
    if (this.#recentLimit > 0) {
      this.#recent.push(delivery);
      if (this.#recent.length > this.#recentLimit) this.#recent.shift();
    }
  }

  recent(): SimulatedDelivery[] {
    return [...this.#recent];
  }

  count(spaceId: string, accessorId: string): number {
    return this.#counts.get(spaceId)?.get(accessorId) ?? 0;
  }

  duplicates(): { spaceId: string; accessorId: string; count: number }[] {
    const found: { spaceId: string; accessorId: string; count: number }[] = [];
    for (const [spaceId, counts] of this.#counts) {
      for (const [accessorId, count] of counts) {
        if (count > 1) found.push({ spaceId, accessorId, count });
      }
    }
    return found;
  }
}

function checkFaults(faults: SimulatorFaults): SimulatorFaults {
  const rates = [faults.internalErrorRate, faults.dropConnectionRate, faults.hangRate];
  const total = rates.reduce<number>((sum, rate) => {
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`Fault rates must be between 0 and 1, got ${rate}`);
    }
    return sum + (rate ?? 0);
  }, 0);
  if (total > 1) throw new RangeError(`Fault rates add up to ${total}, more than 1`);
  return { ...faults };
}

function checkThrottle(throttle: SimulatorThrottle): SimulatorThrottle {
  const { ratePerSecond, burst, retryAfterSeconds } = throttle;
  if (!(ratePerSecond >= 0) || !(burst >= 0) || !Number.isInteger(retryAfterSeconds)) {
    throw new RangeError(
      'Throttle needs ratePerSecond >= 0, burst >= 0 and whole retryAfterSeconds',
    );
  }
  return { ...throttle };
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= SIMULATOR_DEFAULTS.maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(size <= SIMULATOR_DEFAULTS.maxBodyBytes ? Buffer.concat(chunks) : undefined),
    );
    request.on('error', reject);
  });
}

/** Why an unsigned or badly signed call is refused; the signature itself is not checked. */
function authorizationProblem(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization === undefined) return 'Missing Authentication Token';
  const match = SIGV4_AUTHORIZATION.exec(authorization);
  if (match === null) return 'Authorization header is not a valid SigV4 authorization';
  if (match[1] !== 'repostspace') {
    return "Credential should be scoped to correct service: 'repostspace'";
  }
  if (!(match[2] ?? '').split(';').includes('host')) return "'Host' must be a signed header";
  if (request.headers['x-amz-date'] === undefined && request.headers.date === undefined) {
    return 'Missing X-Amz-Date or Date header';
  }
  return undefined;
}

/** The space ID of `POST /spaces/{spaceId}/invite`, still escaped; undefined for any other route. */
function sendInvitesSpaceLabel(method: string | undefined, url: string | undefined) {
  if (method !== 'POST') return undefined;
  // Split by hand: a URL parser would decode `%2E%2E` and collapse it.
  const segments = (url ?? '').split('?')[0]?.split('/') ?? [];
  if (segments.length !== 4 || segments[0] !== '' || segments[3] !== 'invite') return undefined;
  if (segments[1] !== 'spaces' || segments[2] === '') return undefined;
  return segments[2];
}

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function checkText(name: string, value: unknown, max: number, problems: FieldProblem[]) {
  if (value === undefined || value === null) {
    problems.push({ name, message: 'Member must not be null' });
  } else if (typeof value !== 'string') {
    problems.push({ name, message: 'Expected a string', unparsable: true });
  } else {
    const length = codePoints(value);
    if (length < 1) {
      problems.push({ name, message: 'Member must have length greater than or equal to 1' });
    } else if (length > max) {
      problems.push({ name, message: `Member must have length less than or equal to ${max}` });
    }
  }
}

function checkAccessorIds(value: unknown, problems: FieldProblem[]) {
  if (value === undefined || value === null) {
    problems.push({ name: 'accessorIds', message: 'Member must not be null' });
  } else if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    problems.push({ name: 'accessorIds', message: 'Expected a list of strings', unparsable: true });
  } else if (value.length > SEND_INVITES_LIMITS.maxAccessorsPerCall) {
    problems.push({
      name: 'accessorIds',
      message: `Member must have length less than or equal to ${SEND_INVITES_LIMITS.maxAccessorsPerCall}`,
    });
  }
}

function validationError(problems: FieldProblem[]): ErrorAnswer {
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

type ParsedInput =
  | { input: { spaceId: string; accessorIds: string[]; title: string; body: string } }
  | { error: ErrorAnswer };

/** Validates as the service does; never echoes title or body, which are sensitive. */
function parseSendInvites(spaceLabel: string, raw: Buffer): ParsedInput {
  const problems: FieldProblem[] = [];
  let spaceId: string | undefined;
  try {
    spaceId = decodeURIComponent(spaceLabel);
  } catch {
    spaceId = undefined;
  }
  if (spaceId === undefined || !SPACE_ID_PATTERN.test(spaceId)) {
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
    return {
      error: {
        status: 400,
        type: 'ValidationException',
        message: 'Could not parse the request body as JSON',
        fields: { reason: VALIDATION_REASONS.cannotParse, fieldList: [] },
      },
    };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return {
      error: {
        status: 400,
        type: 'ValidationException',
        message: 'The request body must be a JSON object',
        fields: { reason: VALIDATION_REASONS.cannotParse, fieldList: [] },
      },
    };
  }
  const { accessorIds, title, body } = document as Record<string, unknown>;
  checkAccessorIds(accessorIds, problems);
  checkText('title', title, SEND_INVITES_LIMITS.titleMaxCodePoints, problems);
  checkText('body', body, SEND_INVITES_LIMITS.bodyMaxCodePoints, problems);
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

function answerError(response: ServerResponse, answer: ErrorAnswer): void {
  const payload = JSON.stringify({ message: answer.message, ...answer.fields });
  response.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-errortype': answer.type,
    ...answer.headers,
  });
  response.end(payload);
}

/**
 * Starts a local re:Post Private that speaks the SendInvites wire protocol (rest-json, SigV4
 * signed), with a token bucket and injectable faults, and records what it delivers. Checks run
 * in the order: signature, route, throttle, faults, input, space.
 */
export async function startRepostspaceSimulator(
  options: RepostspaceSimulatorOptions = {},
): Promise<RepostspaceSimulator> {
  const host = options.host ?? SIMULATOR_DEFAULTS.host;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const knownSpaceIds =
    options.knownSpaceIds === undefined ? undefined : new Set(options.knownSpaceIds);
  const throttle = options.throttle === undefined ? undefined : checkThrottle(options.throttle);
  const bucket = throttle === undefined ? undefined : new TokenBucket(throttle, now);
  let faults = checkFaults(options.faults ?? {});
  const log = new DeliveryLog(
    options.recentDeliveryLimit ?? SIMULATOR_DEFAULTS.recentDeliveryLimit,
  );
  const counters = {
    calls: 0,
    deliveries: 0,
    throttled: 0,
    internalErrors: 0,
    dropped: 0,
    hung: 0,
    rejected: 0,
  };
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const stopped = new AbortController();

  function stats(): SimulatorStats {
    return {
      ...counters,
      deliveredAccessors: log.accessors,
      distinctAccessors: log.distinct,
      duplicateAccessors: log.accessors - log.distinct,
    };
  }

  function reject(response: ServerResponse, answer: ErrorAnswer): void {
    counters.rejected++;
    answerError(response, answer);
  }

  function drawFault(): 'internalError' | 'drop' | 'hang' | undefined {
    const internal = faults.internalErrorRate ?? 0;
    const drop = faults.dropConnectionRate ?? 0;
    const hang = faults.hangRate ?? 0;
    if (internal + drop + hang === 0) return undefined;
    const draw = random();
    if (draw < internal) return 'internalError';
    if (draw < internal + drop) return 'drop';
    if (draw < internal + drop + hang) return 'hang';
    return undefined;
  }

  async function handleRequest(request: IncomingMessage, response: ServerResponse) {
    counters.calls++;
    const requestId = randomUUID();
    response.setHeader('x-amzn-requestid', requestId);
    const raw = await readBody(request);
    const refusal = authorizationProblem(request);
    if (refusal !== undefined) {
      return reject(response, { status: 403, type: 'AccessDeniedException', message: refusal });
    }
    const spaceLabel = sendInvitesSpaceLabel(request.method, request.url);
    if (spaceLabel === undefined) {
      return reject(response, {
        status: 404,
        type: 'UnknownOperationException',
        message: `No operation matches ${request.method} ${request.url?.split('?')[0]}`,
      });
    }
    if (raw === undefined) {
      return reject(response, {
        status: 413,
        type: 'RequestEntityTooLargeException',
        message: 'Request body too large',
      });
    }
    if (bucket !== undefined && throttle !== undefined && !bucket.take()) {
      counters.throttled++;
      return answerError(response, {
        status: 429,
        type: 'ThrottlingException',
        message: 'Rate exceeded',
        fields: {
          serviceCode: 'repostspace',
          quotaCode: throttle.quotaCode ?? SIMULATOR_DEFAULTS.quotaCode,
        },
        headers: { 'retry-after': String(throttle.retryAfterSeconds) },
      });
    }
    switch (drawFault()) {
      case 'drop':
        counters.dropped++;
        request.socket.destroy();
        return;
      case 'hang':
        counters.hung++;
        return;
      case 'internalError':
        counters.internalErrors++;
        return answerError(response, {
          status: 500,
          type: 'InternalServerException',
          message: 'Internal server error',
          headers: {
            'retry-after': String(
              faults.retryAfterSeconds ?? SIMULATOR_DEFAULTS.faultRetryAfterSeconds,
            ),
          },
        });
    }
    const parsed = parseSendInvites(spaceLabel, raw);
    if ('error' in parsed) return reject(response, parsed.error);
    const { input } = parsed;
    if (knownSpaceIds !== undefined && !knownSpaceIds.has(input.spaceId)) {
      return reject(response, {
        status: 404,
        type: 'ResourceNotFoundException',
        message: `Space ${input.spaceId} not found`,
        fields: { resourceId: input.spaceId, resourceType: 'space' },
      });
    }
    counters.deliveries++;
    log.record({ ...input, requestId, at: now() });
    response.writeHead(200, { 'content-length': 0 });
    response.end();
    for (const waiter of waiters) {
      if (log.accessors >= waiter.count) waiter.resolve();
    }
  }

  const server = createServer((request, response) => {
    handleRequest(request, response).catch(() => {
      // A caller that went away mid-body is not a service fault.
      if (response.headersSent || request.destroyed) {
        response.destroy();
        return;
      }
      counters.internalErrors++;
      answerError(response, {
        status: 500,
        type: 'InternalServerException',
        message: 'Internal server error',
      });
    });
  });
  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    deliveries: log,
    stats,
    setFaults(next) {
      faults = checkFaults(next);
    },
    waitForDeliveredAccessors(count, { signal } = {}) {
      if (log.accessors >= count) return Promise.resolve(stats());
      const cancel = AbortSignal.any(
        signal === undefined ? [stopped.signal] : [stopped.signal, signal],
      );
      if (cancel.aborted) return Promise.reject(cancel.reason);
      return new Promise((resolve, rejectWait) => {
        const onAbort = () => {
          waiters.delete(waiter);
          rejectWait(cancel.reason);
        };
        const waiter = {
          count,
          resolve: () => {
            waiters.delete(waiter);
            cancel.removeEventListener('abort', onAbort);
            resolve(stats());
          },
        };
        waiters.add(waiter);
        cancel.addEventListener('abort', onAbort, { once: true });
      });
    },
    stop() {
      stopped.abort(new Error('The re:Post Private simulator stopped'));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
