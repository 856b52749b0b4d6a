import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deployChecks } from '../../infra/deploy-checks.js';
import { dedicatedBusStatements } from '../../infra/hr-event-bus-policy.js';

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
  'param:workerBatchSize': '25',
  'param:apiThrottlingBurstLimit': '20',
  'param:apiThrottlingRateLimit': '10',
  'param:logRetentionInDays': '90',
  'param:kmsKeyArn': '',
  'param:operatorRoleArn': 'arn:aws:iam::123456789012:role/ops',
  'param:hrEventAccount': '123456789012',
  'param:alarmEmail': 'oncall@example.com',
  'param:hrPublisherPrincipals': '123456789012',
};

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
