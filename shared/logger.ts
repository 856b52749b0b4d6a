import { Logger } from '@aws-lambda-powertools/logger';

export const SERVICE_NAME = 'repost-invite-pipeline';

/**
 * The pipeline's structured logger. Title and body are sensitive and are never passed to it;
 * accessor IDs are logged only at DEBUG.
 */
export function createLogger(options: { logLevel?: string } = {}): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel as 'INFO' }),
  });
}
