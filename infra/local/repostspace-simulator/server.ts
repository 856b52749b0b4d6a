import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../listen.ts';
import { authorizationProblem } from './authorization.ts';
import { SIMULATOR_DEFAULTS } from './constants.ts';
import { DeliveryLog } from './delivery-log.ts';
import { answerError, type ErrorAnswer } from './error-answer.ts';
import { checkFaults, drawFault } from './faults.ts';
import { sendInvitesSpaceLabel } from './route.ts';
import { checkThrottle, TokenBucket } from './token-bucket.ts';
import type { RepostspaceSimulator, RepostspaceSimulatorOptions, SimulatorStats } from './types.ts';
import { validateSendInvites } from './validate-send-invites.ts';
import { signatureProblem } from './verify-sigv4.ts';

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

/**
 * Starts a local re:Post Private that speaks the SendInvites wire protocol (rest-json, SigV4
 * signed), with a token bucket and injectable faults, and records what it delivers. Checks run
 * in the order: signature, route, throttle, faults, input, space. The signature is verified
 * against `options.credentials` when given; without them only its shape and scope are checked.
 */
export async function startRepostspaceSimulator(
  options: RepostspaceSimulatorOptions = {},
): Promise<RepostspaceSimulator> {
  const host = options.host ?? SIMULATOR_DEFAULTS.host;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const spaceSet = (ids: readonly string[] | undefined) =>
    ids === undefined ? undefined : new Set(ids);
  let knownSpaceIds = spaceSet(options.knownSpaceIds);
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
    lostAnswers: 0,
    lostAnswerAccessors: 0,
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

  async function handleRequest(request: IncomingMessage, response: ServerResponse) {
    counters.calls++;
    const requestId = randomUUID();
    response.setHeader('x-amzn-requestid', requestId);
    const raw = await readBody(request);
    const refusal = authorizationProblem(request, options.region);
    if (refusal !== undefined) return reject(response, { status: 403, ...refusal });
    // A body too large to read whole cannot be hashed; it is refused below as too large.
    if (options.credentials !== undefined && raw !== undefined) {
      const credentials =
        typeof options.credentials === 'function'
          ? await options.credentials()
          : options.credentials;
      const problem = await signatureProblem(
        {
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: raw,
        },
        {
          credentials,
          service: 'repostspace',
          now: now(),
          ...(options.region ? { region: options.region } : {}),
        },
      );
      if (problem !== undefined) return reject(response, { status: 403, ...problem });
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
    const fault = drawFault(faults, random);
    switch (fault) {
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
    const validated = validateSendInvites(spaceLabel, raw);
    if ('error' in validated) return reject(response, validated.error);
    const { input } = validated;
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
    if (fault === 'lostAnswer') {
      counters.lostAnswers++;
      counters.lostAnswerAccessors += input.accessorIds.length;
      request.socket.destroy();
    } else {
      response.writeHead(200, { 'content-length': 0 });
      response.end();
    }
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
  await listen(server, options.port ?? 0, host);
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
    setKnownSpaceIds(ids) {
      knownSpaceIds = spaceSet(ids);
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
