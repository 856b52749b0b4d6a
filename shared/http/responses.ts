import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FieldProblem } from '../domain/errors.ts';

/** A JSON response; error responses name their type the way AWS services do. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(
  statusCode: number,
  errorType: string,
  body: { message: string; reason?: string; fieldList?: FieldProblem[]; [key: string]: unknown },
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return jsonResponse(statusCode, body, { 'x-amzn-errortype': errorType, ...headers });
}

/** 400 shaped like the service's `ValidationException`. */
export function validationResponse(
  message: string,
  reason: string,
  fieldList: FieldProblem[] = [],
): APIGatewayProxyStructuredResultV2 {
  return errorResponse(400, 'ValidationException', { message, reason, fieldList });
}
