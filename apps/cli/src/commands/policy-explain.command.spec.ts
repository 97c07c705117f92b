import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../cli-program.js';
import { exitCodes } from '../errors/cli-error.js';
import { testContext, type TestContext } from '../test-support/test-context.js';

const demoPolicy = resolve(__dirname, '..', '..', '..', '..', 'deploy', 'policy', 'demo-policy.yaml');

describe('tether policy explain', () => {
  let ctx: TestContext;
  beforeEach(() => (ctx = testContext()));
  afterEach(() => ctx.cleanup());

  const explain = (...args: string[]) => runCli(ctx, ['policy', 'explain', '--policy', demoPolicy, ...args]);

  it('shows an allowed request, the rule that allowed it and what the cluster sees', async () => {
    const code = await explain(
      '--user',
      'alice',
      '--groups',
      'platform-admins',
      '--cluster',
      'dev-east',
      '--verb',
      'delete',
      '--resource',
      'pods',
      '-n',
      'web',
    );
    expect(code).toBe(exitCodes.ok);
    expect(ctx.stdout()).toContain('decision: allowed');
    expect(ctx.stdout()).toContain('rule:     admins-everywhere');
    expect(ctx.stdout()).toMatch(/cluster sees: user alice, groups \[.*system:masters.*\]/);
  });

  it('shows a denial with the closest rule and why each rule did not match, and exits 5', async () => {
    const code = await explain(
      '--user',
      'bob',
      '--groups',
      'developers',
      '--cluster',
      'dev-west',
      '--verb',
      'delete',
      '--resource',
      'configmaps',
      '-n',
      'web',
    );
    expect(code).toBe(exitCodes.policyDenied);
    expect(ctx.stdout()).toContain('decision: denied');
    expect(ctx.stdout()).toContain(
      "closest: 'developers-read-dev-west' (verb delete not in [get, list, watch])",
    );
    expect(ctx.stdout()).toMatch(/no\s+allow\s+developers-web-dev-east\s+cluster dev-west is not dev-east/);
  });

  it('prints the whole explanation as JSON for scripts', async () => {
    await explain(
      '--user',
      'bob',
      '--groups',
      'developers',
      '--cluster',
      'dev-east',
      '--verb',
      'get',
      '--resource',
      'pods',
      '-n',
      'web',
      '-o',
      'json',
    );
    const explanation = JSON.parse(ctx.stdout()) as { decision: { allowed: boolean; rule: string } };
    expect(explanation.decision).toMatchObject({ allowed: true, rule: 'developers-web-dev-east' });
  });

  it('reports every problem of an invalid policy with its line', async () => {
    const broken = join(ctx.dir, 'broken.yaml');
    writeFileSync(
      broken,
      'apiVersion: policy.tether.dev/v1\nkind: Policy\nrules:\n  - name: x\n    allow:\n      grops: admins\n',
    );
    const code = await runCli(ctx, [
      'policy',
      'explain',
      '--policy',
      broken,
      '--user',
      'a',
      '--cluster',
      'c',
      '--resource',
      'pods',
    ]);
    expect(code).toBe(exitCodes.error);
    expect(ctx.stderr()).toMatch(/line 6, column 7\).*grops/);
  });

  it('refuses a request that is neither a resource nor a path', async () => {
    expect(await explain('--user', 'a', '--cluster', 'c')).toBe(exitCodes.usage);
    expect(ctx.stderr()).toContain('--resource');
  });
});
