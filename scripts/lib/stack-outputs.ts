import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The stack has no such name in the region, or lacks an output the command needs. */
export class StackNotUsableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StackNotUsableError';
  }
}

/**
 * The named outputs of a deployed stack (osls adds `HttpApiUrl`, `infra/*.yml` the rest).
 * Throws `StackNotUsableError` when the stack does not exist or lacks one of them.
 */
export async function readStackOutputs<Key extends string>(
  client: CloudFormationClient,
  stackName: string,
  required: readonly Key[],
): Promise<Record<Key, string>> {
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Stacks[0]?.Outputs ?? [];
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new StackNotUsableError(`Stack ${stackName} does not exist (check --region)`, {
        cause: error,
      });
    }
    throw error;
  }
  const found = Object.fromEntries(
    outputs.map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
  );
  const missing = required.filter((key) => !found[key]);
  if (missing.length > 0) {
    throw new StackNotUsableError(
      `Stack ${stackName} has no output ${missing.join(', ')}; is it a repost-invite-pipeline stack?`,
    );
  }
  return found as Record<Key, string>;
}
