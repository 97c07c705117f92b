import type { ActiveGrant } from '@tether/policy';
import type { AccessRequestStore } from './access-request-store';
import { ActiveGrants } from './active-grants';

describe('ActiveGrants', () => {
  const grant: ActiveGrant = { role: 'break-glass', cluster: 'dev-west', expiresAt: new Date(60_000) };
  let stored: ActiveGrant[];
  let reads: number;
  let clock: number;
  let sut: ActiveGrants;

  beforeEach(() => {
    stored = [];
    reads = 0;
    clock = 0;
    const store = {
      activeGrants: async () => {
        reads += 1;
        return [...stored];
      },
    } as unknown as AccessRequestStore;
    sut = new ActiveGrants(store, 1000, () => clock);
  });

  it('sees a grant made elsewhere within a second, and one made here at once', async () => {
    expect(await sut.for('bob')).toEqual([]);
    stored = [grant];
    expect(await sut.for('bob')).toEqual([]);
    clock = 1000;
    expect(await sut.for('bob')).toEqual([grant]);

    stored = [];
    sut.forget('bob');
    expect(await sut.for('bob')).toEqual([]);
    expect(reads).toBe(3);
  });

  it('does not keep a failed read', async () => {
    const failing = {
      activeGrants: async () => {
        reads += 1;
        if (reads === 1) throw new Error('database down');
        return [grant];
      },
    } as unknown as AccessRequestStore;
    sut = new ActiveGrants(failing, 1000, () => clock);
    await expect(sut.for('bob')).rejects.toThrow('database down');
    expect(await sut.for('bob')).toEqual([grant]);
  });
});
