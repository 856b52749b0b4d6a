import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

/** The machine a benchmark ran on, as every results file names it. */
export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
}

/**
 * Writes `bench-results/<name>.json` at the project's root: when and where the benchmark ran,
 * then its figures.
 */
export function writeBenchResults(name: string, figures: Record<string, unknown>): void {
  const folder = join(ROOT, 'bench-results');
  mkdirSync(folder, { recursive: true });
  const results = { date: new Date().toISOString(), machine: machine(), ...figures };
  writeFileSync(join(folder, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
}
