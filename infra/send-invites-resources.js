/** The same rule as `SPACE_ID_PATTERN` in shared/domain/constants.ts. */
export const SPACE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The IDs of a comma-separated `allowedSpaceIds`, trimmed, blanks left out. */
export function spaceIdsOf(raw) {
  return new Set(
    String(raw ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== ''),
  );
}

/**
 * Stages meant for trying things out: an empty `allowedSpaceIds` needs no consent there, and
 * removing the stack removes its data (infra/data-retention.js).
 */
export const OPEN_STAGES = new Set(['dev', 'local']);

/**
 * The `Resource` of the worker's repostspace:SendInvites statement, resolved by osls at package
 * time from the `allowedSpaceIds` param: one space ARN per ID, or every space of the account in
 * the region when the list is empty. CloudFormation cannot prefix each element of a split list
 * without the AWS::LanguageExtensions transform, so the list is built here instead.
 * Throws on an ID the service could never accept, so a typo fails the build, not the first call,
 * and on an empty list outside the dev and local stages unless `allowAnySpace` is true; an empty
 * list that passes prints a warning.
 */
export async function sendInvitesResources({ resolveVariable }) {
  const [raw, allowAnySpace, stage] = await Promise.all([
    resolveVariable('param:allowedSpaceIds'),
    resolveVariable('param:allowAnySpace'),
    resolveVariable('sls:stage'),
  ]);
  const ids = spaceIdsOf(raw);
  for (const id of ids) {
    if (!SPACE_ID_PATTERN.test(id)) {
      throw new Error(`allowedSpaceIds holds an invalid space ID "${id}"`);
    }
  }
  if (ids.size === 0) {
    const consented = String(allowAnySpace).trim().toLowerCase() === 'true';
    if (!consented && !OPEN_STAGES.has(String(stage))) {
      throw new Error(
        `allowedSpaceIds is empty for stage "${stage}": the pipeline would invite to every re:Post Private space of the account. ` +
          'Pass --param "allowedSpaceIds=SP...,SP..." or, to allow every space on purpose, --param "allowAnySpace=true".',
      );
    }
    process.stderr.write(
      `Warning: allowedSpaceIds is empty: stage "${stage}" may invite to every re:Post Private space of the account in this region.\n`,
    );
  }
  const spaces = ids.size === 0 ? ['*'] : [...ids];
  return spaces.map((space) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:repostspace:\${AWS::Region}:\${AWS::AccountId}:space/${space}`,
  }));
}
