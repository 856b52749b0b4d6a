import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BannerFacts, localStackBanner } from '../../../infra/local/banner.ts';

const FACTS: BannerFacts = {
  httpUrl: 'http://127.0.0.1:3000',
  eventSources: ['hr.events'],
  sqsEndpoint: 'http://127.0.0.1:4566',
  dynamodbEndpoint: 'http://127.0.0.1:4569',
  invitesQueueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/svc-local-invites',
  deadLetterQueueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/svc-local-invites-dlq',
  repostspaceEndpoint: 'http://127.0.0.1:4580',
  simulated: true,
  spaceId: 'SPLOCALDEMO0000000000000',
  region: 'eu-west-1',
};

/** The banner's lines from the one starting with `start`, joined back where they end in `\`. */
function command(banner: string, start: string): string {
  const lines = banner.split('\n');
  const first = lines.findIndex((line) => line.trim().startsWith(start));
  assert.notEqual(first, -1, `no line starts with ${start}`);
  const parts: string[] = [];
  for (const line of lines.slice(first)) {
    parts.push(line.trim().replace(/\s*\\$/, ''));
    if (!line.endsWith('\\')) break;
  }
  return parts.join(' ');
}

describe('localStackBanner', () => {
  it('prints the export line the AWS CLI needs before the AWS CLI examples', () => {
    const banner = localStackBanner(FACTS);

    const exportLine =
      'export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1';
    assert.ok(banner.includes(`\n  ${exportLine}\n`), banner);
    assert.ok(banner.indexOf(exportLine) < banner.indexOf('aws events put-events'));
    assert.ok(banner.indexOf(exportLine) < banner.indexOf('aws sqs receive-message'));
  });

  it('prints a put-events example for the gateway whose entries are the intake rule’s event', () => {
    const putEvents = command(localStackBanner(FACTS), 'aws events put-events');

    assert.match(putEvents, /^aws events put-events --endpoint-url http:\/\/127\.0\.0\.1:3000 /);
    const entries = JSON.parse(/--entries '([^']*)'$/.exec(putEvents)?.[1] ?? 'null') as {
      Source: string;
      DetailType: string;
      Detail: string;
    }[];
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.Source, 'hr.events');
    assert.equal(entries[0]?.DetailType, 'Employee Onboarded');
    assert.deepEqual(JSON.parse(entries[0]?.Detail ?? ''), { accessorId: 'erin@example.com' });
  });

  it('prints a receive-message example for the DLQ with every attribute', () => {
    const receive = command(localStackBanner(FACTS), 'aws sqs receive-message');

    assert.equal(
      receive,
      'aws sqs receive-message --endpoint-url http://127.0.0.1:4566' +
        ` --queue-url ${FACTS.deadLetterQueueUrl}` +
        ' --max-number-of-messages 10 --visibility-timeout 0' +
        ' --message-attribute-names All --attribute-names All',
    );
  });

  it('names every endpoint, the curl example and whether re:Post Private is simulated', () => {
    const banner = localStackBanner(FACTS);
    const elsewhere = localStackBanner({ ...FACTS, simulated: false });

    assert.match(banner, /local stack is up/);
    assert.match(
      banner,
      /HTTP API {8}POST http:\/\/127\.0\.0\.1:3000\/spaces\/SPLOCALDEMO0+\/invite/,
    );
    assert.match(banner, /dead letters {2}http:\/\/sqs\.us-east-1\.localhost:4566\/.*-dlq/);
    assert.match(banner, /DynamoDB {8}http:\/\/127\.0\.0\.1:4569 {2}\(the request ledger\)/);
    assert.match(banner, /\n {2}npm run redrive -- --stage local\n/);
    assert.match(command(banner, 'curl -s -X POST'), /-d '\{"accessorIds":\[/);
    assert.match(banner, /re:Post Private http:\/\/127\.0\.0\.1:4580 {2}\(simulator\)/);
    assert.doesNotMatch(elsewhere, /\(simulator\)/);
  });

  it('prints where the operator console serves, when told', () => {
    const banner = localStackBanner({ ...FACTS, consoleUrl: 'http://127.0.0.1:8080' });

    assert.match(
      banner,
      /Console {9}http:\/\/127\.0\.0\.1:8080 {2}\(run npm run console in another shell\)/,
    );
    assert.doesNotMatch(localStackBanner(FACTS), /Console/);
  });
});
