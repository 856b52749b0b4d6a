// API Gateway request IDs are base64-like; EventBridge event IDs are UUIDs.
const REQUEST_ID = /^[A-Za-z0-9._:=+-]{1,128}$/;

/** What `isRequestId` asks of a request ID, as error messages say it. */
export const REQUEST_ID_RULE = 'must be 1 to 128 letters, digits or . _ : = + -';

/** Whether `value` can be a request ID: an HTTP request's or an HR event's. */
export function isRequestId(value: string): boolean {
  return REQUEST_ID.test(value);
}
