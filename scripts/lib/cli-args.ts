import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { SPACE_ID_PATTERN } from '../../shared/domain/constants.ts';
import { UsageError } from './errors.ts';

type ParsedValues = Record<string, string | boolean | undefined>;

/** `parseArgs` in strict mode; its errors (unknown option, missing value) become `UsageError`. */
export function parseOptions(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
): ParsedValues {
  return parseCommandLine(argv, options, 0).values;
}

/**
 * npm takes the options before a `--` as its own and passes only their values on: a value with
 * no option in front of it is most often that, when no option reached the command at all.
 */
const NPM_DASHES_HINT =
  ". With npm run, put the command's options after a --: npm run <command> -- --option value";

function npmDashesHint(argv: readonly string[]): string {
  return argv.some((arg) => arg.startsWith('-')) ? '' : NPM_DASHES_HINT;
}

/**
 * Options and up to `maxPositionals` positional arguments, in strict mode. Throws `UsageError`
 * for an unknown option, a missing value or one positional argument too many.
 */
export function parseCommandLine(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
  maxPositionals: number,
): { values: ParsedValues; positionals: string[] } {
  let parsed: { values: ParsedValues; positionals: string[] };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: maxPositionals > 0,
      allowNegative: true,
    });
    parsed = { values: values as ParsedValues, positionals };
  } catch (error) {
    const positional = (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL';
    throw new UsageError(`${(error as Error).message}${positional ? npmDashesHint(argv) : ''}`, {
      cause: error,
    });
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(
      `Unexpected argument "${parsed.positionals[maxPositionals]}"${npmDashesHint(argv)}`,
    );
  }
  return parsed;
}

/** Throws `UsageError` naming every required option that is missing. */
export function requireOptions(values: ParsedValues, names: readonly string[]): void {
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}`);
  }
}

// Digits, or thousands grouped by `,` or `_` (`5,000`, `5_000`): never `1,6`, nor a decimal comma.
const WHOLE_NUMBER = /^(\d+|\d{1,3}(,\d{3})+|\d{1,3}(_\d{3})+)$/;

/** An integer option within `min..max`; undefined when not given. Throws `UsageError`. */
export function integerOption(
  values: ParsedValues,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  const value = Number(text.replace(/[,_]/g, ''));
  if (!WHOLE_NUMBER.test(text) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** A string option, or undefined when not given. */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** `values` without its undefined members: options left out stay absent, not undefined. */
export function definedOptions<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** `--space`, required and a space ID. Throws `UsageError`. */
export function spaceIdOption(values: ParsedValues): string {
  const spaceId = stringOption(values, 'space');
  if (spaceId === undefined) throw new UsageError('Pass --space <spaceId>');
  if (!SPACE_ID_PATTERN.test(spaceId)) {
    throw new UsageError(`--space must be a space ID (letters, digits, _ and -), got "${spaceId}"`);
  }
  return spaceId;
}
