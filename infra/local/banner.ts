/** What the local stack's banner shows: where everything listens, and for which space and region. */
export interface BannerFacts {
  httpUrl: string;
  /** The `source` values the intake's EventBridge rule matches. */
  eventSources: readonly string[];
  sqsEndpoint: string;
  /** dynalite: the request ledger. */
  dynamodbEndpoint: string;
  invitesQueueUrl: string;
  deadLetterQueueUrl: string;
  repostspaceEndpoint: string;
  /** Whether the re:Post Private endpoint is the stack's own simulator. */
  simulated: boolean;
  spaceId: string;
  region: string;
  /** Where `npm run console`, run with the same settings, serves the operator console. */
  consoleUrl?: string;
}

/** The credentials the banner tells the AWS CLI to use: the local stack checks none. */
export const CLI_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/**
 * The text `npm start` prints once the stack is up: every endpoint, then examples that work
 * when pasted as they are (curl, and the AWS CLI after the printed `export` line).
 */
export function localStackBanner(facts: BannerFacts): string {
  const route = `${facts.httpUrl}/spaces/${facts.spaceId}/invite`;
  const [source = 'hr.events'] = facts.eventSources;
  const entries = JSON.stringify([
    {
      Source: source,
      DetailType: 'Employee Onboarded',
      Detail: JSON.stringify({ accessorId: 'erin@example.com' }),
    },
  ]);
  return [
    '',
    'repost-invite-pipeline local stack is up',
    `  HTTP API        POST ${route}`,
    `  EventBridge     ${facts.httpUrl}  (PutEvents; source "${facts.eventSources.join('", "')}")`,
    `  Health          ${facts.httpUrl}/health`,
    `  SQS             ${facts.sqsEndpoint}`,
    `    invites       ${facts.invitesQueueUrl}`,
    `    dead letters  ${facts.deadLetterQueueUrl}`,
    `  DynamoDB        ${facts.dynamodbEndpoint}  (the request ledger)`,
    `  re:Post Private ${facts.repostspaceEndpoint}${facts.simulated ? '  (simulator)' : ''}`,
    ...(facts.consoleUrl
      ? [`  Console         ${facts.consoleUrl}  (run npm run console in another shell)`]
      : []),
    '',
    'Try it:',
    `  curl -s -X POST ${route} \\`,
    `    -H 'content-type: application/json' \\`,
    `    -d '{"accessorIds":["alice@example.com","bob@example.com"],"title":"Welcome","body":"Join our space"}'`,
    '',
    'The AWS CLI wants credentials and a region even here (any will do; AWS CLI v1 reads',
    'AWS_DEFAULT_REGION, v2 AWS_REGION). In the shell you run it from:',
    `  export AWS_ACCESS_KEY_ID=${CLI_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${CLI_CREDENTIALS.secretAccessKey} AWS_REGION=${facts.region} AWS_DEFAULT_REGION=${facts.region}`,
    'An HR event:',
    `  aws events put-events --endpoint-url ${facts.httpUrl} \\`,
    `    --entries '${entries}'`,
    'The dead letters and their reasons (ErrorType, ErrorMessage), left on the queue:',
    `  aws sqs receive-message --endpoint-url ${facts.sqsEndpoint} \\`,
    `    --queue-url ${facts.deadLetterQueueUrl} \\`,
    '    --max-number-of-messages 10 --visibility-timeout 0 \\',
    '    --message-attribute-names All --attribute-names All',
    'Move them back to the invites queue once the cause is fixed:',
    '  npm run redrive -- --stage local',
    '',
    'Ctrl-C stops the stack; queued work is kept for the next start.',
    '',
  ].join('\n');
}
