import { OPEN_STAGES } from './send-invites-resources.js';

/**
 * Whether the stage keeps its data when the stack is removed or a change would replace the
 * resource: the `retainData` param, `true` or `false`; empty keeps it on every stage but the
 * dev and local ones. Throws on any other value, so a typo fails the build.
 */
async function retainsData({ resolveVariable }) {
  const [raw, stage] = await Promise.all([
    resolveVariable('param:retainData'),
    resolveVariable('sls:stage'),
  ]);
  const value = String(raw ?? '')
    .trim()
    .toLowerCase();
  if (value === '') return !OPEN_STAGES.has(String(stage));
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`retainData must be true, false or empty (by stage), got "${raw}"`);
}

/**
 * The `DeletionPolicy` and `UpdateReplacePolicy` of the ledger table and the DLQ: `Retain`
 * where the stage keeps its data, so neither `serverless remove` nor a replacing change takes
 * the invite history or the parked invites with it. CloudFormation takes no function here, so
 * osls resolves the value at package time.
 */
export async function deletionPolicy(resolver) {
  return (await retainsData(resolver)) ? 'Retain' : 'Delete';
}

/**
 * The ledger table's `DeletionProtectionEnabled`: where the stage keeps its data, the table
 * cannot be deleted by anyone, in the console or through the API, until this is turned off.
 */
export async function deletionProtection(resolver) {
  return retainsData(resolver);
}
