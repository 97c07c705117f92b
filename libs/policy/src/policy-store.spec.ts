import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyStore, type PolicyStatus } from './policy-store.js';
import { DEV_EAST, input } from './testing/policy-fixtures.js';

const policyText = (group: string) =>
  `apiVersion: policy.tether.dev/v1\nkind: Policy\nrules:\n  - name: ${group}-all\n    allow: { groups: ${group} }\n`;
const BROKEN =
  'apiVersion: policy.tether.dev/v1\nkind: Policy\nrules:\n  - name: oops\n    allow: { verbb: get }\n';

describe('PolicyStore', () => {
  let dir: string;
  let path: string;
  let store: PolicyStore | undefined;
  const developer = input({ user: { groups: ['developers'] }, cluster: DEV_EAST });
  const operator = input({ user: { groups: ['operators'] }, cluster: DEV_EAST });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tether-policy-'));
    path = join(dir, 'policy.yaml');
  });

  afterEach(async () => {
    store?.stop();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('denies everything, saying why, while the file cannot be read', async () => {
    store = new PolicyStore({ path, watch: false, pollIntervalMs: 0 });
    const status = await store.start();
    expect(status).toMatchObject({ loaded: false, lastError: { code: 'POLICY_UNREADABLE' } });
    const decision = store.evaluate(developer);
    expect(decision.allowed).toBe(false);
    expect(decision).toHaveProperty(
      'reason',
      expect.stringMatching(
        /^no policy is loaded, so every request is denied \(cannot read policy file .*policy\.yaml/,
      ),
    );
  });

  it('denies everything while the only policy is invalid, with the line of the problem', async () => {
    await writeFile(path, BROKEN);
    store = new PolicyStore({ path, watch: false, pollIntervalMs: 0 });
    const status = await store.start();
    expect(status.loaded).toBe(false);
    expect(status.lastError?.code).toBe('POLICY_INVALID');
    expect(store.evaluate(developer)).toHaveProperty(
      'reason',
      expect.stringContaining('(line 5, column 14)'),
    );
  });

  it('keeps the last good policy when a broken one replaces it, and reports the error', async () => {
    await writeFile(path, policyText('developers'));
    store = new PolicyStore({ path, watch: false, pollIntervalMs: 0 });
    const loaded = await store.start();
    expect(loaded).toMatchObject({ loaded: true, lastError: undefined });

    await writeFile(path, BROKEN);
    const afterBroken = await store.reload();
    expect(afterBroken.version).toBe(loaded.version);
    expect(afterBroken.lastError?.issues).toEqual([
      expect.objectContaining({ path: 'rules[0].allow.verbb', line: 5, column: 14 }),
    ]);
    expect(store.evaluate(developer)).toMatchObject({ allowed: true, rule: 'developers-all' });

    await writeFile(path, policyText('operators'));
    const fixed = await store.reload();
    expect(fixed.lastError).toBeUndefined();
    expect(fixed.version).not.toBe(loaded.version);
    expect(store.evaluate(developer).allowed).toBe(false);
    expect(store.evaluate(operator)).toMatchObject({ allowed: true, rule: 'operators-all' });
  });

  it('keeps the last good policy when the file disappears', async () => {
    await writeFile(path, policyText('developers'));
    store = new PolicyStore({ path, watch: false, pollIntervalMs: 0 });
    await store.start();
    await rm(path);
    const status = await store.reload();
    expect(status).toMatchObject({ loaded: true, lastError: { code: 'POLICY_UNREADABLE' } });
    expect(store.evaluate(developer).allowed).toBe(true);
  });

  // Editors and ConfigMap mounts replace the file (rename) rather than write into it.
  it('picks up a replaced file by itself and tells onChange', async () => {
    await writeFile(path, policyText('developers'));
    const changes: PolicyStatus[] = [];
    store = new PolicyStore({ path, pollIntervalMs: 100, onChange: (status) => changes.push(status) });
    await store.start();
    const staged = join(dir, 'policy.yaml.tmp');
    await writeFile(staged, policyText('operators'));
    await rename(staged, path);
    await vi.waitFor(() => expect(store!.evaluate(operator).allowed).toBe(true), { timeout: 10_000 });
    expect(store.evaluate(developer).allowed).toBe(false);
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(changes.at(-1)).toMatchObject({ loaded: true, lastError: undefined });
  });

  it('does not re-report an unchanged broken file', async () => {
    await writeFile(path, BROKEN);
    const changes: PolicyStatus[] = [];
    store = new PolicyStore({
      path,
      watch: false,
      pollIntervalMs: 0,
      onChange: (status) => changes.push(status),
    });
    await store.start();
    await store.reload();
    await store.reload();
    expect(changes).toHaveLength(1);
  });
});
