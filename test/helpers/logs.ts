import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** A logger that writes nothing, for tests that do not read logs. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: 'test', logLevel: 'SILENT' });
}

/** Metrics that are collected but never printed. */
export function quietMetrics(): Metrics {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  return new Metrics({ namespace: 'Test', serviceName: 'test' });
}

/**
 * Runs `action` while capturing the text written to stdout and stderr, which is where the
 * Powertools logger and metrics write. Bytes pass through: the test runner reports on stdout
 * in binary, and does so whenever `action` lets the event loop turn.
 */
export async function captureOutput<T>(
  action: () => Promise<T>,
): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capturing = (write: typeof out) =>
    ((chunk: string | Uint8Array, ...rest: never[]) => {
      if (typeof chunk !== 'string') return write(chunk, ...rest);
      chunks.push(chunk);
      return true;
    }) as typeof out;
  process.stdout.write = capturing(out);
  process.stderr.write = capturing(err);
  try {
    const result = await action();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
