import { build } from 'esbuild';

const name = process.argv[2];
const external = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];
const r = await build({
  entryPoints: [`functions/${name}/handler.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  write: false,
  metafile: true,
  outfile: `/tmp/${name}.mjs`,
  external,
});
const out = Object.values(r.metafile.outputs)[0];
console.log(name, out.bytes);
const byPkg = {};
for (const [file, info] of Object.entries(out.inputs)) {
  const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const key = m ? m[1] : file.split('/').slice(0, 2).join('/');
  byPkg[key] = (byPkg[key] ?? 0) + info.bytesInOutput;
}
for (const [k, v] of Object.entries(byPkg)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 12))
  console.log(String(v).padStart(8), k);
