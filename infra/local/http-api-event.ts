import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './lambda-context.ts';

/** The request's headers, lower-cased, with the `x-forwarded-*` ones API Gateway adds. */
function lowerCaseHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-for'] = request.socket.remoteAddress ?? '127.0.0.1';
  headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
  // The local gateway speaks plain HTTP; API Gateway's endpoints are HTTPS only.
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

/**
 * The query as payload format 2.0 carries it: names and values decoded, a repeated name's
 * values joined with commas, and no field at all without a query.
 */
function queryParameters(url: URL): Record<string, string> | undefined {
  const parameters = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    const earlier = parameters.get(name);
    parameters.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  // fromEntries defines own properties, so a parameter named __proto__ stays a parameter.
  return parameters.size > 0 ? Object.fromEntries(parameters) : undefined;
}

/** The payload format 2.0 event API Gateway HTTP API hands a Lambda integration for a request. */
export function httpApiEvent(
  request: IncomingMessage,
  options: { url: URL; routeKey: string; pathParameters: Record<string, string>; body: Buffer },
): APIGatewayProxyEventV2 {
  const { url, routeKey, pathParameters, body } = options;
  const contentType = request.headers['content-type'] ?? '';
  // Text that is not UTF-8 goes as bytes too, so the function sees what was sent, not U+FFFD.
  const textual =
    (body.length === 0 || /json|text|xml|urlencoded/i.test(contentType) || contentType === '') &&
    isUtf8(body);
  const now = new Date();
  const query = queryParameters(url);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: lowerCaseHeaders(request),
    ...(query ? { queryStringParameters: query } : {}),
    pathParameters,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: request.headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: !textual,
    ...(body.length > 0 ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
  };
}

/** A Lambda proxy result as API Gateway HTTP API writes it back: status, headers and body. */
export function httpApiResponse(result: APIGatewayProxyResultV2 | undefined): {
  statusCode: number;
  headers: OutgoingHttpHeaders;
  body: string | Buffer;
  /** The body parsed as JSON, for reports; undefined when it is not JSON. */
  json: unknown;
} {
  if (result === undefined || typeof result !== 'object' || !('statusCode' in result)) {
    // A result without statusCode is taken as a 200 JSON body.
    const body = result === undefined ? '' : JSON.stringify(result);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body,
      json: result,
    };
  }
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const text = result.body ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    statusCode: result.statusCode ?? 200,
    headers,
    body: result.isBase64Encoded ? Buffer.from(text, 'base64') : text,
    json,
  };
}
