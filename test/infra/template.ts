import assert from 'node:assert/strict';

export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, unknown>;
}

/** The parts of a CloudFormation template the tests read. */
export interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

export function getAtt(logicalId: string, attribute: string) {
  return { 'Fn::GetAtt': [logicalId, attribute] };
}

export function ref(logicalId: string) {
  return { Ref: logicalId };
}

/** The resource with that logical ID and type; fails the test when it is missing. */
export function resource(template: Template, logicalId: string, type: string): Resource {
  const found = template.Resources[logicalId];
  assert.ok(found, `${logicalId} is in the template`);
  assert.equal(found.Type, type, `${logicalId} is an ${type}`);
  return found;
}

/** Logical IDs and resources of one type. */
export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, found]) => found.Type === type);
}

/** The one resource of a type; fails the test when there is none or more than one. */
export function onlyResourceOfType(template: Template, type: string): [string, Resource] {
  const found = resourcesOfType(template, type);
  assert.equal(found.length, 1, `exactly one ${type}`);
  return found[0] as [string, Resource];
}

/**
 * Evaluates a named condition. Parameters are resolved at package time, so the conditions
 * compare literals; anything else throws.
 */
export function evaluateCondition(template: Template, name: string): boolean {
  const expression = template.Conditions?.[name];
  assert.ok(expression !== undefined, `condition ${name} is defined`);
  return evaluate(template, expression);
}

function evaluate(template: Template, expression: unknown): boolean {
  const [[fn, args] = []] = Object.entries(expression as Record<string, unknown[]>);
  switch (fn) {
    case 'Fn::Equals': {
      const [left, right] = args as unknown[];
      assert.equal(typeof left, 'string', 'Fn::Equals compares literals');
      assert.equal(typeof right, 'string', 'Fn::Equals compares literals');
      return left === right;
    }
    case 'Fn::Not':
      return !evaluate(template, (args as unknown[])[0]);
    case 'Fn::And':
      return (args as unknown[]).every((arg) => evaluate(template, arg));
    case 'Fn::Or':
      return (args as unknown[]).some((arg) => evaluate(template, arg));
    case 'Condition':
      return evaluateCondition(template, args as unknown as string);
    default:
      throw new Error(`Cannot evaluate condition expression ${JSON.stringify(expression)}`);
  }
}

/**
 * The value as CloudFormation would see it after choosing every `Fn::If` branch; a branch that is
 * `AWS::NoValue` removes its property or list element, and is `undefined` at the top level.
 */
export function resolveIf(template: Template, value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveIf(template, item)).filter((item) => item !== undefined);
  }
  if (typeof value !== 'object' || value === null) return value;
  if ('Ref' in value && value.Ref === 'AWS::NoValue') return undefined;
  if ('Fn::If' in value) {
    const [condition, whenTrue, whenFalse] = value['Fn::If'] as [string, unknown, unknown];
    return resolveIf(template, evaluateCondition(template, condition) ? whenTrue : whenFalse);
  }
  return Object.fromEntries(
    Object.entries(value)
      .map(([key, item]) => [key, resolveIf(template, item)])
      .filter(([, item]) => item !== undefined),
  );
}
