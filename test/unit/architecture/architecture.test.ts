import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../../..');
const SOURCE_FOLDERS = ['functions', 'shared', 'infra', 'scripts'];
const MAX_LINES = 400;

/** Every TypeScript source file of the project (tests and benchmarks aside), relative to the root. */
function sourceFiles(): string[] {
  const files: string[] = [];
  function walk(folder: string) {
    for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  }
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return files.sort();
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** The module specifiers a file imports or re-exports, type-only ones included. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => match[1] as string);
}

function localImports(file: string): string[] {
  return importsOf(file)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)));
}

/** The cycles of an import graph, each as the list of files around it. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  function visit(file: string) {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** Entry points and configuration modules: the only places that read the process environment. */
function mayReadEnvironment(file: string): boolean {
  return (
    file.endsWith('/handler.ts') ||
    file.endsWith('config.ts') ||
    file === 'infra/local/main.ts' ||
    /^scripts\/[^/]+\.ts$/.test(file)
  );
}

describe('the source layout', () => {
  const files = sourceFiles();

  it('has no import cycle, type-only imports included', () => {
    const graph = new Map(files.map((file) => [file, localImports(file)]));
    assert.ok(
      graph.get('shared/domain/deliver-chunks.ts')?.includes('shared/domain/plan-calls.ts'),
    );
    assert.deepEqual(cycles(graph), []);
  });

  it('reads process.env only in entry points and configuration modules', () => {
    const readers = files.filter(
      (file) =>
        readFileSync(join(ROOT, file), 'utf8').includes('process.env') && !mayReadEnvironment(file),
    );
    assert.deepEqual(readers, []);
  });

  it('keeps shared/domain pure: no SDK, no adapters, no Node built-ins but crypto', () => {
    const impure = files
      .filter((file) => file.startsWith('shared/domain/'))
      .flatMap((file) =>
        importsOf(file)
          .filter(
            (specifier) =>
              (!specifier.startsWith('.') && specifier !== 'node:crypto') ||
              /\/adapters\/|\/config\/|\/http\//.test(specifier),
          )
          .map((specifier) => `${file} imports ${specifier}`),
      );
    assert.deepEqual(impure, []);
  });

  it(`keeps every source file under ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    assert.deepEqual(long, []);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
    ]);
    assert.deepEqual(cycles(graph), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
