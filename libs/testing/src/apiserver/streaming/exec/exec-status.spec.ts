import { errorStreamPayload } from './exec-status.js';

describe('error stream status', () => {
  it('reports success the way kubelet marshals metav1.Status', () => {
    expect(errorStreamPayload({ type: 'exit', code: 0 }, ['true'], 5)?.toString()).toBe(
      '{"metadata":{},"status":"Success"}',
    );
  });

  it('reports a non-zero exit with the ExitCode cause kubectl turns into its own exit code', () => {
    const payload = errorStreamPayload({ type: 'exit', code: 3 }, ['sh', '-c', 'exit 3'], 4)?.toString();
    expect(payload).toBe(
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    );
  });

  it('escapes <, > and & like Go encoding/json', () => {
    const payload = errorStreamPayload({ type: 'exit', code: 1 }, ['sh', '-c', 'a && b > c'], 5)?.toString();
    expect(payload).toContain('[sh -c a \\u0026\\u0026 b \\u003e c]');
  });

  it('reports a command that could not start as an internal error', () => {
    const status = JSON.parse(
      errorStreamPayload({ type: 'runtime-error', message: 'boom' }, ['x'], 5)!.toString(),
    );
    expect(status).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: error executing command in container: boom',
      reason: 'InternalError',
      details: { causes: [{ message: 'error executing command in container: boom' }] },
      code: 500,
    });
  });

  it('sends bare text, and nothing on success, to pre-v4 clients', () => {
    expect(errorStreamPayload({ type: 'exit', code: 0 }, ['true'], 3)).toBeNull();
    expect(errorStreamPayload({ type: 'exit', code: 2 }, ['false'], 2)?.toString()).toBe(
      'command terminated with non-zero exit code: error executing command [false], exit code 2',
    );
  });
});
