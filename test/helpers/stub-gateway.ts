import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  type HttpGateway,
  type HttpGatewayOptions,
  startHttpGateway,
} from '../../infra/local/http-gateway.ts';

export const INVITE_ROUTE = { method: 'POST', path: '/spaces/{spaceId}/invite' } as const;

export interface StubGateway {
  gateway: HttpGateway;
  /** HTTP requests the stub intake was given. */
  invocations: APIGatewayProxyEventV2[];
  reports: Parameters<NonNullable<HttpGatewayOptions['onRequest']>>[0][];
  errors: unknown[];
}

/**
 * The gateway on a free loopback port in front of a stub intake that answers a POST with 202
 * and any other method with 405, `latencyMs` later (5 ms unless given), as the real intake does
 * (the gateway, as API Gateway, gives it only what matches its route: POSTs).
 * `overrides` replace any other option.
 */
export async function startStubGateway(
  overrides: Partial<HttpGatewayOptions> = {},
  latencyMs = 5,
): Promise<StubGateway> {
  const invocations: APIGatewayProxyEventV2[] = [];
  const reports: StubGateway['reports'] = [];
  const errors: unknown[] = [];
  const gateway = await startHttpGateway({
    port: 0,
    region: 'us-east-1',
    routes: [INVITE_ROUTE],
    rule: { eventBusName: 'default', source: ['hr.events'], detailType: ['Employee Onboarded'] },
    async intake(event) {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      if (!('requestContext' in event)) return undefined;
      invocations.push(event);
      const method = event.requestContext.http.method;
      if (method !== 'POST') {
        return {
          statusCode: 405,
          body: JSON.stringify({ message: `Method ${method} is not allowed` }),
        };
      }
      return {
        statusCode: 202,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ requestId: `r${invocations.length}`, accessorCount: 1 }),
      };
    },
    intakeTimeoutSeconds: 2,
    health: async () => ({ status: 'ok' }),
    onRequest: (report) => reports.push(report),
    onError: (error) => errors.push(error),
    ...overrides,
  });
  return { gateway, invocations, reports, errors };
}

/** A whole invite request, as raw HTTP/1.1. */
export function inviteRequest(options: { host?: string; body?: string } = {}): string {
  const body = options.body ?? '{"accessorIds":["a"],"title":"t","body":"b"}';
  return [
    'POST /spaces/SP1/invite HTTP/1.1',
    `Host: ${options.host ?? 'localhost'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

export const HEALTH_REQUEST = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
