import { agentConfigSchema } from './agent-config.js';
import { auditorConfigSchema } from './auditor-config.js';
import { brokerConfigSchema } from './broker-config.js';
import { envWithPrefix, loadConfig } from './load-config.js';
import { otelEnvironmentSchema } from './otel-environment.js';

const agentBase = { CLUSTER_NAME: 'dev-east', BROKER_URL: 'https://broker.example', TOKEN: 't' };
const brokerBase = { TLS_CERT_FILE: 'c', TLS_KEY_FILE: 'k' };

describe('telemetry settings', () => {
  it('serves agent probes and metrics on 0.0.0.0:9090 and exports no traces by default', () => {
    const config = loadConfig(agentConfigSchema, agentBase);
    expect(config).toMatchObject({ HTTP_HOST: '0.0.0.0', HTTP_PORT: 9090 });
    expect(config.OTLP_ENDPOINT).toBeUndefined();
  });

  it('gives the broker a metrics port of its own and no traces by default', () => {
    const config = loadConfig(brokerConfigSchema, brokerBase);
    expect(config.METRICS_PORT).toBe(9090);
    expect(config.METRICS_HOST).toBeUndefined();
    expect(config.OTLP_ENDPOINT).toBeUndefined();
  });

  it('exports no auditor traces by default, and takes only an http(s) collector', () => {
    const auditorBase = {
      KAFKA_BROKERS: 'kafka:9092',
      BROKER_JWKS_URL: 'https://broker.example/.well-known/jwks.json',
      BROKER_ISSUER: 'https://broker.example',
    };
    expect(loadConfig(auditorConfigSchema, auditorBase).OTLP_ENDPOINT).toBeUndefined();
    expect(
      loadConfig(auditorConfigSchema, { ...auditorBase, OTLP_ENDPOINT: 'http://collector:4318' })
        .OTLP_ENDPOINT,
    ).toBe('http://collector:4318');
    expect(() =>
      loadConfig(auditorConfigSchema, { ...auditorBase, OTLP_ENDPOINT: 'grpc://collector:4317' }),
    ).toThrow(/OTLP_ENDPOINT: must be an http\(s\):\/\/ URL/);
  });

  it('names every bad telemetry setting at once', () => {
    expect(() =>
      loadConfig(agentConfigSchema, {
        ...agentBase,
        HTTP_PORT: '70000',
        OTLP_ENDPOINT: 'grpc://collector:4317',
      }),
    ).toThrow(/HTTP_PORT: .*\n.*OTLP_ENDPOINT: must be an http\(s\):\/\/ URL/s);
    expect(() => loadConfig(brokerConfigSchema, { ...brokerBase, METRICS_PORT: 'x' })).toThrow(
      /METRICS_PORT/,
    );
  });

  it('reads the standard OTEL_* variables and refuses an exporter Tether does not have', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_SDK_DISABLED: 'false',
      PATH: '/usr/bin',
    };
    expect(loadConfig(otelEnvironmentSchema, envWithPrefix(env, 'OTEL_'))).toEqual({
      EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      TRACES_EXPORTER: 'otlp',
      SDK_DISABLED: false,
    });
    expect(() => loadConfig(otelEnvironmentSchema, { TRACES_EXPORTER: 'zipkin' })).toThrow(
      /TRACES_EXPORTER: Tether exports traces over OTLP only/,
    );
  });
});
