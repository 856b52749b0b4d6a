import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Template } from './template.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Top-level entries that are not part of a clean clone's service, or that the copy links instead. */
const NOT_COPIED = new Set([
  '.git',
  '.serverless',
  '.esbuild',
  '.local',
  'bench-results',
  'node_modules',
  'test',
]);

export interface PackagedService {
  /** The folder `serverless package --package` wrote the zips and templates to. */
  artifactsDir: string;
  template: Template;
  /** What osls printed, warnings included. */
  output: string;
  /** Removes the copy of the service and its artifacts. */
  dispose(): Promise<void>;
}

/**
 * Runs `serverless package --stage <stage> --package <tmpdir>` on a copy of the service, so a run
 * neither sees nor leaves `.serverless`/`.esbuild` in the working tree and two runs cannot collide.
 * osls runs on this process's Node (24) and without network access to AWS: dummy credentials and
 * no instance metadata make any accidental AWS call fail instead of reaching an account.
 * Rejects with osls's output when packaging fails.
 */
export async function packageService(options: {
  stage: string;
  params?: Record<string, string>;
}): Promise<PackagedService> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'repost-invite-package-'));
  const serviceDir = path.join(workDir, 'service');
  const artifactsDir = path.join(workDir, 'artifacts');
  const dispose = () => rm(workDir, { recursive: true, force: true });
  try {
    await cp(ROOT, serviceDir, {
      recursive: true,
      filter: (source) => !NOT_COPIED.has(path.relative(ROOT, source)),
    });
    await symlink(path.join(ROOT, 'node_modules'), path.join(serviceDir, 'node_modules'), 'dir');
    const params = Object.entries(options.params ?? {}).flatMap(([name, value]) => [
      '--param',
      `${name}=${value}`,
    ]);
    const output = await runServerless(serviceDir, [
      'package',
      '--stage',
      options.stage,
      '--package',
      artifactsDir,
      ...params,
    ]);
    const template = JSON.parse(
      await readFile(path.join(artifactsDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    return { artifactsDir, template, output, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

function runServerless(cwd: string, args: string[]): Promise<string> {
  const bin = path.join(ROOT, 'node_modules', '.bin');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Anything osls or a plugin starts as `node` is this same Node 24.
    PATH: [path.dirname(process.execPath), bin, process.env.PATH].join(path.delimiter),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'package-test',
    AWS_SECRET_ACCESS_KEY: 'package-test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(bin, 'serverless'), ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`serverless ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}
