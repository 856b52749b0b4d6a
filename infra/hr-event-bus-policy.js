/** A 12-digit account ID, or the ARN of an IAM role, user or account root. */
const ACCOUNT_ID = /^\d{12}$/;
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/.+)$/;
const ACCOUNT_ROOT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

/**
 * The `hrPublisherPrincipals` parameter as accounts and ARNs; throws on anything else. An
 * account's root ARN stands for the whole account, as it does in an Allow: it becomes the
 * account ID, or the Deny (which matches `aws:PrincipalArn`) would shut out every role in it.
 */
async function publishers(resolveVariable) {
  const raw = String((await resolveVariable('param:hrPublisherPrincipals')) ?? '');
  const given = raw
    .split(',')
    .map((principal) => principal.trim())
    .filter((principal) => principal !== '');
  for (const principal of given) {
    if (!ACCOUNT_ID.test(principal) && !IAM_PRINCIPAL_ARN.test(principal)) {
      throw new Error(
        `hrPublisherPrincipals holds "${principal}", which is neither a 12-digit account ID nor an IAM role, user or root ARN`,
      );
    }
  }
  const principals = [
    ...new Set(given.map((principal) => ACCOUNT_ROOT_ARN.exec(principal)?.[1] ?? principal)),
  ];
  return {
    principals,
    accounts: principals.filter((principal) => ACCOUNT_ID.test(principal)),
    arns: principals.filter((principal) => !ACCOUNT_ID.test(principal)),
  };
}

/**
 * The accounts the principals of `hrPublisherPrincipals` publish from: an event carries the
 * account of whoever put it, and the HR rule passes only `hrEventAccount`'s.
 */
export async function publisherAccounts(resolveVariable) {
  const { principals } = await publishers(resolveVariable);
  return new Set(
    principals.map((principal) =>
      ACCOUNT_ID.test(principal) ? principal : principal.split(':')[4],
    ),
  );
}

/** The bus name the stack creates a bus under; any other name is an existing bus. */
async function createdBusName(resolveVariable) {
  const [service, stage] = await Promise.all([
    resolveVariable('self:service'),
    resolveVariable('sls:stage'),
  ]);
  return `${service}-${stage}-hr-events`;
}

/**
 * The HR rule's `eventBus`: a Ref to the bus the stack creates, so the rule is created after it
 * and deleted before it; else an existing bus's ARN, which osls references without creating it
 * (it keeps only the part after "event-bus/", so the account field can stay empty).
 */
export async function ruleEventBus({ resolveVariable }) {
  const [name, created, region] = await Promise.all([
    resolveVariable('param:hrEventBusName'),
    createdBusName(resolveVariable),
    resolveVariable('self:provider.region'),
  ]);
  return name === created ? { Ref: 'HrEventBus' } : `arn:aws:events:${region}::event-bus/${name}`;
}

async function busArn(resolveVariable) {
  const name = await resolveVariable('param:hrEventBusName');
  return {
    'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${name}`,
  };
}

async function allowStatement(resolveVariable, sid = 'HrPublishersPutEvents') {
  const [{ principals }, source, resource] = await Promise.all([
    publishers(resolveVariable),
    resolveVariable('param:hrEventSource'),
    busArn(resolveVariable),
  ]);
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principals },
    Action: 'events:PutEvents',
    Resource: resource,
    Condition: { 'ForAllValues:StringEquals': { 'events:source': [source] } },
  };
}

/**
 * Denies PutEvents to every principal that is neither one of the ARNs nor in one of the accounts
 * (with none configured: to everyone); `hrSourceOnly` limits it to entries with the HR source.
 */
async function denyStatement(resolveVariable, { sid, hrSourceOnly }) {
  const [{ accounts, arns }, source, resource] = await Promise.all([
    publishers(resolveVariable),
    resolveVariable('param:hrEventSource'),
    busArn(resolveVariable),
  ]);
  const condition = {};
  if (arns.length > 0) condition.ArnNotLike = { 'aws:PrincipalArn': arns };
  if (accounts.length > 0) condition.StringNotEquals = { 'aws:PrincipalAccount': accounts };
  if (hrSourceOnly) condition['ForAnyValue:StringEquals'] = { 'events:source': [source] };
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: '*',
    Action: 'events:PutEvents',
    Resource: resource,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/**
 * The policy of the bus the stack creates: the HR publishers may put HR events, nobody else may
 * put anything. Resolved by osls at package time; throws on a malformed principal.
 */
export async function dedicatedBusStatements({ resolveVariable }) {
  const { principals } = await publishers(resolveVariable);
  const deny = await denyStatement(resolveVariable, {
    sid: 'OnlyHrPublishersPutEvents',
    hrSourceOnly: false,
  });
  return principals.length > 0 ? [await allowStatement(resolveVariable), deny] : [deny];
}

/**
 * The IDs of the statements added to an existing bus, the stage in them: a statement ID names
 * one statement of the bus's policy, so two stages guarding one bus each need their own (with
 * one shared, the second deploy would fail, or removing one stage would drop the other's Deny).
 */
async function existingBusIds(resolveVariable) {
  const stage = await resolveVariable('sls:stage');
  return { allow: `HrPublishersPutEvents-${stage}`, deny: `OnlyHrPublishersPutHrEvents-${stage}` };
}

export async function publishersStatementId({ resolveVariable }) {
  return (await existingBusIds(resolveVariable)).allow;
}

export async function othersStatementId({ resolveVariable }) {
  return (await existingBusIds(resolveVariable)).deny;
}

/** The Allow statement added to an existing bus (only when publishers are configured). */
export async function allowPublishersStatement({ resolveVariable }) {
  return allowStatement(resolveVariable, (await existingBusIds(resolveVariable)).allow);
}

/** The Deny statement added to an existing bus: other principals may not put HR-source events. */
export async function denyOthersStatement({ resolveVariable }) {
  return denyStatement(resolveVariable, {
    sid: (await existingBusIds(resolveVariable)).deny,
    hrSourceOnly: true,
  });
}
