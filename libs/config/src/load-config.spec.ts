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

  it('sends audit to the embedded store by default and needs a spool folder once Kafka is named', () => {
    const embedded = loadConfig(brokerConfigSchema, { TLS_CERT_FILE: 'c', TLS_KEY_FILE: 'k' });
    expect(embedded.KAFKA_BROKERS).toBeUndefined();
    expect(embedded.AUDIT_SPOOL_FULL_POLICY).toBe('fail-closed');
    expect(embedded.AUDIT_READER_GROUPS).toEqual(['security-auditors']);
    expect(() =>
      loadConfig(brokerConfigSchema, { TLS_CERT_FILE: 'c', TLS_KEY_FILE: 'k', KAFKA_BROKERS: 'k1:9092' }),
    ).toThrow(/AUDIT_SPOOL_DIR: required with KAFKA_BROKERS/);
    const kafka = loadConfig(brokerConfigSchema, {
      TLS_CERT_FILE: 'c',
      TLS_KEY_FILE: 'k',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      DATA_DIR: '/var/lib/tether',
      AUDIT_SPOOL_FULL_POLICY: 'fail-open',
    });
    expect(kafka.KAFKA_BROKERS).toEqual(['k1:9092', 'k2:9092']);
    expect(kafka.AUDIT_SPOOL_FULL_POLICY).toBe('fail-open');
    expect(() =>
      loadConfig(brokerConfigSchema, {
        TLS_CERT_FILE: 'c',
        TLS_KEY_FILE: 'k',
        AUDIT_SPOOL_FULL_POLICY: 'drop',
      }),
    ).toThrow(/AUDIT_SPOOL_FULL_POLICY/);
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

describe('agent credential sources', () => {
  const base = { CLUSTER_NAME: 'dev-east', BROKER_URL: 'https://broker.example' };
  const problemsOf = async (raw: Record<string, string>): Promise<string> => {
    const { agentConfigSchema } = await import('./agent-config.js');
    try {
      loadConfig(agentConfigSchema, { ...base, ...raw });
      return '';
    } catch (error) {
      return (error as ConfigError).problems.join('\n');
    }
  };

  it('accepts enrollment with a Secret in a namespace, or with a file, or a static token', async () => {
    expect(
      await problemsOf({
        JOIN_TOKEN_FILE: '/j',
        CREDENTIAL_SECRET: 'tether-agent',
        NAMESPACE: 'tether-system',
      }),
    ).toBe('');
    expect(await problemsOf({ CREDENTIAL_FILE: '/var/lib/tether/credential' })).toBe('');
    expect(await problemsOf({ TOKEN_FILE: '/t' })).toBe('');
  });

  it('lists every conflict in one go: static and enrolled, two stores, a Secret without namespace', async () => {
    const problems = await problemsOf({
      TOKEN: 'x',
      TOKEN_FILE: '/t',
      JOIN_TOKEN_FILE: '/j',
      CREDENTIAL_SECRET: 's',
      CREDENTIAL_FILE: '/f',
    });
    expect(problems).toMatch(/TOKEN: set TOKEN or TOKEN_FILE, not both/);
    expect(problems).toMatch(/exclude each other/);
    expect(problems).toMatch(/NAMESPACE: required with CREDENTIAL_SECRET/);
  });

  it('an enrolled agent must say where its credential lives', async () => {
    expect(await problemsOf({ JOIN_TOKEN_FILE: '/j' })).toMatch(/CREDENTIAL_SECRET or CREDENTIAL_FILE/);
    expect(await problemsOf({ CREDENTIAL_SECRET: 's', CREDENTIAL_FILE: '/f', NAMESPACE: 'n' })).toMatch(
      /not both/,
    );
  });
});
