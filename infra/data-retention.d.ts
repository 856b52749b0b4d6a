/** The types of `data-retention.js`, which osls loads as it is: for the tests that call it. */
interface VariableResolver {
  resolveVariable(name: string): Promise<unknown>;
}

export function deletionPolicy(resolver: VariableResolver): Promise<'Retain' | 'Delete'>;
export function deletionProtection(resolver: VariableResolver): Promise<boolean>;
