import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Runs one of the project's scripts (a path from the repository root) as a command, with
 * `env` added to this process's environment (an undefined value removes a variable).
 */
export async function runScript(
  path: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const child = spawn(process.execPath, [`${ROOT}${path}`, ...args], {
    env: Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== undefined),
    ),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [stdout, stderr, [exitCode]] = await Promise.all([
    text(child.stdout),
    text(child.stderr),
    once(child, 'exit') as Promise<[number | null]>,
  ]);
  return { stdout, stderr, exitCode };
}
