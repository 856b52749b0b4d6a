/** The types of `hr-event-bus-policy.js`, which osls loads as it is: for the tests that call it. */
interface VariableResolver {
  resolveVariable(name: string): Promise<unknown>;
}

type PolicyStatement = Record<string, unknown>;

export function ruleEventBus(resolver: VariableResolver): Promise<unknown>;
export function dedicatedBusStatements(resolver: VariableResolver): Promise<PolicyStatement[]>;
export function allowPublishersStatement(resolver: VariableResolver): Promise<PolicyStatement>;
export function denyOthersStatement(resolver: VariableResolver): Promise<PolicyStatement>;
