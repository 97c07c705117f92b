import { BrokerApi } from '../broker/broker-api.js';
import { FakeBroker } from '../test-support/fake-broker.js';
import { deviceLogin } from './device-login.js';

describe('device sign-in (RFC 8628)', () => {
  const brokers: FakeBroker[] = [];
  afterAll(() => Promise.all(brokers.map((b) => b.close())));

  async function run(devicePolls: string[], interval = 2) {
    const broker = await FakeBroker.start({ devicePolls, deviceInterval: interval });
    brokers.push(broker);
    const waits: number[] = [];
    const prompts: string[] = [];
    const result = deviceLogin({
      api: new BrokerApi(broker.url, { caPem: broker.caPem }),
      prompt: (a) => prompts.push(`${a.user_code} at ${a.verification_uri}`),
      sleep: async (ms) => void waits.push(ms),
    });
    return { broker, waits, prompts, result };
  }

  it('shows the code, polls at the given interval and slows down by 5 s each time it is told to', async () => {
    const { waits, prompts, result } = await run([
      'authorization_pending',
      'slow_down',
      'authorization_pending',
      'slow_down',
    ]);
    const session = await result;
    expect(session.user.username).toBe('bob');
    expect(prompts).toEqual([expect.stringMatching(/^BCDF-GHJK at https:\/\/127\.0\.0\.1:\d+\/device$/)]);
    expect(waits).toEqual([2000, 2000, 7000, 7000, 12000]);
  });

  it('stops with a clear message when the person denies the request', async () => {
    const { result } = await run(['authorization_pending', 'access_denied']);
    await expect(result).rejects.toMatchObject({
      code: 'idp_error',
      message: expect.stringContaining('denied'),
    });
  });

  it('stops when the code expired', async () => {
    const { result } = await run(['expired_token']);
    await expect(result).rejects.toMatchObject({
      code: 'login_timeout',
      message: expect.stringContaining('expired'),
    });
  });
});
