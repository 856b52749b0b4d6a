import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';
import { CLOUDFORMATION_TAGS } from '../../infra/local/definitions.ts';

// serverless-esbuild's defaults for what serverless.yml may leave out (its DEFAULT_BUILD_OPTIONS).
const PLUGIN_DEFAULTS = {
  bundle: true,
  target: 'node18',
  platform: 'node',
  external: [] as string[],
  exclude: ['aws-sdk'],
  outputFileExtension: '.js',
};

// Settings the plugin reads itself and removes before it calls esbuild.
const PLUGIN_ONLY = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

/**
 * The options serverless-esbuild gives esbuild for this service: `custom.esbuild` of
 * `serverless.yml` over the plugin's defaults (a list replaces the default's), the plugin's own
 * settings removed, `exclude` made `external`, and the output extension it asks for.
 */
export function serverlessEsbuildOptions(root: string): BuildOptions {
  const service = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), {
    customTags: CLOUDFORMATION_TAGS,
  }) as { custom: { esbuild: Record<string, unknown> } };
  const settings = { ...PLUGIN_DEFAULTS, ...service.custom.esbuild };
  const options = Object.fromEntries(
    Object.entries(settings).filter(([name]) => !PLUGIN_ONLY.includes(name)),
  ) as BuildOptions;
  const exclude = settings.exclude as string[];
  return {
    ...options,
    external: [...(options.external ?? []), ...(exclude.includes('*') ? [] : exclude)],
    ...(settings.outputFileExtension === '.js'
      ? {}
      : { outExtension: { '.js': settings.outputFileExtension } }),
  };
}
