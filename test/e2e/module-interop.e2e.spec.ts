import { spawnSync } from 'node:child_process';

// The apps build to CommonJS; these packages ship only ESM and load through Node's require(esm).
const esmOnlyPackages = ['jose', 'openid-client', 'oidc-provider', '@kubernetes/client-node', '@nestjs/core'];

describe('runtime and module setup', () => {
  it('runs on the pinned Node.js LTS, not whatever the machine has', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it.each(esmOnlyPackages)('%s loads with require() from a CommonJS build', (name) => {
    const script = `const m = require(${JSON.stringify(name)}); if (Object.keys(m).length === 0) process.exit(3);`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
