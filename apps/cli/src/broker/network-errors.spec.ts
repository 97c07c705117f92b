import { explainNetworkError } from './network-errors.js';

const failure = (code: string) => Object.assign(new Error(`boom ${code}`), { code });

describe('connection failures explained', () => {
  it('calls refused connections and DNS failures unreachable', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ERR_TETHER_TIMEOUT']) {
      expect(explainNetworkError(failure(code), 'https://b/auth/config').code).toBe('broker_unreachable');
    }
  });

  it('points at the clock when the certificate is not valid yet or expired by this clock', () => {
    const error = explainNetworkError(
      failure('CERT_NOT_YET_VALID'),
      'https://b/x',
      Date.parse('2001-01-01T00:00:00Z'),
    );
    expect(error.code).toBe('clock_skew');
    expect(error.message).toContain("not valid yet by this computer's clock (2001-01-01T00:00:00.000Z)");
    expect(error.hint).toContain('system clock');
  });

  it('suggests --broker-ca for a certificate from an unknown CA', () => {
    const error = explainNetworkError(
      failure('SELF_SIGNED_CERT_IN_CHAIN'),
      'https://b.example:8443/auth/config',
    );
    expect(error.code).toBe('broker_tls');
    expect(error.hint).toContain('tether login --broker https://b.example:8443 --broker-ca <ca.pem>');
  });
});
