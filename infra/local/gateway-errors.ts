/** A request the gateway refuses before any integration sees it: `statusCode` and `message` are its answer. */
export class GatewayRequestError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayRequestError';
    this.statusCode = statusCode;
  }
}

/** The body is over the route's limit; answered 413, as API Gateway words it, and the connection closed. */
export class PayloadTooLargeError extends GatewayRequestError {
  readonly limit: number;

  constructor(limit: number) {
    super(413, 'Request Entity Too Large');
    this.name = 'PayloadTooLargeError';
    this.limit = limit;
  }
}

/** The request will never be complete (the client left, or the connection is being refused): nobody to answer. */
export class RequestAbandonedError extends Error {
  constructor(options?: ErrorOptions) {
    super('The request was abandoned before its body was read', options);
    this.name = 'RequestAbandonedError';
  }
}
