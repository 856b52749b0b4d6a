/** The same rule as `SPACE_ID_PATTERN` in shared/domain/constants.ts. */
const SPACE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The `Resource` of the worker's repostspace:SendInvites statement, resolved by osls at package
 * time from the `allowedSpaceIds` param: one space ARN per ID, or every space of the account in
 * the region when the list is empty. CloudFormation cannot prefix each element of a split list
 * without the AWS::LanguageExtensions transform, so the list is built here instead.
 * Throws on an ID the service could never accept, so a typo fails the build, not the first call.
 */
export async function sendInvitesResources({ resolveVariable }) {
  const raw = await resolveVariable('param:allowedSpaceIds');
  const ids = new Set(
    String(raw ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== ''),
  );
  for (const id of ids) {
    if (!SPACE_ID_PATTERN.test(id)) {
      throw new Error(`allowedSpaceIds holds an invalid space ID "${id}"`);
    }
  }
  const spaces = ids.size === 0 ? ['*'] : [...ids];
  return spaces.map((space) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:repostspace:\${AWS::Region}:\${AWS::AccountId}:space/${space}`,
  }));
}
