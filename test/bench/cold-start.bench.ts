/**
 * Cold-start benchmark: bundles both functions with serverless.yml's esbuild settings, next to
 * a bundle that imports only `@aws-sdk/client-sqs`, and times a fresh Node process importing
 * each, interleaved. Usage: npm run bench:cold-start [-- --rounds 30]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { parse } from 'yaml';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const rounds = Number(values.rounds);
const root = new URL('../../', import.meta.url).pathname;
const settings = (
  parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), {
    customTags: [
      { tag: '!Ref', resolve: String },
      { tag: '!GetAtt', resolve: String },
    ],
  }) as {
    custom: {
      esbuild: { minify: boolean; target: string; mainFields: string[]; banner: { js: string } };
    };
  }
).custom.esbuild;

const entries = {
  intake: 'functions/intake/handler.ts',
  worker: 'functions/worker/handler.ts',
  'sqs-only': 'test/bench/fixtures/sqs-only.ts',
};
const out = mkdtempSync(join(tmpdir(), 'cold-start-'));
const bundles: Record<string, string> = {};
for (const [name, entry] of Object.entries(entries)) {
  const file = join(out, `${name}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
    outfile: file,
    bundle: true,
    minify: settings.minify,
    format: 'esm',
    platform: 'node',
    target: settings.target,
    mainFields: settings.mainFields,
    banner: settings.banner,
    logLevel: 'error',
  });
  bundles[name] = file;
}

// The handlers read their configuration when imported, as they do in Lambda.
const env = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  INVITES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invites',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invites-dlq',
};
function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }).toString(),
  );
}

const samples: Record<string, number[]> = { intake: [], worker: [], 'sqs-only': [] };
for (let round = 0; round < rounds + 2; round++) {
  for (const name of Object.keys(bundles)) {
    const ms = importMs(bundles[name] as string);
    if (round >= 2) samples[name]?.push(ms);
  }
}
const median = (list: number[]) =>
  [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
const baseline = median(samples['sqs-only'] ?? []);
const rows = Object.keys(bundles).map((name) => {
  const ms = median(samples[name] ?? []);
  return {
    bundle: name,
    kb: statSync(bundles[name] as string).size / 1000,
    importMs: ms,
    ratio: ms / baseline,
  };
});
console.table(
  rows.map((row) => ({
    bundle: row.bundle,
    'minified KB': row.kb.toFixed(1),
    'import ms (median)': row.importMs.toFixed(1),
    'ratio to sqs-only': row.ratio.toFixed(2),
  })),
);
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(
  join(root, 'bench-results/cold-start.json'),
  `${JSON.stringify({ date: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`, rounds, rows }, null, 2)}\n`,
);
rmSync(out, { recursive: true, force: true });
if (rows.some((row) => row.kb > 400 || row.ratio > 1.5)) process.exitCode = 1;
