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
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 9443,
      TLS_CERT_FILE: '/c.pem',
      TLS_KEY_FILE: '/k.pem',
      LOG_LEVEL: 'info',
      DECISION_LIFETIME_SECONDS: 10,
      CLUSTERS: [],
    });
  });

  it('requires a client id once an OIDC issuer is configured', () => {
    expect(() =>
      loadConfig(brokerConfigSchema, {
        TLS_CERT_FILE: 'c',
        TLS_KEY_FILE: 'k',
        OIDC_ISSUER: 'https://idp.example',
      }),
    ).toThrow(/OIDC_CLIENT_ID: required when OIDC_ISSUER is set/);
  });

  it('lists every problem at once instead of stopping at the first', () => {
    let thrown: unknown;
    try {
      loadConfig(
        brokerConfigSchema,
        { PORT: '70000', LOG_LEVEL: 'loud', CLUSTERS: '[{"name":"Bad Name"}' },
        'TETHER_BROKER_*',
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/LOG_LEVEL/);
    expect(problems).toMatch(/TLS_CERT_FILE/);
    expect(problems).toMatch(/TLS_KEY_FILE/);
    expect(problems).toMatch(/CLUSTERS: is not valid JSON/);
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

describe('agent configuration', () => {
  it('requires a cluster name, an https broker URL and a credential, reporting all three', async () => {
    const { agentConfigSchema } = await import('./agent-config.js');
    let problems = '';
    try {
      loadConfig(agentConfigSchema, { CLUSTER_NAME: 'Dev East', BROKER_URL: 'http://broker' });
    } catch (error) {
      problems = (error as ConfigError).problems.join('\n');
    }
    expect(problems).toMatch(/CLUSTER_NAME/);
    expect(problems).toMatch(/BROKER_URL/);
    expect(problems).toMatch(/TOKEN/);
  });
});
