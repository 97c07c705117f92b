// What goes on the error stream (channel 3) when a session ends, exactly as the kubelet's
// remotecommand server writes it: for v4/v5 a json.Marshal'ed metav1.Status, for older protocols
// the bare error text and nothing on success.
import type { ProcessOutcome } from '../process/process-io.js';

/** Go's encoding/json escapes these so JSON can sit inside HTML; match it byte for byte. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function failureMessage(outcome: ProcessOutcome, argv: string[]): string {
  if (outcome.type === 'exit') {
    return `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${outcome.code}`;
  }
  return `Internal error occurred: error executing command in container: ${outcome.message}`;
}

/** The bytes for the error stream, or null when nothing is sent. `version` is the channel protocol version. */
export function errorStreamPayload(outcome: ProcessOutcome, argv: string[], version: number): Buffer | null {
  const succeeded = outcome.type === 'exit' && outcome.code === 0;
  if (version < 4) return succeeded ? null : Buffer.from(failureMessage(outcome, argv), 'utf8');
  if (succeeded) return Buffer.from(goJson({ metadata: {}, status: 'Success' }), 'utf8');
  if (outcome.type === 'exit') {
    return Buffer.from(
      goJson({
        metadata: {},
        status: 'Failure',
        message: failureMessage(outcome, argv),
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(outcome.code) }] },
      }),
      'utf8',
    );
  }
  const cause = `error executing command in container: ${outcome.message}`;
  return Buffer.from(
    goJson({
      metadata: {},
      status: 'Failure',
      message: failureMessage(outcome, argv),
      reason: 'InternalError',
      details: { causes: [{ message: cause }] },
      code: 500,
    }),
    'utf8',
  );
}
