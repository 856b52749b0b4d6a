/** The types of `deploy-checks.js`, which osls loads as it is: for the tests that call it. */
interface VariableResolver {
  resolveVariable(name: string): Promise<unknown>;
}

export function deployChecks(resolver: VariableResolver): Promise<'checked'>;
export function defaultRouteSettings(resolver: VariableResolver): Promise<{
  DetailedMetricsEnabled: boolean;
  ThrottlingRateLimit: number;
  ThrottlingBurstLimit: number;
}>;
