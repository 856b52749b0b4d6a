import { publisherAccounts } from './hr-event-bus-policy.js';
import { SPACE_ID_PATTERN, spaceIdsOf } from './send-invites-resources.js';

/**
 * Retention periods CloudWatch Logs accepts (PutRetentionPolicy). osls's own list leaves 1096
 * out, which costs a configuration warning only: CloudFormation takes it.
 */
const LOG_RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
]);
// A key's ARN, not an alias's: IAM policies and key grants never match a key through its alias.
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const ACCOUNT_ID = /^\d{12}$/;
/** Powertools' log levels, as `POWERTOOLS_LOG_LEVEL` takes them (shared/config/settings-reader.ts). */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
/** SendInvites' limits on a title and a body, in Unicode code points. */
const INVITE_TEXT_LIMITS = { defaultInviteTitle: 200, defaultInviteBody: 600 };
/**
 * The most the onboarding title and body and the allowed spaces may take of the intake's
 * environment, in UTF-8 bytes: Lambda allows 4 KB for all of a function's variables, and the
 * rest take about 1 KB.
 */
const SIZED_PARAMS_MAX_BYTES = 3_000;
/**
 * Characters of the worker role's inline policy left for the space ARNs its SendInvites
 * statement lists: IAM allows 10,240 for all of a role's inline policies, and the rest of the
 * worker's took about 2,900 with every optional statement (the KMS keys among them), packaged for
 * the region with the longest name.
 */
const SPACE_ARNS_MAX_CHARS = 7_000;
/** What a space's ARN adds to its ID in the policy, at the longest region name, quoted, with its comma. */
const SPACE_ARN_OVERHEAD_CHARS = 60;

function integer(name, value, min, max) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

/**
 * Checks the deploy-time parameters that CloudFormation would only refuse mid-deploy, or not at
 * all, and warns about what a deploy leaves open. Resolved once by osls (`custom.deployChecks`)
 * at package and deploy time; throws naming the first invalid parameter.
 */
export async function deployChecks({ resolveVariable }) {
  const param = (name) => resolveVariable(`param:${name}`);
  integer('intakeReservedConcurrency', await param('intakeReservedConcurrency'), 1, 10_000);
  integer('workerMaximumConcurrency', await param('workerMaximumConcurrency'), 2, 1000);
  const batchSize = integer('workerBatchSize', await param('workerBatchSize'), 1, 10_000);
  // The invites queue's visibility timeout (infra/queues.yml) covers 6 x the worker's timeout and
  // a window of 1 s at most, as Lambda advises: a longer window needs a longer timeout there.
  const window = integer('workerBatchingWindow', await param('workerBatchingWindow'), 0, 1);
  if (batchSize > 10 && window < 1) {
    throw new Error(
      `workerBatchSize ${batchSize} needs a workerBatchingWindow of 1 (an SQS mapping takes more than 10 only with a window), got ${window}`,
    );
  }
  await defaultRouteSettings({ resolveVariable });
  const retention = Number(await param('logRetentionInDays'));
  if (!LOG_RETENTION_DAYS.has(retention)) {
    throw new Error(
      `logRetentionInDays must be one of ${[...LOG_RETENTION_DAYS].join(', ')}, got "${retention}"`,
    );
  }
  const kmsKeyArn = String((await param('kmsKeyArn')) ?? '');
  if (kmsKeyArn !== '' && !KMS_KEY_ARN.test(kmsKeyArn)) {
    throw new Error(
      `kmsKeyArn must be a KMS key ARN (…:key/<key-id>; an alias ARN does not work in IAM policies), got "${kmsKeyArn}"`,
    );
  }
  const operatorRoleArn = String((await param('operatorRoleArn')) ?? '');
  if (operatorRoleArn !== '' && !IAM_ROLE_ARN.test(operatorRoleArn)) {
    throw new Error(`operatorRoleArn must be an IAM role ARN, got "${operatorRoleArn}"`);
  }
  await checkDefaultSpace(param);
  let inviteTextBytes = 0;
  for (const [name, max] of Object.entries(INVITE_TEXT_LIMITS)) {
    const text = String((await param(name)) ?? '').trim();
    // Empty keeps the intake's own generic welcome.
    if (text !== '' && (!text.isWellFormed() || [...text].length > max)) {
      throw new Error(`${name} must be at most ${max} characters of well-formed text`);
    }
    inviteTextBytes += Buffer.byteLength(text);
  }
  const allowedSpaceIds = String((await param('allowedSpaceIds')) ?? '');
  const spaces = [...spaceIdsOf(allowedSpaceIds)];
  const arnChars = spaces.reduce((sum, id) => sum + id.length + SPACE_ARN_OVERHEAD_CHARS, 0);
  if (arnChars > SPACE_ARNS_MAX_CHARS) {
    throw new Error(
      `allowedSpaceIds names ${spaces.length} spaces: their ARNs would take about ${arnChars} characters of the worker role's policy, more than the ${SPACE_ARNS_MAX_CHARS} left of IAM's 10,240 for a role's inline policies`,
    );
  }
  const sizedBytes = inviteTextBytes + Buffer.byteLength(allowedSpaceIds);
  if (sizedBytes > SIZED_PARAMS_MAX_BYTES) {
    throw new Error(
      `defaultInviteTitle, defaultInviteBody and allowedSpaceIds take ${sizedBytes} bytes as UTF-8; at most ${SIZED_PARAMS_MAX_BYTES} fit in Lambda's 4 KB of environment variables`,
    );
  }
  const logLevel = String((await param('logLevel')) ?? '');
  if (!LOG_LEVELS.includes(logLevel.trim().toUpperCase())) {
    throw new Error(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const account = String((await param('hrEventAccount')) ?? '');
  // The default, the deploying account, is substituted by CloudFormation.
  if (account !== `\${AWS::AccountId}` && !ACCOUNT_ID.test(account)) {
    throw new Error(`hrEventAccount must be a 12-digit account ID, got "${account}"`);
  }
  const publisher = await checkPublisherAccounts(resolveVariable, account);

  const warnings = [];
  if (String((await param('alarmEmail')) ?? '') === '') {
    warnings.push(
      'alarmEmail is empty: the alarms have no action, so nobody will be told when invites fail or pile up.',
    );
  }
  if (String((await param('hrPublisherPrincipals')) ?? '') === '') {
    warnings.push(
      'hrPublisherPrincipals is empty: the HR event bus denies every publisher, so no HR event will reach the pipeline.',
    );
  }
  if (publisher !== undefined && !ACCOUNT_ID.test(account)) {
    warnings.push(
      `hrPublisherPrincipals publish from account ${publisher}, and hrEventAccount is left to the account you deploy to: unless that is ${publisher}, the HR rule drops their events. Set hrEventAccount=${publisher} to say so.`,
    );
  }
  if (operatorRoleArn === '') {
    warnings.push(
      'operatorRoleArn is empty: nobody can read or redrive the dead-letter queue until it is set.',
    );
  }
  for (const warning of warnings) process.stderr.write(`Warning: ${warning}\n`);
  return 'checked';
}

/**
 * The HR publishers must put events from the one account the HR rule passes, `hrEventAccount`:
 * the bus would accept the others' events and the rule drop them, with no error, DLQ message
 * or alarm. The default, the deploying account, is only known to CloudFormation: against it,
 * the caller warns. Returns the publishers' account, if any.
 */
async function checkPublisherAccounts(resolveVariable, hrEventAccount) {
  const accounts = [...(await publisherAccounts(resolveVariable))];
  if (accounts.length > 1) {
    throw new Error(
      `hrPublisherPrincipals publish from ${accounts.length} accounts (${accounts.join(', ')}); the HR rule passes the events of one, hrEventAccount, and would drop the others' unseen`,
    );
  }
  const [publisher] = accounts;
  if (publisher !== undefined && ACCOUNT_ID.test(hrEventAccount) && publisher !== hrEventAccount) {
    throw new Error(
      `hrPublisherPrincipals publish from account ${publisher}, but hrEventAccount is ${hrEventAccount}: the HR rule would drop every event they put. Set hrEventAccount=${publisher}`,
    );
  }
  return publisher;
}

/**
 * `defaultSpaceId`, when set, must be a space ID the intake accepts: one of `allowedSpaceIds`
 * when that is set, or every onboarding event without a space would be refused and parked.
 */
async function checkDefaultSpace(param) {
  const space = String((await param('defaultSpaceId')) ?? '').trim();
  if (space === '') return;
  if (!SPACE_ID_PATTERN.test(space)) {
    throw new Error(`defaultSpaceId must be 1 to 64 letters, digits, '-' or '_', got "${space}"`);
  }
  const allowed = spaceIdsOf(await param('allowedSpaceIds'));
  if (allowed.size > 0 && !allowed.has(space)) {
    throw new Error(
      `defaultSpaceId "${space}" is not one of allowedSpaceIds: every Employee Onboarded event without a spaceId would be refused`,
    );
  }
}

/**
 * The HTTP API stage's `DefaultRouteSettings`: the throttling parameters as numbers (a `--param`
 * arrives as a string). Throws when either is not a positive number.
 */
export async function defaultRouteSettings({ resolveVariable }) {
  const burst = integer(
    'apiThrottlingBurstLimit',
    await resolveVariable('param:apiThrottlingBurstLimit'),
    1,
    1_000_000,
  );
  const raw = await resolveVariable('param:apiThrottlingRateLimit');
  const rate = Number(raw);
  if (!(rate > 0)) {
    throw new Error(`apiThrottlingRateLimit must be a positive number, got "${raw}"`);
  }
  return { DetailedMetricsEnabled: false, ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst };
}
