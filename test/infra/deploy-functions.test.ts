import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletionPolicy, deletionProtection } from '../../infra/data-retention.js';
import { deployChecks } from '../../infra/deploy-checks.js';
import { dedicatedBusStatements } from '../../infra/hr-event-bus-policy.js';
import { captureOutput } from '../helpers/logs.ts';

/** osls's variable resolver, answering from `values` (`param:<name>`, `self:…`, `sls:…`). */
function resolver(values: Record<string, string>) {
  return {
    resolveVariable: async (name: string) => {
      if (!(name in values)) throw new Error(`unexpected variable ${name}`);
      return values[name];
    },
  };
}

const PARAMS = {
  'param:intakeReservedConcurrency': '2',
  'param:workerMaximumConcurrency': '2',
  'param:workerBatchSize': '10',
  'param:workerBatchingWindow': '0',
  'param:apiThrottlingBurstLimit': '20',
  'param:apiThrottlingRateLimit': '10',
  'param:logRetentionInDays': '90',
  'param:kmsKeyArn': '',
  'param:operatorRoleArn': 'arn:aws:iam::123456789012:role/ops',
  'param:hrEventAccount': '123456789012',
  'param:alarmEmail': 'oncall@example.com',
  'param:hrPublisherPrincipals': '123456789012',
  'param:allowedSpaceIds': '',
  'param:defaultSpaceId': '',
  'param:defaultInviteTitle': '',
  'param:defaultInviteBody': '',
  'param:logLevel': 'INFO',
};

/** The deploy checks on `PARAMS` with `changes` applied. */
function check(changes: Record<string, string>) {
  const values = Object.fromEntries(
    Object.entries(changes).map(([name, value]) => [`param:${name}`, value]),
  );
  return deployChecks(resolver({ ...PARAMS, ...values }));
}

describe('the deploy checks', () => {
  it("take a KMS key's ARN and refuse an alias's, which IAM never matches the key by", async () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const alias = 'arn:aws:kms:us-east-1:123456789012:alias/invites';

    assert.equal(await deployChecks(resolver({ ...PARAMS, 'param:kmsKeyArn': key })), 'checked');
    await assert.rejects(
      deployChecks(resolver({ ...PARAMS, 'param:kmsKeyArn': alias })),
      /kmsKeyArn must be a KMS key ARN \(…:key\/<key-id>; an alias ARN does not work/,
    );
  });

  it('take every log retention CloudWatch Logs accepts, three years included, and refuse another', async () => {
    for (const days of ['1', '90', '1096', '3653']) {
      assert.equal(await check({ logRetentionInDays: days }), 'checked', days);
    }
    await assert.rejects(
      check({ logRetentionInDays: '1095' }),
      /logRetentionInDays must be one of/,
    );
  });

  it('refuse HR publishers whose events the HR rule would drop: another account than hrEventAccount, or several', async () => {
    const role = (account: string) => `arn:aws:iam::${account}:role/hr-publisher`;

    assert.equal(
      await check({ hrEventAccount: '210987654321', hrPublisherPrincipals: role('210987654321') }),
      'checked',
    );
    const { result, output } = await captureOutput(() =>
      check({
        hrEventAccount: `\${AWS::AccountId}`,
        hrPublisherPrincipals: `${role('210987654321')}, arn:aws:iam::210987654321:root`,
      }),
    );
    assert.equal(result, 'checked');
    // The deploying account is not known here: a warning says what to set.
    assert.match(
      output,
      /Warning: hrPublisherPrincipals publish from account 210987654321, and hrEventAccount is left to the account you deploy to: .* Set hrEventAccount=210987654321/,
    );
    const { output: quiet } = await captureOutput(() =>
      check({ hrEventAccount: '210987654321', hrPublisherPrincipals: role('210987654321') }),
    );
    assert.doesNotMatch(quiet, /hrPublisherPrincipals publish from/);
    await assert.rejects(
      check({ hrEventAccount: '123456789012', hrPublisherPrincipals: role('210987654321') }),
      /publish from account 210987654321, but hrEventAccount is 123456789012: .* Set hrEventAccount=210987654321/,
    );
    await assert.rejects(
      check({ hrPublisherPrincipals: `210987654321,${role('123456789012')}` }),
      /publish from 2 accounts \(210987654321, 123456789012\)/,
    );
  });

  it('refuse a batch size above 10 without a batching window, as the SQS mapping would', async () => {
    assert.equal(await check({ workerBatchSize: '10', workerBatchingWindow: '0' }), 'checked');
    assert.equal(await check({ workerBatchSize: '60', workerBatchingWindow: '1' }), 'checked');
    await assert.rejects(
      check({ workerBatchSize: '11', workerBatchingWindow: '0' }),
      /workerBatchSize 11 needs a workerBatchingWindow of 1/,
    );
    // The invites queue's visibility timeout covers a window of 1 s at most.
    await assert.rejects(
      check({ workerBatchingWindow: '2' }),
      /workerBatchingWindow must be a whole number from 0 to 1/,
    );
  });

  it('refuse a defaultSpaceId the intake would refuse: malformed, or outside allowedSpaceIds', async () => {
    assert.equal(await check({ defaultSpaceId: 'SPany' }), 'checked');
    assert.equal(
      await check({ allowedSpaceIds: 'SPone, SPtwo', defaultSpaceId: ' SPtwo ' }),
      'checked',
    );
    await assert.rejects(
      check({ defaultSpaceId: 'SP one' }),
      /defaultSpaceId must be 1 to 64 letters, digits, '-' or '_', got "SP one"/,
    );
    await assert.rejects(
      check({ allowedSpaceIds: 'SPone,SPtwo', defaultSpaceId: 'SPthree' }),
      /defaultSpaceId "SPthree" is not one of allowedSpaceIds/,
    );
  });

  it("hold the onboarding title and body to SendInvites' limits, counted in code points", async () => {
    // 200 emoji are 400 UTF-16 units and still a valid title.
    assert.equal(await check({ defaultInviteTitle: '🎉'.repeat(200) }), 'checked');
    assert.equal(await check({ defaultInviteBody: 'b'.repeat(600) }), 'checked');
    await assert.rejects(
      check({ defaultInviteTitle: '🎉'.repeat(201) }),
      /defaultInviteTitle must be at most 200 characters of well-formed text/,
    );
    await assert.rejects(
      check({ defaultInviteBody: 'b'.repeat(601) }),
      /defaultInviteBody must be at most 600 characters/,
    );
    await assert.rejects(
      check({ defaultInviteBody: 'lone \ud800 surrogate' }),
      /defaultInviteBody must be at most 600 characters of well-formed text/,
    );
  });

  it("refuse an onboarding title and body, with the allowed spaces, too large for Lambda's 4 KB of environment", async () => {
    // Each within SendInvites' limits, but 800 + 2,400 bytes of UTF-8.
    const title = '🎉'.repeat(200);
    assert.equal(
      await check({ defaultInviteTitle: title, defaultInviteBody: 'b'.repeat(600) }),
      'checked',
    );
    await assert.rejects(
      check({ defaultInviteTitle: title, defaultInviteBody: '🎉'.repeat(600) }),
      /take 3200 bytes as UTF-8; at most 3000 fit in Lambda's 4 KB of environment variables/,
    );
    // 1,400 bytes of text, and 64 space IDs of 24 characters with their commas (1,599 bytes),
    // or 65 (1,624 bytes).
    const spaces = (count: number) =>
      Array.from({ length: count }, (_, index) => `SP${String(index).padStart(22, '0')}`).join(',');
    const text = { defaultInviteTitle: title, defaultInviteBody: 'b'.repeat(600) };
    assert.equal(await check({ ...text, allowedSpaceIds: spaces(64) }), 'checked');
    await assert.rejects(
      check({ ...text, allowedSpaceIds: spaces(65) }),
      /defaultInviteTitle, defaultInviteBody and allowedSpaceIds take 3024 bytes as UTF-8/,
    );
  });

  it("refuse more allowed spaces than the worker role's inline policy can list", async () => {
    const spaces = (count: number) =>
      Array.from({ length: count }, (_, index) => `SP${String(index).padStart(22, '0')}`).join(',');

    // 83 × (24 + 60) = 6,972 characters of ARNs; 84 take 7,056.
    assert.equal(await check({ allowedSpaceIds: spaces(83) }), 'checked');
    await assert.rejects(
      check({ allowedSpaceIds: spaces(84) }),
      /allowedSpaceIds names 84 spaces: their ARNs would take about 7056 characters of the worker role's policy, more than the 7000 left/,
    );
  });

  it("take Powertools' log levels in any case and refuse others", async () => {
    assert.equal(await check({ logLevel: 'debug' }), 'checked');
    await assert.rejects(
      check({ logLevel: 'VERBOSE' }),
      /logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT, got "VERBOSE"/,
    );
  });
});

describe('the HR bus policy', () => {
  it("counts an account's root ARN as the account, so the Deny spares every role in it", async () => {
    const statements = await dedicatedBusStatements(
      resolver({
        'param:hrPublisherPrincipals':
          'arn:aws:iam::111122223333:root, arn:aws:iam::444455556666:role/hr, 111122223333',
        'param:hrEventSource': 'hr.events',
        'param:hrEventBusName': 'hr-bus',
        'self:service': 'svc',
        'sls:stage': 'ci',
      }),
    );

    const [allow, deny] = statements as [
      { Principal: { AWS: string[] } },
      { Condition: Record<string, Record<string, string[]>> },
    ];
    assert.deepEqual(allow.Principal.AWS, ['111122223333', 'arn:aws:iam::444455556666:role/hr']);
    assert.deepEqual(deny.Condition.StringNotEquals?.['aws:PrincipalAccount'], ['111122223333']);
    assert.deepEqual(deny.Condition.ArnNotLike?.['aws:PrincipalArn'], [
      'arn:aws:iam::444455556666:role/hr',
    ]);
  });
});

describe('the data retention', () => {
  /** The ledger's deletion policy and protection for `retainData` on `stage`. */
  async function retention(stage: string, retainData: string) {
    const values = { 'sls:stage': stage, 'param:retainData': retainData };
    return [await deletionPolicy(resolver(values)), await deletionProtection(resolver(values))];
  }

  it('keeps the data on every stage but dev and local when retainData is empty', async () => {
    assert.deepEqual(await retention('prod', ''), ['Retain', true]);
    assert.deepEqual(await retention('staging', ' '), ['Retain', true]);
    assert.deepEqual(await retention('dev', ''), ['Delete', false]);
    assert.deepEqual(await retention('local', ''), ['Delete', false]);
  });

  it('does as retainData says on any stage', async () => {
    assert.deepEqual(await retention('dev', 'TRUE'), ['Retain', true]);
    assert.deepEqual(await retention('prod', 'false'), ['Delete', false]);
  });

  it('fails the build on any other value, naming the parameter', async () => {
    await assert.rejects(
      retention('prod', 'yes'),
      /retainData must be true, false or empty \(by stage\), got "yes"/,
    );
  });
});
