import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  type RepostspaceSimulator,
  type SimulatorFaults,
  type SimulatorStats,
  startRepostspaceSimulator,
} from '../../../infra/local/repostspace-simulator/index.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { PARK_ATTRIBUTES } from '../../../shared/adapters/sqs-dead-letter-queue.ts';
import { decodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import { startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

const SPACE = 'SPSIMFAULTS0000000000000';
/** Valid and allowed, but unknown to the simulator: every call for it answers 404. */
const UNKNOWN_SPACE = 'SPUNKNOWN000000000000000';
const SEND_INVITES_TIMEOUT_MS = 300;
const SCENARIO_TIMEOUT_MS = 90_000;

interface Scenario {
  name: string;
  faults: SimulatorFaults;
  /** Requests for the known space; each has its own title, so each is a call of its own. */
  requests: number;
  /** Requests for the space the simulator does not know. */
  unknownSpaceRequests?: number;
}

const IDS_PER_REQUEST = 25;

interface Outcome {
  accepted: number;
  delivered: number;
  duplicates: number;
  deadLettered: number;
  stats: SimulatorStats;
}

const SCENARIOS: Scenario[] = [
  { name: 'throttling only', faults: {}, requests: 16 },
  { name: '30% 500s', faults: { internalErrorRate: 0.3 }, requests: 16 },
  { name: '25% timeouts', faults: { hangRate: 0.25 }, requests: 16 },
  { name: '30% dropped connections', faults: { dropConnectionRate: 0.3 }, requests: 16 },
  { name: '20% answers lost after delivery', faults: { lostAnswerRate: 0.2 }, requests: 16 },
  {
    name: 'all at once, and an unknown space',
    faults: { internalErrorRate: 0.1, dropConnectionRate: 0.1, hangRate: 0.1 },
    requests: 16,
    unknownSpaceRequests: 4,
  },
];

/**
 * Mulberry32, a small seeded generator. The simulator draws once per call that passes its
 * throttle, and each scenario ends at its last success, so every scenario meets the same
 * draws whatever the timing: the faults injected are the same on every run.
 */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('re:Post Private faults during delivery, on the local stack', () => {
  const state = tempStateDir();
  let stack: LocalStack;
  let simulator: RepostspaceSimulator;
  let sqs: SQSClient;

  before(async () => {
    simulator = await startRepostspaceSimulator({
      // Below the rate the workers start at (20 a second) and with no burst to spare, so the first
      // scenario's calls meet the throttle however busy the machine is.
      throttle: { ratePerSecond: 10, burst: 1, retryAfterSeconds: 1 },
      knownSpaceIds: [SPACE],
      random: seededRandom(20_261),
    });
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      SEND_INVITES_TIMEOUT_MS: String(SEND_INVITES_TIMEOUT_MS),
      // Failed calls are logged at WARN on purpose; they would fill the test output.
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
    });
    sqs = new SQSClient({
      endpoint: stack.sqsEndpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
  });
  after(async () => {
    // Each only if it started: a failed start must not leave the rest running.
    sqs?.destroy();
    await stack?.stop();
    await simulator?.stop();
    state.cleanup();
  });

  async function postInvite(spaceId: string, ids: string[], title: string) {
    const response = await fetch(`${stack.httpUrl}/spaces/${spaceId}/invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessorIds: ids, title, body: 'Join our space' }),
    });
    assert.equal(response.status, 202, await response.text());
  }

  /** Receives the parked chunks of `space` until `count` accessors are there or time runs out. */
  async function receiveParked(count: number, signal: AbortSignal) {
    const parked: { accessorIds: string[]; errorType: string }[] = [];
    const total = () => parked.reduce((sum, chunk) => sum + chunk.accessorIds.length, 0);
    while (total() < count && !signal.aborted) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.queues.deadLetter.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 600,
          WaitTimeSeconds: 5,
          MessageAttributeNames: ['All'],
        }),
      );
      for (const message of Messages) {
        parked.push({
          accessorIds: decodeInviteChunk(message.Body ?? '').accessorIds,
          errorType: message.MessageAttributes?.[PARK_ATTRIBUTES.errorType]?.StringValue ?? '',
        });
      }
    }
    return parked;
  }

  /** Waits, on the simulator's deliveries, until every ID in `ids` was invited at least once. */
  async function deliveredAll(ids: string[], signal: AbortSignal) {
    for (let round = 0; round < 1_000; round++) {
      const missing = ids.filter((id) => simulator.deliveries.count(SPACE, id) === 0).length;
      if (missing === 0) return;
      await simulator.waitForDeliveredAccessors(simulator.stats().deliveredAccessors + missing, {
        signal,
      });
    }
  }

  async function run(scenario: Scenario, index: number): Promise<Outcome> {
    const statsBefore = simulator.stats();
    simulator.setFaults(scenario.faults);
    const signal = AbortSignal.timeout(SCENARIO_TIMEOUT_MS);
    const requests = (space: string, count: number, label: string) =>
      Array.from({ length: count }, (_, request) => ({
        space,
        title: `Welcome ${index}${label}${request}`,
        ids: Array.from(
          { length: IDS_PER_REQUEST },
          (_, n) => `s${index}-${label}${request}-${n}@example.com`,
        ),
      }));
    const known = requests(SPACE, scenario.requests, 'k');
    const elsewhere = requests(UNKNOWN_SPACE, scenario.unknownSpaceRequests ?? 0, 'u');
    for (const request of [...known, ...elsewhere]) {
      await postInvite(request.space, request.ids, request.title);
    }
    const ids = known.flatMap((request) => request.ids);
    const unknown = elsewhere.flatMap((request) => request.ids);

    const [parked] = await Promise.all([
      receiveParked(unknown.length, signal),
      deliveredAll(ids, signal),
    ]);
    simulator.setFaults({});
    // A call whose answer was lost after delivery is sent again: wait for those repeats too.
    const lost = simulator.stats().lostAnswerAccessors - statsBefore.lostAnswerAccessors;
    await simulator.waitForDeliveredAccessors(statsBefore.deliveredAccessors + ids.length + lost, {
      signal,
    });

    const parkedIds = parked.flatMap((chunk) => chunk.accessorIds);
    assert.deepEqual(
      new Set(parked.map((chunk) => chunk.errorType)),
      new Set(unknown.length > 0 ? ['ResourceNotFoundException'] : []),
    );
    assert.deepEqual(new Set(parkedIds), new Set(unknown), 'each unknown-space accessor is parked');
    assert.equal(parkedIds.length, unknown.length, 'and parked once');
    const stats = simulator.stats();
    const counts = ids.map((id) => simulator.deliveries.count(SPACE, id));
    const outcome = {
      accepted: ids.length + unknown.length,
      delivered: counts.filter((count) => count > 0).length,
      duplicates: counts.reduce((sum, count) => sum + Math.max(0, count - 1), 0),
      deadLettered: parkedIds.length,
      stats: Object.fromEntries(
        Object.entries(stats).map(([key, value]) => [
          key,
          value - statsBefore[key as keyof SimulatorStats],
        ]),
      ) as unknown as SimulatorStats,
    };
    assert.equal(
      outcome.delivered + outcome.deadLettered,
      outcome.accepted,
      'every accepted accessor is delivered or dead-lettered',
    );
    return outcome;
  }

  SCENARIOS.forEach((scenario, index) => {
    it(`${scenario.name}: every accepted accessor ends delivered or in the DLQ with its reason`, async (t) => {
      const outcome = await run(scenario, index);

      const { stats } = outcome;
      t.diagnostic(
        `${scenario.name}: accepted ${outcome.accepted}, delivered ${outcome.delivered}, duplicates ${outcome.duplicates}, dead-lettered ${outcome.deadLettered} | calls ${stats.calls}, throttled ${stats.throttled}, 500s ${stats.internalErrors}, dropped ${stats.dropped}, timed out ${stats.hung}, answers lost ${stats.lostAnswers}, 404s ${stats.rejected}`,
      );
      // A call failed before the service took it is sent again harmlessly. One the service took
      // and whose answer was lost cannot be told from it: its accessors, and no others, are
      // invited twice (SendInvites is idempotent in the service model).
      assert.equal(outcome.duplicates, stats.lostAnswerAccessors);
      const injected = stats.internalErrors + stats.dropped + stats.hung + stats.lostAnswers;
      if (Object.keys(scenario.faults).length > 0) assert.ok(injected > 0, 'faults were injected');
      else assert.ok(stats.throttled > 0, 'calls were throttled');
    });
  });
});
