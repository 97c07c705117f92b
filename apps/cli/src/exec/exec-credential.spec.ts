import { execCredential, execIsInteractive } from './exec-credential.js';

describe('the ExecCredential kubectl reads from the plugin', () => {
  it('has the v1 shape with an RFC 3339 expiry that never outlives the token', () => {
    const credential = execCredential('tok', '2030-01-02T03:04:05.987Z');
    expect(credential).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'tok', expirationTimestamp: '2030-01-02T03:04:05Z' },
    });
  });

  it('reads spec.interactive from KUBERNETES_EXEC_INFO and treats anything unclear as non-interactive', () => {
    const info = (interactive: unknown) =>
      JSON.stringify({
        kind: 'ExecCredential',
        apiVersion: 'client.authentication.k8s.io/v1',
        spec: { interactive },
      });
    expect(execIsInteractive(info(true))).toBe(true);
    expect(execIsInteractive(info(false))).toBe(false);
    expect(execIsInteractive(info('yes'))).toBe(false);
    expect(execIsInteractive('{not json')).toBe(false);
    expect(execIsInteractive(undefined)).toBe(false);
  });
});
