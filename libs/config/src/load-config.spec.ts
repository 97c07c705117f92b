import { brokerConfigSchema } from './broker-config.js';
import { ConfigError } from './config-error.js';
import { envWithPrefix, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = loadConfig(brokerConfigSchema, {
      TLS_CERT_FILE: '/c.pem',
      TLS_KEY_FILE: '/k.pem',
      PORT: '9443',
    });
    expect(config).toEqual({
      HOST: '127.0.0.1',
      PORT: 9443,
      TLS_CERT_FILE: '/c.pem',
      TLS_KEY_FILE: '/k.pem',
      LOG_LEVEL: 'info',
    });
  });

  it('lists every problem at once instead of stopping at the first', () => {
    let thrown: unknown;
    try {
      loadConfig(brokerConfigSchema, { PORT: '70000', LOG_LEVEL: 'loud' }, 'TETHER_BROKER_*');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/LOG_LEVEL/);
    expect(problems).toMatch(/TLS_CERT_FILE/);
    expect(problems).toMatch(/TLS_KEY_FILE/);
    expect((thrown as ConfigError).message).toContain('TETHER_BROKER_* is invalid');
  });
});

describe('envWithPrefix', () => {
  it('keeps only the variables of one app, without the prefix', () => {
    expect(
      envWithPrefix({ TETHER_BROKER_PORT: '1', TETHER_AGENT_PORT: '2', HOME: '/root' }, 'TETHER_BROKER_'),
    ).toEqual({
      PORT: '1',
    });
  });
});
