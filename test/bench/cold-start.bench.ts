/**
 * Cold-start benchmark: bundles the three functions as `npm run package` does (serverless.yml's
 * esbuild settings, through serverless-esbuild's defaults and exclusions), beside a bundle that
 * imports only `@aws-sdk/client-sqs`, and times a fresh Node process importing each,
 * interleaved. Reports sizes, import times and where each bundle's weight is (esbuild's metafile).
 * Usage: npm run bench:cold-start [-- --rounds 30]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { writeBenchResults } from './bench-results.ts';
import { serverlessEsbuildOptions } from './serverless-esbuild-options.ts';
import { median } from './stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const rounds = Number(values.rounds);
const root = new URL('../../', import.meta.url).pathname;
const BUDGET_BYTES = 300 * 1024;
const MAX_RATIO = 1.5;
const TOP_PACKAGES = 8;

const entries = {
  intake: 'functions/intake/handler.ts',
  worker: 'functions/worker/handler.ts',
  status: 'functions/status/handler.ts',
  'sqs-only': 'test/bench/fixtures/sqs-only.ts',
};
const options = serverlessEsbuildOptions(root);
const out = mkdtempSync(join(tmpdir(), 'cold-start-'));
const bundles: Record<string, { file: string; metafile: Metafile }> = {};
for (const [name, entry] of Object.entries(entries)) {
  const result = await build({
    ...options,
    entryPoints: { [name]: join(root, entry) },
    outdir: out,
    metafile: true,
    logLevel: 'error',
  });
  const [file] = Object.keys(result.metafile.outputs).filter((path) => !path.endsWith('.map'));
  bundles[name] = { file: join(process.cwd(), file as string), metafile: result.metafile };
}

/** The package an input belongs to (`@scope/name` or `name`), or `project` for the service's own code. */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return 'project';
  const [first, second] = input.slice(at + 'node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : (first as string);
}

/** Bytes of the minified bundle each package accounts for, largest first. */
function weights(metafile: Metafile): { package: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .map(([name, bytes]) => ({ package: name, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

// The handlers read their configuration when imported, as they do in Lambda.
const env = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  INVITES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invites',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invites-dlq',
  LEDGER_TABLE_NAME: 'repost-invite-pipeline-bench-ledger',
};
function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }).toString(),
  );
}

const loadBefore = loadavg()[0] ?? 0;
const samples: Record<string, number[]> = Object.fromEntries(
  Object.keys(bundles).map((name) => [name, []]),
);
for (let round = 0; round < rounds + 2; round++) {
  for (const [name, { file }] of Object.entries(bundles)) {
    const ms = importMs(file);
    if (round >= 2) samples[name]?.push(ms);
  }
}
const baseline = median(samples['sqs-only'] ?? []);
const rows = Object.entries(bundles).map(([name, { file, metafile }]) => {
  const bytes = statSync(file).size;
  const ms = median(samples[name] ?? []);
  const list = samples[name] ?? [];
  return {
    bundle: name,
    bytes,
    importMs: ms,
    importMsRange: [Math.min(...list), Math.max(...list)],
    ratio: ms / baseline,
    topPackages: weights(metafile).slice(0, TOP_PACKAGES),
  };
});

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
console.table(
  rows.map((row) => ({
    bundle: row.bundle,
    'minified KiB': kb(row.bytes),
    'import ms (median)': row.importMs.toFixed(1),
    'min–max': row.importMsRange.map((ms) => ms.toFixed(1)).join('–'),
    'ratio to sqs-only': row.ratio.toFixed(2),
  })),
);
for (const row of rows) {
  process.stdout.write(`\n${row.bundle}: where the ${kb(row.bytes)} KiB are\n`);
  console.table(
    row.topPackages.map((entry) => ({
      package: entry.package,
      KiB: kb(entry.bytes),
      share: `${((entry.bytes / row.bytes) * 100).toFixed(1)}%`,
    })),
  );
}
const loadAfter = loadavg()[0] ?? 0;
process.stdout.write(
  `\n${rounds} rounds; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; budget ${kb(BUDGET_BYTES)} KiB a bundle, import ratio ≤ ${MAX_RATIO}\n`,
);
writeBenchResults('cold-start', {
  loadAverage: { before: loadBefore, after: loadAfter },
  rounds,
  esbuild: options,
  rows,
});
rmSync(out, { recursive: true, force: true });
const functions = rows.filter((row) => row.bundle !== 'sqs-only');
if (functions.some((row) => row.bytes > BUDGET_BYTES || row.ratio > MAX_RATIO)) {
  process.exitCode = 1;
}
