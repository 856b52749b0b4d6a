import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  EventBridgeEvent,
} from 'aws-lambda';
import type { IntakeConfig } from '../../shared/config.ts';
import type { DeadLetterQueue, InviteQueue } from '../../shared/domain/ports.ts';
import { handleHrEvent } from './hr-event.ts';
import { handleHttpInvite } from './http-invite.ts';
import { errorResponse } from './responses.ts';

export type IntakeEvent = APIGatewayProxyEventV2 | EventBridgeEvent<string, unknown>;

export interface IntakeDependencies {
  config: IntakeConfig;
  queue: InviteQueue;
  deadLetters: DeadLetterQueue;
  logger: Logger;
}

function isHttpEvent(event: IntakeEvent): event is APIGatewayProxyEventV2 {
  return 'requestContext' in event && 'http' in (event.requestContext ?? {});
}

/** The intake Lambda: HTTP API invite requests and HR events become queued chunks. */
export function createIntakeHandler(dependencies: IntakeDependencies) {
  const { config, queue, deadLetters, logger } = dependencies;
  const accept = {
    queue,
    maxMessageBytes: config.maxChunkBytes,
    ...(config.allowedSpaceIds ? { allowedSpaceIds: config.allowedSpaceIds } : {}),
  };
  const rules = {
    source: config.hrEventSource,
    defaultInvite: config.defaultInvite,
    ...(config.defaultSpaceId ? { defaultSpaceId: config.defaultSpaceId } : {}),
  };

  async function intake(
    event: IntakeEvent,
    _context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2 | undefined> {
    if (isHttpEvent(event)) {
      logger.setCorrelationId(event.requestContext.requestId);
      try {
        return await handleHttpInvite(event, { ...accept, logger });
      } catch (error) {
        logger.error('Invite request failed unexpectedly', { error });
        return errorResponse(500, 'InternalServerException', { message: 'Internal error' });
      }
    }
    logger.setCorrelationId(event.id);
    await handleHrEvent(event, { ...accept, rules, deadLetters, logger });
    return undefined;
  }

  // The event carries title and body: never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  return middy(intake).use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }));
}
