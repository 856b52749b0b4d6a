import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs one of the project's scripts (a path from the repository root) as a command. */
export async function runScript(
  path: string,
  args: readonly string[],
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const child = spawn(process.execPath, [`${ROOT}${path}`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [stdout, stderr, [exitCode]] = await Promise.all([
    text(child.stdout),
    text(child.stderr),
    once(child, 'exit') as Promise<[number | null]>,
  ]);
  return { stdout, stderr, exitCode };
}
